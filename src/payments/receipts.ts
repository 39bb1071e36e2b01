// What the seller, a referrer and the admins are told once a payment is recorded — the same
// whether it arrived as a live update (./gate.ts) or was found by the reconciliation
// (./reconcile.ts). Sent through the pacer; a failed send is logged, never turned into "try again".

import { InlineKeyboard } from "grammy";
import type { SuccessfulPayment } from "grammy/types";
import { callbackData } from "../bot/callbacks.ts";
import { languageFromCode, localeOfUser } from "../i18n/language.ts";
import type { Logger } from "../logger.ts";
import type { Telegram } from "../telegram/types.ts";
import { paymentsTexts } from "./locales.ts";
import { formatPrice } from "./packages.ts";
import type { PaymentOutcome } from "./service.ts";

export function createReceipts({ telegram, logger }: { telegram: Telegram; logger: Logger }) {
  const texts = paymentsTexts();
  const say = (tgId: number, text: string, extra: Parameters<Telegram["api"]["sendMessage"]>[2] = {}) =>
    telegram
      .send(tgId, (api) => api.sendMessage(tgId, text, { parse_mode: "HTML", ...extra }))
      .catch((err: unknown) => logger.warn({ err, tgId }, "payment notice not delivered"));

  return {
    /** The receipt with the new balance (and the referrer's bonus notice, when one was paid). */
    async credited(tgId: number, outcome: Extract<PaymentOutcome, { ok: true }>): Promise<void> {
      const t = texts.bind(localeOfUser(outcome.user));
      const key = outcome.credited ? "pay-receipt" : "pay-receipt-replay";
      await say(tgId, t(key, { credits: outcome.payment.credits, balance: outcome.balance }), {
        reply_markup: new InlineKeyboard().text(t("btn-create"), callbackData.create()),
      });
      if (outcome.referral) {
        const { referrer, bonus, balance } = outcome.referral;
        await say(referrer.tgId, texts.t(localeOfUser(referrer), "pay-referral-bonus", { bonus, balance }));
      }
    },
    /** A charge whose payload the bot cannot read: the admins credit it by hand; the payer is told so. */
    async unreadable(from: { id: number; language_code?: string }, sp: SuccessfulPayment): Promise<void> {
      logger.error(
        { chargeId: sp.telegram_payment_charge_id, tgId: from.id },
        "a charge with an unreadable payload",
      );
      await telegram.notifyAdmins((l) =>
        texts.t(l, "pay-admin-unreadable", {
          tgId: from.id,
          price: formatPrice(sp.total_amount, sp.currency, l),
          payload: sp.invoice_payload,
          charge: sp.telegram_payment_charge_id,
        }),
      );
      await say(from.id, texts.t(languageFromCode(from.language_code), "pay-pending-manual"));
    },
  };
}

export type Receipts = ReturnType<typeof createReceipts>;
