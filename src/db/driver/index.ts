// Opens the configured database: the one entry point for the store, backups, import, doctor and
// LISTEN. The Postgres driver is imported on demand, so the default SQLite setup never loads pg.
import type { Config } from "../../config/index.ts";
import type { Logger } from "../../logger.ts";
import { openSqliteDriver } from "./sqlite.ts";
import type { Driver } from "./types.ts";

export type { PostgresDriver } from "./postgres.ts";
export * from "./sql.ts";
export { openSqliteDatabase, openSqliteDriver, type SqliteDriver } from "./sqlite.ts";
export * from "./types.ts";

export interface OpenDriverOptions {
  /** The better-sqlite3 addon object when the program cannot load it from node_modules (single executable). */
  nativeBinding?: string | object;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

export async function openDriver(config: Config, logger: Logger, o: OpenDriverOptions = {}): Promise<Driver> {
  const db = config.database;
  if (db.type === "postgres") {
    const { openPostgresDriver } = await import("./postgres.ts");
    return openPostgresDriver({
      url: db.url,
      poolSize: db.poolSize,
      logger,
      migrate: o.migrate,
      namedStatements: !db.transactionPooler,
    });
  }
  return openSqliteDriver({ path: db.path, logger, nativeBinding: o.nativeBinding, migrate: o.migrate });
}
