// What an admin can do to the business, once: the /admin panel, the browser console and the
// `neurocards users|jobs` commands all call these, and differ only in how they ask and answer.
// Each operation logs who did it and through what, and every balance change is a ledger row.
import type { Api } from "grammy";
import type { Broadcaster } from "../broadcast/broadcaster.ts";
import type { RefundJobResult, Store } from "../db/store.ts";
import type { Actor, Broadcast, Job, User } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { PaymentsService, StarsRefundOutcome } from "../payments/service.ts";
import type { QueueHandle } from "../queue/types.ts";

/** Input limits every admin surface checks typed values against. */
export const ADMIN_LIMITS = {
  /** Largest grant or deduction typed in the panel or the console. */
  maxAmount: 100_000,
  /** A ledger reason, as typed. */
  maxReason: 200,
  /** A user search, as typed. */
  maxQuery: 64,
  /** A broadcast's text (Telegram's limit for a message). */
  maxBroadcastText: 4096,
} as const;

/** "Active" audience of a broadcast: users seen in this many days. */
export const ACTIVE_WINDOW_MS = 7 * 24 * 3600_000;

/** Who acts, through which surface (for the ledger note and the log): one type for every admin operation. */
export type { Actor } from "../db/types.ts";

export interface AdminOperationsDeps {
  store: Store;
  logger: Logger;
  /** Counts refunded credits (absent from the command line, which has no /metrics). */
  metrics?: Metrics;
  /** Wakes the workers of this process for a retried job; without it the running bot's find it. */
  queue?: Pick<QueueHandle, "wake">;
  /** Stars refunds (with the Bot API they go through). */
  payments?: PaymentsService;
  api?: Api;
  /** The broadcast sender of the process that polls. */
  broadcasts?: Broadcaster;
  now?: () => Date;
}

export type CreditsChange =
  | { outcome: "applied"; user: User; balance: number }
  /** The reference was used before: nothing changed (a double submit, a re-delivered update). */
  | { outcome: "repeated"; user: User; balance: number }
  /** A deduction larger than the balance, refused. */
  | { outcome: "short"; user: User; balance: number }
  | { outcome: "not_found" };

export type LaunchResult =
  | { ok: true; broadcast: Broadcast }
  | { ok: false; reason: "not_found" | "not_draft" | "unavailable" };

export type PaymentRefund = StarsRefundOutcome | { ok: false; reason: "unavailable"; detail?: string };

/** A failed job can run again if it has its product photo (jobs imported from the old bot cannot). */
export function canRetry(job: Job): boolean {
  return (
    job.status === "failed" &&
    !job.idempotencyKey.startsWith("import:") &&
    Boolean(job.photoFileId || job.photoPath)
  );
}

/** A failed job's credits can come back once, if anything was charged. */
export function canRefund(job: Job): boolean {
  return job.status === "failed" && job.refundedAt === null && job.creditsCharged > 0;
}

const who = (a: Actor) => (a.via === "cli" ? { via: "cli" } : { via: a.via, admin: a.adminTgId });

export function createAdminOperations(deps: AdminOperationsDeps) {
  const { store, logger } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    /** By Telegram id, internal id or @username prefix, as typed (cut to ADMIN_LIMITS.maxQuery). */
    searchUsers(query: string, limit = 20): Promise<User[]> {
      const q = query.trim().slice(0, ADMIN_LIMITS.maxQuery);
      return q ? store.findUsers(q, limit) : Promise.resolve([]);
    },

    /**
     * Grants or deducts credits with a reason, once per `reference`. A deduction never takes the
     * balance below zero unless `allowNegative` (the command line's --allow-negative).
     */
    async changeCredits(input: {
      userId: number;
      op: "grant" | "deduct";
      amount: number;
      reason: string;
      reference: string;
      actor: Actor;
      allowNegative?: boolean;
    }): Promise<CreditsChange> {
      if (!Number.isSafeInteger(input.amount) || input.amount < 1)
        throw new Error(`not a positive amount: ${input.amount}`);
      const user = await store.getUserById(input.userId);
      if (!user) return { outcome: "not_found" };
      const grant = input.op === "grant";
      const a = input.actor;
      const note =
        a.via === "cli"
          ? input.reason
          : `${input.reason} (admin ${a.adminTgId}${a.via === "console" ? ", console" : ""})`;
      const r = await store.addCredits({
        userId: user.id,
        amount: grant ? input.amount : -input.amount,
        reason: grant ? "admin_grant" : "admin_deduct",
        reference: input.reference,
        note,
        floorAtZero: !input.allowNegative,
      });
      logger.info(
        { ...who(a), userId: user.id, op: input.op, amount: input.amount, applied: r.applied },
        "admin changed credits",
      );
      if (r.applied) return { outcome: "applied", user, balance: r.balance };
      if (!grant && !input.allowNegative && r.balance < input.amount)
        return { outcome: "short", user, balance: r.balance };
      return { outcome: "repeated", user, balance: r.balance };
    },

    /** Blocks or unblocks a user; the user as it is now, or null when there is none. */
    async setBlocked(userId: number, blocked: boolean, actor: Actor): Promise<User | null> {
      const user = await store.getUserById(userId);
      if (!user) return null;
      await store.setBlocked(user.id, blocked);
      logger.info({ ...who(actor), userId, block: blocked }, "admin changed a user's block");
      return store.getUserById(user.id);
    },

    /**
     * Puts a failed job back in the queue from its first step (free when it was refunded). Null when
     * it cannot be: not failed, imported from the old bot, or without a product photo.
     */
    async retryJob(jobId: number, actor: Actor): Promise<Job | null> {
      const job = await store.requeueJob(jobId);
      if (job) deps.queue?.wake();
      logger.info({ ...who(actor), jobId, requeued: job !== null }, "admin retry of a job");
      return job;
    },

    /** Gives a failed job's credits back, exactly once. */
    async refundJob(jobId: number, actor: Actor): Promise<RefundJobResult> {
      const r = await store.refundCredit(jobId);
      logger.info({ ...who(actor), jobId, refunded: r.refunded }, "admin refund of a job");
      if (r.refunded && deps.metrics) {
        const job = await store.getJobById(jobId);
        if (job) deps.metrics.creditsRefunded.inc(job.creditsCharged);
      }
      return r;
    },

    /** Refunds a Telegram Stars payment through the Bot API and takes its credits back. */
    async refundPayment(chargeId: string, actor: Actor): Promise<PaymentRefund> {
      if (!deps.payments || !deps.api) return { ok: false, reason: "unavailable" };
      const r = await deps.payments.refundStars(deps.api, chargeId);
      logger.info({ ...who(actor), chargeId, ok: r.ok }, "admin refund of a payment");
      return r;
    },

    /** A draft: nothing is sent until it is launched. */
    async createBroadcast(
      input: Pick<Broadcast, "adminTgId" | "audience" | "text" | "photoFileId" | "chatId">,
    ): Promise<Broadcast> {
      const b = await store.createBroadcast(input);
      logger.info({ admin: input.adminTgId, broadcastId: b.id, audience: b.audience }, "broadcast drafted");
      return b;
    },

    /**
     * Starts sending a draft (a second launch, or one of a cancelled broadcast, does nothing). The
     * sender edits `progressMessageId` in the admin's chat as it goes, when given.
     */
    async launchBroadcast(id: number, progressMessageId: number | null, actor: Actor): Promise<LaunchResult> {
      const b = await store.getBroadcast(id);
      if (!b) return { ok: false, reason: "not_found" };
      if (b.status !== "draft") return { ok: false, reason: "not_draft" };
      if (!deps.broadcasts) return { ok: false, reason: "unavailable" };
      const started = await deps.broadcasts.launch(
        id,
        new Date(now().getTime() - ACTIVE_WINDOW_MS),
        progressMessageId,
      );
      logger.info({ ...who(actor), broadcastId: id }, "broadcast launched");
      return started ? { ok: true, broadcast: started } : { ok: false, reason: "not_found" };
    },

    /** Cancels a draft; false when it is not one (already sent, running or cancelled). */
    async cancelBroadcast(id: number, actor: Actor): Promise<boolean> {
      const b = await store.getBroadcast(id);
      if (b?.status !== "draft") return false;
      await store.updateBroadcast(id, { status: "cancelled", finishedAt: now() });
      logger.info({ ...who(actor), broadcastId: id }, "broadcast cancelled");
      return true;
    },
  };
}

export type AdminOperations = ReturnType<typeof createAdminOperations>;
