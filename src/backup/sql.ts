// A narrow SQL connection of its own for restoring a backup: bulk inserts with
// given ids, statuses and timestamps are beyond the Store interface (which only makes rows the way
// the bot does). One connection, one dialect-neutral API: `?` placeholders, rewritten to $n for
// Postgres; transactions that may await (SQLite gets BEGIN IMMEDIATE on its single connection).
// The connection itself is opened by src/db/driver, like every other.

import type Database from "better-sqlite3";
import type { Config } from "../config/index.ts";
import { openSqliteDatabase } from "../db/driver/sqlite.ts";

export interface SqlConn {
  readonly dialect: "sqlite" | "postgres";
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  /** Runs `fn` in one transaction; rolls back when it throws. Not reentrant. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function openSqliteConn(path: string, nativeBinding?: string | object): SqlConn {
  const db = openSqliteDatabase({ path, nativeBinding });
  const cache = new Map<string, Database.Statement<unknown[]>>();
  const prep = (sql: string) => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare<unknown[]>(sql);
      if (cache.size > 200) cache.clear();
      cache.set(sql, s);
    }
    return s;
  };
  return {
    dialect: "sqlite",
    async all<T>(sql: string, params: unknown[] = []) {
      return prep(sql).all(...params) as T[];
    },
    async run(sql, params = []) {
      return prep(sql).run(...params).changes;
    },
    async transaction(fn) {
      db.exec("begin immediate");
      try {
        const out = await fn();
        db.exec("commit");
        return out;
      } catch (err) {
        if (db.inTransaction) db.exec("rollback");
        throw err;
      }
    },
    async close() {
      db.close();
    },
  };
}

export async function openPostgresConn(url: string): Promise<SqlConn> {
  const { connectPostgres } = await import("../db/driver/postgres.ts");
  const client = await connectPostgres({ url, applicationName: "neurocards-data" });
  const dollar = (sql: string) => {
    let i = 0;
    return sql.replace(/\?/g, () => `$${++i}`);
  };
  return {
    dialect: "postgres",
    async all<T>(sql: string, params: unknown[] = []) {
      return (await client.query(dollar(sql), params)).rows as T[];
    },
    async run(sql, params = []) {
      return (await client.query(dollar(sql), params)).rowCount ?? 0;
    },
    async transaction(fn) {
      await client.query("begin");
      try {
        const out = await fn();
        await client.query("commit");
        return out;
      } catch (err) {
        await client.query("rollback").catch(() => {});
        throw err;
      }
    },
    async close() {
      await client.end();
    },
  };
}

export async function openSqlConn(config: Config, nativeBinding?: string | object): Promise<SqlConn> {
  const db = config.database;
  return db.type === "postgres" ? openPostgresConn(db.url) : openSqliteConn(db.path, nativeBinding);
}

/** A multi-row INSERT for `rows` rows of `columns`, with an optional conflict clause. */
export function insertSql(table: string, columns: string[], rows: number, onConflict = ""): string {
  const one = `(${columns.map(() => "?").join(", ")})`;
  return `insert into ${quote(table)} (${columns.map(quote).join(", ")}) values ${Array(rows).fill(one).join(", ")}${onConflict ? ` ${onConflict}` : ""}`;
}
