// Opens the configured database, applies the embedded migrations and returns the Store. The
// Postgres driver and store are imported on demand, so the default SQLite setup never loads them.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import { type MigrationResult, migratePostgres, migrateSqlite } from "./migrate.ts";
import { openSqliteStore } from "./sqlite/store.ts";
import type { Store } from "./store.ts";

export { type MigrationResult, NewerDatabaseError } from "./migrate.ts";
export { openSqliteStore, type SqliteStoreOptions } from "./sqlite/store.ts";
export type { Store } from "./store.ts";

export interface CreateStoreOptions {
  /** The better-sqlite3 addon object when the program cannot load it from node_modules (single executable). */
  nativeBinding?: string | object;
}

export async function createStore(
  config: Config,
  logger: Logger,
  o: CreateStoreOptions = {},
): Promise<Store> {
  const db = config.database;
  if (db.type === "postgres") {
    // Loaded only in Postgres mode: a SQLite install (the default) never evaluates pg.
    const { openPostgresStore } = await import("./postgres/store.ts");
    return openPostgresStore({
      url: db.url,
      poolSize: db.poolSize,
      freeCredits: config.freeCredits,
      logger,
      namedStatements: !db.transactionPooler,
    });
  }
  return openSqliteStore({
    path: db.path,
    freeCredits: config.freeCredits,
    logger,
    nativeBinding: o.nativeBinding,
  });
}

/** `neurocards migrate`: applies pending migrations and reports which, without starting a store. */
export async function migrateDatabase(
  config: Config,
  logger: Logger,
  o: CreateStoreOptions = {},
): Promise<MigrationResult> {
  const db = config.database;
  if (db.type === "postgres") {
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    pool.on("error", (err) => logger.warn({ err }, "postgres connection lost"));
    try {
      return await migratePostgres(pool, logger);
    } finally {
      await pool.end();
    }
  }
  if (db.path !== ":memory:") mkdirSync(dirname(db.path), { recursive: true });
  const nativeBinding = o.nativeBinding as string | undefined;
  const sqlite = new Database(db.path, nativeBinding ? { nativeBinding } : {});
  try {
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("busy_timeout = 5000");
    return migrateSqlite(sqlite, logger);
  } finally {
    sqlite.close();
  }
}
