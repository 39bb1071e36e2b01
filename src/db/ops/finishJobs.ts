// Workers' last writes for jobs — each job's final status, under its lease — and, when the queue has
// more work, the claim of the finishing slots' next jobs in the same step. A slot whose job ends
// then starts the next one after one round trip instead of two (the status write, then a claim),
// and jobs that end together (a batch claimed together, run together) are finished together: one
// statement and one commit for all of them.
//
// Postgres: one statement per shape of patch (a success with or without a new progress message, a
// failure), the claim riding on the last; several run inside one transaction. The finished jobs'
// values arrive as one JSON array read through the table's own row type
// (json_populate_recordset(null::jobs, …)), so every column gets its own type with one parameter.
// The array's length (rounded up to a power of two) is spelled out as a LIMIT: the planner takes
// a set-returning function for 100 rows, and with that guess it weighed a scan of the whole table
// against 100 primary-key look-ups and kept switching between a generic and a fresh plan
// (measured in the drain bench: 40–60% of the executions planned afresh, and the server's time per
// job growing with the table, to twice graphile-worker's). With the literal,
// the generic plan is the look-ups by primary key, reused from the sixth run on a connection.
// The status update and the claim are CTEs of one UPDATE, so they commit together or not at all;
// the claim skips the jobs being finished: were a lease expired, the claim's scan could pick its
// job, and the sub-statements of one statement run in no promised order (Postgres keeps one of two
// updates of one row, not both). No `synchronous_commit off` here, unlike a first claim: the final
// statuses must be on disk.
// SQLite, and one job finishing alone on Postgres (the common case outside a backlog, where the
// JSON statement cost more than setJobStatus's plain UPDATE: 71% of the bare loop against 106%,
// claiming 10 at a time, in the store bench): setJobStatus per job, then the claim, in one
// BEGIN IMMEDIATE when that is more than one statement (planFinish).
import { all, composed, type Dialect, type Op } from "../driver/index.ts";
import type { JobPatch } from "../store.ts";
import type { Job } from "../types.ts";
import { byReadiness, claimJobs, claimSize, leasePicked, pickReady } from "./claimJobs.ts";
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

export interface FinishPlan {
  readonly groups: readonly Group[];
  readonly transaction: boolean;
}

// The plans without a statement of their own, made once: the lone finish is the hot path.
const PLAIN: FinishPlan = { groups: [], transaction: false };
const PLAIN_TX: FinishPlan = { groups: [], transaction: true };

/**
 * How the store runs a finish. `groups`: the Postgres statements, by shape of patch (the target
 * status and the patch's columns); none where plain status changes do it — on SQLite, and for one
 * job without a claim, where setJobStatus's single UPDATE is cheaper than the JSON statement.
 * `transaction`: whether it is more than one statement (or a SQLite claim, which wants BEGIN IMMEDIATE).
 */
export function planFinish(
  dialect: "sqlite" | "postgres",
  items: readonly FinishItem[],
  next: NextClaim | null,
): FinishPlan {
  if (items.length > 1) {
    const ids = new Set<number>();
    for (const item of items) {
      // One finish per job and call: two would race for one row (the store's caller, the worker,
      // sends a second one in its next statement).
      if (ids.has(item.jobId)) throw new Error(`finishJobs: job ${item.jobId} appears twice`);
      ids.add(item.jobId);
    }
  }
  if (dialect === "sqlite") return items.length > 1 || next !== null ? PLAIN_TX : PLAIN;
  if (items.length <= 1 && !next) return PLAIN;
  const groups = new Map<string, Group>();
  items.forEach((item, i) => {
    // A guard riding in the patch is not a column to set: the item's leaseOwner is the guard.
    const set = jobAssignments(item.patch, "leaseOwner");
    const key = `${item.to}|${set.columns.join(",")}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, to: item.to, columns: set.columns, members: [], values: [] };
      groups.set(key, g);
    }
    g.members.push(i);
    g.values.push(set.values);
  });
  return { groups: [...groups.values()], transaction: groups.size > 1 };
}

/** The group's finish, and the claim when `claim` is given, as one Postgres statement. */
function finishStatement(g: Group, items: readonly FinishItem[], now: Date, claim: NextClaim | null) {
  const rows = g.members.map((m, k) => {
    const item = items[m] as FinishItem;
    const row: Record<string, unknown> = { id: item.jobId, lease_owner: item.leaseOwner };
    g.columns.forEach((c, j) => {
      const value = g.values[k]?.[j];
      // A text cut in the middle of an emoji (a message sliced to a column's length) holds a lone
      // surrogate, which JSON carries as an escape that Postgres refuses: the whole statement, and
      // every finish in it, would fail. As a bound parameter it became U+FFFD; so it does here.
      row[c] = typeof value === "string" ? value.toWellFormed() : value;
    });
    return row;
  });
  const n = claim ? claimSize(claim.limit) : 0;
  // The LIMIT is an upper bound, rounded up to a power of two: fewer texts to plan per connection.
  const size = 2 ** Math.ceil(Math.log2(g.members.length));
  const finish = {
    key: `${g.key}|${size}`,
    parts() {
      return [
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
      ];
    },
    values: [JSON.stringify(rows), now, now],
  };
  if (!claim) return composed("finish", [finish, " select * from done"]);
  const picked = pickReady(n, now, "(select id from v)");
  return composed("finish+claim", [
    finish,
    ", picked as (",
    picked,
    "), claimed as (",
    leasePicked(now, claim.owner, new Date(now.getTime() + claim.leaseMs)),
    ") select * from done union all select * from claimed",
  ]);
}

/** `groups`: planFinish's. */
export function finishJobs(
  dialect: Dialect,
  items: readonly FinishItem[],
  groups: readonly Group[],
  now: Date,
  next: NextClaim | null,
): Op<Finished> {
  return groups.length ? finishGrouped(items, groups, now, next) : finishEach(dialect, items, now, next);
}

/** No statement planned: each status change, then the claim. */
function* finishEach(
  dialect: Dialect,
  items: readonly FinishItem[],
  now: Date,
  next: NextClaim | null,
): Op<Finished> {
  const jobs = new Array<Job | null>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as FinishItem;
    jobs[i] = yield* setJobStatus(item.jobId, item.to, now, item.patch, item.leaseOwner);
  }
  return {
    jobs,
    claimed: next ? yield* claimJobs(dialect, next.owner, now, next.leaseMs, next.limit) : [],
  };
}

function* finishGrouped(
  items: readonly FinishItem[],
  groups: readonly Group[],
  now: Date,
  next: NextClaim | null,
): Op<Finished> {
  const jobs: (Job | null)[] = items.map(() => null);
  const index = new Map(items.map((item, i) => [item.jobId, i]));
  const claimed: Job[] = [];
  for (const [k, g] of groups.entries()) {
    const last = k === groups.length - 1;
    for (const row of yield* all(finishStatement(g, items, now, last ? next : null), "jobs")) {
      // A finished row has no lease; a claimed one has the new owner's.
      if (next && row.leaseOwner === next.owner) claimed.push(row);
      else {
        const i = index.get(row.id);
        if (i !== undefined) jobs[i] = row;
      }
    }
  }
  return { jobs, claimed: claimed.sort(byReadiness) };
}
