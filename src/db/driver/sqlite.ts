// The SQLite driver: the one place that opens a SQLite database. better-sqlite3 is synchronous:
// an operation runs start to finish — transaction included — without yielding to the event loop,
// so transactions on one connection never interleave. Writers on other connections or processes
// are serialized by BEGIN IMMEDIATE (the write lock is taken before the first read, so a
// read-then-write cannot be raced) and wait for each other through busy_timeout.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Logger } from "../../logger.ts";
import { migrateSqlite } from "../migrate.ts";
import { arrayRowDecoder } from "../rows.ts";
import * as schema from "../schema/sqlite.ts";
import { render } from "./sql.ts";
import { type Driver, type Op, type Step, type TableName, tablesOf, withUniqueRetry } from "./types.ts";

export interface SqliteDriverOptions {
  /** Database file (created with its directory), or ":memory:". */
  path: string;
  logger?: Logger;
  /** The better-sqlite3 addon, already loaded (the single executable loads it with process.dlopen). */
  nativeBinding?: string | object;
  /** How long a writer waits for another connection's write lock before failing (default 5000). */
  busyTimeoutMs?: number;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  readonly?: boolean;
}

export interface SqliteDriver extends Driver {
  readonly dialect: "sqlite";
  /** The connection, for what only SQLite does (online backup, pragmas, migrations). */
  readonly db: Database.Database;
}

const TABLES = tablesOf(schema);

/** Opens the file with the pragmas every connection needs (WAL, busy timeout, foreign keys). */
export function openSqliteDatabase(o: SqliteDriverOptions): Database.Database {
  if (o.path !== ":memory:" && !o.readonly) mkdirSync(dirname(o.path), { recursive: true });
  const nativeBinding = o.nativeBinding as string | undefined;
  const db = new Database(o.path, {
    ...(nativeBinding ? { nativeBinding } : {}),
    ...(o.readonly ? { readonly: true, fileMustExist: true } : {}),
  });
  if (!o.readonly) db.pragma("journal_mode = WAL");
  db.pragma(`busy_timeout = ${o.busyTimeoutMs ?? 5000}`);
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  return db;
}

export function openSqliteDriver(o: SqliteDriverOptions): SqliteDriver {
  const db = openSqliteDatabase(o);
  if (o.migrate !== false && !o.readonly) {
    try {
      migrateSqlite(db, o.logger);
    } catch (err) {
      db.close();
      throw err;
    }
  }
  return createSqliteDriver(db);
}

export function createSqliteDriver(db: Database.Database): SqliteDriver {
  // Prepared once per text: a statement is compiled on first use and reused ever after. One map
  // per decoding (raw, or a table's rows), keyed by the rendered text itself: that string is the
  // same object on every call (the renderer caches it), so a look-up never hashes a new string.
  const statements = new Map<TableName | "", Map<string, Database.Statement>>();
  const decoders = new WeakMap<Database.Statement, (row: unknown[]) => unknown>();
  const prepare = (text: string, table?: TableName): Database.Statement => {
    let byText = statements.get(table ?? "");
    if (!byText) {
      byText = new Map();
      statements.set(table ?? "", byText);
    }
    let s = byText.get(text);
    if (!s) {
      s = db.prepare(text);
      byText.set(text, s);
      if (table) {
        // Rows of a table come back as arrays (raw mode), decoded by their position in the
        // statement's own column list: on the claim/complete hot path this skips building a 35-key
        // object per row only to copy it into another (~2 µs a row, measured).
        const names = s.columns().map((c) => c.name);
        decoders.set(s, arrayRowDecoder(TABLES[table], names));
        s.raw(true);
      }
    }
    return s;
  };
  const begin = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  const rollback = db.prepare("ROLLBACK");
  let closed = false;

  function answer(step: Step): unknown {
    if (step.kind === "dialect") return "sqlite";
    const { text, values } = render("sqlite", step.q);
    if (step.kind === "run") {
      const s = prepare(text);
      return s.reader ? s.all(...values).length : s.run(...values).changes;
    }
    const s = prepare(text, step.table);
    const decode = step.table ? decoders.get(s) : undefined;
    if (step.kind === "one") {
      // `.get()`, not `.all()`: on a writing statement `.all()` had 3-6× the p99 of `.get()`
      // with the same SQL in the claim/complete bench.
      const row = s.get(...values);
      if (row === undefined) return null;
      return decode ? decode(row as unknown[]) : row;
    }
    const list = s.all(...values);
    return decode ? list.map((r) => decode(r as unknown[])) : list;
  }

  function drive<T>(op: Op<T>): T {
    let next = op.next();
    while (!next.done) {
      let result: unknown;
      try {
        result = answer(next.value);
      } catch (err) {
        next = op.throw(err);
        continue;
      }
      next = op.next(result);
    }
    return next.value;
  }

  function driveNew<T>(make: () => Op<T>): T {
    return drive(make());
  }

  /** `step(make)`'s value or error as a promise (what an `async` method gives, without its frame). */
  function settle<T>(step: (make: () => Op<T>) => T, make: () => Op<T>): Promise<T> {
    try {
      return Promise.resolve(step(make));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  function immediate<T>(make: () => Op<T>): T {
    begin.run();
    try {
      const result = drive(make());
      commit.run();
      return result;
    } catch (err) {
      if (db.inTransaction) rollback.run();
      throw err;
    }
  }

  return {
    dialect: "sqlite",
    db,
    get closed() {
      return closed;
    },
    // Without a retry asked for, no retry wrapper: one promise per call on the hot paths, and not
    // an `async` method's, which also allocates the state of a call that never suspends here
    // (~70 bytes a call, by V8's sampling heap profiler).
    transaction(make, o) {
      return o?.retryOnUnique ? withUniqueRetry(() => immediate(make), o) : settle(immediate, make);
    },
    run(make, o) {
      return o?.retryOnUnique ? withUniqueRetry(() => drive(make()), o) : settle(driveNew, make);
    },
    async ping() {
      try {
        return !closed && db.prepare("select 1").get() !== undefined;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
