// Applies the migrations embedded in the program (src/db/migrations.generated.ts) — never a folder
// on disk, because the single executable has none. All pending migrations run in one transaction
// and are recorded in __neurocards_migrations, so a second start applies nothing and a crash
// mid-way leaves the database as it was.
import { createHash } from "node:crypto";
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";
import type { Logger } from "../logger.ts";
import { type EmbeddedMigration, MIGRATIONS } from "./migrations.generated.ts";

export const MIGRATIONS_TABLE = "__neurocards_migrations";

export interface MigrationResult {
  applied: string[];
}

export class NewerDatabaseError extends Error {
  constructor(readonly unknown: string[]) {
    super(
      `database was created by a newer Neurocards version: it has migrations this program does not know (${unknown.join(", ")}). Upgrade neurocards or point it at another database.`,
    );
    this.name = "NewerDatabaseError";
  }
}

export function migrationHash(m: EmbeddedMigration): string {
  return createHash("sha256").update(m.sql).digest("hex");
}

function statements(m: EmbeddedMigration): string[] {
  return m.sql
    .split("--> statement-breakpoint")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** What is left to apply; refuses a database that knows migrations this build does not. */
export function pendingMigrations(
  embedded: EmbeddedMigration[],
  applied: Array<{ name: string; hash: string }>,
  logger?: Logger,
): EmbeddedMigration[] {
  const known = new Map(embedded.map((m) => [m.name, m]));
  const unknown = applied.filter((a) => !known.has(a.name)).map((a) => a.name);
  if (unknown.length) throw new NewerDatabaseError(unknown);
  const done = new Set(applied.map((a) => a.name));
  for (const a of applied) {
    const m = known.get(a.name);
    // An edited migration is a packaging mistake, not a reason to refuse to start: say it loudly.
    if (m && migrationHash(m) !== a.hash)
      logger?.warn({ migration: a.name }, "applied migration differs from the embedded one");
  }
  return embedded.filter((m) => !done.has(m.name));
}

export function migrateSqlite(
  db: BetterSqlite3.Database,
  logger?: Logger,
  migrations: EmbeddedMigration[] = MIGRATIONS.sqlite,
): MigrationResult {
  db.exec(
    `create table if not exists ${MIGRATIONS_TABLE} (name text primary key, hash text not null, applied_at integer not null)`,
  );
  // One immediate transaction for the whole run: two processes starting together on one file
  // cannot both decide a migration is pending.
  const run = db.transaction((): string[] => {
    const applied = db.prepare(`select name, hash from ${MIGRATIONS_TABLE} order by name`).all() as Array<{
      name: string;
      hash: string;
    }>;
    const pending = pendingMigrations(migrations, applied, logger);
    const record = db.prepare(`insert into ${MIGRATIONS_TABLE} (name, hash, applied_at) values (?, ?, ?)`);
    for (const m of pending) {
      for (const s of statements(m)) db.exec(s);
      record.run(m.name, migrationHash(m), Date.now());
      logger?.info({ migration: m.name }, "applied migration");
    }
    return pending.map((m) => m.name);
  });
  return { applied: run.immediate() };
}

export async function migratePostgres(
  pool: pg.Pool,
  logger?: Logger,
  migrations: EmbeddedMigration[] = MIGRATIONS.postgres,
): Promise<MigrationResult> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query("begin");
    try {
      // Serializes concurrent starts (two bots, or a bot and `neurocards migrate`) on one database;
      // taken before creating the bookkeeping table, whose CREATE would race otherwise.
      await client.query("select pg_advisory_xact_lock(hashtext(current_schema() || '.neurocards_migrate'))");
      await client.query(
        `create table if not exists ${MIGRATIONS_TABLE} (name text primary key, hash text not null, applied_at timestamptz not null default now())`,
      );
      const { rows } = await client.query<{ name: string; hash: string }>(
        `select name, hash from ${MIGRATIONS_TABLE} order by name`,
      );
      const pending = pendingMigrations(migrations, rows, logger);
      for (const m of pending) {
        // drizzle-kit qualifies foreign keys with "public"; dropping it lets a migration land in
        // whatever schema search_path selects (tests run each file in its own schema).
        for (const s of statements(m)) await client.query(s.replaceAll('"public".', ""));
        await client.query(`insert into ${MIGRATIONS_TABLE} (name, hash) values ($1, $2)`, [
          m.name,
          migrationHash(m),
        ]);
        logger?.info({ migration: m.name }, "applied migration");
      }
      await client.query("commit");
      return { applied: pending.map((m) => m.name) };
    } catch (err) {
      await client.query("rollback").catch((e: Error) => {
        failure = e; // the connection is dead: do not return it to the pool
      });
      throw err;
    }
  } finally {
    client.release(failure);
  }
}
