// Gives a failed job's credits back exactly once, however often and concurrently it is called.
//
// The guarded UPDATE is the "exactly once": only one caller can move refunded_at off NULL. On
// Postgres concurrent callers queue on the job's row lock and, re-checking `refunded_at is null`
// after the winner commits, match nothing; on SQLite BEGIN IMMEDIATE lets one in at a time. Only
// when nothing was marked is the job read, to say why.
import { first, type Op, one, sql } from "../driver/index.ts";
import type { RefundJobResult } from "../store.ts";
import { jobById } from "./jobs.ts";
import { balanceOf, lockBalance, move } from "./ledger.ts";

/** Run in a transaction. */
export function* refundCredit(jobId: number, now: Date): Op<RefundJobResult> {
  const marked = yield* one(sql`update jobs set refunded_at = ${now}, updated_at = ${now}
    where id = ${jobId} and status = 'failed' and refunded_at is null and credits_charged > 0
    returning user_id, credits_charged`);
  if (marked) {
    const userId = Number(marked.user_id);
    yield* lockBalance(userId);
    const after = yield* move(
      userId,
      Number(marked.credits_charged),
      "refund",
      { reference: `job:${jobId}:refund`, jobId },
      now,
    );
    return { refunded: true, balance: after };
  }
  const job = yield* jobById(jobId);
  if (!job) return { refunded: false, reason: "not_found", balance: 0 };
  const balance = (yield* balanceOf(job.userId)) ?? 0;
  if (job.status !== "failed") return { refunded: false, reason: "not_failed", balance };
  if (job.refundedAt) return { refunded: false, reason: "already_refunded", balance };
  return { refunded: false, reason: "nothing_charged", balance };
}

/**
 * Puts a failed job back in the queue from its first step (admin retry). A retry starts the pipeline
 * over with a fresh budget: resuming would poll the failed provider task again, and a job failed by
 * JOB_MAX_ATTEMPTS would fail again at once. The pipeline refunds every failed job, so a retry after
 * the refund is on the house: the job then owes nothing, and a second failure has nothing to refund
 * (refunded_at stays). Imported jobs ran in the old bot (their charge is history, not ours to redo),
 * and a job without a photo has nothing to render: both stay failed.
 */
export const requeueJob = (jobId: number, now: Date) =>
  first(
    sql`update jobs set status = 'queued', run_at = ${now}, lease_owner = null, lease_expires_at = null,
      finished_at = null, error_code = null, error_message = null, step = null, provider = null,
      provider_task_id = null, provider_key = null, result_path = null, progress_message_id = null,
      attempts = 0, credits_charged = case when refunded_at is null then credits_charged else 0 end,
      updated_at = ${now}
    where id = ${jobId} and status = 'failed' and substr(idempotency_key, 1, 7) <> 'import:'
      and (photo_file_id is not null or photo_path is not null)
    returning *`,
    "jobs",
  );
