// Workers' last writes for jobs — each job's final status, under its lease — and, when the queue has
// more work, the claim of the finishing slots' next jobs in the same step. A slot whose job ends
// then starts the next one after one round trip instead of two (the status write, then a claim),
// and jobs that end together (a batch claimed together, run together) are finished together: one
// statement and one commit for all of them.
//
// Postgres: one statement per shape of patch (almost always one). The finished jobs' values arrive
// as one JSON array read through the table's own row type (json_populate_recordset(null::jobs, …)),
// so every column gets its own type with one parameter. The array's length is spelled out as a
// LIMIT: the planner takes a set-returning function for 100 rows, and with that guess it weighed a
// scan of the whole table against 100 primary-key look-ups and kept switching between a generic
// and a fresh plan (measured in the drain bench: 40–60% of the executions planned afresh, and the
// server's time per job growing with the table, to twice graphile-worker's). With the literal,
// the generic plan is the look-ups by primary key, reused from the sixth run on a connection.
// The status update and the claim are CTEs of one UPDATE, so they commit together or not at all;
// the claim skips the jobs being finished: were a lease expired, the claim's scan could pick its
// job, and the sub-statements of one statement run in no promised order (Postgres keeps one of two
// updates of one row, not both). No `synchronous_commit off` here, unlike a first claim: the final
// statuses must be on disk. Several shapes run inside one transaction (the store decides, see
// `finishGroups`).
// SQLite: setJobStatus per job, then the claim, in one BEGIN IMMEDIATE.
import { all, composed, dialectOf, type Op } from "../driver/index.ts";
import type { JobPatch } from "../store.ts";
import type { Job } from "../types.ts";
import { byReadiness, claimJobs, leasePicked, MAX_CLAIM, pickReady } from "./claimJobs.ts";
import { jobAssignments } from "./jobs.ts";
import { FROM, setJobStatus } from "./setJobStatus.ts";

export interface FinishItem {
  jobId: number;
  to: "succeeded" | "failed";
  /** The lease the job must still be under. */
  leaseOwner: string;
  patch: JobPatch;
}

export interface NextClaim {
  /** The new lease's owner. */
  owner: string;
  leaseMs: number;
  /** The most jobs to claim. */
  limit: number;
}

export interface Finished {
  /** Per item, the finished job; null where the move was refused (the lease was lost, or the status is stale). */
  jobs: (Job | null)[];
  /** The jobs claimed for `next`, oldest readiness first. */
  claimed: Job[];
}

export interface Group {
  key: string;
  to: "succeeded" | "failed";
  columns: string[];
  /** Indexes into the items. */
  members: number[];
  /** Per member, the patch's values in `columns` order. */
  values: unknown[][];
}

/**
 * The items by shape of statement (the target status and the patch's columns): more than one group
 * takes more than one statement on Postgres, which the store then runs in a transaction.
 */
export function finishGroups(items: readonly FinishItem[]): Group[] {
  const groups = new Map<string, Group>();
  items.forEach((item, i) => {
    const set = jobAssignments(item.patch);
    const key = `${item.to}|${set.columns.join(",")}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, to: item.to, columns: set.columns, members: [], values: [] };
      groups.set(key, g);
    }
    g.members.push(i);
    g.values.push(set.values);
  });
  return [...groups.values()];
}

/** The group's finish, and the claim when `claim` is given, as one Postgres statement. */
function finishStatement(g: Group, items: readonly FinishItem[], now: Date, claim: NextClaim | null) {
  const rows = g.members.map((m, k) => {
    const item = items[m] as FinishItem;
    const row: Record<string, unknown> = { id: item.jobId, lease_owner: item.leaseOwner };
    g.columns.forEach((c, j) => {
      row[c] = g.values[k]?.[j];
    });
    return row;
  });
  const n = claim ? Math.max(1, Math.min(MAX_CLAIM, Math.floor(claim.limit))) : 0;
  const size = g.members.length;
  const finish = {
    key: `${g.key}|${size}`,
    parts: () => [
      `with v as (select * from json_populate_recordset(null::jobs, `,
      `::json) limit ${size}),
      done as (
        update jobs j set status = '${g.to}', updated_at = `,
      `, finished_at = `,
      `, lease_owner = null, lease_expires_at = null${g.columns.map((c) => `, ${c} = v.${c}`).join("")}
        from v
        where j.id = v.id and j.status in (${FROM[g.to]}) and j.lease_owner = v.lease_owner
        returning j.*
      )`,
    ],
    values: [JSON.stringify(rows), now, now],
  };
  if (!claim) return composed(`finish|${finish.key}`, [finish, " select * from done"]);
  const picked = pickReady(n, now, "(select id from v)");
  return composed(`finish|${finish.key}|${n}`, [
    finish,
    ", picked as (",
    picked,
    "), claimed as (",
    leasePicked(now, claim.owner, new Date(now.getTime() + claim.leaseMs)),
    ") select * from done union all select * from claimed",
  ]);
}

/** `groups`: finishGroups(items). */
export function* finishJobs(
  items: readonly FinishItem[],
  groups: readonly Group[],
  now: Date,
  next: NextClaim | null,
): Op<Finished> {
  const jobs: (Job | null)[] = items.map(() => null);
  if ((yield* dialectOf()) === "sqlite") {
    for (const [i, item] of items.entries())
      jobs[i] = yield* setJobStatus(item.jobId, item.to, now, { ...item.patch, leaseOwner: item.leaseOwner });
    return { jobs, claimed: next ? yield* claimJobs(next.owner, now, next.leaseMs, next.limit) : [] };
  }
  const index = new Map(items.map((item, i) => [item.jobId, i]));
  const claimed: Job[] = [];
  for (const [k, g] of groups.entries()) {
    const last = k === groups.length - 1;
    for (const row of yield* all(finishStatement(g, items, now, last ? next : null), "jobs")) {
      // The claim never picks this statement's own jobs, so a row with one of their ids is a finish.
      const i = index.get(row.id);
      if (i !== undefined && g.members.includes(i)) jobs[i] = row;
      else claimed.push(row);
    }
  }
  return { jobs, claimed: claimed.sort(byReadiness) };
}
