// An order: a user's jobs created and their credits charged, all or none, once per idempotency key
// (a double tap creates and charges nothing twice and gets the same jobs back).
//
// A dialect pair with one column list (ORDER_COLUMNS): Postgres does it all in one statement — one
// round trip and one implicit transaction instead of BEGIN, lock, look-up, three writes and COMMIT;
// SQLite runs the same steps one by one inside BEGIN IMMEDIATE, where each costs microseconds. (One
// statement is atomic by itself: Postgres needs no BEGIN/COMMIT around it.)
import { type Driver, first, type Op, rows, shaped } from "../driver/index.ts";
import { rowMapper } from "../rows.ts";
import { jobs as pgJobs } from "../schema/postgres.ts";
import type { CreateJobsResult, NewJob } from "../store.ts";
import type { Job } from "../types.ts";
import { jobByIdempotencyKey } from "./jobs.ts";
import { balanceOf, move } from "./ledger.ts";

/** The LISTEN/NOTIFY channel that wakes the queue's workers (see ../../queue/listen.ts). */
export const JOBS_CHANNEL = "neurocards_jobs";

/**
 * The columns an order writes from each NewJob (besides user_id and the timestamps), with their
 * Postgres types for json_to_recordset. A new job column is one line here.
 */
const ORDER_COLUMNS: ReadonlyArray<{ column: string; type: string; of: (j: NewJob) => unknown }> = [
  { column: "chat_id", type: "bigint", of: (j) => j.chatId },
  { column: "template", type: "text", of: (j) => j.template },
  { column: "model", type: "text", of: (j) => j.model },
  { column: "language", type: "text", of: (j) => j.language },
  { column: "photo_file_id", type: "text", of: (j) => j.photoFileId ?? null },
  { column: "photo_path", type: "text", of: (j) => j.photoPath ?? null },
  { column: "product_text", type: "text", of: (j) => j.productText },
  { column: "wishes", type: "text", of: (j) => j.wishes ?? null },
  { column: "own_prompt", type: "text", of: (j) => j.ownPrompt ?? null },
  { column: "duration_seconds", type: "int", of: (j) => j.durationSeconds ?? null },
  { column: "aspect_ratio", type: "text", of: (j) => j.aspectRatio ?? null },
  { column: "credits_charged", type: "int", of: (j) => j.cost },
  { column: "idempotency_key", type: "text", of: (j) => j.idempotencyKey },
  { column: "batch_key", type: "text", of: (j) => j.batchKey ?? null },
];
// The statement returns job rows beside its outcome, so they are decoded here rather than by the driver.
const pgJob = rowMapper<Job>(pgJobs);
const COLUMN_LIST = ORDER_COLUMNS.map((c) => c.column).join(", ");

/**
 * Runs the order the way its engine does it best; `now` stamps the jobs and the ledger rows.
 * Not `async`: it hands back the driver's own promise rather than wrapping it in another.
 */
export function createJobs(
  driver: Driver,
  userId: number,
  list: NewJob[],
  now: Date,
): Promise<CreateJobsResult> {
  if (!list.length) return Promise.reject(new Error("an order needs at least one job"));
  if (driver.dialect === "sqlite") return driver.transaction(() => createJobsSqlite(userId, list, now));
  // A key committed by another call while this one waited (see below): the next run's snapshot sees
  // that job and returns it, charging nothing. (SQLite looks the keys up under the write lock.)
  return driver.run(() => createJobsPostgres(userId, list, now), { retryOnUnique: 2 });
}

/** user_id, ORDER_COLUMNS, run_at, created_at, updated_at: one array, built in one pass. */
function orderValues(userId: number, j: NewJob, now: Date): unknown[] {
  const values: unknown[] = [userId];
  for (const c of ORDER_COLUMNS) values.push(c.of(j));
  values.push(now, now, now);
  return values;
}

/**
 * Inside BEGIN IMMEDIATE: the balance read and every write are one write-locked step, so the plain
 * balance read is already the locked one (lockBalance would only ask the dialect to learn that).
 */
export function* createJobsSqlite(userId: number, list: NewJob[], now: Date): Op<CreateJobsResult> {
  const balance = yield* balanceOf(userId);
  if (balance === null) return { ok: false, reason: "user_not_found" };
  const existing: Job[] = [];
  for (const j of list) {
    const found = yield* jobByIdempotencyKey(j.idempotencyKey);
    if (found) existing.push(found);
  }
  if (existing.length) return { ok: true, jobs: existing, created: false, balance };
  const required = list.reduce((s, j) => s + j.cost, 0);
  if (balance < required) return { ok: false, reason: "insufficient_credits", balance, required };
  const created: Job[] = [];
  let after = balance;
  for (const j of list) {
    const q = shaped(
      "order|sqlite",
      () => [
        `insert into jobs (user_id, ${COLUMN_LIST}, run_at, created_at, updated_at) values (`,
        ...ORDER_COLUMNS.map(() => ", "),
        ", ",
        ", ",
        ", ",
        ") returning *",
      ],
      orderValues(userId, j, now),
    );
    const job = yield* first(q, "jobs");
    if (!job) throw new Error("job insert returned nothing");
    if (j.cost !== 0)
      after = yield* move(
        userId,
        -j.cost,
        "job_charge",
        { reference: `job:${job.id}:charge`, jobId: job.id },
        now,
      );
    created.push(job);
  }
  return { ok: true, jobs: created, created: true, balance: after };
}

// - The user row is locked first (FOR UPDATE), so one user's orders are serialized and the balance
//   read is the latest committed one.
// - A job already holding one of the idempotency keys means a replay: nothing is created or charged
//   and the existing jobs come back.
// - The statement reads jobs with the snapshot it started with, i.e. before it waited for the user
//   lock: a job another call committed meanwhile is invisible to the look-up, and the insert then
//   fails on jobs_idempotency_key_uq, undoing the whole statement (all or none). The caller runs the
//   statement again; its new snapshot sees that job and returns it.
// - Balance update and ledger rows (balance_after running in job id order) only for jobs that cost
//   something.
// - New jobs NOTIFY the queue's channel from inside the statement: Postgres delivers it at commit,
//   so idle workers of every process start claiming one round trip sooner than after a separate
//   NOTIFY (the bot's queue.wake({ order: true }) then sends none).
const ORDER_POSTGRES = [
  `with args as materialized (
  select `,
  `::bigint as user_id, `,
  `::json as want, `,
  `::timestamptz as now
),
u as materialized (
  select credits from users where id = (select user_id from args) for update
),
want as (
  select * from json_to_recordset((select want from args)) as w(
    ord int, ${ORDER_COLUMNS.map((c) => `${c.column} ${c.type}`).join(", ")})
),
found as materialized (
  select j.* from jobs j where j.idempotency_key in (select idempotency_key from want)
),
go as materialized (
  select u.credits from u
  where not exists (select 1 from found)
    and u.credits >= (select coalesce(sum(credits_charged), 0) from want)
),
ins as (
  insert into jobs (user_id, ${COLUMN_LIST}, run_at, created_at, updated_at)
  select args.user_id, ${ORDER_COLUMNS.map((c) => `w.${c.column}`).join(", ")}, args.now, args.now, args.now
  from want w, go, args
  order by w.ord
  returning *
),
charged as (
  update users set credits = credits - (select sum(credits_charged) from ins),
    updated_at = (select now from args)
  where id = (select user_id from args) and exists (select 1 from ins where credits_charged <> 0)
),
ledger as (
  insert into credit_ledger (user_id, delta, balance_after, reason, job_id, reference, created_at)
  select args.user_id, -i.credits_charged,
    go.credits - sum(i.credits_charged) over (order by i.id), 'job_charge', i.id,
    'job:' || i.id || ':charge', args.now
  from ins i, go, args
  where i.credits_charged <> 0
),
-- Referenced by the final select: a CTE nobody reads is never run.
woke as (
  select pg_notify('${JOBS_CHANNEL}', '') from ins limit 1
),
outcome as (
  select
    (select count(*) from woke) as notified,
    case
      when not exists (select 1 from u) then 'user_not_found'
      when exists (select 1 from found) then 'existing'
      when not exists (select 1 from go) then 'insufficient_credits'
      else 'created'
    end as outcome,
    (select credits from u) - coalesce((select sum(credits_charged) from ins), 0) as balance
)
select o.outcome, o.balance, o.notified, r.*
from outcome o
left join (select * from ins union all select * from found) r on true
order by r.id`,
];

/** One statement; throws the unique violation (23505) of a key committed while it waited: run it again. */
export function* createJobsPostgres(userId: number, list: NewJob[], now: Date): Op<CreateJobsResult> {
  const want = list.map((j, ord) => {
    const row: Record<string, unknown> = { ord };
    for (const c of ORDER_COLUMNS) row[c.column] = c.of(j);
    return row;
  });
  const found = yield* rows(
    shaped("order|postgres", () => ORDER_POSTGRES, [userId, JSON.stringify(want), now]),
  );
  const head = found[0];
  if (!head) throw new Error("createJobs returned no row");
  const balance = Number(head.balance);
  const jobs = found.filter((r) => r.id !== null).map(pgJob);
  switch (head.outcome) {
    case "user_not_found":
      return { ok: false, reason: "user_not_found" };
    case "insufficient_credits":
      return {
        ok: false,
        reason: "insufficient_credits",
        balance,
        required: list.reduce((s, j) => s + j.cost, 0),
      };
    case "existing":
      return { ok: true, jobs, created: false, balance };
    default:
      return { ok: true, jobs, created: true, balance };
  }
}
