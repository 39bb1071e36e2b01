// Opens the configured database, applies the embedded migrations and returns the Store.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import { type MigrationResult, migratePostgres, migrateSqlite } from "./migrate.ts";
import { openPostgresStore } from "./postgres/store.ts";
import { openSqliteStore } from "./sqlite/store.ts";
import type { Store } from "./store.ts";

export { type MigrationResult, NewerDatabaseError } from "./migrate.ts";
export { openPostgresStore, type PostgresStoreOptions } from "./postgres/store.ts";
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
    return openPostgresStore({ url: db.url, poolSize: db.poolSize, freeCredits: config.freeCredits, logger });
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
