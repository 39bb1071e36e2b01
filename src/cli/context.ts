// Opening what a command needs from its validated config: the logger and the store (with the
// SQLite addon from the single executable when running as one).
import type { Config } from "../config/index.ts";
import { createStore } from "../db/index.ts";
import type { Store } from "../db/store.ts";
import type { Logger } from "../logger.ts";
import { dataDirOf, loadSqliteAddon, type NativeAddon } from "../native/sqlite-addon.ts";
import { VERSION } from "../version.ts";

/** The addon to hand to better-sqlite3, or undefined (Postgres, or not a single executable). */
export function sqliteBinding(config: Config, env: NodeJS.ProcessEnv): NativeAddon | undefined {
  if (config.database.type !== "sqlite") return undefined;
  return loadSqliteAddon({ version: VERSION, dataDir: dataDirOf(config.database.path), env });
}

export async function openStore(config: Config, logger: Logger, env: NodeJS.ProcessEnv): Promise<Store> {
  return createStore(config, logger, { nativeBinding: sqliteBinding(config, env) });
}

/** Runs `fn` with an open store and always closes it. */
export async function withStore<T>(
  config: Config,
  logger: Logger,
  env: NodeJS.ProcessEnv,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(config, logger, env);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
