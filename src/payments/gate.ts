// The payment updates, handled before anything that needs a session or a user row (both read the
// database, which may be away exactly when the money arrives): the pre-checkout verdict, which
// Telegram wants within 10 s, and the receipt of a successful payment that the intake has already
// recorded. Installed by the bot ahead of its own middleware; payments arriving in a group are
// still recorded (the money is taken), and their receipt goes to the payer's private chat.
import { FeatureComposer } from "../bot/composer.ts";
import type { BotContext } from "../bot/context.ts";
import { languageFromCode, localeOfUser } from "../i18n/language.ts";
import type { PaymentsFeatureDeps } from "./feature.ts";
import { createPaymentIntake } from "./intake.ts";
import { paymentsTexts } from "./locales.ts";
import { createReceipts } from "./receipts.ts";
import {
  createPaymentsService,
  type DeclineReason,
  type PaymentsService,
  type PreCheckoutVerdict,
} from "./service.ts";

const DECLINE_KEYS: Record<DeclineReason, string> = {
  invalid: "pay-decline-invalid",
  unknown_package: "pay-decline-unknown-package",
  price_changed: "pay-decline-price-changed",
  blocked: "pay-decline-blocked",
  no_user: "pay-decline-no-user",
};

export interface PaymentsGateDeps extends PaymentsFeatureDeps {
  service?: PaymentsService;
  /** Waits between attempts to record a payment while the database is away. */
  retryMs?: { base: number; max: number };
}

export function createPaymentsGate(deps: PaymentsGateDeps) {
  const { logger, telegram } = deps;
  const service = deps.service ?? createPaymentsService(deps);
  const texts = paymentsTexts();
  const intake = createPaymentIntake({
    service,
    logger,
    texts,
    message: (tgId, text) => telegram.api.sendMessage(tgId, text),
    notifyAdmins: (text) => telegram.notifyAdmins(text),
    retryMs: deps.retryMs,
  });
  const receipts = createReceipts({ telegram, logger });
  const composer = new FeatureComposer<BotContext>();

  composer.on("pre_checkout_query", async (ctx) => {
    const q = ctx.preCheckoutQuery;
    const fallbackLocale = languageFromCode(q.from.language_code);
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

  // The credits are on the balance whatever happens to the receipt: a failed send is logged, never
  // turned into the generic "something went wrong, try again" (which would read as "pay again").
  composer.on("message:successful_payment", async (ctx) => {
    // Already recorded when the update came through the poller or the webhook; a no-op then.
    await intake.save([ctx.update]);
    const outcome = intake.outcomeOf(ctx.update);
    // Telegram approved a payload we cannot read (pre-checkout would have declined it): the money
    // is taken, so a person must look at it. The receipt goes to the private chat, also from a group.
    if (!outcome?.ok) await receipts.unreadable(ctx.from, ctx.message.successful_payment);
    else await receipts.credited(ctx.from.id, outcome);
  });

  return { composer, intake, service, receipts };
}

export type PaymentsGate = ReturnType<typeof createPaymentsGate>;
