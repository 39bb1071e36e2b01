// SQLite implementation of the Store. better-sqlite3 is synchronous: every method does all of its
// work, transaction included, without yielding to the event loop, so transactions on one
// connection never interleave. Writers on other connections or processes are serialized by
// BEGIN IMMEDIATE (take the write lock before reading, so a read-then-write can never be raced)
// and wait for each other through busy_timeout instead of failing with "database is locked".
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import {
  and,
  asc,
  count,
  desc,
  eq,
  gte,
  inArray,
  isNotNull,
  isNull,
  like,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import type { Logger } from "../../logger.ts";
import { createSqliteDriver } from "../driver/sqlite.ts";
import { migrateSqlite } from "../migrate.ts";
import { type Raw, rowMapper } from "../rows.ts";
import {
  broadcastRecipients,
  broadcasts,
  creditLedger,
  instanceLeases,
  jobs,
  payments,
  providerKeys,
  users,
} from "../schema/sqlite.ts";
import { claimJobsSqlite } from "../sql/claimJobs.ts";
import { heartbeatSqlite } from "../sql/heartbeat.ts";
import { patchJobSqlite } from "../sql/patchJob.ts";
import { queuedBatchKeysSqlite } from "../sql/queuedBatchKeys.ts";
import { queuePositionSqlite } from "../sql/queuePosition.ts";
import { releaseJobSqlite } from "../sql/releaseJob.ts";
import { setJobStatusSqlite } from "../sql/setJobStatus.ts";
import { sqliteJobRows } from "../sql/types.ts";
import type {
  AddCreditsInput,
  AddCreditsResult,
  CreateJobResult,
  CreateJobsResult,
  InstanceLeaseResult,
  JobPatch,
  NewJob,
  Page,
  RecordPaymentInput,
  RecordPaymentResult,
  RefundJobResult,
  RefundPaymentResult,
  Store,
  TelegramProfile,
} from "../store.ts";
import {
  type AdminStats,
  type Broadcast,
  JOB_STATUSES,
  type Job,
  type JobStatus,
  type LedgerEntry,
  type LedgerReason,
  type Payment,
  type User,
} from "../types.ts";
import {
  adminWindows,
  emptyStatusCounts,
  errorCode,
  newReferralCode,
  parseUserQuery,
  requeueFields,
} from "../util.ts";

export interface SqliteStoreOptions {
  /** Database file (created with its directory), or ":memory:". */
  path: string;
  freeCredits: number;
  logger: Logger;
  /** The better-sqlite3 addon, already loaded (the single executable loads it with process.dlopen). */
  nativeBinding?: string | object;
  /** How long a writer waits for another connection's write lock before failing (default 5000). */
  busyTimeoutMs?: number;
}

type UserRow = typeof users.$inferSelect;
type JobRow = typeof jobs.$inferSelect;

const toUser = (r: UserRow): User => r;
const toJob = (r: JobRow): Job => r as Job;
const toPayment = (r: typeof payments.$inferSelect): Payment => r as Payment;
const toBroadcast = (r: typeof broadcasts.$inferSelect): Broadcast => r as Broadcast;
const toLedger = (r: typeof creditLedger.$inferSelect): LedgerEntry => r as LedgerEntry;
const rawJob = rowMapper<Job>(jobs);
const rawUser = rowMapper<User>(users);

function isUniqueViolation(err: unknown): boolean {
  return errorCode(err)?.startsWith("SQLITE_CONSTRAINT_UNIQUE") === true;
}

export async function openSqliteStore(opts: SqliteStoreOptions): Promise<Store> {
  if (opts.path !== ":memory:") mkdirSync(dirname(opts.path), { recursive: true });
  const nativeBinding = opts.nativeBinding as string | undefined;
  const raw = new Database(opts.path, nativeBinding ? { nativeBinding } : {});
  raw.pragma("journal_mode = WAL");
  raw.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  raw.pragma("synchronous = NORMAL");
  raw.pragma("foreign_keys = ON");
  try {
    migrateSqlite(raw, opts.logger);
  } catch (err) {
    raw.close();
    throw err;
  }
  return createSqliteStore(raw, opts);
}

function createSqliteStore(raw: Database.Database, opts: SqliteStoreOptions): Store {
  const db = drizzle({ client: raw });
  const logger = opts.logger;
  const cache = new Map<string, Database.Statement>();
  const prepare = (text: string): Database.Statement => {
    let s = cache.get(text);
    if (!s) {
      s = raw.prepare(text);
      cache.set(text, s);
    }
    return s;
  };
  const begin = raw.prepare("BEGIN IMMEDIATE");
  const commit = raw.prepare("COMMIT");
  const rollback = raw.prepare("ROLLBACK");
  let closed = false;

  /** BEGIN IMMEDIATE … COMMIT around synchronous work; any throw rolls back. */
  function immediate<T>(fn: () => T): T {
    begin.run();
    try {
      const result = fn();
      commit.run();
      return result;
    } catch (err) {
      if (raw.inTransaction) rollback.run();
      throw err;
    }
  }

  // Hot-path statements (every order, every charge), hand-written and prepared once: drizzle's
  // prepared queries still fill placeholders and map rows through its column objects on every
  // call, which cost ~25% of a charge transaction in bench/store.bench.ts.
  const q = {
    userCredits: raw.prepare("select credits from users where id = ?").pluck(),
    jobByKey: raw.prepare("select * from jobs where idempotency_key = ?"),
    addBalance: raw
      .prepare("update users set credits = credits + ?, updated_at = ? where id = ? returning credits")
      .pluck(),
    insertJob: raw.prepare(
      `insert into jobs (user_id, chat_id, template, model, language, photo_file_id, photo_path, product_text, wishes,
        own_prompt, duration_seconds, aspect_ratio, credits_charged, idempotency_key, batch_key, run_at, created_at,
        updated_at)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning *`,
    ),
    insertLedger: raw.prepare(
      `insert into credit_ledger (user_id, delta, balance_after, reason, job_id, payment_id, reference, note, created_at)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    ledgerByRef: raw.prepare("select id from credit_ledger where reference = ?").pluck(),
    jobById: raw.prepare("select * from jobs where id = ?"),
    jobByTask: raw.prepare("select * from jobs where provider_task_id = ? order by id desc limit 1"),
    // What the bot does on every update: load the sender, touch activity, read and write the session.
    userById: raw.prepare("select * from users where id = ?"),
    userByTgId: raw.prepare("select * from users where tg_id = ?"),
    touchUser: raw.prepare("update users set last_active_at = ? where id = ?"),
    readSession: raw.prepare("select value from sessions where key = ?").pluck(),
    writeSession: raw.prepare(
      "insert into sessions (key, value, updated_at) values (?, ?, ?) on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at",
    ),
    deleteSession: raw.prepare("delete from sessions where key = ?"),
    // What an idle worker asks before sleeping: when the next job becomes runnable.
    nextRunAt: raw
      .prepare(
        "select min(case when lease_expires_at > run_at then lease_expires_at else run_at end) from jobs where status in ('queued', 'processing')",
      )
      .pluck(),
    lastJobs: raw.prepare("select * from jobs order by id desc limit ? offset ?"),
    lastJobsByStatus: raw.prepare("select * from jobs where status = ? order by id desc limit ? offset ?"),
    queueStats: raw.prepare(
      "select status, count(*) as n, min(created_at) as oldest from jobs where status in ('queued', 'processing') group by status",
    ),
    jobsWithFiles: raw.prepare(
      `select * from jobs where (photo_path is not null or result_path is not null)
        and created_at < ? and id > ? order by id limit ?`,
    ),
  };
  const userRow = (stmt: Database.Statement, arg: unknown): User | null => {
    const r = stmt.get(arg) as Raw | undefined;
    return r ? rawUser(r) : null;
  };
  const jobRow = (stmt: Database.Statement, arg: unknown): Job | null => {
    const r = stmt.get(arg) as Raw | undefined;
    return r ? rawJob(r) : null;
  };

  function balanceOf(userId: number): number | null {
    return (q.userCredits.get(userId) as number | undefined) ?? null;
  }

  /** Changes a balance and writes its ledger row: callers are inside a transaction. */
  function move(
    userId: number,
    delta: number,
    reason: LedgerReason,
    ref: { reference: string | null; jobId?: number | null; paymentId?: number | null; note?: string | null },
    now: number,
  ): number {
    const after = q.addBalance.get(delta, now, userId) as number | undefined;
    if (after === undefined) throw new Error(`user ${userId} not found`);
    q.insertLedger.run(
      userId,
      delta,
      after,
      reason,
      ref.jobId ?? null,
      ref.paymentId ?? null,
      ref.reference,
      ref.note ?? null,
      now,
    );
    return after;
  }

  function createJobs(userId: number, list: NewJob[]): CreateJobsResult {
    return immediate((): CreateJobsResult => {
      const balance = balanceOf(userId);
      if (balance === null) return { ok: false, reason: "user_not_found" };
      const existing = list.map((j) => jobRow(q.jobByKey, j.idempotencyKey)).filter((j) => j !== null);
      if (existing.length) return { ok: true, jobs: existing, created: false, balance };
      const required = list.reduce((s, j) => s + j.cost, 0);
      if (balance < required) return { ok: false, reason: "insufficient_credits", balance, required };
      const now = Date.now();
      const created: Job[] = [];
      let after = balance;
      for (const j of list) {
        const inserted = q.insertJob.get(
          userId,
          j.chatId,
          j.template,
          j.model,
          j.language,
          j.photoFileId ?? null,
          j.photoPath ?? null,
          j.productText,
          j.wishes ?? null,
          j.ownPrompt ?? null,
          j.durationSeconds ?? null,
          j.aspectRatio ?? null,
          j.cost,
          j.idempotencyKey,
          j.batchKey ?? null,
          now,
          now,
          now,
        ) as Raw | undefined;
        if (!inserted) throw new Error("job insert returned nothing");
        const row = rawJob(inserted);
        if (j.cost !== 0)
          after = move(
            userId,
            -j.cost,
            "job_charge",
            { reference: `job:${row.id}:charge`, jobId: row.id },
            now,
          );
        created.push(row);
      }
      return { ok: true, jobs: created, created: true, balance: after };
    });
  }

  function userById(id: number): User | null {
    return userRow(q.userById, id);
  }

  function userWhere(where: SQL | undefined): User | null {
    const r = db.select().from(users).where(where).get();
    return r ? toUser(r) : null;
  }

  function jobById(id: number): Job | null {
    return jobRow(q.jobById, id);
  }

  function statusCounts(where: SQL | undefined): Record<JobStatus, number> {
    const out = emptyStatusCounts();
    const rows = db
      .select({ status: jobs.status, n: count() })
      .from(jobs)
      .where(where)
      .groupBy(jobs.status)
      .all();
    for (const r of rows)
      if ((JOB_STATUSES as readonly string[]).includes(r.status)) out[r.status as JobStatus] = r.n;
    return out;
  }

  function queueStats() {
    const rows = q.queueStats.all() as { status: string; n: number; oldest: number | null }[];
    const queued = rows.find((r) => r.status === "queued");
    const processing = rows.find((r) => r.status === "processing");
    return {
      queued: queued?.n ?? 0,
      processing: processing?.n ?? 0,
      oldestQueuedAt: queued?.oldest != null ? new Date(queued.oldest) : null,
    };
  }

  const store: Store = {
    dialect: "sqlite",
    driver: createSqliteDriver(raw),

    async getOrCreateUser(profile: TelegramProfile, o = {}) {
      const now = new Date();
      const fields = {
        username: profile.username ?? null,
        firstName: profile.firstName ?? null,
        lastName: profile.lastName ?? null,
        languageCode: profile.languageCode ?? null,
      };
      for (let attempt = 0; ; attempt++) {
        try {
          return immediate(() => {
            const found = db.select().from(users).where(eq(users.tgId, profile.tgId)).get();
            if (found) {
              const changed = (Object.keys(fields) as Array<keyof typeof fields>).some(
                (k) => found[k] !== fields[k],
              );
              if (!changed) return { user: toUser(found), created: false };
              const updated = db
                .update(users)
                .set({ ...fields, updatedAt: now })
                .where(eq(users.id, found.id))
                .returning()
                .get();
              return { user: toUser(updated ?? found), created: false };
            }
            const referrer = o.referralCode
              ? db.select({ id: users.id }).from(users).where(eq(users.referralCode, o.referralCode)).get()
              : undefined;
            const inserted = db
              .insert(users)
              .values({
                tgId: profile.tgId,
                ...fields,
                credits: 0,
                referralCode: newReferralCode(),
                referredBy: referrer?.id ?? null,
                referralSource: o.referralSource ?? null,
                lastActiveAt: now,
                createdAt: now,
                updatedAt: now,
              })
              .returning()
              .get();
            if (!inserted) throw new Error("user insert returned nothing");
            if (opts.freeCredits > 0) {
              move(
                inserted.id,
                opts.freeCredits,
                "signup_bonus",
                { reference: `signup:${inserted.id}` },
                now.getTime(),
              );
            }
            const user = userById(inserted.id);
            if (!user) throw new Error("user vanished");
            return { user, created: true };
          });
        } catch (err) {
          // A referral code collision (1 in 2^48 per pair): draw another.
          if (attempt < 3 && isUniqueViolation(err)) continue;
          throw err;
        }
      }
    },
    async getUserByTgId(tgId) {
      return userRow(q.userByTgId, tgId);
    },
    async getUserById(id) {
      return userById(id);
    },
    async getUserByUsername(username) {
      return userWhere(sql`lower(${users.username}) = lower(${username.replace(/^@/, "")})`);
    },
    async getUserByReferralCode(code) {
      return userWhere(eq(users.referralCode, code));
    },
    async setUserLanguage(userId, language) {
      db.update(users).set({ language, updatedAt: new Date() }).where(eq(users.id, userId)).run();
    },
    async setConsent(userId, at) {
      db.update(users).set({ consentAt: at, updatedAt: new Date() }).where(eq(users.id, userId)).run();
    },
    async setBlocked(userId, blocked) {
      db.update(users).set({ blocked, updatedAt: new Date() }).where(eq(users.id, userId)).run();
    },
    async setBotBlocked(userId, at) {
      db.update(users).set({ botBlockedAt: at, updatedAt: new Date() }).where(eq(users.id, userId)).run();
    },
    async touchUser(userId, at) {
      q.touchUser.run(at.getTime(), userId);
    },
    async listUsers(page) {
      return db
        .select()
        .from(users)
        .orderBy(desc(users.id))
        .limit(page.limit)
        .offset(page.offset ?? 0)
        .all()
        .map(toUser);
    },
    async countUsers() {
      return db.select({ n: count() }).from(users).get()?.n ?? 0;
    },
    async safeGetBalance(userId) {
      try {
        return closed ? null : balanceOf(userId);
      } catch (err) {
        logger.warn({ err, userId }, "could not read balance");
        return null;
      }
    },
    async getLedger(userId, page) {
      return db
        .select()
        .from(creditLedger)
        .where(eq(creditLedger.userId, userId))
        .orderBy(desc(creditLedger.id))
        .limit(page.limit)
        .offset(page.offset ?? 0)
        .all()
        .map(toLedger);
    },
    async ledgerSum(userId) {
      const r = db
        .select({ s: sql<number>`coalesce(sum(${creditLedger.delta}), 0)` })
        .from(creditLedger)
        .where(eq(creditLedger.userId, userId))
        .get();
      return Number(r?.s ?? 0);
    },
    async addCredits(input: AddCreditsInput): Promise<AddCreditsResult> {
      return immediate(() => {
        const balance = balanceOf(input.userId);
        if (balance === null) throw new Error(`user ${input.userId} not found`);
        if (q.ledgerByRef.get(input.reference) !== undefined) return { applied: false, balance };
        if (input.amount === 0) return { applied: false, balance };
        if (input.amount < 0 && (input.floorAtZero ?? true) && balance + input.amount < 0)
          return { applied: false, balance };
        const after = move(
          input.userId,
          input.amount,
          input.reason,
          { reference: input.reference, note: input.note },
          Date.now(),
        );
        return { applied: true, balance: after };
      });
    },

    async createJobAndConsumeCredit(userId, job): Promise<CreateJobResult> {
      const r = createJobs(userId, [job]);
      if (!r.ok) return r;
      const first = r.jobs[0];
      if (!first) throw new Error("no job returned");
      return { ok: true, job: first, created: r.created, balance: r.balance };
    },
    async createJobsAndConsumeCredits(userId, list) {
      if (!list.length) throw new Error("createJobsAndConsumeCredits needs at least one job");
      return createJobs(userId, list);
    },
    async getJobById(id) {
      return jobById(id);
    },
    async getJobByIdempotencyKey(key) {
      return jobRow(q.jobByKey, key);
    },
    async getJobByProviderTaskId(taskId) {
      return jobRow(q.jobByTask, taskId);
    },
    async updateJobStatus(id, to, patch = {}) {
      const { leaseOwner, ...rest } = patch;
      return setJobStatusSqlite(prepare, id, to, new Date(), rest, leaseOwner);
    },
    async patchJob(id, patch: JobPatch, leaseOwner) {
      return patchJobSqlite(prepare, id, patch, new Date(), leaseOwner);
    },
    async getUserJobs(userId, page) {
      return db
        .select()
        .from(jobs)
        .where(eq(jobs.userId, userId))
        .orderBy(desc(jobs.id))
        .limit(page.limit)
        .offset(page.offset ?? 0)
        .all()
        .map(toJob);
    },
    async countUserJobs(userId) {
      return db.select({ n: count() }).from(jobs).where(eq(jobs.userId, userId)).get()?.n ?? 0;
    },
    // The queue's position notices read up to 1000 waiting jobs a few times a second while orders
    // wait: hand-written and decoded by position rather than built and mapped by drizzle each time.
    async listLastJobs(page) {
      const offset = page.offset ?? 0;
      return page.status
        ? sqliteJobRows(q.lastJobsByStatus, page.status, page.limit, offset)
        : sqliteJobRows(q.lastJobs, page.limit, offset);
    },
    async listJobsWithFilesBefore(before, limit, afterId = 0) {
      return q.jobsWithFiles.all(before.getTime(), afterId, limit).map((r) => rawJob(r as Raw));
    },
    async refundCredit(jobId): Promise<RefundJobResult> {
      return immediate((): RefundJobResult => {
        const job = jobById(jobId);
        if (!job) return { refunded: false, reason: "not_found", balance: 0 };
        const balance = balanceOf(job.userId) ?? 0;
        if (job.status !== "failed") return { refunded: false, reason: "not_failed", balance };
        if (job.refundedAt) return { refunded: false, reason: "already_refunded", balance };
        if (job.creditsCharged <= 0) return { refunded: false, reason: "nothing_charged", balance };
        const now = Date.now();
        // The guarded UPDATE is the "exactly once": only one caller can move refunded_at off NULL.
        const marked = db
          .update(jobs)
          .set({ refundedAt: new Date(now), updatedAt: new Date(now) })
          .where(and(eq(jobs.id, jobId), isNull(jobs.refundedAt)))
          .run();
        if (marked.changes !== 1) return { refunded: false, reason: "already_refunded", balance };
        const after = move(
          job.userId,
          job.creditsCharged,
          "refund",
          { reference: `job:${jobId}:refund`, jobId },
          now,
        );
        return { refunded: true, balance: after };
      });
    },
    async requeueJob(jobId) {
      const now = new Date();
      const r = db
        .update(jobs)
        .set(requeueFields(now, jobs))
        .where(
          and(
            eq(jobs.id, jobId),
            eq(jobs.status, "failed"),
            // Imported jobs ran in the old bot (their charge is history, not ours to redo), and a
            // job without a photo has nothing to render.
            sql`substr(${jobs.idempotencyKey}, 1, 7) <> 'import:'`,
            or(isNotNull(jobs.photoFileId), isNotNull(jobs.photoPath)),
          ),
        )
        .returning()
        .get();
      return r ? toJob(r) : null;
    },

    async claimJobs(workerId, leaseMs, limit, now = new Date()) {
      return immediate(() => claimJobsSqlite(prepare, workerId, now, leaseMs, limit));
    },
    async claimNextJob(workerId, leaseMs, now = new Date()) {
      return immediate(() => claimJobsSqlite(prepare, workerId, now, leaseMs, 1))[0] ?? null;
    },
    async heartbeat(jobId, workerId, leaseMs, now = new Date()) {
      return heartbeatSqlite(prepare, jobId, workerId, now, leaseMs);
    },
    async releaseJob(jobId, workerId, runAt, patch) {
      return releaseJobSqlite(prepare, jobId, workerId, runAt, new Date(), patch);
    },
    async getQueuePosition(jobId) {
      return queuePositionSqlite(prepare, jobId);
    },
    async listQueuedBatchKeys(limit) {
      return queuedBatchKeysSqlite(prepare, limit);
    },
    async getQueueStats() {
      return queueStats();
    },
    async countJobsByStatus(since) {
      return statusCounts(since ? gte(jobs.createdAt, since) : undefined);
    },
    async nextRunAt() {
      const at = q.nextRunAt.get() as number | null | undefined;
      return at != null ? new Date(at) : null;
    },

    async recordPayment(input: RecordPaymentInput): Promise<RecordPaymentResult> {
      return immediate(() => {
        const existing = db
          .select()
          .from(payments)
          .where(eq(payments.telegramChargeId, input.telegramChargeId))
          .get();
        if (existing)
          return { credited: false, payment: toPayment(existing), balance: balanceOf(existing.userId) ?? 0 };
        const now = new Date();
        const payment = db
          .insert(payments)
          .values({
            userId: input.userId,
            telegramChargeId: input.telegramChargeId,
            providerChargeId: input.providerChargeId ?? null,
            currency: input.currency,
            amount: input.amount,
            credits: input.credits,
            packageId: input.packageId,
            status: "paid",
            createdAt: now,
          })
          .returning()
          .get();
        if (!payment) throw new Error("payment insert returned nothing");
        const balance = move(
          input.userId,
          input.credits,
          "payment",
          { reference: `payment:${input.telegramChargeId}`, paymentId: payment.id },
          now.getTime(),
        );
        return { credited: true, payment: toPayment(payment), balance };
      });
    },
    async refundPayment(chargeId, o = {}): Promise<RefundPaymentResult> {
      return immediate((): RefundPaymentResult => {
        const p = db.select().from(payments).where(eq(payments.telegramChargeId, chargeId)).get();
        if (!p) return { ok: false, reason: "not_found" };
        const balance = balanceOf(p.userId) ?? 0;
        if (p.status === "refunded")
          return { ok: true, alreadyRefunded: true, payment: toPayment(p), creditsTaken: 0, balance };
        const now = new Date();
        const updated = db
          .update(payments)
          .set({ status: "refunded", refundedAt: now })
          .where(and(eq(payments.id, p.id), eq(payments.status, "paid")))
          .returning()
          .get();
        if (!updated)
          return { ok: true, alreadyRefunded: true, payment: toPayment(p), creditsTaken: 0, balance };
        const take = o.allowNegative ? p.credits : Math.max(0, Math.min(p.credits, balance));
        const after =
          take > 0
            ? move(
                p.userId,
                -take,
                "payment_refund",
                { reference: `payment:${chargeId}:refund`, paymentId: p.id },
                now.getTime(),
              )
            : balance;
        return {
          ok: true,
          alreadyRefunded: false,
          payment: toPayment(updated),
          creditsTaken: take,
          balance: after,
        };
      });
    },
    async getPaymentByChargeId(chargeId) {
      const r = db.select().from(payments).where(eq(payments.telegramChargeId, chargeId)).get();
      return r ? toPayment(r) : null;
    },
    async getUserPayments(userId, page: Page) {
      return db
        .select()
        .from(payments)
        .where(eq(payments.userId, userId))
        .orderBy(desc(payments.id))
        .limit(page.limit)
        .offset(page.offset ?? 0)
        .all()
        .map(toPayment);
    },
    async countUserPayments(userId) {
      return db.select({ n: count() }).from(payments).where(eq(payments.userId, userId)).get()?.n ?? 0;
    },

    async readSession(key) {
      return q.readSession.get(key) as string | undefined;
    },
    async writeSession(key, value) {
      q.writeSession.run(key, value, Date.now());
    },
    async deleteSession(key) {
      q.deleteSession.run(key);
    },

    async acquireInstanceLease(name, owner, ttlMs, now = new Date()): Promise<InstanceLeaseResult> {
      return immediate((): InstanceLeaseResult => {
        const expiresAt = new Date(now.getTime() + ttlMs);
        const held = db.select().from(instanceLeases).where(eq(instanceLeases.name, name)).get();
        if (!held) {
          db.insert(instanceLeases).values({ name, owner, acquiredAt: now, expiresAt }).run();
          return { acquired: true };
        }
        if (held.owner === owner || held.expiresAt < now) {
          const acquiredAt = held.owner === owner ? held.acquiredAt : now;
          db.update(instanceLeases)
            .set({ owner, acquiredAt, expiresAt })
            .where(eq(instanceLeases.name, name))
            .run();
          return { acquired: true };
        }
        return { acquired: false, holder: held.owner, since: held.acquiredAt, expiresAt: held.expiresAt };
      });
    },
    async releaseInstanceLease(name, owner) {
      db.delete(instanceLeases)
        .where(and(eq(instanceLeases.name, name), eq(instanceLeases.owner, owner)))
        .run();
    },

    async getProviderKeys() {
      return db.select().from(providerKeys).orderBy(asc(providerKeys.label)).all();
    },
    async restProviderKey(keyHash, label, until, error) {
      const now = new Date();
      db.insert(providerKeys)
        .values({ keyHash, label, restedUntil: until, lastError: error, updatedAt: now })
        .onConflictDoUpdate({
          target: providerKeys.keyHash,
          set: { label, restedUntil: until, lastError: error, updatedAt: now },
        })
        .run();
    },
    async clearProviderKey(keyHash) {
      db.update(providerKeys)
        .set({ restedUntil: null, lastError: null, updatedAt: new Date() })
        .where(eq(providerKeys.keyHash, keyHash))
        .run();
    },

    async createBroadcast(input) {
      const r = db
        .insert(broadcasts)
        .values({ ...input, status: "draft", createdAt: new Date() })
        .returning()
        .get();
      if (!r) throw new Error("broadcast insert returned nothing");
      return toBroadcast(r);
    },
    async startBroadcast(id, activeSince) {
      return immediate(() => {
        const b = db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
        if (!b) return null;
        if (b.status !== "draft") return toBroadcast(b);
        const audience = and(
          isNull(users.botBlockedAt),
          eq(users.blocked, false),
          b.audience === "active" ? gte(users.lastActiveAt, activeSince) : undefined,
        );
        db.insert(broadcastRecipients)
          .select(
            db
              .select({
                broadcastId: sql<number>`${id}`.as("broadcast_id"),
                userId: users.id,
                status: sql<string>`'pending'`.as("status"),
              })
              .from(users)
              .where(audience),
          )
          .run();
        const total =
          db
            .select({ n: count() })
            .from(broadcastRecipients)
            .where(eq(broadcastRecipients.broadcastId, id))
            .get()?.n ?? 0;
        const r = db
          .update(broadcasts)
          .set({ status: "running", total })
          .where(eq(broadcasts.id, id))
          .returning()
          .get();
        return r ? toBroadcast(r) : null;
      });
    },
    async getBroadcast(id) {
      const r = db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
      return r ? toBroadcast(r) : null;
    },
    async listRunningBroadcasts() {
      return db
        .select()
        .from(broadcasts)
        .where(eq(broadcasts.status, "running"))
        .orderBy(asc(broadcasts.id))
        .all()
        .map(toBroadcast);
    },
    async nextBroadcastRecipients(id, limit) {
      return db
        .select({ userId: broadcastRecipients.userId, tgId: users.tgId })
        .from(broadcastRecipients)
        .innerJoin(users, eq(users.id, broadcastRecipients.userId))
        .where(and(eq(broadcastRecipients.broadcastId, id), eq(broadcastRecipients.status, "pending")))
        .orderBy(asc(broadcastRecipients.userId))
        .limit(limit)
        .all();
    },
    async markBroadcastRecipient(id, userId, status) {
      immediate(() => {
        const r = db
          .update(broadcastRecipients)
          .set({ status })
          .where(
            and(
              eq(broadcastRecipients.broadcastId, id),
              eq(broadcastRecipients.userId, userId),
              eq(broadcastRecipients.status, "pending"),
            ),
          )
          .run();
        if (r.changes !== 1) return;
        const counter = broadcasts[status];
        db.update(broadcasts)
          .set({ [status]: sql`${counter} + 1` })
          .where(eq(broadcasts.id, id))
          .run();
      });
    },
    async updateBroadcast(id, patch) {
      const r = db.update(broadcasts).set(patch).where(eq(broadcasts.id, id)).returning().get();
      return r ? toBroadcast(r) : null;
    },

    async getAdminStats(now: Date): Promise<AdminStats> {
      const w = adminWindows(now);
      const userCount = (where: SQL | undefined) =>
        db.select({ n: count() }).from(users).where(where).get()?.n ?? 0;
      const ledger = db
        .select({ reason: creditLedger.reason, s: sql<number>`coalesce(sum(${creditLedger.delta}), 0)` })
        .from(creditLedger)
        .where(inArray(creditLedger.reason, ["payment", "job_charge", "refund"]))
        .groupBy(creditLedger.reason)
        .all();
      const sumOf = (reason: string) => Math.abs(Number(ledger.find((r) => r.reason === reason)?.s ?? 0));
      return {
        users: {
          total: userCount(undefined),
          newToday: userCount(gte(users.createdAt, w.dayStart)),
          new7d: userCount(gte(users.createdAt, w.weekAgo)),
          active7d: userCount(gte(users.lastActiveAt, w.weekAgo)),
        },
        jobs: {
          today: statusCounts(gte(jobs.createdAt, w.dayStart)),
          last7d: statusCounts(gte(jobs.createdAt, w.weekAgo)),
        },
        failuresByErrorCode7d: db
          .select({ errorCode: sql<string>`coalesce(${jobs.errorCode}, 'unknown')`, count: count() })
          .from(jobs)
          .where(and(eq(jobs.status, "failed"), gte(jobs.createdAt, w.weekAgo)))
          .groupBy(sql`1`)
          .orderBy(desc(count()))
          .all(),
        queue: queueStats(),
        credits: { sold: sumOf("payment"), spent: sumOf("job_charge"), refunded: sumOf("refund") },
        revenue: db
          .select({ currency: payments.currency, amount: sql<number>`sum(${payments.amount})` })
          .from(payments)
          .where(eq(payments.status, "paid"))
          .groupBy(payments.currency)
          .orderBy(asc(payments.currency))
          .all()
          .map((r) => ({ currency: r.currency, amount: Number(r.amount) })),
      };
    },
    async findUsers(query, limit) {
      const u = parseUserQuery(query);
      if (!u) return [];
      const conds: SQL[] = [];
      if (u.number !== undefined) conds.push(eq(users.tgId, u.number), eq(users.id, u.number));
      if (u.usernamePrefix)
        conds.push(like(sql`lower(${users.username})`, `${u.usernamePrefix.toLowerCase()}%`));
      return db
        .select()
        .from(users)
        .where(or(...conds))
        .orderBy(asc(users.id))
        .limit(limit)
        .all()
        .map(toUser);
    },

    async ping() {
      try {
        return !closed && raw.prepare("select 1 as ok").get() !== undefined;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      raw.close();
    },
  };
  return store;
}
