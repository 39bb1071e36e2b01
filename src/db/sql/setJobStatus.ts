// Moves a job along JOB_TRANSITIONS in one guarded UPDATE: the WHERE lists the statuses the target
// may be reached from, so an illegal or stale transition (two workers, a late callback) changes
// nothing and the caller gets null instead of a corrupted job. With `leaseOwner`, only the worker
// holding the lease may move it.
//
// Finishing (succeeded/failed) stamps finished_at and drops the lease; going back to queued drops
// the lease too so the job is claimable again at once.

import { assignments, type Raw } from "../rows.ts";
import { jobs as pgJobs } from "../schema/postgres.ts";
import { jobs as sqliteJobs } from "../schema/sqlite.ts";
import type { JobPatch } from "../store.ts";
import { JOB_STATUSES, JOB_TRANSITIONS, type JobStatus } from "../types.ts";
import {
  type Dialect,
  type PgQuery,
  placeholder,
  type SqlitePrepare,
  statementName,
  tsValue,
} from "./types.ts";

function build(dialect: Dialect, id: number, to: JobStatus, now: Date, patch: JobPatch, leaseOwner?: string) {
  const p = placeholder(dialect);
  const from = JOB_STATUSES.filter((s) => JOB_TRANSITIONS[s].includes(to));
  const extra: Record<string, unknown> = {};
  if (to === "succeeded" || to === "failed")
    Object.assign(extra, { finishedAt: now, leaseOwner: null, leaseExpiresAt: null });
  if (to === "queued") Object.assign(extra, { finishedAt: null, leaseOwner: null, leaseExpiresAt: null });
  const set = assignments(dialect === "sqlite" ? sqliteJobs : pgJobs, { ...patch, ...extra }, p, 1);
  const n = 1 + set.values.length;
  const owner = leaseOwner === undefined ? "" : ` and lease_owner = ${p(n + 1)}`;
  const allowed = from.length ? from.map((s) => `'${s}'`).join(", ") : "null";
  const text = `update jobs set status = '${to}', updated_at = ${p(0)}${set.sql.map((s) => `, ${s}`).join("")}
where id = ${p(n)} and status in (${allowed})${owner}
returning *`;
  const values = [tsValue(dialect, now), ...set.values, id];
  if (leaseOwner !== undefined) values.push(leaseOwner);
  return { text, values };
}

export function setJobStatusSqlite(
  prepare: SqlitePrepare,
  id: number,
  to: JobStatus,
  now: Date,
  patch: JobPatch = {},
  leaseOwner?: string,
): Raw | null {
  const q = build("sqlite", id, to, now, patch, leaseOwner);
  return (prepare(q.text).get(...q.values) as Raw | undefined) ?? null;
}

export async function setJobStatusPostgres(
  query: PgQuery,
  id: number,
  to: JobStatus,
  now: Date,
  patch: JobPatch = {},
  leaseOwner?: string,
): Promise<Raw | null> {
  const q = build("postgres", id, to, now, patch, leaseOwner);
  const { rows } = await query(q.text, q.values, statementName("nc_status", q.text));
  return rows[0] ?? null;
}
