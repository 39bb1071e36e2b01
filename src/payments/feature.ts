// The payments feature: the "Buy credits" screen (callback `buy`, also /buy) and invoices in
// Telegram Stars or a fiat provider. The pre-checkout verdict and the receipt are in ./gate.ts: they
// run before the session, so a payment is handled whatever else is failing.
import { type Composer, InlineKeyboard } from "grammy";
import { BUY_CALLBACK, callbackData } from "../bot/callbacks.ts";
import { FeatureComposer } from "../bot/composer.ts";
import type { BotContext } from "../bot/context.ts";
import type { Config } from "../config/index.ts";
import type { Store } from "../db/store.ts";
import { localeOfUser } from "../i18n/language.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { isNotModified, type Telegram } from "../telegram/types.ts";
import { fiscalFields } from "./fiscal.ts";
import { paymentsTexts } from "./locales.ts";
import { findPackage, formatPrice, formatPricePerCredit } from "./packages.ts";
import { createPaymentsService, type PaymentsService } from "./service.ts";

export interface PaymentsFeatureDeps {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  telegram: Telegram;
  /** Shared with the admin feature (refunds); made here when omitted. */
  service?: PaymentsService;
}

/** Callback data of one package's button: `buy:p10`. */
const PACKAGE_DATA = /^buy:(p\d{1,6})$/;

export function createPaymentsFeature(deps: PaymentsFeatureDeps): Composer<BotContext> {
  const { logger } = deps;
  const service = deps.service ?? createPaymentsService(deps);
  const texts = paymentsTexts();
  const composer = new FeatureComposer<BotContext>();

  function buyScreen(ctx: BotContext): { text: string; keyboard: InlineKeyboard } {
    const lang = localeOfUser(ctx.user);
    const t = texts.bind(lang);
    const keyboard = new InlineKeyboard();
    for (const p of service.packages) {
      const label = t("pay-package-button", {
        credits: p.credits,
        price: formatPrice(p.price, service.currency, lang),
        per: formatPricePerCredit(p, service.currency, lang),
      });
      keyboard.text(label, `buy:${p.id}`).row();
    }
    keyboard.text(t("btn-back"), callbackData.menu());
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
        if (isNotModified(err)) return; // a double tap
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
    const inv = service.invoiceFor(pkg, ctx.from.id, ctx.chat?.id);
    // The receipt names the item in Russian whatever the buyer's language: a 54-FZ receipt is a
    // Russian fiscal document.
    const fiscal = fiscalFields(deps.config.payments.receipt, {
      description: texts.t("ru", "pay-invoice-title", { credits: pkg.credits }),
      amount: inv.amount,
      currency: inv.currency,
    });
    await ctx.replyWithInvoice(
      t("pay-invoice-title", { credits: pkg.credits }),
      t("pay-invoice-description", { credits: pkg.credits }),
      inv.payload,
      inv.currency,
      [{ label: t("pay-invoice-label", { credits: pkg.credits }), amount: inv.amount }],
      inv.providerToken ? { provider_token: inv.providerToken, ...fiscal } : {},
    );
  });

  return composer;
}
