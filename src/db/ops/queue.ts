// What the queue reads and the lease it extends: small statements, the same text on both engines
// except where SQLite needs to be told which index to walk.
import { date, dialect, num, type Op, rows, run, sql } from "../driver/index.ts";
import type { QueueStats } from "../store.ts";
import { JOB_STATUSES, type JobStatus } from "../types.ts";
import { emptyStatusCounts } from "../util.ts";

/**
 * Extends a lease, only for the worker that holds it: a worker that lost its lease (it stalled past
 * expiry and someone else claimed the job) learns so here and must stop touching the job.
 */
export function* heartbeat(id: number, owner: string, now: Date, leaseMs: number): Op<boolean> {
  const expires = new Date(now.getTime() + leaseMs);
  const changed = yield* run(sql`update jobs set lease_expires_at = ${expires}, updated_at = ${now}
    where id = ${id} and lease_owner = ${owner} and status = 'processing'`);
  return changed === 1;
}

/**
 * 1-based place of a queued job among queued jobs in claim order (run_at, id); 0 when it is not
 * waiting (claimed, resumed-later or finished). Counting on the same key as the claim keeps the
 * number the user sees in step with what workers actually do next.
 */
export function* queuePosition(id: number): Op<number> {
  const [r] = yield* rows(sql`select case when j.status = 'queued' then (
      select count(*) from jobs q
      where q.finished_at is null and q.status = 'queued' and (q.run_at < j.run_at or (q.run_at = j.run_at and q.id <= j.id))
    ) else 0 end as position
    from jobs j where j.id = ${id}`);
  return num(r?.position);
}

// Runnable jobs are found through jobs_ready_idx, whose predicate differs between the dialects
// (`status in ('queued', 'processing')` on SQLite, `finished_at is null` on Postgres, where no index
// names `status` so that claims are HOT updates — see schema/postgres.ts): every query on it
// repeats both terms, as SQLite needs before it uses a partial index and as lets Postgres prove the
// implication. INDEXED BY pins SQLite's plan (see claimJobs.ts), so the scan walks the index in
// claim order and stops after `limit` queued rows.
const readyIndex = dialect({ sqlite: "indexed by jobs_ready_idx", postgres: "" });

/**
 * The batch key of each of the first `limit` queued jobs, in claim order (run_at, id), null for a
 * job of no batch: all the position notices need to number every waiting order. One column instead
 * of whole job rows, ordered by the database along jobs_ready_idx instead of sorted in JS.
 */
export function* queuedBatchKeys(limit: number): Op<(string | null)[]> {
  const list = yield* rows(sql`select batch_key from jobs ${readyIndex}
    where finished_at is null and status in ('queued', 'processing') and status = 'queued'
    order by run_at, id limit ${limit}`);
  return list.map((r) => (r.batch_key ?? null) as string | null);
}

/**
 * The earliest moment a runnable job becomes claimable: a queued or resumed job's run_at, or the
 * expiry of a live lease (a comparison with a null lease is false: run_at). The claim loop asks
 * after every claim that left slots empty.
 */
export function* nextRunAt(): Op<Date | null> {
  const [r] =
    yield* rows(sql`select min(case when lease_expires_at > run_at then lease_expires_at else run_at end) as at
    from jobs where finished_at is null and status in ('queued', 'processing')`);
  return date(r?.at);
}

export function* queueStats(): Op<QueueStats> {
  const list = yield* rows(sql`select status, count(*) as n, min(created_at) as oldest from jobs
    where finished_at is null and status in ('queued', 'processing') group by status`);
  const queued = list.find((r) => r.status === "queued");
  const processing = list.find((r) => r.status === "processing");
  return { queued: num(queued?.n), processing: num(processing?.n), oldestQueuedAt: date(queued?.oldest) };
}

/** Jobs per status, created since `since` (all time without it). */
export function* statusCounts(since?: Date): Op<Record<JobStatus, number>> {
  const list = since
    ? yield* rows(sql`select status, count(*) as n from jobs where created_at >= ${since} group by status`)
    : yield* rows(sql`select status, count(*) as n from jobs group by status`);
  const out = emptyStatusCounts();
  for (const r of list)
    if ((JOB_STATUSES as readonly string[]).includes(String(r.status))) out[r.status as JobStatus] = num(r.n);
  return out;
}
