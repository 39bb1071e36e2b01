// Moves a job along JOB_TRANSITIONS in one guarded UPDATE: the WHERE lists the statuses the target
// may be reached from, so an illegal or stale transition (two workers, a late callback) changes
// nothing and the caller gets null instead of a corrupted job. With `leaseOwner`, only the worker
// holding the lease may move it.
//
// Finishing (succeeded/failed) stamps finished_at and drops the lease; going back to queued clears
// finished_at and drops the lease too, so the job is claimable again at once.
import { first, type Op, shaped } from "../driver/index.ts";
import type { JobPatch } from "../store.ts";
import { JOB_STATUSES, JOB_TRANSITIONS, type Job, type JobStatus } from "../types.ts";
import { jobAssignments } from "./jobs.ts";

/** Per target status, the statuses it may be reached from, as SQL text. */
export const FROM: Record<JobStatus, string> = Object.fromEntries(
  JOB_STATUSES.map((to) => {
    const from = JOB_STATUSES.filter((s) => JOB_TRANSITIONS[s].includes(to));
    return [to, from.length ? from.map((s) => `'${s}'`).join(", ") : "null"];
  }),
) as Record<JobStatus, string>;

// What finishing or requeueing writes besides the patch (values set below): finished_at, and no lease.
const CLEARS = ["finished_at", "lease_owner", "lease_expires_at"] as const;

// The shape keys of status changes without a patch, per target status: [unguarded, guarded].
const PLAIN_SHAPES: Record<JobStatus, [string, string]> = Object.fromEntries(
  JOB_STATUSES.map((to) => [to, [`status|${to}|false|`, `status|${to}|true|`]]),
) as Record<JobStatus, [string, string]>;

/** `leaseOwner`, when given, is the guard: only the worker holding the lease may move the job. */
export function setJobStatus(
  id: number,
  to: JobStatus,
  now: Date,
  patch: JobPatch = {},
  leaseOwner?: string,
): Op<Job | null> {
  const guarded = leaseOwner !== undefined;
  const set = jobAssignments(patch, "leaseOwner");
  const extra = to === "succeeded" || to === "failed" || to === "queued" ? CLEARS : [];
  // A worker completes thousands of jobs with the same few shapes: the text is built once per shape
  // (and a completion without a patch — the common case — builds no key either).
  const shape = set.columns.length
    ? `status|${to}|${guarded}|${set.columns.join(",")}`
    : PLAIN_SHAPES[to][guarded ? 1 : 0];
  const values: unknown[] = [now, ...set.values];
  if (extra.length) values.push(to === "queued" ? null : now, null, null);
  values.push(id);
  if (guarded) values.push(leaseOwner);
  const q = shaped(
    shape,
    () => {
      const where = ` and status in (${FROM[to]})`;
      return [
        `update jobs set status = '${to}', updated_at = `,
        ...[...set.columns, ...extra].map((c) => `, ${c} = `),
        " where id = ",
        ...(guarded ? [`${where} and lease_owner = `, " returning *"] : [`${where} returning *`]),
      ];
    },
    values,
  );
  return first(q, "jobs");
}
