// Gives a claimed job back without finishing it: the lease is dropped and run_at moved to when the
// job should be looked at again (a provider status check), so it stays `processing` — invisible to
// queue positions — yet any worker may resume it then. Only the lease holder may do this.
import { type Op, run, shaped } from "../driver/index.ts";
import type { JobPatch } from "../store.ts";
import { jobAssignments } from "./jobs.ts";

export function* releaseJob(
  id: number,
  owner: string,
  runAt: Date,
  now: Date,
  patch: JobPatch = {},
): Op<boolean> {
  // run_at is this operation's own argument; a runAt in the patch is not applied.
  const set = jobAssignments(patch, "runAt");
  const q = shaped(
    `release|${set.columns.join(",")}`,
    () => [
      "update jobs set lease_owner = null, lease_expires_at = null, run_at = ",
      ", updated_at = ",
      ...set.columns.map((c) => `, ${c} = `),
      " where id = ",
      " and lease_owner = ",
      " and status = 'processing'",
    ],
    [runAt, now, ...set.values, id, owner],
  );
  return (yield* run(q)) === 1;
}
