// Domain types shared by both store implementations and every caller. Rows come back from either
// dialect in exactly this shape (dates as Date, ids as number).
export type Language = "ru" | "en";

export interface User {
  id: number;
  tgId: number;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  languageCode: string | null;
  /** Language the user chose with /lang, or null to follow `languageCode`. */
  language: string | null;
  credits: number;
  consentAt: Date | null;
  /** Blocked by an admin: the bot answers with one short notice and nothing else. */
  blocked: boolean;
  /** The user blocked the bot (Telegram answered 403): skipped by deliveries and broadcasts. */
  botBlockedAt: Date | null;
  referralCode: string;
  referredBy: number | null;
  referralSource: string | null;
  referralBonusAt: Date | null;
  lastActiveAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const JOB_STATUSES = ["queued", "processing", "succeeded", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Legal status transitions; a status change (setJobStatus, finishJobs) refuses anything else. */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ["processing", "failed"],
  processing: ["queued", "processing", "succeeded", "failed"],
  succeeded: [],
  failed: ["queued"],
};

export interface Job {
  id: number;
  userId: number;
  chatId: number;
  template: string;
  model: string;
  language: string;
  photoFileId: string | null;
  photoPath: string | null;
  productText: string;
  wishes: string | null;
  ownPrompt: string | null;
  /** Length the seller bought, in seconds; null: the template's default (jobs from before the choice). */
  durationSeconds: number | null;
  /** Format the seller bought ("9:16", "16:9", "1:1"); null: the template's default. */
  aspectRatio: string | null;
  generatedPrompt: string | null;
  provider: string | null;
  providerTaskId: string | null;
  providerKey: string | null;
  status: JobStatus;
  /** Pipeline step the job will run next (resumable), e.g. "fetch_photo", "prompt", "render", "poll", "deliver". */
  step: string | null;
  attempts: number;
  /** Earliest time a worker may claim the job (a scheduled status check sets it in the future). */
  runAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  errorCode: string | null;
  errorMessage: string | null;
  resultPath: string | null;
  resultFileId: string | null;
  progressMessageId: number | null;
  creditsCharged: number;
  refundedAt: Date | null;
  idempotencyKey: string;
  batchKey: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

export type LedgerReason =
  | "signup_bonus"
  | "job_charge"
  | "refund"
  | "payment"
  | "payment_refund"
  | "admin_grant"
  | "admin_deduct"
  | "referral_bonus"
  | "import"
  /** A promo code redeemed (src/promo); the reference is `promo:<code id>:<user id>`. */
  | "promo";

export interface LedgerEntry {
  id: number;
  userId: number;
  delta: number;
  balanceAfter: number;
  reason: LedgerReason;
  jobId: number | null;
  paymentId: number | null;
  reference: string | null;
  note: string | null;
  createdAt: Date;
}

export type PaymentStatus = "paid" | "refunded";

export interface Payment {
  id: number;
  userId: number;
  telegramChargeId: string;
  providerChargeId: string | null;
  currency: string;
  amount: number;
  credits: number;
  packageId: string;
  status: PaymentStatus;
  createdAt: Date;
  refundedAt: Date | null;
}

export interface ProviderKeyState {
  keyHash: string;
  label: string;
  restedUntil: Date | null;
  lastError: string | null;
  updatedAt: Date;
}

export type BroadcastStatus = "draft" | "running" | "done" | "cancelled";
export type RecipientStatus = "pending" | "sent" | "failed" | "blocked";

export interface Broadcast {
  id: number;
  adminTgId: number;
  audience: "all" | "active";
  text: string | null;
  photoFileId: string | null;
  status: BroadcastStatus;
  chatId: number;
  progressMessageId: number | null;
  total: number;
  sent: number;
  failed: number;
  blocked: number;
  createdAt: Date;
  finishedAt: Date | null;
}

/**
 * Who acts as an admin, through which surface (src/admin/operations.ts, promo codes, model costs,
 * templates): logged, and kept on the rows of the offer as "cli", "bot:<admin tg id>" or
 * "console:<admin tg id>" (actorLabel).
 */
export type Actor = { via: "bot" | "console"; adminTgId: number } | { via: "cli" };

/** A promo code (src/promo): credits, at most `maxUses` users (null: any number), once per user. */
export interface PromoCode {
  id: number;
  /** Upper-case: codes are typed and matched case-insensitively. */
  code: string;
  credits: number;
  maxUses: number | null;
  uses: number;
  expiresAt: Date | null;
  disabledAt: Date | null;
  /** Who created it: "cli", "bot:<admin tg id>", "console:<admin tg id>". */
  createdBy: string;
  note: string | null;
  createdAt: Date;
}

export interface PromoRedemption {
  id: number;
  promoId: number;
  userId: number;
  credits: number;
  createdAt: Date;
}

/** What one render with a model costs the owner (src/admin/costs.ts). */
export interface ModelCost {
  model: string;
  unit: "video" | "second";
  /** Millionths of the currency's whole unit: 0.15 USD is 150000, 11.5 Stars 11500000. */
  amountMicros: number;
  currency: string;
  /** "cli", "bot:<admin tg id>", "console:<admin tg id>". */
  updatedBy: string;
  updatedAt: Date;
}

/**
 * A template as stored (src/templates reads it into a Template and checks it): the lengths and
 * formats are JSON text, the names and descriptions one column per language.
 */
export interface TemplateRow {
  id: string;
  kind: string;
  nameRu: string;
  nameEn: string;
  descriptionRu: string;
  descriptionEn: string;
  model: string;
  /** JSON array in the order the seller sees them. */
  durations: string;
  /** JSON array of formats ("9:16"…), the first the default; [] when the model takes the photo's shape. */
  formats: string;
  askWishes: boolean;
  instructions: string;
  fallbackPrompt: string;
  /** Order in the seller's list, smallest first. */
  position: number;
  /** Offered to sellers; a disabled template still names past jobs and finishes confirmed ones. */
  enabled: boolean;
  /** Grows with every change of the row (see templateVersion). */
  revision: number;
  updatedBy: string;
  updatedAt: Date;
}

/** A one-time console login link (src/console): only the hash of its secret is stored. */
export interface ConsoleToken {
  tokenHash: string;
  adminTgId: number;
  language: Language;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

/** A console session a login link opened; the cookie holds the secret, the table its hash. */
export interface ConsoleSession {
  idHash: string;
  adminTgId: number;
  language: Language;
  createdAt: Date;
  expiresAt: Date;
}

export interface AdminStats {
  users: { total: number; newToday: number; new7d: number; active7d: number };
  /** "today" is the current UTC day; 7d is the 7×24 hours before `now`. */
  jobs: { today: Record<JobStatus, number>; last7d: Record<JobStatus, number> };
  failuresByErrorCode7d: Array<{ errorCode: string; count: number }>;
  queue: { queued: number; processing: number; oldestQueuedAt: Date | null };
  /** Credits sold (payments), spent (job charges) and refunded (job refunds), all time, from the ledger. */
  credits: { sold: number; spent: number; refunded: number };
  /** Paid, not refunded, per currency (amount in the currency's smallest unit, or Stars). */
  revenue: Array<{ currency: string; amount: number }>;
}

/** A seller's conversation with support: one `open` thread per seller at a time. */
export interface SupportThread {
  id: number;
  userId: number;
  status: "open" | "closed";
  createdAt: Date;
  /** The last message in either direction. */
  updatedAt: Date;
  /** The last admin answer. */
  answeredAt: Date | null;
  closedAt: Date | null;
  /** Telegram id of the admin who closed it. */
  closedBy: number | null;
}

/** `pending` until sent; an answer to a seller who blocked the bot is `blocked`. */
export type SupportDelivery = "pending" | "sent" | "failed" | "blocked";

export interface SupportMessage {
  id: number;
  threadId: number;
  /** The seller the thread belongs to. */
  userId: number;
  /** `in`: the seller wrote to support; `out`: an admin answered. */
  direction: "in" | "out";
  senderTgId: number;
  /** The chat and message id the message was written as (the seller's or the admin's chat). */
  chatId: number;
  messageId: number;
  /** text, photo, document, voice, video, audio, animation, sticker, video_note, location, contact. */
  kind: string;
  /** The text or the caption. */
  text: string | null;
  fileId: string | null;
  delivery: SupportDelivery;
  createdAt: Date;
}

/** A message a support message was copied as, in another chat (an admin's, or the seller's for an answer). */
export interface SupportCopy {
  chatId: number;
  messageId: number;
  supportMessageId: number;
}
