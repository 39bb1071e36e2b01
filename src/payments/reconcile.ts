// Telegram's own record of Stars payments against ours. A charge can reach Telegram and never
// reach the payments table: an update lost to a crash before its offset was saved, a webhook
// Telegram gave up on, a bug. On start and then periodically the bot reads its Star transactions
// (getStarTransactions, chronological) and credits each incoming invoice payment it has no row for
// through the same path as a live payment (idempotent per charge id), then tells the user and the
// admins. The position read so far is kept in the store, so a run reads only what is new plus a
// margin of the last page.
import type { StarTransaction, SuccessfulPayment, User as TelegramUser } from "grammy/types";
import { jsonEntries } from "../db/kv.ts";
import type { KeyValueRepository, PaymentsRepository } from "../db/store.ts";
import type { Language } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import type { Telegram } from "../telegram/types.ts";
import { paymentsTexts } from "./locales.ts";
import type { Receipts } from "./receipts.ts";
import type { PaymentsService } from "./service.ts";

export interface StarsReconcilerDeps {
  telegram: Telegram;
  store: Pick<PaymentsRepository, "getPaymentByChargeId"> & KeyValueRepository;
  service: Pick<PaymentsService, "applyPayment">;
  /** The same receipts a live payment gets (shared with the payments gate). */
  receipts: Receipts;
  logger: Logger;
  /** Time between runs after the first (default 1 hour). */
  everyMs?: number;
  /**
   * Wait before the first run (default 1 minute): updates Telegram still holds for this bot are
   * delivered by then and credited the usual way, with their usual receipt.
   */
  firstRunAfterMs?: number;
}

export interface ReconcileReport {
  /** Transactions read from Telegram in this run. */
  read: number;
  /** Charges Telegram had and the payments table did not, now credited. */
  credited: Array<{ chargeId: string; tgId: number; credits: number }>;
}

const PAGE = 100;

function missedPayment(tx: StarTransaction): { from: TelegramUser; payload: string } | null {
  const s = tx.source;
  if (s?.type !== "user" || s.transaction_type !== "invoice_payment" || !s.invoice_payload) return null;
  return { from: s.user, payload: s.invoice_payload };
}

export function createStarsReconciler(d: StarsReconcilerDeps) {
  const texts = paymentsTexts();
  // How far Telegram's transactions were read (key "sys:stars-reconcile", as before).
  const cursor = jsonEntries<{ offset?: unknown }>(d.store, "sys:");
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<ReconcileReport> | undefined;

  async function readCursor(): Promise<number> {
    const n = Number((await cursor.get("stars-reconcile"))?.offset ?? 0);
    return Number.isInteger(n) && n >= 0 ? n : 0;
  }

  async function once(): Promise<ReconcileReport> {
    const report: ReconcileReport = { read: 0, credited: [] };
    const seen = await readCursor();
    // One page back: transactions of the same second may be listed in another order next time.
    let offset = Math.max(0, seen - PAGE);
    for (;;) {
      const { transactions } = await d.telegram.api.getStarTransactions({ offset, limit: PAGE });
      for (const [i, tx] of transactions.entries()) {
        const missed = missedPayment(tx);
        if (!missed || (await d.store.getPaymentByChargeId(tx.id))) continue;
        const sp: SuccessfulPayment = {
          currency: "XTR",
          total_amount: tx.amount,
          invoice_payload: missed.payload,
          telegram_payment_charge_id: tx.id,
          provider_payment_charge_id: "",
        };
        const outcome = await d.service.applyPayment(missed.from, sp);
        if (!outcome.ok) {
          // Reported once, when first read: the margin re-reads it, and it never gets a row.
          if (offset + i >= seen) await d.receipts.unreadable(missed.from, sp);
          continue;
        }
        if (!outcome.credited) continue; // recorded meanwhile by the live update
        const credits = outcome.payment.credits;
        report.credited.push({ chargeId: tx.id, tgId: missed.from.id, credits });
        d.logger.warn({ chargeId: tx.id, tgId: missed.from.id, credits }, "missed Stars payment credited");
        await d.receipts.credited(missed.from.id, outcome);
      }
      report.read += transactions.length;
      offset += transactions.length;
      await cursor.set("stars-reconcile", { offset });
      if (transactions.length < PAGE) break;
    }
    if (report.credited.length > 0) await d.telegram.notifyAdmins((l) => summary(l, report.credited));
    return report;
  }

  /** One notice per run, however many were missed (each also logged with its charge id). */
  function summary(locale: Language, credited: ReconcileReport["credited"]): string {
    const shown = credited.slice(0, 20);
    const lines = shown.map((c) =>
      texts.t(locale, "pay-admin-reconciled-line", { ...c, charge: c.chargeId }),
    );
    if (credited.length > shown.length)
      lines.push(texts.t(locale, "pay-admin-reconciled-more", { count: credited.length - shown.length }));
    return `${texts.t(locale, "pay-admin-reconciled", { count: credited.length })}\n${lines.join("\n")}`;
  }

  /** One pass; concurrent calls share it. */
  function run(): Promise<ReconcileReport> {
    running ??= once().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    run,
    /** Runs now and then every `everyMs`; failures are logged and retried at the next run. */
    start(): void {
      if (timer) return;
      const tick = () =>
        void run().catch((err) => d.logger.warn({ err }, "Stars reconciliation failed; retried later"));
      timer = setTimeout(() => {
        tick();
        timer = setInterval(tick, d.everyMs ?? 60 * 60_000);
        timer.unref();
      }, d.firstRunAfterMs ?? 60_000);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearTimeout(timer);
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}

export type StarsReconciler = ReturnType<typeof createStarsReconciler>;
