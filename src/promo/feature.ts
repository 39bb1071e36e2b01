// A seller redeems a promo code three ways: `/promo CODE`, a deep link `t.me/<bot>?start=promo_CODE`,
// or the cabinet's "Promo code" button, which asks for it. Each answer says what happened — credits
// added with the new balance, or why not (no such code, used by you before, switched off, expired,
// run out) — and leads on with a button.
//
// Installed before the start feature and the consent gate (createBot's `beforeStart`): a link opened
// by someone who has not accepted the terms yet is checked at once and kept in the session, and the
// credits arrive right after the consent; everything else passes on to the bot.
import { type Composer, InlineKeyboard } from "grammy";
import { callbackData, encode, PROMO_CALLBACK } from "../bot/callbacks.ts";
import { FeatureComposer } from "../bot/composer.ts";
import type { BotContext } from "../bot/context.ts";
import { clip, esc } from "../bot/html.ts";
import { formatDate } from "../bot/ui.ts";
import type { Config } from "../config/index.ts";
import type { PromoRepo, PromoVerdict } from "../db/ops/promo.ts";
import { languageOf } from "../i18n/language.ts";
import type { Vars } from "../i18n/texts.ts";
import type { Logger } from "../logger.ts";
import { normalizePromoCode, PROMO_LIMITS, PROMO_START_PREFIX } from "./limits.ts";
import { promoTexts } from "./texts.ts";

export interface PromoFeatureDeps {
  config: Pick<Config, "timeZone">;
  repo: PromoRepo;
  logger: Logger;
  now?: () => Date;
}

const HTML = { parse_mode: "HTML" as const, link_preview_options: { is_disabled: true } };

/** A code as the seller typed it, safe to show. */
const shown = (raw: string) => esc(clip(raw.trim(), PROMO_LIMITS.codeMax + 8));

export function createPromoFeature(deps: PromoFeatureDeps): Composer<BotContext> {
  const { repo, logger, config } = deps;
  const now = deps.now ?? (() => new Date());
  const texts = promoTexts();
  const c = new FeatureComposer<BotContext>();

  const t = (ctx: BotContext, key: string, vars?: Vars) => texts.t(languageOf(ctx.user), key, vars);
  const date = (ctx: BotContext, d: Date) => formatDate(d, languageOf(ctx.user), config.timeZone);
  const say = (ctx: BotContext, text: string, keyboard: InlineKeyboard) =>
    ctx.reply(text, { ...HTML, reply_markup: keyboard });
  const menu = (ctx: BotContext) => new InlineKeyboard().text(t(ctx, "btn-menu"), callbackData.menu());
  const cancel = (ctx: BotContext) =>
    new InlineKeyboard().text(t(ctx, "btn-cancel"), encode({ a: "cancel" }));

  /** Why a code gives nothing to this seller. */
  function refusal(ctx: BotContext, v: Exclude<PromoVerdict, { status: "valid" }>, code: string): string {
    switch (v.status) {
      case "unknown":
        return t(ctx, "promo-unknown", { code });
      case "already_used":
        return t(ctx, "promo-already-used", {
          code: v.promo.code,
          credits: v.redemption.credits,
          date: date(ctx, v.redemption.createdAt),
        });
      case "disabled":
        return t(ctx, "promo-disabled", { code: v.promo.code });
      case "expired":
        return t(ctx, "promo-expired", { code: v.promo.code, date: date(ctx, v.promo.expiresAt ?? now()) });
      case "used_up":
        return t(ctx, "promo-used-up", { code: v.promo.code });
    }
  }

  /**
   * Redeems a typed or linked code and answers. "retry" when the seller may simply have mistyped
   * it (not a code, or no such code): a pending question stays open for another try.
   */
  async function redeem(ctx: BotContext, typed: string, asked: boolean): Promise<"retry" | "done"> {
    const code = normalizePromoCode(typed);
    if (!code) {
      await say(ctx, t(ctx, "promo-bad", { code: shown(typed) }), asked ? cancel(ctx) : menu(ctx));
      return "retry";
    }
    const r = await repo.redeem(code, ctx.user.id, now());
    if (r.status === "redeemed") {
      ctx.user.credits = r.balance;
      logger.info({ userId: ctx.user.id, code, credits: r.credits }, "promo code redeemed");
      const kb = new InlineKeyboard()
        .text(t(ctx, "btn-create"), callbackData.create())
        .row()
        .text(t(ctx, "btn-menu"), callbackData.menu());
      await say(ctx, t(ctx, "promo-redeemed", { code, credits: r.credits, balance: r.balance }), kb);
      return "done";
    }
    const again = r.status === "unknown" && asked;
    await say(ctx, refusal(ctx, r, code), again ? cancel(ctx) : menu(ctx));
    return r.status === "unknown" ? "retry" : "done";
  }

  /** Before the terms are accepted: says now whether the code works, and keeps it until the consent. */
  async function remember(ctx: BotContext, typed: string): Promise<void> {
    const code = normalizePromoCode(typed);
    const v = code ? await repo.inspect(code, ctx.user.id, now()) : null;
    if (v?.status !== "valid") {
      const text = v && code ? refusal(ctx, v, code) : t(ctx, "promo-bad", { code: shown(typed) });
      await ctx.reply(text, HTML);
      return;
    }
    ctx.session.promoPending = v.promo.code;
    await ctx.reply(t(ctx, "promo-pending", { code: v.promo.code, credits: v.promo.credits }), HTML);
  }

  async function ask(ctx: BotContext): Promise<void> {
    ctx.session.promoAskUntil = now().getTime() + PROMO_LIMITS.askTtlMs;
    await say(ctx, t(ctx, "promo-ask"), cancel(ctx));
  }

  // Any button ends a pending "send your promo code" (the promo button asks again below).
  c.on("callback_query:data", async (ctx, next) => {
    ctx.session.promoAskUntil = undefined;
    await next();
  });

  c.command("start", async (ctx, next) => {
    const payload = ctx.match.trim();
    if (!payload.startsWith(PROMO_START_PREFIX)) return next();
    const typed = payload.slice(PROMO_START_PREFIX.length);
    // Not yet a customer: the terms come first (the start feature shows them), the credits after.
    if (!ctx.user.consentAt) {
      await remember(ctx, typed);
      return next();
    }
    await redeem(ctx, typed, false);
  });

  c.command("promo", async (ctx, next) => {
    const typed = ctx.match.trim();
    if (!ctx.user.consentAt) {
      if (typed) await remember(ctx, typed);
      return next();
    }
    if (!typed) return ask(ctx);
    await redeem(ctx, typed, false);
  });

  c.callbackQuery(PROMO_CALLBACK, async (ctx, next) => {
    if (!ctx.user.consentAt) return next();
    await ctx.answerCallbackQuery();
    await ask(ctx);
  });

  // The consent itself is the start feature's; a code kept from a link is redeemed right after it.
  c.callbackQuery(encode({ a: "consent" }), async (ctx, next) => {
    await next();
    const code = ctx.session.promoPending;
    if (!code || !ctx.user.consentAt) return;
    ctx.session.promoPending = undefined;
    await redeem(ctx, code, false);
  });

  c.on("message", async (ctx, next) => {
    const until = ctx.session.promoAskUntil;
    if (until === undefined) return next();
    const text = ctx.message.text;
    // Another command, a photo or a late answer is not the code: it goes where it was meant to.
    if (until < now().getTime() || text === undefined || text.startsWith("/") || !ctx.user.consentAt) {
      ctx.session.promoAskUntil = undefined;
      return next();
    }
    if ((await redeem(ctx, text, true)) === "done") ctx.session.promoAskUntil = undefined;
  });

  return c;
}
