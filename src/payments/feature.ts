// The payments feature: the "Buy credits" screen (callback `buy`, also /buy), invoices in Telegram
// Stars or a fiat provider, the pre-checkout verdict and the receipt after a successful payment.
import { Composer, GrammyError, InlineKeyboard } from "grammy";
import type { SuccessfulPayment } from "grammy/types";
import { BUY_CALLBACK, callbackData } from "../bot/callbacks.ts";
import type { BotContext } from "../bot/context.ts";
import type { Config } from "../config/index.ts";
import type { Store } from "../db/store.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { Telegram } from "../telegram/types.ts";
import { paymentsTexts } from "./locales.ts";
import { findPackage, formatPrice, formatPricePerCredit } from "./packages.ts";
import {
  createPaymentsService,
  type DeclineReason,
  type PaymentOutcome,
  type PaymentsService,
  type PreCheckoutVerdict,
} from "./service.ts";
import { localeOfUser } from "./texts.ts";

export interface PaymentsFeatureDeps {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  telegram: Telegram;
  /** Shared with the admin feature (refunds); made here when omitted. */
  service?: PaymentsService;
  /** Waits between attempts to record a successful payment (default 0.5 s, 2 s, 5 s). */
  retryDelaysMs?: number[];
}

/** Callback data of one package's button: `buy:p10`. */
const PACKAGE_DATA = /^buy:(p\d{1,6})$/;

const DECLINE_KEYS: Record<DeclineReason, string> = {
  invalid: "pay-decline-invalid",
  unknown_package: "pay-decline-unknown-package",
  price_changed: "pay-decline-price-changed",
  blocked: "pay-decline-blocked",
  no_user: "pay-decline-no-user",
};

export function createPaymentsFeature(deps: PaymentsFeatureDeps): Composer<BotContext> {
  const { logger, telegram } = deps;
  const service = deps.service ?? createPaymentsService(deps);
  const texts = paymentsTexts();
  const retryDelaysMs = deps.retryDelaysMs ?? [500, 2000, 5000];
  const composer = new Composer<BotContext>();

  function buyScreen(ctx: BotContext): { text: string; keyboard: InlineKeyboard } {
    const t = texts.bind(localeOfUser(ctx.user));
    const keyboard = new InlineKeyboard();
    for (const p of service.packages) {
      const label = t("pay-package-button", {
        credits: p.credits,
        price: formatPrice(p.price, service.currency),
        per: formatPricePerCredit(p, service.currency),
      });
      keyboard.text(label, `buy:${p.id}`).row();
    }
    keyboard.text(t("pay-back-button"), callbackData.menu());
    const text = `${t("pay-buy-title")}\n\n${t("pay-buy-text", { balance: ctx.user.credits })}`;
    return { text, keyboard };
  }

  composer.callbackQuery(BUY_CALLBACK, async (ctx) => {
    await ctx.answerCallbackQuery();
    const { text, keyboard } = buyScreen(ctx);
    // Edit the menu in place; an invoice or media message above cannot become text, so send anew.
    if (ctx.callbackQuery.message?.text !== undefined) {
      try {
        await ctx.editMessageText(text, { parse_mode: "HTML", reply_markup: keyboard });
        return;
      } catch (err) {
        if (err instanceof GrammyError && /not modified/.test(err.description)) return; // a double tap
        logger.debug({ err }, "buy screen not editable; sending anew");
      }
    }
    await ctx.reply(text, { parse_mode: "HTML", reply_markup: keyboard });
  });

  composer.command("buy", async (ctx) => {
    const { text, keyboard } = buyScreen(ctx);
    await ctx.reply(text, { parse_mode: "HTML", reply_markup: keyboard });
  });

  composer.callbackQuery(PACKAGE_DATA, async (ctx) => {
    const pkg = findPackage(service.packages, ctx.match[1] ?? "");
    const t = texts.bind(localeOfUser(ctx.user));
    if (!pkg) {
      // A button from before the packages changed.
      await ctx.answerCallbackQuery({ text: t("pay-decline-unknown-package"), show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery();
    const inv = service.invoiceFor(pkg, ctx.from.id);
    await ctx.replyWithInvoice(
      t("pay-invoice-title", { credits: pkg.credits }),
      t("pay-invoice-description", { credits: pkg.credits }),
      inv.payload,
      inv.currency,
      [{ label: t("pay-invoice-label", { credits: pkg.credits }), amount: inv.amount }],
      inv.providerToken ? { provider_token: inv.providerToken } : {},
    );
  });

  // Telegram cancels the payment after 10 s: only store reads happen before the answer, and a
  // failing database still gets an answer (a decline the user can retry) instead of silence.
  composer.on("pre_checkout_query", async (ctx) => {
    const q = ctx.preCheckoutQuery;
    const fallbackLocale = localeOfUser({ language: null, languageCode: q.from.language_code ?? null });
    let verdict: PreCheckoutVerdict;
    try {
      verdict = await service.checkPreCheckout(q);
    } catch (err) {
      logger.error({ err, tgId: q.from.id }, "pre-checkout check failed");
      await ctx.answerPreCheckoutQuery(false, {
        error_message: texts.t(fallbackLocale, "pay-decline-error"),
      });
      return;
    }
    if (verdict.ok) {
      await ctx.answerPreCheckoutQuery(true);
      return;
    }
    const locale = verdict.user ? localeOfUser(verdict.user) : fallbackLocale;
    logger.info({ tgId: q.from.id, reason: verdict.reason }, "pre-checkout declined");
    await ctx.answerPreCheckoutQuery(false, { error_message: texts.t(locale, DECLINE_KEYS[verdict.reason]) });
  });

  /**
   * The money is already taken: a database hiccup must not lose the credits. Retried with
   * backoff (recordPayment is idempotent per charge id); if it still fails, the admins get the
   * charge id to credit by hand and the user is told so.
   */
  async function applyWithRetry(tgId: number, sp: SuccessfulPayment): Promise<PaymentOutcome | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await service.applyPayment(tgId, sp);
      } catch (err) {
        logger.error(
          { err, tgId, charge: sp.telegram_payment_charge_id, attempt },
          "recording a payment failed",
        );
        const wait = retryDelaysMs[attempt];
        if (wait === undefined) return null;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  composer.on("message:successful_payment", async (ctx) => {
    const sp = ctx.message.successful_payment;
    const outcome = await applyWithRetry(ctx.from.id, sp);
    const t = texts.bind(localeOfUser(ctx.user));
    if (!outcome) {
      await telegram.notifyAdmins(
        `⚠️ Payment not recorded: user ${ctx.from.id}, ${sp.total_amount} ${sp.currency}, ` +
          `payload ${sp.invoice_payload}, charge ${sp.telegram_payment_charge_id}. Credit it by hand.`,
      );
      await ctx.reply(t("pay-pending"));
      return;
    }
    if (!outcome.ok) return;
    const key = outcome.credited ? "pay-receipt" : "pay-receipt-replay";
    await ctx.reply(t(key, { credits: outcome.payment.credits, balance: outcome.balance }), {
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().text(t("pay-create-button"), callbackData.create()),
    });
    if (outcome.referral) {
      const { referrer, bonus, balance } = outcome.referral;
      const text = texts.t(localeOfUser(referrer), "pay-referral-bonus", { bonus, balance });
      await telegram
        .send(referrer.tgId, (api) => api.sendMessage(referrer.tgId, text, { parse_mode: "HTML" }))
        .catch((err) => logger.warn({ err, referrerId: referrer.id }, "referral notice not delivered"));
    }
  });

  return composer;
}
