// Claims up to `limit` runnable jobs for one worker and leases them.
//
// Runnable: status queued or processing, run_at due, and no live lease. A `processing` job with no
// lease is one a worker gave back to be resumed later (releaseJob: a provider status check); a
// `processing` job whose lease expired belongs to a worker that died, so claiming it counts one
// more attempt — the queue gives up on jobs that keep killing workers.
//
// Order: (run_at, id). run_at is the moment a job became runnable (creation for new jobs, the
// scheduled check for resumed ones), so ordering by it serves jobs in the order they became ready
// — FIFO by readiness — and id breaks ties in creation order. It is also exactly the key of the
// partial index jobs_ready_idx, so the scan stops after `limit` index entries however many
// finished jobs the table holds.
import { rowMapper } from "../rows.ts";
import { jobs as pgJobs } from "../schema/postgres.ts";
import type { Job } from "../types.ts";
import { type PgQuery, type SqlitePrepare, sqliteJobRow, sqliteJobRows } from "./types.ts";

const pgJob = rowMapper<Job>(pgJobs);

// The `status in (...)` term is spelled exactly like the partial index's predicate: SQLite only
// uses a partial index when the query repeats the predicate's terms. INDEXED BY pins the plan:
// without statistics SQLite prefers jobs_status_idx and sorts every queued job on each claim
// (measured 1.7 ms per claim with 30k queued jobs instead of ~0.05 ms). The LIMIT is a literal,
// not a bound parameter: with `limit ?` SQLite plans the IN-subquery without knowing it stops
// after a few rows, and each claim costs ~3× more (measured). One cached statement per limit.
const sqlite = (limit: number) => `
update jobs set
  status = 'processing',
  attempts = attempts + (lease_expires_at is not null),
  started_at = coalesce(started_at, @now),
  lease_owner = @owner,
  lease_expires_at = @expires,
  updated_at = @now
where id in (
  select id from jobs indexed by jobs_ready_idx
  where status in ('queued', 'processing') and run_at <= @now
    and (lease_expires_at is null or lease_expires_at < @now)
  order by run_at, id
  limit ${limit}
)
returning *`;

const sqliteTexts = new Map<number, string>();

// SKIP LOCKED lets N workers each take different rows without waiting on each other; the
// re-check of the lease in the outer WHERE is not needed because the row lock taken by the CTE is
// held until the UPDATE ends, and a concurrent claimer skips it.
const POSTGRES = `
with picked as (
  select id from jobs
  where status in ('queued', 'processing') and run_at <= $1
    and (lease_expires_at is null or lease_expires_at < $1)
  order by run_at, id
  limit $4
  for update skip locked
)
update jobs j set
  status = 'processing',
  attempts = j.attempts + (case when j.lease_expires_at is not null then 1 else 0 end),
  started_at = coalesce(j.started_at, $1),
  lease_owner = $2,
  lease_expires_at = $3,
  updated_at = $1
from picked
where j.id = picked.id
returning j.*`;

function byReadiness(a: Job, b: Job): number {
  return a.runAt.getTime() - b.runAt.getTime() || a.id - b.id;
}

/** Must run inside BEGIN IMMEDIATE so the pick and the update are one write-locked step. */
export function claimJobsSqlite(
  prepare: SqlitePrepare,
  owner: string,
  now: Date,
  leaseMs: number,
  limit: number,
): Job[] {
  const n = Math.max(1, Math.min(1000, Math.floor(limit)));
  let text = sqliteTexts.get(n);
  if (text === undefined) {
    text = sqlite(n);
    sqliteTexts.set(n, text);
  }
  const params = { now: now.getTime(), owner, expires: now.getTime() + leaseMs };
  if (n === 1) {
    const job = sqliteJobRow(prepare(text), params);
    return job ? [job] : [];
  }
  return sqliteJobRows(prepare(text), params).sort(byReadiness);
}

export async function claimJobsPostgres(
  query: PgQuery,
  owner: string,
  now: Date,
  leaseMs: number,
  limit: number,
): Promise<Job[]> {
  const { rows } = await query(
    POSTGRES,
    [now, owner, new Date(now.getTime() + leaseMs), limit],
    "nc_claim_jobs",
  );
  return rows.map(pgJob).sort(byReadiness);
}
