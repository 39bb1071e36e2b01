// Claims up to `limit` runnable jobs for one worker and leases them — as many as the worker has free
// slots, in one statement.
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
// finished jobs the table holds. The index's predicate is `finished_at is null` on Postgres (a
// claim changes no indexed column there: a HOT update, see schema/postgres.ts) and the status
// terms on SQLite; each query names the terms its dialect's index needs, and checks the status.
//
// A dialect pair: Postgres lets N claimers skip each other's rows (SKIP LOCKED); SQLite has one
// writer at a time, so the claim runs inside BEGIN IMMEDIATE and needs no row locks at all.
//
// Durability of a first claim (Postgres). A claim that takes only jobs never started before
// (started_at is null) commits without waiting for its WAL to reach the disk
// (synchronous_commit off for that one transaction); any other claim waits, as every other write
// does. What this can lose, and only when the Postgres server itself crashes within a fraction of a
// second of the claim (the WAL writer flushes every 200 ms, and any later synchronous commit by
// anyone flushes it too), is the claim alone: the job is queued again exactly as it was, with no
// lease and no attempt counted, and the worker that held it can write nothing more under that lease.
// That is harmless as long as a runner makes a durable write before any effect that must not
// happen twice (JobRunner's contract in src/queue/types.ts). The generation pipeline's first
// durable write is the prompt step's: before it only the photo download, the "writing the
// script" message and the prompt request happen, so the worst case is a second prompt request and a
// second progress message; never a second paid render or a second video. A job that has been
// started before may be resuming at its render, poll or delivery step, so its claim is durable.
// Why bother: the flush is a large part of a new job's claim — add→start p50 about 0.4 ms shorter
// and the drain bench a few points faster in alternating runs (BENCHMARKS.md, "First claims without
// waiting for the flush"): every new order starts that much sooner.
import {
  all,
  composed,
  type Dialect,
  first,
  knownShape,
  type Op,
  type Shape,
  shaped,
} from "../driver/index.ts";
import type { Job } from "../types.ts";

/** The most jobs one claim takes. */
const MAX_CLAIM = 1000;

/** How many jobs a claim of `limit` takes at most: 1 to MAX_CLAIM. */
export function claimSize(limit: number): number {
  return Math.max(1, Math.min(MAX_CLAIM, Math.floor(limit)));
}

export function byReadiness(a: Job, b: Job): number {
  return a.runAt.getTime() - b.runAt.getTime() || a.id - b.id;
}

// SQLite's shape key per limit, built once: a worker claims with the same few limits all day.
const sqliteKeys = new Map<number, string>();
function sqliteKey(n: number): string {
  let key = sqliteKeys.get(n);
  if (key === undefined) {
    key = `claim|sqlite|${n}`;
    sqliteKeys.set(n, key);
  }
  return key;
}

/** SQLite: the claim's text around its values, built once per limit. */
function sqliteClaimParts(n: number): string[] {
  return [
    `update jobs set
      status = 'processing',
      attempts = attempts + (lease_expires_at is not null),
      started_at = coalesce(started_at, `,
    `),
      lease_owner = `,
    `,
      lease_expires_at = `,
    `,
      updated_at = `,
    `
    where id in (
      select id from jobs indexed by jobs_ready_idx
      where status in ('queued', 'processing') and run_at <= `,
    `
        and (lease_expires_at is null or lease_expires_at < `,
    `)
      order by run_at, id
      limit ${n}
    )
    returning *`,
  ];
}

/**
 * Postgres: the runnable jobs a claim takes, oldest readiness first, locked and skipped by other
 * claimers (the `picked` CTE). `besides`: trusted SQL text of a set of ids not to pick (finishJobs'
 * own jobs).
 */
export function pickReady(n: number, now: Date, besides?: string): Shape {
  return {
    key: besides === undefined ? `${n}` : `${n}|${besides}`,
    parts() {
      return [
        `select id, started_at is null as fresh from jobs
        where finished_at is null and status in ('queued', 'processing') and run_at <= `,
        `
          and (lease_expires_at is null or lease_expires_at < `,
        `)${besides === undefined ? "" : `\n          and id not in ${besides}`}
        order by run_at, id
        limit ${n}
        for update skip locked`,
      ];
    },
    values: [now, now],
  };
}

/** Postgres: the lease on the `picked` jobs (`from picked<join>`), returning them. */
export function leasePicked(now: Date, owner: string, expires: Date, join: "" | ", durability" = ""): Shape {
  return {
    key: join,
    parts() {
      return [
        `update jobs j set
        status = 'processing',
        attempts = j.attempts + (case when j.lease_expires_at is not null then 1 else 0 end),
        started_at = coalesce(j.started_at, `,
        `),
        lease_owner = `,
        `,
        lease_expires_at = `,
        `,
        updated_at = `,
        `
      from picked${join}
      where j.id = picked.id
      returning j.*`,
      ];
    },
    values: [now, owner, expires, now],
  };
}

/**
 * The dialect is the caller's (the store knows its driver's): asking the driver for it would be one
 * more step, and one more generator, on every claim.
 */
export function claimJobs(
  dialect: Dialect,
  owner: string,
  now: Date,
  leaseMs: number,
  limit: number,
): Op<Job[]> {
  const n = claimSize(limit);
  const expires = new Date(now.getTime() + leaseMs);
  return dialect === "postgres" ? claimPostgres(n, now, owner, expires) : claimSqlite(n, now, owner, expires);
}

function* claimPostgres(n: number, now: Date, owner: string, expires: Date): Op<Job[]> {
  // SKIP LOCKED lets N workers each take different rows without waiting on each other; the
  // re-check of the lease in the outer WHERE is not needed because the row lock taken by the CTE
  // is held until the UPDATE ends, and a concurrent claimer skips it.
  //
  // The LIMIT is a literal, one prepared statement per limit (at most the process's slots). With
  // `limit $n` the planner cannot know how many rows the claim takes: its generic plan assumes a
  // tenth of the queue and joins the picked rows to jobs by a sequential scan (1.4 ms on 4,000
  // jobs), so Postgres keeps planning the statement afresh on every execution, and that planning
  // (~0.25 ms of the server's CPU) cost more than the claim itself (~0.15 ms). With the literal,
  // the generic plan is the index plan and is reused from the sixth claim on a connection.
  const q = composed("claim", [
    "with picked as (",
    pickReady(n, now),
    `), durability as (
        select set_config('synchronous_commit', case when bool_and(fresh) then 'off' else current_setting('synchronous_commit') end, true)
        from picked
      ) `,
    leasePicked(now, owner, expires, ", durability"),
  ]);
  const list = yield* all(q, "jobs");
  return list.sort(byReadiness);
}

function* claimSqlite(n: number, now: Date, owner: string, expires: Date): Op<Job[]> {
  // The `status in (...)` term is spelled exactly like the partial index's predicate: SQLite only
  // uses a partial index when the query repeats the predicate's terms. INDEXED BY pins the plan:
  // without statistics SQLite prefers jobs_status_idx and sorts every queued job on each claim
  // (measured 1.7 ms per claim with 30k queued jobs instead of ~0.05 ms). The LIMIT is a literal,
  // not a bound parameter: with `limit ?` SQLite plans the IN-subquery without knowing it stops
  // after a few rows, and each claim costs ~3× more (measured). One cached statement per limit.
  const key = sqliteKey(n);
  const q = shaped(key, knownShape(key) ?? sqliteClaimParts(n), [now, owner, expires, now, now, now]);
  // `.get()` for the single job (see the SQLite driver): most claims take one.
  if (n === 1) {
    const job = yield* first(q, "jobs");
    return job ? [job] : [];
  }
  return (yield* all(q, "jobs")).sort(byReadiness);
}
