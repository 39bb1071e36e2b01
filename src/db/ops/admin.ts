// Lists the owner's console pages need beyond the Store's per-user reads: jobs by status,
// template and date, payments and broadcasts of everyone, newest first, in keyset pages (`beforeId`),
// so a page costs the same however long the history is.
import { all, type Driver, join, type Op, raw, type Sql, sql } from "../driver/index.ts";
import type { Broadcast, Job, JobStatus, LedgerEntry, Payment, PaymentStatus, User } from "../types.ts";

export interface JobFilter {
  status?: JobStatus;
  template?: string;
  /** Created at or after / before these instants. */
  from?: Date;
  to?: Date;
  /** Only jobs with a smaller id (the next page). */
  beforeId?: number;
  limit: number;
}

function where(conds: Sql[]): Sql {
  return conds.length ? sql`where ${join(conds, " and ")}` : raw("");
}

export function* listJobs(f: JobFilter): Op<Job[]> {
  const conds: Sql[] = [];
  if (f.status) conds.push(sql`status = ${f.status}`);
  if (f.template) conds.push(sql`template = ${f.template}`);
  if (f.from) conds.push(sql`created_at >= ${f.from}`);
  if (f.to) conds.push(sql`created_at < ${f.to}`);
  if (f.beforeId) conds.push(sql`id < ${f.beforeId}`);
  return yield* all(sql`select * from jobs ${where(conds)} order by id desc limit ${f.limit}`, "jobs");
}

export function* listPayments(f: {
  status?: PaymentStatus;
  beforeId?: number;
  limit: number;
}): Op<Payment[]> {
  const conds: Sql[] = [];
  if (f.status) conds.push(sql`status = ${f.status}`);
  if (f.beforeId) conds.push(sql`id < ${f.beforeId}`);
  return yield* all(
    sql`select * from payments ${where(conds)} order by id desc limit ${f.limit}`,
    "payments",
  );
}

export function* getPayment(id: number): Op<Payment | null> {
  return (yield* all(sql`select * from payments where id = ${id}`, "payments"))[0] ?? null;
}

export function* listBroadcasts(limit: number): Op<Broadcast[]> {
  return yield* all(sql`select * from broadcasts order by id desc limit ${limit}`, "broadcasts");
}

export function* usersByIds(ids: readonly number[]): Op<User[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  return yield* all(sql`select * from users where id in (${join(unique)})`, "users");
}

/** The ledger rows that name a job (its charge and its refund), oldest first. */
export function* jobLedger(job: Pick<Job, "id" | "userId">): Op<LedgerEntry[]> {
  return yield* all(
    sql`select * from credit_ledger where user_id = ${job.userId} and job_id = ${job.id} order by id`,
    "credit_ledger",
  );
}

export interface AdminLists {
  jobs(f: JobFilter): Promise<Job[]>;
  payments(f: { status?: PaymentStatus; beforeId?: number; limit: number }): Promise<Payment[]>;
  payment(id: number): Promise<Payment | null>;
  broadcasts(limit: number): Promise<Broadcast[]>;
  usersByIds(ids: readonly number[]): Promise<User[]>;
  jobLedger(job: Pick<Job, "id" | "userId">): Promise<LedgerEntry[]>;
}

export function adminLists(driver: Driver): AdminLists {
  return {
    jobs: (f) => driver.run(() => listJobs(f)),
    payments: (f) => driver.run(() => listPayments(f)),
    payment: (id) => driver.run(() => getPayment(id)),
    broadcasts: (limit) => driver.run(() => listBroadcasts(limit)),
    usersByIds: (ids) => driver.run(() => usersByIds(ids)),
    jobLedger: (job) => driver.run(() => jobLedger(job)),
  };
}
