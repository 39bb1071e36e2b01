// Store factories for tests: every `make()` returns a fresh, migrated, isolated store — a temp file
// for SQLite, its own schema (t_<random>) for Postgres so parallel test files never collide.
// Postgres appears only when TEST_DATABASE_URL is set.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openPostgresDriver } from "../../src/db/driver/postgres.ts";
import { openSqliteDriver } from "../../src/db/driver/sqlite.ts";
import type { Driver } from "../../src/db/driver/types.ts";
import { openPostgresStore, openSqliteStore } from "../../src/db/index.ts";
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
  /** The SQLite file path, or the Postgres schema name (also the pool's application_name). */
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

/** Postgres in a schema of its own (t_<random>), dropped again on close. */
export function postgresFactory(url: string): StoreFactory {
  const open = (schema: string, o: MakeOptions, poolSize = 10) =>
    openPostgresStore({
      url,
      schema,
      poolSize,
      applicationName: schema,
      freeCredits: o.freeCredits ?? 1,
      logger: o.logger ?? silentLogger(),
    });
  async function withSchema<T>(
    fn: (schema: string) => Promise<T>,
  ): Promise<{ value: T; drop: () => Promise<void> }> {
    const schema = `t_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create schema ${schema}`);
    } finally {
      await admin.end();
    }
    const drop = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
    };
    try {
      return { value: await fn(schema), drop };
    } catch (err) {
      await drop();
      throw err;
    }
  }
  return {
    name: "postgres",
    async make(o = {}) {
      const { value, drop } = await withSchema((schema) => open(schema, o));
      return withCleanup(value, drop);
    },
    async makeShared(n, o = {}) {
      let target = "";
      const { value: stores, drop } = await withSchema(async (schema) => {
        target = schema;
        const list: Store[] = [];
        for (let i = 0; i < n; i++) list.push(await open(schema, o, 4));
        return list;
      });
      return {
        stores,
        target,
        async close() {
          for (const s of stores) await s.close();
          await drop();
        },
      };
    },
  };
}

export interface DriverFactory {
  name: "sqlite" | "postgres";
  /** A fresh, migrated database (temp file or own schema), removed again on close. */
  make(): Promise<Driver>;
  /**
   * `n` drivers on one fresh database — separate connections (SQLite) or pools (Postgres), as
   * separate processes would have — for concurrency tests. `close` closes them all and removes it.
   */
  makeShared(n: number): Promise<{ drivers: Driver[]; close(): Promise<void> }>;
}

/** Drivers on fresh databases: SQLite always; Postgres too when TEST_DATABASE_URL is set. */
export function driverFactories(): DriverFactory[] {
  const sqlite: DriverFactory = {
    name: "sqlite",
    async make() {
      const dir = mkdtempSync(join(tmpdir(), "nc-driver-"));
      const d = openSqliteDriver({ path: join(dir, "test.db") });
      const close = d.close.bind(d);
      return Object.assign(d, {
        async close() {
          await close();
          rmSync(dir, { recursive: true, force: true });
        },
      });
    },
    async makeShared(n) {
      const dir = mkdtempSync(join(tmpdir(), "nc-driver-"));
      const drivers: Driver[] = [];
      for (let i = 0; i < n; i++) drivers.push(openSqliteDriver({ path: join(dir, "test.db") }));
      return {
        drivers,
        async close() {
          for (const d of drivers) await d.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return [sqlite];
  const postgres: DriverFactory = {
    name: "postgres",
    async make() {
      const schema = `t_${randomBytes(6).toString("hex")}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      const d = await openPostgresDriver({ url, schema, poolSize: 4, logger: silentLogger() });
      const close = d.close.bind(d);
      return Object.assign(d, {
        async close() {
          await close();
          await admin.query(`drop schema if exists ${schema} cascade`);
          await admin.end();
        },
      });
    },
    async makeShared(n) {
      const schema = `t_${randomBytes(6).toString("hex")}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      const drivers: Driver[] = [];
      for (let i = 0; i < n; i++)
        drivers.push(await openPostgresDriver({ url, schema, poolSize: 4, logger: silentLogger() }));
      return {
        drivers,
        async close() {
          for (const d of drivers) await d.close();
          await admin.query(`drop schema if exists ${schema} cascade`);
          await admin.end();
        },
      };
    },
  };
  return [sqlite, postgres];
}

/** SQLite always; Postgres too when TEST_DATABASE_URL is set. */
export function storeFactories(): StoreFactory[] {
  const url = process.env.TEST_DATABASE_URL;
  return url ? [sqliteFactory(), postgresFactory(url)] : [sqliteFactory()];
}

/**
 * The same store behind a switch: while `down`, every operation fails as a database that does not
 * answer would ("connection refused"), for the whole program that uses it.
 */
export function switchableStore(store: Store): { store: Store; down(): void; up(): void; isDown(): boolean } {
  let down = false;
  const proxy = new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function" || key === "close") return value;
      return (...args: unknown[]) => {
        if (down)
          return Promise.reject(
            Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
          );
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store: proxy,
    down: () => {
      down = true;
    },
    up: () => {
      down = false;
    },
    isDown: () => down,
  };
}
