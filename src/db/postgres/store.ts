// Postgres implementation of the Store. Money moves inside transactions that first lock the user
// row (SELECT … FOR UPDATE): every balance change for one user is serialized, while different
// users never wait on each other. Every public operation is one statement or one whole
// transaction, retried as a unit on connection loss (./retry.ts).
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
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { Logger } from "../../logger.ts";
import { createPostgresDriver } from "../driver/postgres.ts";
import { createRetry, isRetryable } from "../driver/retry.ts";
import { migratePostgres } from "../migrate.ts";
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
} from "../schema/postgres.ts";
import { claimJobsPostgres } from "../sql/claimJobs.ts";
import { createJobsPostgres } from "../sql/createJobs.ts";
import { heartbeatPostgres } from "../sql/heartbeat.ts";
import { nextRunAtPostgres } from "../sql/nextRunAt.ts";
import { queuedBatchKeysPostgres } from "../sql/queuedBatchKeys.ts";
import { queuePositionPostgres } from "../sql/queuePosition.ts";
import { releaseJobPostgres } from "../sql/releaseJob.ts";
import { setJobStatusPostgres } from "../sql/setJobStatus.ts";
import type { PgQuery } from "../sql/types.ts";
import type {
  AddCreditsResult,
  CreateJobResult,
  CreateJobsResult,
  InstanceLeaseResult,
  NewJob,
  RecordPaymentResult,
  RefundJobResult,
  RefundPaymentResult,
  Store,
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

export interface PostgresStoreOptions {
  url: string;
  /** Connections in the pool (DATABASE_POOL_SIZE). */
  poolSize: number;
  freeCredits: number;
  logger: Logger;
  /** Schema to work in (search_path); tests give each file its own. Default: the server's. */
  schema?: string;
  /** Shown in pg_stat_activity (default "neurocards"). */
  applicationName?: string;
  /** Named (prepared) statements; off behind a transaction-mode pooler (default true). */
  namedStatements?: boolean;
}

type Db = NodePgDatabase;
/** drizzle bound to one checked-out connection, inside BEGIN … COMMIT. */
type Tx = Db;
type Q = Db;

const toUser = (r: typeof users.$inferSelect): User => r;
const toJob = (r: typeof jobs.$inferSelect): Job => r as Job;
const toPayment = (r: typeof payments.$inferSelect): Payment => r as Payment;
const toBroadcast = (r: typeof broadcasts.$inferSelect): Broadcast => r as Broadcast;
const toLedger = (r: typeof creditLedger.$inferSelect): LedgerEntry => r as LedgerEntry;
const isUniqueViolation = (err: unknown) => errorCode(err) === "23505";
const rawUser = rowMapper<User>(users);
const rawJob = rowMapper<Job>(jobs);

export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  const { logger } = opts;
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    keepAlive: true,
    application_name: opts.applicationName ?? "neurocards",
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle connection dropped by the server emits 'error' on the pool, and a checked-out one on
  // the client: unhandled, either would kill the process. Log it; the next query reconnects.
  pool.on("error", (err) => logger.warn({ err }, "postgres connection lost (idle)"));
  pool.on("connect", (client) => {
    client.on("error", (err) => logger.warn({ err }, "postgres connection lost"));
  });
  const withRetry = createRetry(logger);
  try {
    await withRetry("migrate", () => migratePostgres(pool, logger));
  } catch (err) {
    await pool.end();
    throw err;
  }
  return createPostgresStore(pool, opts, withRetry);
}

function createPostgresStore(
  pool: pg.Pool,
  opts: PostgresStoreOptions,
  withRetry: ReturnType<typeof createRetry>,
): Store {
  const db: Db = drizzle({ client: pool });
  const { logger } = opts;
  const named = opts.namedStatements !== false;
  let closed = false;

  const query: PgQuery = (text, values, name) =>
    withRetry(name ?? "query", async () => {
      const r = await pool.query<Raw>(name && named ? { name, text, values } : { text, values });
      return { rows: r.rows, rowCount: r.rowCount };
    });
  // Our own BEGIN/COMMIT rather than drizzle's db.transaction: that one leaks the connection when
  // BEGIN itself fails and hands a dead connection back to the pool after a failed ROLLBACK —
  // exactly what a restarted server produces. Here a broken connection is destroyed on release.
  const bound = new WeakMap<pg.PoolClient, Tx>();
  async function transaction<T>(fn: (t: Tx) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      let t = bound.get(client);
      if (!t) {
        t = drizzle({ client });
        bound.set(client, t);
      }
      await client.query("begin");
      try {
        const result = await fn(t);
        await client.query("commit");
        return result;
      } catch (err) {
        await client.query("rollback").catch((e: Error) => {
          broken = e;
        });
        throw err;
      }
    } catch (err) {
      if (isRetryable(err)) broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }
  const tx = <T>(what: string, fn: (t: Tx) => Promise<T>) => withRetry(what, () => transaction(fn));
  const once = <T>(what: string, fn: () => Promise<T>) => withRetry(what, fn);

  async function lockBalance(t: Tx, userId: number): Promise<number | null> {
    const [r] = await t
      .select({ credits: users.credits })
      .from(users)
      .where(eq(users.id, userId))
      .for("update");
    return r?.credits ?? null;
  }

  async function balanceOf(q: Q, userId: number): Promise<number | null> {
    const [r] = await q.select({ credits: users.credits }).from(users).where(eq(users.id, userId));
    return r?.credits ?? null;
  }

  /** Changes a balance and writes its ledger row; the caller holds the user row lock. */
  async function move(
    t: Tx,
    userId: number,
    delta: number,
    reason: LedgerReason,
    ref: { reference: string | null; jobId?: number | null; paymentId?: number | null; note?: string | null },
    now: Date,
  ): Promise<number> {
    const [row] = await t
      .update(users)
      .set({ credits: sql`${users.credits} + ${delta}`, updatedAt: now })
      .where(eq(users.id, userId))
      .returning({ credits: users.credits });
    if (!row) throw new Error(`user ${userId} not found`);
    await t.insert(creditLedger).values({
      userId,
      delta,
      balanceAfter: row.credits,
      reason,
      jobId: ref.jobId ?? null,
      paymentId: ref.paymentId ?? null,
      reference: ref.reference,
      note: ref.note ?? null,
      createdAt: now,
    });
    return row.credits;
  }

  async function createJobs(userId: number, list: NewJob[]): Promise<CreateJobsResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await createJobsPostgres(query, userId, list, new Date());
      } catch (err) {
        // A key committed by another call while this one waited (see createJobs.ts): the next
        // run's snapshot sees that job and returns it, charging nothing.
        if (attempt >= 3 || !isUniqueViolation(err)) throw err;
      }
    }
  }

  async function statusCounts(where: SQL | undefined): Promise<Record<JobStatus, number>> {
    const out = emptyStatusCounts();
    const rows = await db
      .select({ status: jobs.status, n: count() })
      .from(jobs)
      .where(where)
      .groupBy(jobs.status);
    for (const r of rows)
      if ((JOB_STATUSES as readonly string[]).includes(r.status)) out[r.status as JobStatus] = r.n;
    return out;
  }

  async function queueStats() {
    const rows = await db
      .select({
        status: jobs.status,
        n: count(),
        oldest: sql<Date | null>`min(${jobs.createdAt})`.mapWith(jobs.createdAt),
      })
      .from(jobs)
      .where(inArray(jobs.status, ["queued", "processing"]))
      .groupBy(jobs.status);
    const queued = rows.find((r) => r.status === "queued");
    const processing = rows.find((r) => r.status === "processing");
    return { queued: queued?.n ?? 0, processing: processing?.n ?? 0, oldestQueuedAt: queued?.oldest ?? null };
  }

  // What the bot does on every update (load the sender, touch activity, read and write the
  // session) as named statements: each connection parses and plans them once, and no query is
  // built per call.
  const one = async <T>(name: string, text: string, arg: unknown, map: (r: Raw) => T): Promise<T | null> => {
    const r = (await query(text, [arg], name)).rows[0];
    return r ? map(r) : null;
  };
  const userBy = (column: "id" | "tg_id", value: number) =>
    one(`nc_user_by_${column}`, `select * from users where ${column} = $1`, value, rawUser);
  const jobBy = (name: string, text: string, value: unknown) => one(name, text, value, rawJob);

  const first = async <T>(p: Promise<T[]>): Promise<T | undefined> => (await p)[0];
  const userWhere = (where: SQL) =>
    once("getUser", async () => {
      const r = await first(db.select().from(users).where(where).limit(1));
      return r ? toUser(r) : null;
    });

  const store: Store = {
    dialect: "postgres",
    driver: createPostgresDriver(pool, { ...opts, migrate: false }, withRetry),

    async getOrCreateUser(profile, o = {}) {
      const fields = {
        username: profile.username ?? null,
        firstName: profile.firstName ?? null,
        lastName: profile.lastName ?? null,
        languageCode: profile.languageCode ?? null,
      };
      for (let attempt = 0; ; attempt++) {
        try {
          return await tx("getOrCreateUser", async (t) => {
            const now = new Date();
            const found = await first(t.select().from(users).where(eq(users.tgId, profile.tgId)));
            if (found) {
              const changed = (Object.keys(fields) as Array<keyof typeof fields>).some(
                (k) => found[k] !== fields[k],
              );
              if (!changed) return { user: toUser(found), created: false };
              const [updated] = await t
                .update(users)
                .set({ ...fields, updatedAt: now })
                .where(eq(users.id, found.id))
                .returning();
              return { user: toUser(updated ?? found), created: false };
            }
            const referrer = o.referralCode
              ? await first(
                  t.select({ id: users.id }).from(users).where(eq(users.referralCode, o.referralCode)),
                )
              : undefined;
            const [inserted] = await t
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
              .returning();
            if (!inserted) throw new Error("user insert returned nothing");
            if (opts.freeCredits > 0) {
              await move(
                t,
                inserted.id,
                opts.freeCredits,
                "signup_bonus",
                { reference: `signup:${inserted.id}` },
                now,
              );
            }
            const user = await first(t.select().from(users).where(eq(users.id, inserted.id)));
            if (!user) throw new Error("user vanished");
            return { user: toUser(user), created: true };
          });
        } catch (err) {
          // Two first messages from one user at once (the loser sees the winner's row on retry),
          // or a referral code collision.
          if (attempt < 3 && isUniqueViolation(err)) continue;
          throw err;
        }
      }
    },
    getUserByTgId: (tgId) => userBy("tg_id", tgId),
    getUserById: (id) => userBy("id", id),
    getUserByUsername: (username) =>
      userWhere(sql`lower(${users.username}) = lower(${username.replace(/^@/, "")})`),
    getUserByReferralCode: (code) => userWhere(eq(users.referralCode, code)),
    async setUserLanguage(userId, language) {
      await once("setUserLanguage", () =>
        db.update(users).set({ language, updatedAt: new Date() }).where(eq(users.id, userId)),
      );
    },
    async setConsent(userId, at) {
      await once("setConsent", () =>
        db.update(users).set({ consentAt: at, updatedAt: new Date() }).where(eq(users.id, userId)),
      );
    },
    async setBlocked(userId, blocked) {
      await once("setBlocked", () =>
        db.update(users).set({ blocked, updatedAt: new Date() }).where(eq(users.id, userId)),
      );
    },
    async setBotBlocked(userId, at) {
      await once("setBotBlocked", () =>
        db.update(users).set({ botBlockedAt: at, updatedAt: new Date() }).where(eq(users.id, userId)),
      );
    },
    async touchUser(userId, at) {
      await query("update users set last_active_at = $1 where id = $2", [at, userId], "nc_touch_user");
    },
    async listUsers(page) {
      const rows = await once("listUsers", () =>
        db
          .select()
          .from(users)
          .orderBy(desc(users.id))
          .limit(page.limit)
          .offset(page.offset ?? 0),
      );
      return rows.map(toUser);
    },
    async countUsers() {
      return (await once("countUsers", () => first(db.select({ n: count() }).from(users))))?.n ?? 0;
    },
    async safeGetBalance(userId) {
      if (closed) return null;
      try {
        return await balanceOf(db, userId);
      } catch (err) {
        logger.warn({ err, userId }, "could not read balance");
        return null;
      }
    },
    async getLedger(userId, page) {
      const rows = await once("getLedger", () =>
        db
          .select()
          .from(creditLedger)
          .where(eq(creditLedger.userId, userId))
          .orderBy(desc(creditLedger.id))
          .limit(page.limit)
          .offset(page.offset ?? 0),
      );
      return rows.map(toLedger);
    },
    async ledgerSum(userId) {
      const r = await once("ledgerSum", () =>
        first(
          db
            .select({ s: sql<string>`coalesce(sum(${creditLedger.delta}), 0)` })
            .from(creditLedger)
            .where(eq(creditLedger.userId, userId)),
        ),
      );
      return Number(r?.s ?? 0);
    },
    async addCredits(input) {
      try {
        return await tx("addCredits", async (t): Promise<AddCreditsResult> => {
          const balance = await lockBalance(t, input.userId);
          if (balance === null) throw new Error(`user ${input.userId} not found`);
          const seen = await first(
            t
              .select({ id: creditLedger.id })
              .from(creditLedger)
              .where(eq(creditLedger.reference, input.reference)),
          );
          if (seen || input.amount === 0) return { applied: false, balance };
          if (input.amount < 0 && (input.floorAtZero ?? true) && balance + input.amount < 0)
            return { applied: false, balance };
          const after = await move(
            t,
            input.userId,
            input.amount,
            input.reason,
            { reference: input.reference, note: input.note },
            new Date(),
          );
          return { applied: true, balance: after };
        });
      } catch (err) {
        // The same reference applied for another user concurrently: it is taken, nothing to do.
        if (!isUniqueViolation(err)) throw err;
        return { applied: false, balance: (await balanceOf(db, input.userId)) ?? 0 };
      }
    },

    async createJobAndConsumeCredit(userId, job): Promise<CreateJobResult> {
      const r = await createJobs(userId, [job]);
      if (!r.ok) return r;
      const j = r.jobs[0];
      if (!j) throw new Error("no job returned");
      return { ok: true, job: j, created: r.created, balance: r.balance };
    },
    async createJobsAndConsumeCredits(userId, list) {
      if (!list.length) throw new Error("createJobsAndConsumeCredits needs at least one job");
      return createJobs(userId, list);
    },
    getJobById: (id) => jobBy("nc_job_by_id", "select * from jobs where id = $1", id),
    async getJobByIdempotencyKey(key) {
      const r = await once("getJobByKey", () =>
        first(db.select().from(jobs).where(eq(jobs.idempotencyKey, key))),
      );
      return r ? toJob(r) : null;
    },
    getJobByProviderTaskId: (taskId) =>
      jobBy(
        "nc_job_by_task",
        "select * from jobs where provider_task_id = $1 order by id desc limit 1",
        taskId,
      ),
    async updateJobStatus(id, to, patch = {}) {
      const { leaseOwner, ...rest } = patch;
      return setJobStatusPostgres(query, id, to, new Date(), rest, leaseOwner);
    },
    async patchJob(id, patch, leaseOwner) {
      const where =
        leaseOwner === undefined ? eq(jobs.id, id) : and(eq(jobs.id, id), eq(jobs.leaseOwner, leaseOwner));
      const r = await once("patchJob", () =>
        first(
          db
            .update(jobs)
            .set({ ...patch, updatedAt: new Date() })
            .where(where)
            .returning(),
        ),
      );
      return r ? toJob(r) : null;
    },
    async getUserJobs(userId, page) {
      const rows = await once("getUserJobs", () =>
        db
          .select()
          .from(jobs)
          .where(eq(jobs.userId, userId))
          .orderBy(desc(jobs.id))
          .limit(page.limit)
          .offset(page.offset ?? 0),
      );
      return rows.map(toJob);
    },
    async countUserJobs(userId) {
      return (
        (
          await once("countUserJobs", () =>
            first(db.select({ n: count() }).from(jobs).where(eq(jobs.userId, userId))),
          )
        )?.n ?? 0
      );
    },
    async listLastJobs(page) {
      const rows = await once("listLastJobs", () =>
        db
          .select()
          .from(jobs)
          .where(page.status ? eq(jobs.status, page.status) : undefined)
          .orderBy(desc(jobs.id))
          .limit(page.limit)
          .offset(page.offset ?? 0),
      );
      return rows.map(toJob);
    },
    async listJobsWithFilesBefore(before, limit, afterId = 0) {
      const { rows } = await query(
        `select * from jobs where (photo_path is not null or result_path is not null)
          and created_at < $1 and id > $2 order by id limit $3`,
        [before, afterId, limit],
        "nc_jobs_with_files",
      );
      return rows.map(rawJob);
    },
    async refundCredit(jobId) {
      return tx("refundCredit", async (t): Promise<RefundJobResult> => {
        const now = new Date();
        // The guarded UPDATE is the "exactly once": concurrent callers queue on the job's row
        // lock and, re-checking `refunded_at is null` after the winner commits, match nothing.
        const [marked] = await t
          .update(jobs)
          .set({ refundedAt: now, updatedAt: now })
          .where(
            and(
              eq(jobs.id, jobId),
              eq(jobs.status, "failed"),
              isNull(jobs.refundedAt),
              sql`${jobs.creditsCharged} > 0`,
            ),
          )
          .returning({ userId: jobs.userId, credits: jobs.creditsCharged });
        if (marked) {
          await lockBalance(t, marked.userId);
          const after = await move(
            t,
            marked.userId,
            marked.credits,
            "refund",
            { reference: `job:${jobId}:refund`, jobId },
            now,
          );
          return { refunded: true, balance: after };
        }
        const job = await first(t.select().from(jobs).where(eq(jobs.id, jobId)));
        if (!job) return { refunded: false, reason: "not_found", balance: 0 };
        const balance = (await balanceOf(t, job.userId)) ?? 0;
        if (job.status !== "failed") return { refunded: false, reason: "not_failed", balance };
        if (job.refundedAt) return { refunded: false, reason: "already_refunded", balance };
        return { refunded: false, reason: "nothing_charged", balance };
      });
    },
    async requeueJob(jobId) {
      const now = new Date();
      const r = await once("requeueJob", () =>
        first(
          db
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
            .returning(),
        ),
      );
      return r ? toJob(r) : null;
    },

    async claimJobs(workerId, leaseMs, limit, now = new Date()) {
      return claimJobsPostgres(query, workerId, now, leaseMs, limit);
    },
    async claimNextJob(workerId, leaseMs, now = new Date()) {
      const [job] = await claimJobsPostgres(query, workerId, now, leaseMs, 1);
      return job ?? null;
    },
    heartbeat: (jobId, workerId, leaseMs, now = new Date()) =>
      heartbeatPostgres(query, jobId, workerId, now, leaseMs),
    releaseJob: (jobId, workerId, runAt, patch) =>
      releaseJobPostgres(query, jobId, workerId, runAt, new Date(), patch),
    getQueuePosition: (jobId) => queuePositionPostgres(query, jobId),
    listQueuedBatchKeys: (limit) => queuedBatchKeysPostgres(query, limit),
    getQueueStats: () => once("queueStats", queueStats),
    countJobsByStatus: (since) =>
      once("countJobsByStatus", () => statusCounts(since ? gte(jobs.createdAt, since) : undefined)),
    nextRunAt: () => nextRunAtPostgres(query),

    async recordPayment(input) {
      try {
        return await tx("recordPayment", async (t): Promise<RecordPaymentResult> => {
          const balance = await lockBalance(t, input.userId);
          if (balance === null) throw new Error(`user ${input.userId} not found`);
          const existing = await first(
            t.select().from(payments).where(eq(payments.telegramChargeId, input.telegramChargeId)),
          );
          if (existing) return { credited: false, payment: toPayment(existing), balance };
          const now = new Date();
          const [payment] = await t
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
            .returning();
          if (!payment) throw new Error("payment insert returned nothing");
          const after = await move(
            t,
            input.userId,
            input.credits,
            "payment",
            { reference: `payment:${input.telegramChargeId}`, paymentId: payment.id },
            now,
          );
          return { credited: true, payment: toPayment(payment), balance: after };
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const p = await store.getPaymentByChargeId(input.telegramChargeId);
        if (!p) throw err;
        return { credited: false, payment: p, balance: (await balanceOf(db, p.userId)) ?? 0 };
      }
    },
    async refundPayment(chargeId, o = {}) {
      return tx("refundPayment", async (t): Promise<RefundPaymentResult> => {
        const p = await first(
          t.select().from(payments).where(eq(payments.telegramChargeId, chargeId)).for("update"),
        );
        if (!p) return { ok: false, reason: "not_found" };
        const balance = (await lockBalance(t, p.userId)) ?? 0;
        if (p.status === "refunded")
          return { ok: true, alreadyRefunded: true, payment: toPayment(p), creditsTaken: 0, balance };
        const now = new Date();
        const [updated] = await t
          .update(payments)
          .set({ status: "refunded", refundedAt: now })
          .where(eq(payments.id, p.id))
          .returning();
        if (!updated) throw new Error("payment vanished");
        const take = o.allowNegative ? p.credits : Math.max(0, Math.min(p.credits, balance));
        const after =
          take > 0
            ? await move(
                t,
                p.userId,
                -take,
                "payment_refund",
                { reference: `payment:${chargeId}:refund`, paymentId: p.id },
                now,
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
      const r = await once("getPayment", () =>
        first(db.select().from(payments).where(eq(payments.telegramChargeId, chargeId))),
      );
      return r ? toPayment(r) : null;
    },
    async getUserPayments(userId, page) {
      const rows = await once("getUserPayments", () =>
        db
          .select()
          .from(payments)
          .where(eq(payments.userId, userId))
          .orderBy(desc(payments.id))
          .limit(page.limit)
          .offset(page.offset ?? 0),
      );
      return rows.map(toPayment);
    },
    async countUserPayments(userId) {
      return (
        (
          await once("countUserPayments", () =>
            first(db.select({ n: count() }).from(payments).where(eq(payments.userId, userId))),
          )
        )?.n ?? 0
      );
    },

    async readSession(key) {
      const r = await one(
        "nc_read_session",
        "select value from sessions where key = $1",
        key,
        (r) => r.value,
      );
      return typeof r === "string" ? r : undefined;
    },
    async writeSession(key, value) {
      await query(
        "insert into sessions (key, value, updated_at) values ($1, $2, $3) on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at",
        [key, value, new Date()],
        "nc_write_session",
      );
    },
    async deleteSession(key) {
      await query("delete from sessions where key = $1", [key], "nc_delete_session");
    },

    async acquireInstanceLease(name, owner, ttlMs, now = new Date()) {
      const expiresAt = new Date(now.getTime() + ttlMs);
      // One upsert decides: take the row when it is free, ours, or expired; otherwise leave it.
      const taken = await once("acquireInstanceLease", () =>
        first(
          db
            .insert(instanceLeases)
            .values({ name, owner, acquiredAt: now, expiresAt })
            .onConflictDoUpdate({
              target: instanceLeases.name,
              set: {
                owner,
                expiresAt,
                acquiredAt: sql`case when ${instanceLeases.owner} = ${owner} then ${instanceLeases.acquiredAt} else ${now} end`,
              },
              setWhere: sql`${instanceLeases.owner} = ${owner} or ${instanceLeases.expiresAt} < ${now}`,
            })
            .returning({ name: instanceLeases.name }),
        ),
      );
      if (taken) return { acquired: true } satisfies InstanceLeaseResult;
      const held = await once("getInstanceLease", () =>
        first(db.select().from(instanceLeases).where(eq(instanceLeases.name, name))),
      );
      if (!held) return store.acquireInstanceLease(name, owner, ttlMs, now);
      return { acquired: false, holder: held.owner, since: held.acquiredAt, expiresAt: held.expiresAt };
    },
    async releaseInstanceLease(name, owner) {
      await once("releaseInstanceLease", () =>
        db.delete(instanceLeases).where(and(eq(instanceLeases.name, name), eq(instanceLeases.owner, owner))),
      );
    },

    getProviderKeys: () =>
      once("getProviderKeys", () => db.select().from(providerKeys).orderBy(asc(providerKeys.label))),
    async restProviderKey(keyHash, label, until, error) {
      const now = new Date();
      await once("restProviderKey", () =>
        db
          .insert(providerKeys)
          .values({ keyHash, label, restedUntil: until, lastError: error, updatedAt: now })
          .onConflictDoUpdate({
            target: providerKeys.keyHash,
            set: { label, restedUntil: until, lastError: error, updatedAt: now },
          }),
      );
    },
    async clearProviderKey(keyHash) {
      await once("clearProviderKey", () =>
        db
          .update(providerKeys)
          .set({ restedUntil: null, lastError: null, updatedAt: new Date() })
          .where(eq(providerKeys.keyHash, keyHash)),
      );
    },

    async createBroadcast(input) {
      const [r] = await once("createBroadcast", () =>
        db
          .insert(broadcasts)
          .values({ ...input, status: "draft", createdAt: new Date() })
          .returning(),
      );
      if (!r) throw new Error("broadcast insert returned nothing");
      return toBroadcast(r);
    },
    async startBroadcast(id, activeSince) {
      return tx("startBroadcast", async (t) => {
        const b = await first(t.select().from(broadcasts).where(eq(broadcasts.id, id)).for("update"));
        if (!b) return null;
        if (b.status !== "draft") return toBroadcast(b);
        const audience = and(
          isNull(users.botBlockedAt),
          eq(users.blocked, false),
          b.audience === "active" ? gte(users.lastActiveAt, activeSince) : undefined,
        );
        await t.insert(broadcastRecipients).select(
          t
            .select({
              broadcastId: sql<number>`${id}::bigint`.as("broadcast_id"),
              userId: users.id,
              status: sql<string>`'pending'`.as("status"),
            })
            .from(users)
            .where(audience),
        );
        const [c] = await t
          .select({ n: count() })
          .from(broadcastRecipients)
          .where(eq(broadcastRecipients.broadcastId, id));
        const [r] = await t
          .update(broadcasts)
          .set({ status: "running", total: c?.n ?? 0 })
          .where(eq(broadcasts.id, id))
          .returning();
        return r ? toBroadcast(r) : null;
      });
    },
    async getBroadcast(id) {
      const r = await once("getBroadcast", () =>
        first(db.select().from(broadcasts).where(eq(broadcasts.id, id))),
      );
      return r ? toBroadcast(r) : null;
    },
    async listRunningBroadcasts() {
      const rows = await once("listRunningBroadcasts", () =>
        db.select().from(broadcasts).where(eq(broadcasts.status, "running")).orderBy(asc(broadcasts.id)),
      );
      return rows.map(toBroadcast);
    },
    nextBroadcastRecipients: (id, limit) =>
      once("nextBroadcastRecipients", () =>
        db
          .select({ userId: broadcastRecipients.userId, tgId: users.tgId })
          .from(broadcastRecipients)
          .innerJoin(users, eq(users.id, broadcastRecipients.userId))
          .where(and(eq(broadcastRecipients.broadcastId, id), eq(broadcastRecipients.status, "pending")))
          .orderBy(asc(broadcastRecipients.userId))
          .limit(limit),
      ),
    async markBroadcastRecipient(id, userId, status) {
      await tx("markBroadcastRecipient", async (t) => {
        const changed = await t
          .update(broadcastRecipients)
          .set({ status })
          .where(
            and(
              eq(broadcastRecipients.broadcastId, id),
              eq(broadcastRecipients.userId, userId),
              eq(broadcastRecipients.status, "pending"),
            ),
          )
          .returning({ userId: broadcastRecipients.userId });
        if (changed.length !== 1) return;
        await t
          .update(broadcasts)
          .set({ [status]: sql`${broadcasts[status]} + 1` })
          .where(eq(broadcasts.id, id));
      });
    },
    async updateBroadcast(id, patch) {
      const r = await once("updateBroadcast", () =>
        first(db.update(broadcasts).set(patch).where(eq(broadcasts.id, id)).returning()),
      );
      return r ? toBroadcast(r) : null;
    },

    getAdminStats: (now) =>
      once("getAdminStats", async (): Promise<AdminStats> => {
        const w = adminWindows(now);
        const userCount = async (where: SQL | undefined) =>
          (await first(db.select({ n: count() }).from(users).where(where)))?.n ?? 0;
        const ledger = await db
          .select({ reason: creditLedger.reason, s: sql<string>`coalesce(sum(${creditLedger.delta}), 0)` })
          .from(creditLedger)
          .where(inArray(creditLedger.reason, ["payment", "job_charge", "refund"]))
          .groupBy(creditLedger.reason);
        const sumOf = (reason: string) => Math.abs(Number(ledger.find((r) => r.reason === reason)?.s ?? 0));
        const failures = await db
          .select({ errorCode: sql<string>`coalesce(${jobs.errorCode}, 'unknown')`, count: count() })
          .from(jobs)
          .where(and(eq(jobs.status, "failed"), gte(jobs.createdAt, w.weekAgo)))
          .groupBy(sql`1`)
          .orderBy(desc(count()));
        const revenue = await db
          .select({ currency: payments.currency, amount: sql<string>`sum(${payments.amount})` })
          .from(payments)
          .where(eq(payments.status, "paid"))
          .groupBy(payments.currency)
          .orderBy(asc(payments.currency));
        return {
          users: {
            total: await userCount(undefined),
            newToday: await userCount(gte(users.createdAt, w.dayStart)),
            new7d: await userCount(gte(users.createdAt, w.weekAgo)),
            active7d: await userCount(gte(users.lastActiveAt, w.weekAgo)),
          },
          jobs: {
            today: await statusCounts(gte(jobs.createdAt, w.dayStart)),
            last7d: await statusCounts(gte(jobs.createdAt, w.weekAgo)),
          },
          failuresByErrorCode7d: failures,
          queue: await queueStats(),
          credits: { sold: sumOf("payment"), spent: sumOf("job_charge"), refunded: sumOf("refund") },
          revenue: revenue.map((r) => ({ currency: r.currency, amount: Number(r.amount) })),
        };
      }),
    async findUsers(q, limit) {
      const u = parseUserQuery(q);
      if (!u) return [];
      const conds: SQL[] = [];
      if (u.number !== undefined) conds.push(eq(users.tgId, u.number), eq(users.id, u.number));
      if (u.usernamePrefix)
        conds.push(like(sql`lower(${users.username})`, `${u.usernamePrefix.toLowerCase()}%`));
      const rows = await once("findUsers", () =>
        db
          .select()
          .from(users)
          .where(or(...conds))
          .orderBy(asc(users.id))
          .limit(limit),
      );
      return rows.map(toUser);
    },

    async ping() {
      if (closed) return false;
      try {
        await pool.query("select 1");
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
  return store;
}
