// Migrations travel inside the program: the embedded copy must equal migrations/, a second start
// applies nothing, and a database from a newer version is refused with a clear message.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../src/db/index.ts";
import { MIGRATIONS_TABLE, migratePostgres, migrateSqlite, NewerDatabaseError } from "../src/db/migrate.ts";
import { MIGRATIONS } from "../src/db/migrations.generated.ts";
import { silentLogger } from "./helpers/stores.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("embedded migrations", () => {
  it.each(["sqlite", "postgres"] as const)(
    "equal the %s files in migrations/ (run `npm run db:generate`)",
    (dialect) => {
      const dir = join(root, "migrations", dialect);
      const journal = JSON.parse(readFileSync(join(dir, "meta", "_journal.json"), "utf8")) as {
        entries: Array<{ tag: string }>;
      };
      const files = journal.entries.map((e) => ({
        name: e.tag,
        sql: readFileSync(join(dir, `${e.tag}.sql`), "utf8"),
      }));
      expect(MIGRATIONS[dialect]).toEqual(files);
      expect(files.length).toBeGreaterThan(0);
    },
  );
});

describe("SQLite migrations", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function tempDb(): string {
    const dir = mkdtempSync(join(tmpdir(), "nc-mig-"));
    dirs.push(dir);
    return join(dir, "db.sqlite");
  }

  it("applies everything once and nothing on the second start", () => {
    const db = new Database(tempDb());
    try {
      expect(migrateSqlite(db).applied).toEqual(MIGRATIONS.sqlite.map((m) => m.name));
      expect(migrateSqlite(db).applied).toEqual([]);
      const rows = db.prepare(`select name, hash, applied_at from ${MIGRATIONS_TABLE}`).all();
      expect(rows).toHaveLength(MIGRATIONS.sqlite.length);
    } finally {
      db.close();
    }
  });

  it("refuses a database created by a newer version", async () => {
    const path = tempDb();
    const db = new Database(path);
    migrateSqlite(db);
    db.prepare(
      `insert into ${MIGRATIONS_TABLE} (name, hash, applied_at) values ('9999_from_the_future', 'x', 0)`,
    ).run();
    db.close();
    const opening = openSqliteStore({ path, freeCredits: 1, logger: silentLogger() });
    await expect(opening).rejects.toBeInstanceOf(NewerDatabaseError);
    await expect(opening).rejects.toThrow(
      /database was created by a newer Neurocards version: .*9999_from_the_future/,
    );
  });

  it("applies a migration added later, leaving earlier ones alone", () => {
    const db = new Database(tempDb());
    try {
      migrateSqlite(db);
      const next = [
        ...MIGRATIONS.sqlite,
        { name: "9000_extra", sql: "create table extra (id integer primary key);" },
      ];
      expect(migrateSqlite(db, undefined, next).applied).toEqual(["9000_extra"]);
      expect(migrateSqlite(db, undefined, next).applied).toEqual([]);
    } finally {
      db.close();
    }
  });
});

const url = process.env.TEST_DATABASE_URL;
if (!url) console.warn("\n*** Postgres migration tests are SKIPPED: TEST_DATABASE_URL is not set ***\n");

describe.runIf(Boolean(url))("Postgres migrations", () => {
  async function inSchema(fn: (pool: pg.Pool) => Promise<void>) {
    const schema = `t_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Pool({ connectionString: url, max: 1 });
    await admin.query(`create schema ${schema}`);
    const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
    try {
      await fn(pool);
    } finally {
      await pool.end();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  }

  it("applies everything once, nothing on the second start, and refuses a newer database", async () => {
    await inSchema(async (pool) => {
      const [a, b] = await Promise.all([migratePostgres(pool), migratePostgres(pool)]);
      expect([...(a?.applied ?? []), ...(b?.applied ?? [])]).toEqual(MIGRATIONS.postgres.map((m) => m.name));
      expect((await migratePostgres(pool)).applied).toEqual([]);
      await pool.query(`insert into ${MIGRATIONS_TABLE} (name, hash) values ('9999_from_the_future', 'x')`);
      await expect(migratePostgres(pool)).rejects.toThrow(
        /database was created by a newer Neurocards version/,
      );
    });
  });
});
