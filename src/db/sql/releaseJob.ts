// Gives a claimed job back without finishing it: the lease is dropped and run_at moved to when the
// job should be looked at again (a provider status check), so it stays `processing` — invisible to
// queue positions — yet any worker may resume it then. Only the lease holder may do this.

import { assignments } from "../rows.ts";
import { jobs as pgJobs } from "../schema/postgres.ts";
import { jobs as sqliteJobs } from "../schema/sqlite.ts";
import type { JobPatch } from "../store.ts";
import {
  type Dialect,
  type PgQuery,
  placeholder,
  type SqlitePrepare,
  statementName,
  tsValue,
} from "./types.ts";

function build(dialect: Dialect, jobId: number, owner: string, runAt: Date, now: Date, patch: JobPatch) {
  const p = placeholder(dialect);
  const { runAt: _ignored, ...rest } = patch;
  const set = assignments(dialect === "sqlite" ? sqliteJobs : pgJobs, rest, p, 2);
  const text = `update jobs set lease_owner = null, lease_expires_at = null, run_at = ${p(0)}, updated_at = ${p(1)}${set.sql.map((s) => `, ${s}`).join("")}
where id = ${p(2 + set.values.length)} and lease_owner = ${p(3 + set.values.length)} and status = 'processing'`;
  return { text, values: [tsValue(dialect, runAt), tsValue(dialect, now), ...set.values, jobId, owner] };
}

export function releaseJobSqlite(
  prepare: SqlitePrepare,
  jobId: number,
  owner: string,
  runAt: Date,
  now: Date,
  patch: JobPatch = {},
): boolean {
  const q = build("sqlite", jobId, owner, runAt, now, patch);
  return prepare(q.text).run(...q.values).changes === 1;
}

export async function releaseJobPostgres(
  query: PgQuery,
  jobId: number,
  owner: string,
  runAt: Date,
  now: Date,
  patch: JobPatch = {},
): Promise<boolean> {
  const q = build("postgres", jobId, owner, runAt, now, patch);
  const r = await query(q.text, q.values, statementName("nc_release", q.text));
  return r.rowCount === 1;
}
