// Opens the configured database, applies the embedded migrations and returns the Store. The
// Postgres driver is imported on demand, so the default SQLite setup never loads pg.
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import { type OpenDriverOptions, openDriver } from "./driver/index.ts";
import type { PostgresDriverOptions } from "./driver/postgres.ts";
import { openSqliteDatabase, openSqliteDriver, type SqliteDriverOptions } from "./driver/sqlite.ts";
import { type MigrationResult, migratePostgres, migrateSqlite } from "./migrate.ts";
import { createStoreOn, type Store, type StoreOptions } from "./store.ts";

export { type MigrationResult, NewerDatabaseError } from "./migrate.ts";
export { createStoreOn, type Store } from "./store.ts";

export type CreateStoreOptions = Pick<OpenDriverOptions, "nativeBinding">;

export async function createStore(
  config: Config,
  logger: Logger,
  o: CreateStoreOptions = {},
): Promise<Store> {
  const driver = await openDriver(config, logger, { nativeBinding: o.nativeBinding });
  return createStoreOn(driver, { freeCredits: config.freeCredits });
}

export type SqliteStoreOptions = SqliteDriverOptions & StoreOptions;

/** A store on a SQLite file (tests and benches; the program goes through `createStore`). */
export async function openSqliteStore(o: SqliteStoreOptions): Promise<Store> {
  return createStoreOn(openSqliteDriver(o), o);
}

export type PostgresStoreOptions = Omit<PostgresDriverOptions, "poolSize"> &
  StoreOptions & { poolSize?: number };

/** A store on Postgres (tests and benches); loads pg on first use. */
export async function openPostgresStore(o: PostgresStoreOptions): Promise<Store> {
  const { openPostgresDriver } = await import("./driver/postgres.ts");
  return createStoreOn(await openPostgresDriver({ ...o, poolSize: o.poolSize ?? 10 }), o);
}

/** `neurocards migrate`: applies pending migrations and reports which, without starting a store. */
export async function migrateDatabase(
  config: Config,
  logger: Logger,
  o: CreateStoreOptions = {},
): Promise<MigrationResult> {
  const db = config.database;
  if (db.type === "postgres") {
    const { openPostgresDriver } = await import("./driver/postgres.ts");
    const driver = await openPostgresDriver({ url: db.url, poolSize: 1, logger, migrate: false });
    try {
      return await migratePostgres(driver.pool, logger);
    } finally {
      await driver.close();
    }
  }
  const sqlite = openSqliteDatabase({ path: db.path, nativeBinding: o.nativeBinding });
  try {
    return migrateSqlite(sqlite, logger);
  } finally {
    sqlite.close();
  }
}
