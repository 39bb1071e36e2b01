// Opens the configured database, applies the embedded migrations and returns the Store.
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import { openPostgresStore } from "./postgres/store.ts";
import { openSqliteStore } from "./sqlite/store.ts";
import type { Store } from "./store.ts";

export { NewerDatabaseError } from "./migrate.ts";
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
