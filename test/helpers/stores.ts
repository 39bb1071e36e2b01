// Store factories for tests: every `make()` returns a fresh, migrated, isolated store — a temp file
// for SQLite, its own schema (t_<random>) for Postgres so parallel test files never collide.
// Postgres appears only when TEST_DATABASE_URL is set.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../src/db/sqlite/store.ts";
import type { Store } from "../../src/db/store.ts";
import { createLogger, type Logger } from "../../src/logger.ts";

export interface MakeOptions {
  /** Credits granted on signup (default 1, like the config default). */
  freeCredits?: number;
  logger?: Logger;
}

export interface SharedStores {
  /** Separate connections (SQLite) or pools (Postgres) to one database. */
  stores: Store[];
  /** The SQLite file path or the Postgres schema name. */
  target: string;
  close(): Promise<void>;
}

export interface StoreFactory {
  name: "sqlite" | "postgres";
  make(opts?: MakeOptions): Promise<Store>;
  /** `n` stores on one fresh database, for concurrency tests. */
  makeShared(n: number, opts?: MakeOptions): Promise<SharedStores>;
}

export const silentLogger = (): Logger => createLogger({ level: "silent", pretty: false });

function withCleanup(store: Store, cleanup: () => Promise<void> | void): Store {
  let done = false;
  return {
    ...store,
    async close() {
      await store.close();
      if (!done) {
        done = true;
        await cleanup();
      }
    },
  };
}

export function sqliteFactory(): StoreFactory {
  const open = (path: string, o: MakeOptions) =>
    openSqliteStore({ path, freeCredits: o.freeCredits ?? 1, logger: o.logger ?? silentLogger() });
  return {
    name: "sqlite",
    async make(o = {}) {
      const dir = mkdtempSync(join(tmpdir(), "nc-store-"));
      return withCleanup(await open(join(dir, "test.db"), o), () =>
        rmSync(dir, { recursive: true, force: true }),
      );
    },
    async makeShared(n, o = {}) {
      const dir = mkdtempSync(join(tmpdir(), "nc-store-"));
      const path = join(dir, "test.db");
      const stores: Store[] = [];
      for (let i = 0; i < n; i++) stores.push(await open(path, o));
      return {
        stores,
        target: path,
        async close() {
          for (const s of stores) await s.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

export function storeFactories(): StoreFactory[] {
  return [sqliteFactory()];
}
