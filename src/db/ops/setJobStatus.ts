// Moves a job along JOB_TRANSITIONS in one guarded UPDATE: the WHERE lists the statuses the target
// may be reached from, so an illegal or stale transition (two workers, a late callback) changes
// nothing and the caller gets null instead of a corrupted job. With `leaseOwner`, only the worker
// holding the lease may move it.
//
// Finishing (succeeded/failed) stamps finished_at and drops the lease; going back to queued clears
// finished_at and drops the lease too, so the job is claimable again at once.
import { first, knownShape, type Op, shaped } from "../driver/index.ts";
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

/** The text around setJobStatus's values, built once per shape. */
function statusParts(to: JobStatus, guarded: boolean, columns: readonly string[], extra: readonly string[]) {
  const where = ` and status in (${FROM[to]})`;
  return [
    `update jobs set status = '${to}', updated_at = `,
    ...[...columns, ...extra].map((c) => `, ${c} = `),
    " where id = ",
    ...(guarded ? [`${where} and lease_owner = `, " returning *"] : [`${where} returning *`]),
  ];
}

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
  // One array of its final length, filled in place: this runs for every finished job.
  const values = new Array<unknown>(2 + set.values.length + extra.length + (guarded ? 1 : 0));
  let k = 0;
  values[k++] = now;
  for (const v of set.values) values[k++] = v;
  if (extra.length) {
    values[k++] = to === "queued" ? null : now;
    values[k++] = null;
    values[k++] = null;
  }
  values[k++] = id;
  if (guarded) values[k] = leaseOwner;
  const q = shaped(shape, knownShape(shape) ?? statusParts(to, guarded, set.columns, extra), values);
  return first(q, "jobs");
}
