// Creates a user's jobs and charges their credits in one statement (Postgres): one round trip and
// one implicit transaction instead of BEGIN, lock, look-up, three writes and COMMIT.
//
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
//   NOTIFY (queue.wake() still sends one; a spare wake-up costs one empty claim).
import { rowMapper } from "../rows.ts";
import { jobs as pgJobs } from "../schema/postgres.ts";
import type { CreateJobsResult, NewJob } from "../store.ts";
import type { Job } from "../types.ts";
import type { PgQuery } from "./types.ts";

const pgJob = rowMapper<Job>(pgJobs);

/** The LISTEN/NOTIFY channel that wakes the queue's workers (see ../../queue/listen.ts). */
export const JOBS_CHANNEL = "neurocards_jobs";

const POSTGRES = `
with u as materialized (
  select credits from users where id = $1::bigint for update
),
want as (
  select * from json_to_recordset($2::json) as w(
    ord int, chat_id bigint, template text, model text, language text, photo_file_id text,
    photo_path text, product_text text, wishes text, own_prompt text, duration_seconds int,
    aspect_ratio text, cost int, idempotency_key text, batch_key text)
),
found as materialized (
  select j.* from jobs j where j.idempotency_key in (select idempotency_key from want)
),
go as materialized (
  select u.credits from u
  where not exists (select 1 from found)
    and u.credits >= (select coalesce(sum(cost), 0) from want)
),
ins as (
  insert into jobs (user_id, chat_id, template, model, language, photo_file_id, photo_path,
    product_text, wishes, own_prompt, duration_seconds, aspect_ratio, credits_charged, idempotency_key,
    batch_key, run_at, created_at, updated_at)
  select $1::bigint, w.chat_id, w.template, w.model, w.language, w.photo_file_id, w.photo_path,
    w.product_text, w.wishes, w.own_prompt, w.duration_seconds, w.aspect_ratio, w.cost, w.idempotency_key,
    w.batch_key, $3::timestamptz, $3::timestamptz, $3::timestamptz
  from want w, go
  order by w.ord
  returning *
),
charged as (
  update users set credits = credits - (select sum(credits_charged) from ins), updated_at = $3::timestamptz
  where id = $1::bigint and exists (select 1 from ins where credits_charged <> 0)
),
ledger as (
  insert into credit_ledger (user_id, delta, balance_after, reason, job_id, reference, created_at)
  select $1::bigint, -i.credits_charged,
    go.credits - sum(i.credits_charged) over (order by i.id), 'job_charge', i.id,
    'job:' || i.id || ':charge', $3::timestamptz
  from ins i, go
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
order by r.id`;

/** One statement; throws the unique violation (23505) of a key committed while it waited: run it again. */
export async function createJobsPostgres(
  query: PgQuery,
  userId: number,
  list: NewJob[],
  now: Date,
): Promise<CreateJobsResult> {
  const want = list.map((j, ord) => ({
    ord,
    chat_id: j.chatId,
    template: j.template,
    model: j.model,
    language: j.language,
    photo_file_id: j.photoFileId ?? null,
    photo_path: j.photoPath ?? null,
    product_text: j.productText,
    wishes: j.wishes ?? null,
    own_prompt: j.ownPrompt ?? null,
    duration_seconds: j.durationSeconds ?? null,
    aspect_ratio: j.aspectRatio ?? null,
    cost: j.cost,
    idempotency_key: j.idempotencyKey,
    batch_key: j.batchKey ?? null,
  }));
  const { rows } = await query(POSTGRES, [userId, JSON.stringify(want), now], "nc_create_jobs");
  const head = rows[0];
  if (!head) throw new Error("createJobs returned no row");
  const balance = Number(head.balance);
  const jobs = rows.filter((r) => r.id !== null).map(pgJob);
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
