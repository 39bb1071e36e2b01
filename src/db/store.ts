// The store: the one way the program touches its database, as repositories a feature can name
// (users, ledger, jobs, queue, payments, key-value, leases, provider keys, broadcasts, stats) — a
// feature's dependencies list only the ones it uses. One implementation over either driver: every
// method runs an operation of ./ops, written once for SQLite and Postgres; the contract suite in
// test/store.contract.test.ts holds both engines to the same answers.
import { atomically, type Dialect, type Driver, isUniqueViolation } from "./driver/index.ts";
import { adminStats } from "./ops/adminStats.ts";
import * as broadcasts from "./ops/broadcasts.ts";
import { claimJobs } from "./ops/claimJobs.ts";
import { createJobs } from "./ops/createJobs.ts";
import {
  type Finished,
  type FinishItem,
  type FinishPlan,
  finishJobs,
  type NextClaim,
  planFinish,
} from "./ops/finishJobs.ts";
import { getOrCreateUser } from "./ops/getOrCreateUser.ts";
import * as jobs from "./ops/jobs.ts";
import { acquireLease, releaseLease } from "./ops/leases.ts";
import { addCredits, balanceOf, ledgerOf } from "./ops/ledger.ts";
import { patchJob } from "./ops/patchJob.ts";
import * as payments from "./ops/payments.ts";
import { providerKeys, restProviderKey } from "./ops/providerKeys.ts";
import * as queue from "./ops/queue.ts";
import { refundCredit, requeueJob } from "./ops/refundCredit.ts";
import { releaseJob } from "./ops/releaseJob.ts";
import { deleteValue, readValue, writeValue } from "./ops/sessions.ts";
import * as users from "./ops/users.ts";
import type {
  AdminStats,
  Broadcast,
  Job,
  JobStatus,
  Language,
  LedgerEntry,
  LedgerReason,
  Payment,
  ProviderKeyState,
  RecipientStatus,
  User,
} from "./types.ts";

export interface TelegramProfile {
  tgId: number;
  username?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  languageCode?: string | null;
}

export interface NewJob {
  chatId: number;
  template: string;
  model: string;
  language: Language;
  photoFileId?: string | null;
  photoPath?: string | null;
  productText: string;
  wishes?: string | null;
  ownPrompt?: string | null;
  /** Length the seller picked, in seconds (null: the template's default). */
  durationSeconds?: number | null;
  /** Format the seller picked, e.g. "9:16" (null: the template's default). */
  aspectRatio?: string | null;
  /** Credits this job costs (the template's price). */
  cost: number;
  /** Unique per job: a repeated key returns the existing job and charges nothing. */
  idempotencyKey: string;
  batchKey?: string | null;
}

export type { Finished, FinishItem, NextClaim } from "./ops/finishJobs.ts";

export type CreateJobsResult =
  | { ok: true; jobs: Job[]; created: boolean; balance: number }
  | { ok: false; reason: "insufficient_credits"; balance: number; required: number }
  | { ok: false; reason: "user_not_found" };

export type CreateJobResult =
  | { ok: true; job: Job; created: boolean; balance: number }
  | Extract<CreateJobsResult, { ok: false }>;

export interface JobPatch {
  step?: string | null;
  generatedPrompt?: string | null;
  provider?: string | null;
  providerTaskId?: string | null;
  providerKey?: string | null;
  photoPath?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  resultPath?: string | null;
  resultFileId?: string | null;
  progressMessageId?: number | null;
  runAt?: Date;
  attempts?: number;
}

export interface Page {
  limit: number;
  offset?: number;
}

export interface AddCreditsInput {
  userId: number;
  /** Positive to grant, negative to deduct. */
  amount: number;
  reason: Extract<
    LedgerReason,
    "admin_grant" | "admin_deduct" | "referral_bonus" | "import" | "signup_bonus"
  >;
  /** Idempotency: a second call with the same reference changes nothing. */
  reference: string;
  note?: string | null;
  /** For deductions: refuse to go below zero (default true). */
  floorAtZero?: boolean;
}

export type AddCreditsResult = { applied: boolean; balance: number };

export interface RecordPaymentInput {
  userId: number;
  telegramChargeId: string;
  providerChargeId?: string | null;
  currency: string;
  amount: number;
  credits: number;
  packageId: string;
}

export type RecordPaymentResult = { credited: boolean; payment: Payment; balance: number };

export type RefundPaymentResult =
  | { ok: true; alreadyRefunded: boolean; payment: Payment; creditsTaken: number; balance: number }
  | { ok: false; reason: "not_found" };

export type RefundJobResult =
  | { refunded: true; balance: number }
  | {
      refunded: false;
      reason: "already_refunded" | "not_failed" | "not_found" | "nothing_charged";
      balance: number;
    };

export type InstanceLeaseResult =
  | { acquired: true }
  | { acquired: false; holder: string; since: Date; expiresAt: Date };

export interface QueueStats {
  queued: number;
  processing: number;
  oldestQueuedAt: Date | null;
}

export interface UsersRepository {
  /** Creates the user on first contact (granting `freeCredits` once, in the ledger) or refreshes the profile. */
  getOrCreateUser(
    profile: TelegramProfile,
    opts?: { referralCode?: string | null; referralSource?: string | null },
  ): Promise<{ user: User; created: boolean }>;
  getUserByTgId(tgId: number): Promise<User | null>;
  getUserById(id: number): Promise<User | null>;
  getUserByUsername(username: string): Promise<User | null>;
  setUserLanguage(userId: number, language: Language | null): Promise<void>;
  setConsent(userId: number, at: Date): Promise<void>;
  setBlocked(userId: number, blocked: boolean): Promise<void>;
  /** The user blocked the bot (or unblocked it: null). */
  setBotBlocked(userId: number, at: Date | null): Promise<void>;
  touchUser(userId: number, at: Date): Promise<void>;
  /** Newest first (by id: the order they joined). */
  listUsers(page: Page): Promise<User[]>;
  countUsers(): Promise<number>;
  /** By Telegram id, internal id, or username prefix (with or without "@"). */
  findUsers(query: string, limit: number): Promise<User[]>;
}

export interface LedgerRepository {
  getLedger(userId: number, page: Page): Promise<LedgerEntry[]>;
  addCredits(input: AddCreditsInput): Promise<AddCreditsResult>;
}

export interface JobsRepository {
  /** N jobs for the sum of their costs in one transaction: all or none. */
  createJobsAndConsumeCredits(userId: number, jobs: NewJob[]): Promise<CreateJobsResult>;
  getJobById(id: number): Promise<Job | null>;
  getJobByIdempotencyKey(key: string): Promise<Job | null>;
  /** The newest job that holds this provider task id (kie.ai callbacks name only the task). */
  getJobByProviderTaskId(taskId: string): Promise<Job | null>;
  /** Updates fields without changing status; when `leaseOwner` is given, only while that owner holds the lease. */
  patchJob(id: number, patch: JobPatch, leaseOwner?: string): Promise<Job | null>;
  getUserJobs(userId: number, page: Page): Promise<Job[]>;
  countUserJobs(userId: number): Promise<number>;
  listLastJobs(page: Page & { status?: JobStatus }): Promise<Job[]>;
  /**
   * Jobs still holding a stored file (photo_path or result_path set) created before `before`,
   * oldest id first, after `afterId` (keyset pages): what the retention sweep looks at.
   */
  listJobsWithFilesBefore(before: Date, limit: number, afterId?: number): Promise<Job[]>;
  /** Gives a failed job's credits back exactly once, however often and concurrently it is called. */
  refundCredit(jobId: number): Promise<RefundJobResult>;
  /**
   * Puts a failed job back in the queue from its first step (admin retry). A job whose credits were
   * already refunded runs free of charge. Null for other statuses, imported jobs and jobs without a photo.
   */
  requeueJob(jobId: number): Promise<Job | null>;
}

export interface QueueRepository {
  /** Claims up to `limit` runnable jobs (queued, or processing with run_at due and no live lease) and leases them. */
  claimJobs(workerId: string, leaseMs: number, limit: number, now?: Date): Promise<Job[]>;
  /**
   * Workers' final statuses for jobs, each guarded by its lease, and — with `next` — the claim of up
   * to `next.limit` more jobs under a new lease, in one atomic step: the slots that ran the jobs
   * start the next ones without another round trip. `jobs[i]` is null where the lease was lost.
   */
  finishJobs(items: readonly FinishItem[], next: NextClaim | null, now?: Date): Promise<Finished>;
  /** Extends the lease; false when the worker no longer holds it. */
  heartbeat(jobId: number, workerId: string, leaseMs: number, now?: Date): Promise<boolean>;
  /** Gives the job back without finishing it: it runs again at `runAt` (a scheduled status check). */
  releaseJob(jobId: number, workerId: string, runAt: Date, patch?: JobPatch): Promise<boolean>;
  /** 1-based position among queued jobs, 0 when the job is not waiting. */
  getQueuePosition(jobId: number): Promise<number>;
  /** The batch key (null: none) of each of the first `limit` queued jobs, in claim order (run_at, id). */
  listQueuedBatchKeys(limit: number): Promise<(string | null)[]>;
  getQueueStats(): Promise<QueueStats>;
  countJobsByStatus(since?: Date): Promise<Record<JobStatus, number>>;
  /** The earliest run_at among runnable jobs, to sleep exactly until it. */
  nextRunAt(): Promise<Date | null>;
}

export interface PaymentsRepository {
  /** Credits the package once per Telegram charge id, in one transaction with the payment row. */
  recordPayment(input: RecordPaymentInput): Promise<RecordPaymentResult>;
  refundPayment(telegramChargeId: string, opts?: { allowNegative?: boolean }): Promise<RefundPaymentResult>;
  getPaymentByChargeId(telegramChargeId: string): Promise<Payment | null>;
  getUserPayments(userId: number, page: Page): Promise<Payment[]>;
  countUserPayments(userId: number): Promise<number>;
}

/**
 * The key-value table: grammY sessions (the bot's StorageAdapter) and, through `jsonEntries`
 * (./kv.ts), the typed entries of other features.
 */
export interface KeyValueRepository {
  readSession(key: string): Promise<string | undefined>;
  writeSession(key: string, value: string): Promise<void>;
  deleteSession(key: string): Promise<void>;
}

/** Named leases between processes: one bot per database. */
export interface LeasesRepository {
  acquireInstanceLease(name: string, owner: string, ttlMs: number, now?: Date): Promise<InstanceLeaseResult>;
  releaseInstanceLease(name: string, owner: string): Promise<void>;
}

/** Provider keys' rest periods, shared by all processes. */
export interface ProviderKeysRepository {
  getProviderKeys(): Promise<ProviderKeyState[]>;
  restProviderKey(keyHash: string, label: string, until: Date, error: string): Promise<void>;
}

export interface BroadcastsRepository {
  createBroadcast(
    input: Pick<Broadcast, "adminTgId" | "audience" | "text" | "photoFileId" | "chatId">,
  ): Promise<Broadcast>;
  /** Snapshots the audience into recipients and marks the broadcast running. */
  startBroadcast(id: number, activeSince: Date): Promise<Broadcast | null>;
  getBroadcast(id: number): Promise<Broadcast | null>;
  listRunningBroadcasts(): Promise<Broadcast[]>;
  nextBroadcastRecipients(id: number, limit: number): Promise<Array<{ userId: number; tgId: number }>>;
  markBroadcastRecipient(
    id: number,
    userId: number,
    status: Exclude<RecipientStatus, "pending">,
  ): Promise<void>;
  updateBroadcast(
    id: number,
    patch: Partial<Pick<Broadcast, "status" | "progressMessageId" | "finishedAt">>,
  ): Promise<Broadcast | null>;
}

export interface StatsRepository {
  getAdminStats(now: Date): Promise<AdminStats>;
}

export interface Store
  extends UsersRepository,
    LedgerRepository,
    JobsRepository,
    QueueRepository,
    PaymentsRepository,
    KeyValueRepository,
    LeasesRepository,
    ProviderKeysRepository,
    BroadcastsRepository,
    StatsRepository {
  readonly dialect: Dialect;
  /** The connection the store runs on, for operations of other features (src/db/ops). */
  readonly driver: Driver;
  /** Cheap round trip for /healthz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Credits a new user is granted once (FREE_CREDITS). */
  freeCredits: number;
}

/** The store over an open driver; closing the store closes the driver. */
export function createStoreOn(driver: Driver, o: StoreOptions): Store {
  const run = driver.run.bind(driver);
  const tx = driver.transaction.bind(driver);
  const done = async (p: Promise<unknown>) => {
    await p;
  };
  const store: Store = {
    dialect: driver.dialect,
    driver,

    getOrCreateUser: (profile, opts = {}) =>
      tx(() => getOrCreateUser(profile, opts, o.freeCredits, new Date()), { retryOnUnique: 3 }),
    getUserByTgId: (tgId) => run(() => users.userByTgId(tgId)),
    getUserById: (id) => run(() => users.userById(id)),
    getUserByUsername: (username) => run(() => users.userByUsername(username)),
    setUserLanguage: (userId, language) => done(run(() => users.setLanguage(userId, language, new Date()))),
    setConsent: (userId, at) => done(run(() => users.setConsent(userId, at, new Date()))),
    setBlocked: (userId, blocked) => done(run(() => users.setBlocked(userId, blocked, new Date()))),
    setBotBlocked: (userId, at) => done(run(() => users.setBotBlocked(userId, at, new Date()))),
    touchUser: (userId, at) => done(run(() => users.touchUser(userId, at))),
    listUsers: (page) => run(() => users.listUsers(page)),
    countUsers: () => run(() => users.countUsers()),
    findUsers: (query, limit) => run(() => users.findUsers(query, limit)),

    getLedger: (userId, page) => run(() => ledgerOf(userId, page)),
    async addCredits(input) {
      try {
        return await tx(() => addCredits(input, new Date()));
      } catch (err) {
        // The same reference applied for another user concurrently: it is taken, nothing to do.
        if (!isUniqueViolation(err)) throw err;
        return { applied: false, balance: (await run(() => balanceOf(input.userId))) ?? 0 };
      }
    },

    createJobsAndConsumeCredits: (userId, list) => createJobs(driver, userId, list, new Date()),
    getJobById: (id) => run(() => jobs.jobById(id)),
    getJobByIdempotencyKey: (key) => run(() => jobs.jobByIdempotencyKey(key)),
    getJobByProviderTaskId: (taskId) => run(() => jobs.jobByProviderTaskId(taskId)),
    patchJob: (id, patch, leaseOwner) => run(() => patchJob(id, patch, new Date(), leaseOwner)),
    getUserJobs: (userId, page) => run(() => jobs.userJobs(userId, page)),
    countUserJobs: (userId) => run(() => jobs.countUserJobs(userId)),
    listLastJobs: (page) => run(() => jobs.lastJobs(page)),
    listJobsWithFilesBefore: (before, limit, afterId = 0) =>
      run(() => jobs.jobsWithFilesBefore(before, limit, afterId)),
    refundCredit: (jobId) => tx(() => refundCredit(jobId, new Date())),
    requeueJob: (jobId) => run(() => requeueJob(jobId, new Date())),

    claimJobs: (workerId, leaseMs, limit, now = new Date()) =>
      atomically(driver, () => claimJobs(driver.dialect, workerId, now, leaseMs, limit)),
    // Not `async`: the driver's own promise, not one more around it (a lone finish is the hot path).
    // The operation is an argument, not `const op = () => …`: the build (esbuild's keepNames, in
    // tsx and in the executable) gives a named closure its name with Object.defineProperty on every
    // call, which cost a lone finish ~5 µs of its ~55 (measured on SQLite, 0.87 → 0.90+ of bare).
    finishJobs: (items, next, now = new Date()) => {
      let plan: FinishPlan;
      try {
        plan = planFinish(driver.dialect, items, next);
      } catch (e) {
        return Promise.reject(e);
      }
      return plan.transaction
        ? tx(() => finishJobs(driver.dialect, items, plan.groups, now, next))
        : run(() => finishJobs(driver.dialect, items, plan.groups, now, next));
    },
    heartbeat: (jobId, workerId, leaseMs, now = new Date()) =>
      run(() => queue.heartbeat(jobId, workerId, now, leaseMs)),
    releaseJob: (jobId, workerId, runAt, patch) =>
      run(() => releaseJob(jobId, workerId, runAt, new Date(), patch)),
    getQueuePosition: (jobId) => run(() => queue.queuePosition(jobId)),
    listQueuedBatchKeys: (limit) => run(() => queue.queuedBatchKeys(limit)),
    getQueueStats: () => run(() => queue.queueStats()),
    countJobsByStatus: (since) => run(() => queue.statusCounts(since)),
    nextRunAt: () => run(() => queue.nextRunAt()),

    async recordPayment(input) {
      try {
        return await tx(() => payments.recordPayment(input, new Date()));
      } catch (err) {
        // The same charge recorded by a concurrent call that committed first.
        if (!isUniqueViolation(err)) throw err;
        const p = await store.getPaymentByChargeId(input.telegramChargeId);
        if (!p) throw err;
        return { credited: false, payment: p, balance: (await run(() => balanceOf(p.userId))) ?? 0 };
      }
    },
    refundPayment: (chargeId, opts = {}) =>
      tx(() => payments.refundPayment(chargeId, opts.allowNegative ?? false, new Date())),
    getPaymentByChargeId: (chargeId) => run(() => payments.paymentByChargeId(chargeId)),
    getUserPayments: (userId, page) => run(() => payments.userPayments(userId, page)),
    countUserPayments: (userId) => run(() => payments.countUserPayments(userId)),

    readSession: (key) => run(() => readValue(key)),
    writeSession: (key, value) => done(run(() => writeValue(key, value, new Date()))),
    deleteSession: (key) => done(run(() => deleteValue(key))),

    acquireInstanceLease: (name, owner, ttlMs, now = new Date()) =>
      atomically(driver, () => acquireLease(name, owner, ttlMs, now)),
    releaseInstanceLease: (name, owner) => done(run(() => releaseLease(name, owner))),

    getProviderKeys: () => run(() => providerKeys()),
    restProviderKey: (keyHash, label, until, error) =>
      done(run(() => restProviderKey(keyHash, label, until, error, new Date()))),

    async createBroadcast(input) {
      const b = await run(() => broadcasts.createBroadcast(input, new Date()));
      if (!b) throw new Error("broadcast insert returned nothing");
      return b;
    },
    startBroadcast: (id, activeSince) => tx(() => broadcasts.startBroadcast(id, activeSince)),
    getBroadcast: (id) => run(() => broadcasts.broadcastById(id)),
    listRunningBroadcasts: () => run(() => broadcasts.runningBroadcasts()),
    nextBroadcastRecipients: (id, limit) => run(() => broadcasts.nextRecipients(id, limit)),
    markBroadcastRecipient: (id, userId, status) => tx(() => broadcasts.markRecipient(id, userId, status)),
    updateBroadcast: (id, patch) => run(() => broadcasts.updateBroadcast(id, patch)),

    getAdminStats: (now) => run(() => adminStats(now)),

    ping: () => driver.ping(),
    close: () => driver.close(),
  };
  return store;
}
