// Updates a job's fields without touching its status (the pipeline's step writes), optionally only
// while `leaseOwner` holds the lease: a worker that lost its lease cannot overwrite the new owner's
// progress.
import { first, type Op, shaped } from "../driver/index.ts";
import type { JobPatch } from "../store.ts";
import type { Job } from "../types.ts";
import { jobAssignments } from "./jobs.ts";

export function patchJob(id: number, patch: JobPatch, now: Date, leaseOwner?: string): Op<Job | null> {
  const set = jobAssignments({ ...patch, updatedAt: now });
  const guarded = leaseOwner !== undefined;
  const q = shaped(
    `patch|${guarded}|${set.columns.join(",")}`,
    () => [
      `update jobs set ${set.columns[0]} = `,
      ...set.columns.slice(1).map((c) => `, ${c} = `),
      " where id = ",
      ...(guarded ? [" and lease_owner = ", " returning *"] : [" returning *"]),
    ],
    guarded ? [...set.values, id, leaseOwner] : [...set.values, id],
  );
  return first(q, "jobs");
}
