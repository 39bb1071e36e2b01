// The Postgres driver: the one place that opens Postgres connections — the pool the store runs on,
// and the single connections LISTEN, backups and doctor need. Money moves inside transactions
// that first lock the user row (`for update`): one user's balance changes are serialized, while
// different users never wait on each other. A whole operation (one statement or one whole
// transaction) is run again on a fresh connection when the connection is lost (./retry.ts).

import pg from "pg";
import type { Logger } from "../../logger.ts";
import { migratePostgres } from "../migrate.ts";
import { type Raw, rowMapper } from "../rows.ts";
import * as schema from "../schema/postgres.ts";
import { createRetry, isRetryable } from "./retry.ts";
import { render, statementName } from "./sql.ts";
import { type Driver, type Op, type Step, type TableName, tablesOf, withUniqueRetry } from "./types.ts";

export interface PostgresConnectOptions {
  url: string;
  /** Schema to work in (search_path); tests give each file its own. Default: the server's. */
  schema?: string;
  /** Shown in pg_stat_activity (default "neurocards"). */
  applicationName?: string;
  connectionTimeoutMs?: number;
}

export interface PostgresDriverOptions extends PostgresConnectOptions {
  /** Connections in the pool (DATABASE_POOL_SIZE). */
  poolSize: number;
  logger: Logger;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /**
   * Named (server-side prepared) statements, planned once per connection (default true). A
   * transaction-mode pooler (PgBouncer, Supabase's on port 6543) cannot keep them between
   * transactions: turn them off there.
   */
  namedStatements?: boolean;
}

export interface PostgresDriver extends Driver {
  readonly dialect: "postgres";
  readonly pool: pg.Pool;
  /** A connection of its own, outside the pool (LISTEN, COPY): the caller ends it. */
  connect(o?: { applicationName?: string }): Promise<pg.Client>;
}

const TABLES = tablesOf(schema);
const mappers = Object.fromEntries(
  Object.entries(TABLES).map(([name, table]) => [name, rowMapper(table)]),
) as Record<TableName, (r: Raw) => unknown>;

/** Client settings shared by the pool and single connections. */
export function clientConfig(o: PostgresConnectOptions): pg.ClientConfig {
  return {
    connectionString: o.url,
    application_name: o.applicationName ?? "neurocards",
    connectionTimeoutMillis: o.connectionTimeoutMs ?? 10_000,
    keepAlive: true,
    ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}),
  };
}

/** One connection, not yet connected, for a caller that handles its events itself (LISTEN). */
export function postgresClient(o: PostgresConnectOptions): pg.Client {
  return new pg.Client(clientConfig(o));
}

/** One connection, connected: for backups, restores, imports and doctor. The caller ends it. */
export async function connectPostgres(o: PostgresConnectOptions, logger?: Logger): Promise<pg.Client> {
  const client = postgresClient(o);
  // Unhandled, an 'error' on a dropped connection would kill the process.
  client.on("error", (err) => logger?.warn({ err }, "postgres connection lost"));
  await client.connect();
  return client;
}

export async function openPostgresDriver(o: PostgresDriverOptions): Promise<PostgresDriver> {
  const { logger } = o;
  const pool = new pg.Pool({ ...clientConfig(o), max: o.poolSize, idleTimeoutMillis: 30_000 });
  // An idle connection dropped by the server emits 'error' on the pool, and a checked-out one on
  // the client: unhandled, either would kill the process. Log it; the next query reconnects.
  pool.on("error", (err) => logger.warn({ err }, "postgres connection lost (idle)"));
  pool.on("connect", (client) => {
    client.on("error", (err) => logger.warn({ err }, "postgres connection lost"));
  });
  const withRetry = createRetry(logger);
  if (o.migrate !== false) {
    try {
      await withRetry("migrate", () => migratePostgres(pool, logger));
    } catch (err) {
      await pool.end();
      throw err;
    }
  }
  return createPostgresDriver(pool, o, withRetry);
}

type Queryable = pg.Pool | pg.PoolClient;

export function createPostgresDriver(
  pool: pg.Pool,
  o: PostgresDriverOptions,
  withRetry: ReturnType<typeof createRetry>,
): PostgresDriver {
  const named = o.namedStatements !== false;
  let closed = false;

  async function answer(on: Queryable, step: Step): Promise<unknown> {
    if (step.kind === "dialect") return "postgres";
    const { text, values } = render("postgres", step.q);
    const config: pg.QueryConfig = named ? { name: statementName(text), text, values } : { text, values };
    const r = await on.query<Raw>(config);
    if (step.kind === "run") return r.rowCount ?? 0;
    const map = step.table ? mappers[step.table] : undefined;
    if (step.kind === "one") {
      const row = r.rows[0];
      if (!row) return null;
      return map ? map(row) : row;
    }
    return map ? r.rows.map(map) : r.rows;
  }

  async function drive<T>(on: Queryable, op: Op<T>): Promise<T> {
    let next = op.next();
    while (!next.done) {
      let result: unknown;
      try {
        result = await answer(on, next.value);
      } catch (err) {
        next = op.throw(err);
        continue;
      }
      next = op.next(result);
    }
    return next.value;
  }

  // Our own BEGIN/COMMIT rather than a library's: a helper that leaks the connection when BEGIN
  // itself fails, or hands a dead connection back after a failed ROLLBACK, is exactly what a
  // restarted server exposes. Here a broken connection is destroyed on release.
  async function transaction<T>(make: () => Op<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("begin");
      try {
        const result = await drive(client, make());
        await client.query("commit");
        return result;
      } catch (err) {
        await client.query("rollback").catch((e: Error) => {
          broken = e;
        });
        throw err;
      }
    } catch (err) {
      if (isRetryable(err)) broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  return {
    dialect: "postgres",
    pool,
    get closed() {
      return closed;
    },
    transaction(make, ro) {
      return withUniqueRetry(() => withRetry("transaction", () => transaction(make)), ro);
    },
    run(make, ro) {
      return withUniqueRetry(() => withRetry("query", () => drive(pool, make())), ro);
    },
    connect(c) {
      return connectPostgres({ ...o, applicationName: c?.applicationName ?? o.applicationName }, o.logger);
    },
    async ping() {
      if (closed) return false;
      try {
        await pool.query("select 1");
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
