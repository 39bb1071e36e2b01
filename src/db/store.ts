// The store: the one interface through which the program touches the database. Two
// implementations (./sqlite/store.ts, ./postgres/store.ts) behave identically; the contract suite
// in test/store.contract.test.ts proves it. Every method is async so callers never care which
// dialect runs underneath.
import type { Driver } from "./driver/types.ts";
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

export interface Store {
  readonly dialect: "sqlite" | "postgres";
  /** The connection the store runs on, for repositories of other features (src/db/ops). */
  readonly driver: Driver;

  // --- users ---
  /** Creates the user on first contact (granting `freeCredits` once, in the ledger) or refreshes the profile. */
  getOrCreateUser(
    profile: TelegramProfile,
    opts?: { referralCode?: string | null; referralSource?: string | null },
  ): Promise<{ user: User; created: boolean }>;
  getUserByTgId(tgId: number): Promise<User | null>;
  getUserById(id: number): Promise<User | null>;
  getUserByUsername(username: string): Promise<User | null>;
  getUserByReferralCode(code: string): Promise<User | null>;
  setUserLanguage(userId: number, language: Language | null): Promise<void>;
  setConsent(userId: number, at: Date): Promise<void>;
  setBlocked(userId: number, blocked: boolean): Promise<void>;
  /** The user blocked the bot (or unblocked it: null). */
  setBotBlocked(userId: number, at: Date | null): Promise<void>;
  touchUser(userId: number, at: Date): Promise<void>;
  /** Newest first (by id: the order they joined). */
  listUsers(page: Page): Promise<User[]>;
  countUsers(): Promise<number>;
  /** Never throws: null when the database cannot answer. */
  safeGetBalance(userId: number): Promise<number | null>;
  getLedger(userId: number, page: Page): Promise<LedgerEntry[]>;
  /** Sum of the user's ledger deltas, for invariant checks. */
  ledgerSum(userId: number): Promise<number>;
  addCredits(input: AddCreditsInput): Promise<AddCreditsResult>;

  // --- jobs ---
  createJobAndConsumeCredit(userId: number, job: NewJob): Promise<CreateJobResult>;
  /** N jobs for the sum of their costs in one transaction: all or none. */
  createJobsAndConsumeCredits(userId: number, jobs: NewJob[]): Promise<CreateJobsResult>;
  getJobById(id: number): Promise<Job | null>;
  getJobByIdempotencyKey(key: string): Promise<Job | null>;
  /** The newest job that holds this provider task id (kie.ai callbacks name only the task). */
  getJobByProviderTaskId(taskId: string): Promise<Job | null>;
  /** Only legal transitions (JOB_TRANSITIONS); returns the updated job or null when refused. */
  updateJobStatus(id: number, to: JobStatus, patch?: JobPatch & { leaseOwner?: string }): Promise<Job | null>;
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

  // --- queue (hand-written SQL in ./sql) ---
  /** Claims up to `limit` runnable jobs (queued, or processing with run_at due and no live lease) and leases them. */
  claimJobs(workerId: string, leaseMs: number, limit: number, now?: Date): Promise<Job[]>;
  claimNextJob(workerId: string, leaseMs: number, now?: Date): Promise<Job | null>;
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

  // --- payments ---
  /** Credits the package once per Telegram charge id, in one transaction with the payment row. */
  recordPayment(input: RecordPaymentInput): Promise<RecordPaymentResult>;
  refundPayment(telegramChargeId: string, opts?: { allowNegative?: boolean }): Promise<RefundPaymentResult>;
  getPaymentByChargeId(telegramChargeId: string): Promise<Payment | null>;
  getUserPayments(userId: number, page: Page): Promise<Payment[]>;
  countUserPayments(userId: number): Promise<number>;

  // --- sessions (grammY StorageAdapter) ---
  readSession(key: string): Promise<string | undefined>;
  writeSession(key: string, value: string): Promise<void>;
  deleteSession(key: string): Promise<void>;

  // --- singleton lease: one bot per database ---
  acquireInstanceLease(name: string, owner: string, ttlMs: number, now?: Date): Promise<InstanceLeaseResult>;
  releaseInstanceLease(name: string, owner: string): Promise<void>;

  // --- provider keys (shared by all processes) ---
  getProviderKeys(): Promise<ProviderKeyState[]>;
  restProviderKey(keyHash: string, label: string, until: Date, error: string): Promise<void>;
  clearProviderKey(keyHash: string): Promise<void>;

  // --- broadcasts ---
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

  // --- admin ---
  getAdminStats(now: Date): Promise<AdminStats>;
  /** By Telegram id, internal id, or username prefix (with or without "@"). */
  findUsers(query: string, limit: number): Promise<User[]>;

  // --- lifecycle ---
  /** Cheap round trip for /healthz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
