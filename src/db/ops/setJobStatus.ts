// Moves a job along JOB_TRANSITIONS in one guarded UPDATE: the WHERE lists the statuses the target
// may be reached from, so an illegal or stale transition (two workers, a late callback) changes
// nothing and the caller gets null instead of a corrupted job. With `leaseOwner`, only the worker
// holding the lease may move it.
//
// Finishing (succeeded/failed) stamps finished_at and drops the lease; going back to queued drops
// the lease too so the job is claimable again at once.
import { first, type Op, shaped } from "../driver/index.ts";
import type { JobPatch } from "../store.ts";
import { JOB_STATUSES, JOB_TRANSITIONS, type Job, type JobStatus } from "../types.ts";
import { jobAssignments } from "./jobs.ts";

const FROM: Record<JobStatus, string> = Object.fromEntries(
  JOB_STATUSES.map((to) => {
    const from = JOB_STATUSES.filter((s) => JOB_TRANSITIONS[s].includes(to));
    return [to, from.length ? from.map((s) => `'${s}'`).join(", ") : "null"];
  }),
) as Record<JobStatus, string>;

export function setJobStatus(
  id: number,
  to: JobStatus,
  now: Date,
  patch: JobPatch = {},
  leaseOwner?: string,
): Op<Job | null> {
  const extra =
    to === "succeeded" || to === "failed"
      ? { finishedAt: now, leaseOwner: null, leaseExpiresAt: null }
      : to === "queued"
        ? { finishedAt: null, leaseOwner: null, leaseExpiresAt: null }
        : {};
  const set = jobAssignments({ ...patch, ...extra });
  const guarded = leaseOwner !== undefined;
  const where = ` and status in (${FROM[to]})`;
  // A worker completes thousands of jobs with the same few shapes: the text is built once per shape.
  const q = shaped(
    `status|${to}|${guarded}|${set.columns.join(",")}`,
    () => [
      `update jobs set status = '${to}', updated_at = `,
      ...set.columns.map((c) => `, ${c} = `),
      " where id = ",
      ...(guarded ? [`${where} and lease_owner = `, " returning *"] : [`${where} returning *`]),
    ],
    guarded ? [now, ...set.values, id, leaseOwner] : [now, ...set.values, id],
  );
  return first(q, "jobs");
}
