// What a store operation sees of a database. An operation is written once, as a generator that
// yields statements and receives their results:
//
//   function* balanceOf(userId: number): Op<number | null> {
//     const row = yield* one(sql`select credits from users where id = ${userId}`);
//     return row ? Number(row.credits) : null;
//   }
//
// and a driver runs it: SQLite answers every step synchronously inside one BEGIN IMMEDIATE, so an
// operation never yields to the event loop mid-transaction (no interleaving on one connection);
// Postgres awaits each step on one pooled connection inside BEGIN … COMMIT. The same code, two
// engines — the model is pg-boss's dialect layer, with generators instead of callbacks so that
// SQLite can stay synchronous.
import type { Table } from "drizzle-orm";
import type { Raw } from "../rows.ts";
import type {
  Broadcast,
  ConsoleSession,
  ConsoleToken,
  Job,
  LedgerEntry,
  ModelCost,
  Payment,
  PromoCode,
  PromoRedemption,
  ProviderKeyState,
  SupportCopy,
  SupportMessage,
  SupportThread,
  TemplateRow,
  User,
} from "../types.ts";
import { errorCode } from "../util.ts";
import type { Dialect, Sql } from "./sql.ts";

export type { Raw } from "../rows.ts";
export type { Dialect, Sql } from "./sql.ts";

/** Tables whose rows a statement can come back as, decoded by the schema's column types. */
export interface TableRows {
  users: User;
  jobs: Job;
  credit_ledger: LedgerEntry;
  payments: Payment;
  broadcasts: Broadcast;
  provider_keys: ProviderKeyState;
  instance_leases: { name: string; owner: string; acquiredAt: Date; expiresAt: Date };
  promo_codes: PromoCode;
  promo_redemptions: PromoRedemption;
  model_costs: ModelCost;
  templates: TemplateRow;
  support_threads: SupportThread;
  support_messages: SupportMessage;
  support_copies: SupportCopy;
  console_tokens: ConsoleToken;
  console_sessions: ConsoleSession;
}
export type TableName = keyof TableRows;

/** Each decodable table of a dialect's schema module, by its SQL name. */
export function tablesOf(schema: {
  users: Table;
  jobs: Table;
  creditLedger: Table;
  payments: Table;
  broadcasts: Table;
  providerKeys: Table;
  instanceLeases: Table;
  supportThreads: Table;
  supportMessages: Table;
  supportCopies: Table;
  consoleTokens: Table;
  consoleSessions: Table;
  promoCodes: Table;
  promoRedemptions: Table;
  modelCosts: Table;
  templates: Table;
}): Record<TableName, Table> {
  return {
    users: schema.users,
    jobs: schema.jobs,
    credit_ledger: schema.creditLedger,
    payments: schema.payments,
    broadcasts: schema.broadcasts,
    provider_keys: schema.providerKeys,
    instance_leases: schema.instanceLeases,
    support_threads: schema.supportThreads,
    support_messages: schema.supportMessages,
    support_copies: schema.supportCopies,
    console_tokens: schema.consoleTokens,
    console_sessions: schema.consoleSessions,
    promo_codes: schema.promoCodes,
    promo_redemptions: schema.promoRedemptions,
    model_costs: schema.modelCosts,
    templates: schema.templates,
  };
}

export type Step =
  | { kind: "all"; q: Sql; table?: TableName }
  | { kind: "one"; q: Sql; table?: TableName }
  | { kind: "run"; q: Sql }
  | { kind: "dialect" };

/** A store operation: yields steps, receives their results, returns T. */
export type Op<T> = Generator<Step, T, unknown>;

/** Every row of the statement, decoded as rows of `table`. */
export function* all<K extends TableName>(q: Sql, table: K): Op<TableRows[K][]> {
  return (yield { kind: "all", q, table }) as TableRows[K][];
}

/** The first row of the statement decoded as a row of `table`, or null. */
export function* first<K extends TableName>(q: Sql, table: K): Op<TableRows[K] | null> {
  return (yield { kind: "one", q, table }) as TableRows[K] | null;
}

/**
 * Rows of an aggregate or a projection, as the driver gives them: numbers may come back as strings
 * from Postgres (bigint) and dates as epoch milliseconds from SQLite — read them with `num`/`date`.
 */
export function* rows(q: Sql): Op<Raw[]> {
  return (yield { kind: "all", q }) as Raw[];
}

export function* one(q: Sql): Op<Raw | null> {
  return (yield { kind: "one", q }) as Raw | null;
}

/** The number a `select count(*) as n …` statement counts. */
export function* count(q: Sql): Op<number> {
  const [r] = yield* rows(q);
  return num(r?.n);
}

/** Runs a statement; returns how many rows it changed. */
export function* run(q: Sql): Op<number> {
  return (yield { kind: "run", q }) as number;
}

/** Which engine runs the operation, for the few algorithms that differ. */
export function* dialectOf(): Op<Dialect> {
  return (yield { kind: "dialect" }) as Dialect;
}

/** A number from an aggregate (Postgres returns bigint sums and counts as strings). */
export function num(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}

/** A date from an aggregate: SQLite gives epoch milliseconds, Postgres a Date. */
export function date(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v : new Date(Number(v));
}

export interface RunOptions {
  /** Run again (up to this many times) when a unique constraint refuses a write. */
  retryOnUnique?: number;
}

export interface Driver {
  readonly dialect: Dialect;
  /**
   * One transaction: BEGIN IMMEDIATE … COMMIT on SQLite (run synchronously, never interleaved with
   * other work of this process), BEGIN … COMMIT on one pooled connection on Postgres. A connection
   * loss or serialization failure runs the whole operation again on a fresh connection: every
   * operation is idempotent by construction (idempotency keys, guarded updates, unique ledger
   * references).
   */
  transaction<T>(op: () => Op<T>, o?: RunOptions): Promise<T>;
  /** Each statement on its own (autocommit): reads and single writes. Retried as a whole too. */
  run<T>(op: () => Op<T>, o?: RunOptions): Promise<T>;
  /** Cheap round trip for /healthz; never throws. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  readonly closed: boolean;
}

/**
 * Runs `fn` again (up to `o.retryOnUnique` times) when a unique constraint refused its write: a key
 * another transaction committed while this one waited, which the next run sees. SQLite's `fn`
 * answers synchronously: the operation still runs whole, awaiting only its result.
 */
export async function withUniqueRetry<T>(fn: () => T | Promise<T>, o: RunOptions | undefined): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt < (o?.retryOnUnique ?? 0) && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

export function isUniqueViolation(err: unknown): boolean {
  const code = errorCode(err);
  return code === "23505" || code?.startsWith("SQLITE_CONSTRAINT_UNIQUE") === true;
}
