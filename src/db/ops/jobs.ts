// Reads of jobs, and the one way a job's columns are named in a SET list. Writes that move a job
// through its life have files of their own (createJobs, claimJobs, setJobStatus, …).
import { all, count, first, type Op, sql } from "../driver/index.ts";
import { columnName } from "../rows.ts";
import { jobs } from "../schema/sqlite.ts";
import type { Page } from "../store.ts";
import type { Job, JobStatus } from "../types.ts";

export const jobById = (id: number) => first(sql`select * from jobs where id = ${id}`, "jobs");

export const jobByIdempotencyKey = (key: string) =>
  first(sql`select * from jobs where idempotency_key = ${key}`, "jobs");

/** The newest job holding this provider task id (kie.ai callbacks name only the task). */
export const jobByProviderTaskId = (taskId: string) =>
  first(sql`select * from jobs where provider_task_id = ${taskId} order by id desc limit 1`, "jobs");

export const userJobs = (userId: number, page: Page) =>
  all(
    sql`select * from jobs where user_id = ${userId} order by id desc limit ${page.limit} offset ${page.offset ?? 0}`,
    "jobs",
  );

export const countUserJobs = (userId: number) =>
  count(sql`select count(*) as n from jobs where user_id = ${userId}`);

/** Newest first; two statements rather than an optional WHERE, so each is one cached plan. */
export function lastJobs(page: Page & { status?: JobStatus }): Op<Job[]> {
  const offset = page.offset ?? 0;
  return page.status
    ? all(
        sql`select * from jobs where status = ${page.status} order by id desc limit ${page.limit} offset ${offset}`,
        "jobs",
      )
    : all(sql`select * from jobs order by id desc limit ${page.limit} offset ${offset}`, "jobs");
}

/** Jobs still holding a stored file, created before `before`, after `afterId` (keyset pages). */
export const jobsWithFilesBefore = (before: Date, limit: number, afterId: number) =>
  all(
    sql`select * from jobs where (photo_path is not null or result_path is not null)
      and created_at < ${before} and id > ${afterId} order by id limit ${limit}`,
    "jobs",
  );

/**
 * The defined keys of a patch as (column, value) pairs, in the patch's key order. Keys that are not
 * columns of `jobs` are ignored: the names are spliced into SQL text, so only the schema's own go.
 * `skip` names a key that is not a change (a guard riding along in the same object).
 */
export function jobAssignments(patch: object, skip?: string): { columns: string[]; values: unknown[] } {
  const columns: string[] = [];
  const values: unknown[] = [];
  // for…in rather than Object.entries: no pair array per key on the completion hot path.
  for (const key in patch) {
    const value = (patch as Record<string, unknown>)[key];
    if (value === undefined || key === skip) continue;
    const name = columnName(jobs, key);
    if (!name) continue;
    columns.push(name);
    values.push(value);
  }
  return { columns, values };
}
