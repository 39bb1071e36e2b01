// Moves a job along JOB_TRANSITIONS in one guarded UPDATE: the WHERE lists the statuses the target
// may be reached from, so an illegal or stale transition (two workers, a late callback) changes
// nothing and the caller gets null instead of a corrupted job. With `leaseOwner`, only the worker
// holding the lease may move it.
//
// Finishing (succeeded/failed) stamps finished_at and drops the lease; going back to queued drops
// the lease too so the job is claimable again at once.

import { assignments, rowMapper } from "../rows.ts";
import { jobs as pgJobs } from "../schema/postgres.ts";
import { jobs as sqliteJobs } from "../schema/sqlite.ts";
import type { JobPatch } from "../store.ts";
import { JOB_STATUSES, JOB_TRANSITIONS, type Job, type JobStatus } from "../types.ts";
import {
  type Dialect,
  type PgQuery,
  placeholder,
  type SqlitePrepare,
  sqliteJobRow,
  statementName,
  tsValue,
} from "./types.ts";

const pgJob = rowMapper<Job>(pgJobs);

const FROM: Record<JobStatus, string> = Object.fromEntries(
  JOB_STATUSES.map((to) => {
    const from = JOB_STATUSES.filter((s) => JOB_TRANSITIONS[s].includes(to));
    return [to, from.length ? from.map((s) => `'${s}'`).join(", ") : "null"];
  }),
) as Record<JobStatus, string>;

// Statement text per shape (dialect, target, which columns, lease guard): a worker completes
// thousands of jobs with the same few shapes, so the text is built once per shape, not per call.
const texts = new Map<string, string>();

function build(dialect: Dialect, id: number, to: JobStatus, now: Date, patch: JobPatch, leaseOwner?: string) {
  const p = placeholder(dialect);
  const extra =
    to === "succeeded" || to === "failed"
      ? { finishedAt: now, leaseOwner: null, leaseExpiresAt: null }
      : to === "queued"
        ? { finishedAt: null, leaseOwner: null, leaseExpiresAt: null }
        : {};
  const set = assignments(dialect === "sqlite" ? sqliteJobs : pgJobs, { ...patch, ...extra }, p, 1);
  const guarded = leaseOwner !== undefined;
  const key = `${dialect}|${to}|${guarded}|${set.sql.join(",")}`;
  let text = texts.get(key);
  if (text === undefined) {
    const n = 1 + set.values.length;
    const owner = guarded ? ` and lease_owner = ${p(n + 1)}` : "";
    text = `update jobs set status = '${to}', updated_at = ${p(0)}${set.sql.map((s) => `, ${s}`).join("")}
where id = ${p(n)} and status in (${FROM[to]})${owner}
returning *`;
    texts.set(key, text);
  }
  const values = [tsValue(dialect, now), ...set.values, id];
  if (guarded) values.push(leaseOwner);
  return { text, values };
}

export function setJobStatusSqlite(
  prepare: SqlitePrepare,
  id: number,
  to: JobStatus,
  now: Date,
  patch: JobPatch = {},
  leaseOwner?: string,
): Job | null {
  const q = build("sqlite", id, to, now, patch, leaseOwner);
  return sqliteJobRow(prepare(q.text), ...q.values);
}

export async function setJobStatusPostgres(
  query: PgQuery,
  id: number,
  to: JobStatus,
  now: Date,
  patch: JobPatch = {},
  leaseOwner?: string,
): Promise<Job | null> {
  const q = build("postgres", id, to, now, patch, leaseOwner);
  const { rows } = await query(q.text, q.values, statementName("nc_status", q.text));
  return rows[0] ? pgJob(rows[0]) : null;
}
