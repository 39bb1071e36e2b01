// What only tests ask of a store, as operations over its driver rather than methods every store
// must carry: one job as an order of one, the ledger's sum beside the balance, a single claim, a
// job moved to a status directly (the product moves jobs only through its worker's finish).
import { first, type Op, rows, run, sql } from "../../src/db/driver/index.ts";
import { balanceOf } from "../../src/db/ops/ledger.ts";
import { setJobStatus } from "../../src/db/ops/setJobStatus.ts";
import type { CreateJobResult, JobPatch, NewJob, Store } from "../../src/db/store.ts";
import type { Job, JobStatus } from "../../src/db/types.ts";

const on = <T>(store: Store, op: () => Op<T>) => store.driver.run(op);

let jobSeq = 0;

/** A job as an order names it: a mug for one credit, with a fresh idempotency key unless given. */
export function newJob(over: Partial<NewJob> = {}): NewJob {
  jobSeq++;
  return {
    chatId: 1000,
    template: "ugc",
    model: "veo3_fast",
    language: "en",
    productText: "A ceramic mug",
    photoFileId: "photo-1",
    cost: 1,
    idempotencyKey: `key-${jobSeq}-${Math.random()}`,
    ...over,
  };
}

/** One job for its cost: an order of one. */
export async function createJobAndConsumeCredit(
  store: Store,
  userId: number,
  job: NewJob,
): Promise<CreateJobResult> {
  const r = await store.createJobsAndConsumeCredits(userId, [job]);
  if (!r.ok) return r;
  const [created] = r.jobs;
  if (!created) throw new Error("no job returned");
  return { ok: true, job: created, created: r.created, balance: r.balance };
}

/** Sum of the user's ledger deltas: equal to the balance while the books are right. */
export async function ledgerSum(store: Store, userId: number): Promise<number> {
  return on(store, function* () {
    const [r] = yield* rows(
      sql`select coalesce(sum(delta), 0) as s from credit_ledger where user_id = ${userId}`,
    );
    return Number(r?.s ?? 0);
  });
}

/** The balance; null for no such user, or when the database cannot answer (never throws). */
export async function safeGetBalance(store: Store, userId: number): Promise<number | null> {
  try {
    return await on(store, () => balanceOf(userId));
  } catch {
    return null;
  }
}

export async function claimNextJob(
  store: Store,
  workerId: string,
  leaseMs: number,
  now?: Date,
): Promise<Job | null> {
  const [job] = await store.claimJobs(workerId, leaseMs, 1, now);
  return job ?? null;
}

/**
 * Moves a job along JOB_TRANSITIONS (null when refused); with `leaseOwner`, only while that worker
 * holds the lease.
 */
export function moveJob(
  store: Store,
  id: number,
  to: JobStatus,
  { leaseOwner, ...patch }: JobPatch & { leaseOwner?: string } = {},
): Promise<Job | null> {
  return on(store, () => setJobStatus(id, to, new Date(), patch, leaseOwner));
}

/** Ends a provider key's rest at once. */
export async function clearProviderKey(store: Store, keyHash: string): Promise<void> {
  await on(store, () =>
    run(
      sql`update provider_keys set rested_until = null, last_error = null, updated_at = ${new Date()} where key_hash = ${keyHash}`,
    ),
  );
}

export function getUserByReferralCode(store: Store, code: string) {
  return on(store, () => first(sql`select * from users where referral_code = ${code}`, "users"));
}
