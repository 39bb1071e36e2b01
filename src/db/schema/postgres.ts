// Postgres schema. Must stay column-for-column equal to ./sqlite.ts: the contract suite runs the
// same tests on both and the backup format moves rows between them.
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date", precision: 3 });
const id = (name: string) => bigint(name, { mode: "number" });

export const users = pgTable(
  "users",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tgId: id("tg_id").notNull(),
    username: text("username"),
    firstName: text("first_name"),
    lastName: text("last_name"),
    languageCode: text("language_code"),
    language: text("language"),
    credits: integer("credits").notNull().default(0),
    consentAt: ts("consent_at"),
    blocked: boolean("blocked").notNull().default(false),
    botBlockedAt: ts("bot_blocked_at"),
    referralCode: text("referral_code").notNull(),
    referredBy: id("referred_by"),
    referralSource: text("referral_source"),
    referralBonusAt: ts("referral_bonus_at"),
    lastActiveAt: ts("last_active_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_tg_id_uq").on(t.tgId),
    uniqueIndex("users_referral_code_uq").on(t.referralCode),
    index("users_username_idx").on(t.username),
    index("users_created_idx").on(t.createdAt),
  ],
);

export const jobs = pgTable(
  "jobs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: id("user_id")
      .notNull()
      .references(() => users.id),
    chatId: id("chat_id").notNull(),
    template: text("template").notNull(),
    model: text("model").notNull(),
    language: text("language").notNull().default("en"),
    photoFileId: text("photo_file_id"),
    photoPath: text("photo_path"),
    productText: text("product_text").notNull().default(""),
    wishes: text("wishes"),
    ownPrompt: text("own_prompt"),
    /** Length the seller bought (seconds); null: the template's default, for jobs from before the choice. */
    durationSeconds: integer("duration_seconds"),
    /** Format the seller bought ("9:16", "16:9", "1:1"); null: the template's default. */
    aspectRatio: text("aspect_ratio"),
    generatedPrompt: text("generated_prompt"),
    provider: text("provider"),
    providerTaskId: text("provider_task_id"),
    providerKey: text("provider_key"),
    status: text("status").notNull().default("queued"),
    step: text("step"),
    attempts: integer("attempts").notNull().default(0),
    runAt: ts("run_at").notNull().defaultNow(),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: ts("lease_expires_at"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    resultPath: text("result_path"),
    resultFileId: text("result_file_id"),
    progressMessageId: integer("progress_message_id"),
    creditsCharged: integer("credits_charged").notNull().default(0),
    refundedAt: ts("refunded_at"),
    idempotencyKey: text("idempotency_key").notNull(),
    batchKey: text("batch_key"),
    createdAt: ts("created_at").notNull().defaultNow(),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("jobs_idempotency_key_uq").on(t.idempotencyKey),
    index("jobs_user_idx").on(t.userId, t.id),
    // The claim query scans only runnable jobs: a partial index keeps it small however many
    // finished jobs pile up (measured ~3x faster than a plain (status, id) index under SKIP LOCKED).
    // Unlike SQLite's, its predicate is `finished_at is null` (set exactly when a job reaches
    // succeeded or failed, cleared when it is queued again) and no index names `status`: a claim
    // then changes no indexed column, so Postgres writes it as a HOT update — no new entry in any
    // of the table's indexes, and the claimed row's entry here stays the one the next claims walk
    // past instead of a second, dead one. The job's status is still checked by every query.
    index("jobs_ready_idx").on(t.runAt, t.id).where(sql`finished_at is null`),
    // The console's charts read a date range of all jobs, whatever their status.
    index("jobs_created_idx").on(t.createdAt),
    // Most rows have no provider task yet (or never, when they fail first): they stay out.
    index("jobs_provider_task_idx").on(t.providerTaskId).where(sql`provider_task_id is not null`),
    // Only jobs whose files retention has not forgotten yet: a few days' worth, whatever the history.
    index("jobs_files_idx").on(t.createdAt).where(sql`photo_path is not null or result_path is not null`),
  ],
);

export const creditLedger = pgTable(
  "credit_ledger",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: id("user_id")
      .notNull()
      .references(() => users.id),
    delta: integer("delta").notNull(),
    balanceAfter: integer("balance_after").notNull(),
    reason: text("reason").notNull(),
    jobId: id("job_id"),
    paymentId: id("payment_id"),
    reference: text("reference"),
    note: text("note"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("credit_ledger_reference_uq").on(t.reference),
    index("credit_ledger_user_idx").on(t.userId, t.id),
  ],
);

export const payments = pgTable(
  "payments",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: id("user_id")
      .notNull()
      .references(() => users.id),
    telegramChargeId: text("telegram_charge_id").notNull(),
    providerChargeId: text("provider_charge_id"),
    currency: text("currency").notNull(),
    amount: integer("amount").notNull(),
    credits: integer("credits").notNull(),
    packageId: text("package_id").notNull(),
    status: text("status").notNull().default("paid"),
    createdAt: ts("created_at").notNull().defaultNow(),
    refundedAt: ts("refunded_at"),
  },
  (t) => [
    uniqueIndex("payments_charge_uq").on(t.telegramChargeId),
    index("payments_user_idx").on(t.userId, t.id),
    index("payments_created_idx").on(t.createdAt),
  ],
);

export const sessions = pgTable("sessions", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

export const instanceLeases = pgTable("instance_leases", {
  name: text("name").primaryKey(),
  owner: text("owner").notNull(),
  acquiredAt: ts("acquired_at").notNull(),
  expiresAt: ts("expires_at").notNull(),
});

export const providerKeys = pgTable("provider_keys", {
  keyHash: text("key_hash").primaryKey(),
  label: text("label").notNull(),
  restedUntil: ts("rested_until"),
  lastError: text("last_error"),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

export const broadcasts = pgTable("broadcasts", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  adminTgId: id("admin_tg_id").notNull(),
  audience: text("audience").notNull(),
  text: text("text"),
  photoFileId: text("photo_file_id"),
  status: text("status").notNull().default("draft"),
  chatId: id("chat_id").notNull(),
  progressMessageId: integer("progress_message_id"),
  total: integer("total").notNull().default(0),
  sent: integer("sent").notNull().default(0),
  failed: integer("failed").notNull().default(0),
  blocked: integer("blocked").notNull().default(0),
  createdAt: ts("created_at").notNull().defaultNow(),
  finishedAt: ts("finished_at"),
});

export const broadcastRecipients = pgTable(
  "broadcast_recipients",
  {
    broadcastId: id("broadcast_id")
      .notNull()
      .references(() => broadcasts.id),
    userId: id("user_id")
      .notNull()
      .references(() => users.id),
    status: text("status").notNull().default("pending"),
  },
  (t) => [
    primaryKey({ columns: [t.broadcastId, t.userId] }),
    index("broadcast_recipients_status_idx").on(t.broadcastId, t.status),
  ],
);

/**
 * Promo codes the owner hands out (src/promo). `code` is stored upper-case; `max_uses` null means
 * no limit; `uses` counts redemptions and is raised in the redeeming transaction.
 */
export const promoCodes = pgTable(
  "promo_codes",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    code: text("code").notNull(),
    credits: integer("credits").notNull(),
    maxUses: integer("max_uses"),
    uses: integer("uses").notNull().default(0),
    expiresAt: ts("expires_at"),
    disabledAt: ts("disabled_at"),
    createdBy: text("created_by").notNull(),
    note: text("note"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("promo_codes_code_uq").on(t.code)],
);

/** One row per code and user: the unique pair is what makes a code once-per-user. */
export const promoRedemptions = pgTable(
  "promo_redemptions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    promoId: id("promo_id")
      .notNull()
      .references(() => promoCodes.id),
    userId: id("user_id")
      .notNull()
      .references(() => users.id),
    credits: integer("credits").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("promo_redemptions_promo_user_uq").on(t.promoId, t.userId),
    index("promo_redemptions_user_idx").on(t.userId),
  ],
);

/**
 * What a render costs the owner, per model (src/admin/costs.ts): per video or per second of video,
 * in millionths of the currency's whole unit (0.15 USD = 150000) so fractions of a cent stay exact.
 */
export const modelCosts = pgTable("model_costs", {
  model: text("model").primaryKey(),
  unit: text("unit").notNull(),
  amountMicros: bigint("amount_micros", { mode: "number" }).notNull(),
  currency: text("currency").notNull(),
  updatedBy: text("updated_by").notNull(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

/**
 * The video templates sellers pick (src/templates): seeded from the built-in catalogue on first
 * start, then the owner's to edit. `durations` and `formats` are JSON arrays, validated by
 * src/templates on every read; `revision` grows with every change of the row, so the sum over the
 * table tells a process whether its cached copy is current. Rows are never deleted — past jobs
 * keep the name of the template they were made with — only disabled.
 */
export const templates = pgTable(
  "templates",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    nameRu: text("name_ru").notNull(),
    nameEn: text("name_en").notNull(),
    descriptionRu: text("description_ru").notNull(),
    descriptionEn: text("description_en").notNull(),
    model: text("model").notNull(),
    durations: text("durations").notNull(),
    formats: text("formats").notNull(),
    askWishes: boolean("ask_wishes").notNull(),
    instructions: text("instructions").notNull(),
    fallbackPrompt: text("fallback_prompt").notNull(),
    position: integer("position").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    revision: integer("revision").notNull().default(1),
    updatedBy: text("updated_by").notNull(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [index("templates_position_idx").on(t.position)],
);
// The support inbox: a seller's conversation with the admins, one open thread per seller at a time.
export const supportThreads = pgTable(
  "support_threads",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: id("user_id")
      .notNull()
      .references(() => users.id),
    status: text("status").notNull().default("open"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
    answeredAt: ts("answered_at"),
    closedAt: ts("closed_at"),
    closedBy: id("closed_by"),
  },
  (t) => [
    uniqueIndex("support_threads_open_uq").on(t.userId).where(sql`status = 'open'`),
    index("support_threads_user_idx").on(t.userId, t.id),
  ],
);

/** One message of a thread, as it was sent: by the seller (`in`) or an admin's answer (`out`). */
export const supportMessages = pgTable(
  "support_messages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    threadId: id("thread_id")
      .notNull()
      .references(() => supportThreads.id),
    userId: id("user_id")
      .notNull()
      .references(() => users.id),
    direction: text("direction").notNull(),
    senderTgId: id("sender_tg_id").notNull(),
    chatId: id("chat_id").notNull(),
    messageId: integer("message_id").notNull(),
    kind: text("kind").notNull(),
    text: text("text"),
    fileId: text("file_id"),
    delivery: text("delivery").notNull().default("pending"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("support_messages_source_uq").on(t.chatId, t.messageId),
    index("support_messages_thread_idx").on(t.threadId, t.id),
    index("support_messages_user_idx").on(t.userId, t.createdAt),
  ],
);

/** Where a support message was copied to (an admin's chat, the seller's chat): replies map back by it. */
export const supportCopies = pgTable(
  "support_copies",
  {
    chatId: id("chat_id").notNull(),
    messageId: integer("message_id").notNull(),
    supportMessageId: id("support_message_id")
      .notNull()
      .references(() => supportMessages.id),
  },
  (t) => [
    primaryKey({ columns: [t.chatId, t.messageId] }),
    index("support_copies_message_idx").on(t.supportMessageId),
  ],
);
// The owner's console (src/console): one-time login links and the sessions they open. Both hold
// only the SHA-256 of their secret, so a copy of the database (a backup) logs nobody in.
export const consoleTokens = pgTable("console_tokens", {
  tokenHash: text("token_hash").primaryKey(),
  adminTgId: id("admin_tg_id").notNull(),
  language: text("language").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
  expiresAt: ts("expires_at").notNull(),
  usedAt: ts("used_at"),
});

export const consoleSessions = pgTable("console_sessions", {
  idHash: text("id_hash").primaryKey(),
  adminTgId: id("admin_tg_id").notNull(),
  language: text("language").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
  expiresAt: ts("expires_at").notNull(),
});
