// Balances and the ledger: the one place a balance changes. Every change writes its ledger row in
// the same transaction, with the balance after it; a reference makes a change idempotent.
import { all, dialectOf, type Op, one, run, sql } from "../driver/index.ts";
import type { AddCreditsInput, AddCreditsResult, Page } from "../store.ts";
import type { LedgerReason } from "../types.ts";

export interface LedgerRef {
  reference: string | null;
  jobId?: number | null;
  paymentId?: number | null;
  note?: string | null;
}

/** The balance, or null for no such user. */
export function* balanceOf(userId: number): Op<number | null> {
  const r = yield* one(sql`select credits from users where id = ${userId}`);
  return r ? Number(r.credits) : null;
}

/**
 * The balance, locking the user row on Postgres (callers are inside a transaction); SQLite's BEGIN
 * IMMEDIATE already holds the write lock. Two flat statements rather than `${forUpdate}`: every
 * order and payment runs this, and a flat statement's text is cached.
 */
export function* lockBalance(userId: number): Op<number | null> {
  const r =
    (yield* dialectOf()) === "postgres"
      ? yield* one(sql`select credits from users where id = ${userId} for update`)
      : yield* one(sql`select credits from users where id = ${userId}`);
  return r ? Number(r.credits) : null;
}

/** Changes a balance and writes its ledger row; the caller is inside a transaction holding the user. */
export function* move(
  userId: number,
  delta: number,
  reason: LedgerReason,
  ref: LedgerRef,
  now: Date,
): Op<number> {
  const r = yield* one(
    sql`update users set credits = credits + ${delta}, updated_at = ${now} where id = ${userId} returning credits`,
  );
  if (!r) throw new Error(`user ${userId} not found`);
  const after = Number(r.credits);
  yield* run(sql`insert into credit_ledger (user_id, delta, balance_after, reason, job_id, payment_id, reference, note, created_at)
    values (${userId}, ${delta}, ${after}, ${reason}, ${ref.jobId ?? null}, ${ref.paymentId ?? null}, ${ref.reference}, ${ref.note ?? null}, ${now})`);
  return after;
}

/** Whether a change with this reference was written (to anyone). */
export function* referenceTaken(reference: string): Op<boolean> {
  return (yield* one(sql`select id from credit_ledger where reference = ${reference}`)) !== null;
}

/** Grants or deducts once per reference (admin, referral, import, signup). Run in a transaction. */
export function* addCredits(input: AddCreditsInput, now: Date): Op<AddCreditsResult> {
  const balance = yield* lockBalance(input.userId);
  if (balance === null) throw new Error(`user ${input.userId} not found`);
  if ((yield* referenceTaken(input.reference)) || input.amount === 0) return { applied: false, balance };
  if (input.amount < 0 && (input.floorAtZero ?? true) && balance + input.amount < 0)
    return { applied: false, balance };
  const after = yield* move(
    input.userId,
    input.amount,
    input.reason,
    { reference: input.reference, note: input.note },
    now,
  );
  return { applied: true, balance: after };
}

/** A user's ledger, newest first. */
export const ledgerOf = (userId: number, page: Page) =>
  all(
    sql`select * from credit_ledger where user_id = ${userId} order by id desc limit ${page.limit} offset ${page.offset ?? 0}`,
    "credit_ledger",
  );
