// Opens the configured database: the one entry point for the store, backups, import, doctor and
// LISTEN. The Postgres driver is imported on demand, so the default SQLite setup never loads pg.
import type { Config } from "../../config/index.ts";
import type { Logger } from "../../logger.ts";
import { openSqliteDriver } from "./sqlite.ts";
import type { Driver, Op, RunOptions } from "./types.ts";

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

/**
 * Runs an operation that must be one atomic step: Postgres runs it as it is (one statement is atomic
 * by itself, and BEGIN/COMMIT would cost two more round trips), SQLite inside BEGIN IMMEDIATE (its
 * steps are several statements, or one that must hold the write lock from its first read).
 */
export function atomically<T>(driver: Driver, op: () => Op<T>, o?: RunOptions): Promise<T> {
  return driver.dialect === "postgres" ? driver.run(op, o) : driver.transaction(op, o);
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
