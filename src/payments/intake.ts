// Money first. A successful_payment is the only update Telegram never sends twice once its offset
// is confirmed, and the money is already taken when it arrives. So it is written to the database
// before anything else happens to its update: the poller calls `save` on each fetched batch before
// the next getUpdates confirms the offset, and the webhook calls it before answering 200. While the
// database is away, `save` keeps trying with backoff (the user is told the payment arrived and is
// being credited); a process killed meanwhile never confirmed the update, so Telegram delivers it
// again to the next one. Nothing here needs the session or the user row to exist.
import type { Update } from "grammy/types";
import { languageFromCode } from "../i18n/language.ts";
import type { Texts } from "../i18n/texts.ts";
import type { Logger } from "../logger.ts";
import type { AdminText } from "../telegram/types.ts";
import { backoff } from "../timing/index.ts";
import { formatPrice } from "./packages.ts";
import type { PaymentOutcome, PaymentsService } from "./service.ts";

export interface PaymentIntakeDeps {
  service: Pick<PaymentsService, "applyPayment">;
  logger: Logger;
  texts: Texts;
  /** Sends a plain message to a user's private chat (no database involved). */
  message(tgId: number, text: string): Promise<unknown>;
  notifyAdmins(text: AdminText): Promise<void>;
  /** Waits between attempts while the database does not answer (default 0.5 s doubling to 30 s). */
  retryMs?: { base: number; max: number };
}

export interface SaveOptions {
  signal?: AbortSignal;
  /** Give up (throw) after this many ms: the webhook answers an error and Telegram delivers again. */
  deadlineMs?: number;
}

type Paid = { update: Update; from: NonNullable<Update["message"]>["from"] & object };

function paymentOf(update: Update): Paid | null {
  const m = update.message;
  return m?.successful_payment && m.from ? { update, from: m.from } : null;
}

export function createPaymentIntake(d: PaymentIntakeDeps) {
  const retry = d.retryMs ?? { base: 500, max: 30_000 };
  const outcomes = new WeakMap<Update, PaymentOutcome>();
  /** Charges whose user and admins were told the payment waits for the database. */
  const told = new Set<string>();

  function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(done, ms);
      function done() {
        signal?.removeEventListener("abort", abort);
        resolve();
      }
      function abort() {
        clearTimeout(t);
        reject(signal?.reason ?? new Error("aborted"));
      }
      signal?.addEventListener("abort", abort, { once: true });
    });
  }

  async function saveOne({ update, from }: Paid, o: SaveOptions): Promise<void> {
    const sp = update.message!.successful_payment!;
    const charge = sp.telegram_payment_charge_id;
    const giveUpAt = o.deadlineMs === undefined ? Infinity : Date.now() + o.deadlineMs;
    const locale = languageFromCode(from.language_code);
    for (let attempt = 1; ; attempt++) {
      try {
        outcomes.set(update, await d.service.applyPayment(from, sp));
        if (attempt > 1)
          d.logger.info({ charge, attempts: attempt }, "payment recorded after the database came back");
        return;
      } catch (err) {
        d.logger.error({ err, tgId: from.id, charge, attempt }, "recording a payment failed; retrying");
        if (attempt === 1 && !told.has(charge)) {
          // Told once per charge (webhook retries bring the same charge again), and only through
          // Telegram: the user must not pay twice or think the money is lost. Not awaited, so a
          // slow Telegram does not eat the webhook's deadline.
          told.add(charge);
          if (told.size > 10_000) told.delete(told.values().next().value as string);
          void d.message(from.id, d.texts.t(locale, "pay-pending")).catch(() => undefined);
          void d
            .notifyAdmins((l) =>
              d.texts.t(l, "pay-admin-waiting", {
                tgId: from.id,
                price: formatPrice(sp.total_amount, sp.currency, l),
                charge,
              }),
            )
            .catch(() => undefined);
        }
        const wait = backoff(attempt, retry.base, retry.max, 0.2);
        if (Date.now() + wait > giveUpAt) throw err;
        await sleep(wait, o.signal);
      }
    }
  }

  return {
    /**
     * Records every successful payment among `updates`; resolves once all are committed. Rejects
     * only when `signal` aborts or the deadline passes: those updates must not be confirmed.
     */
    async save(updates: readonly Update[], o: SaveOptions = {}): Promise<void> {
      for (const u of updates) {
        const paid = paymentOf(u);
        if (paid && !outcomes.has(u)) await saveOne(paid, o);
      }
    },
    /** What `save` recorded for this update object (undefined when it was not saved through here). */
    outcomeOf(update: Update): PaymentOutcome | undefined {
      return outcomes.get(update);
    },
  };
}

export type PaymentIntake = ReturnType<typeof createPaymentIntake>;
