// /start, the terms and consent, the demo videos and the welcome; /lang.
import { Composer, InlineKeyboard } from "grammy";
import type { Language } from "../../db/types.ts";
import { encode } from "../callbacks.ts";
import type { BotContext } from "../context.ts";
import { type FeatureDeps, menuScreen, reply, type Screen, show } from "../ui.ts";

export function termsScreen(ctx: BotContext, deps: FeatureDeps): Screen {
  const kb = new InlineKeyboard();
  if (deps.config.bot.offerUrl) kb.url(ctx.t("btn-offer"), deps.config.bot.offerUrl).row();
  if (deps.config.bot.privacyUrl) kb.url(ctx.t("btn-privacy"), deps.config.bot.privacyUrl).row();
  kb.text(ctx.t("btn-agree"), encode({ a: "consent" }));
  return { text: ctx.t("terms", { n: deps.config.freeCredits }), keyboard: kb };
}

async function sendDemos(ctx: BotContext, deps: FeatureDeps): Promise<void> {
  const ids = deps.config.bot.welcomeVideoFileIds;
  try {
    if (ids.length === 1) await ctx.replyWithVideo(ids[0] as string);
    // An album needs 2-10 items.
    else if (ids.length > 1)
      await ctx.replyWithMediaGroup(ids.slice(0, 10).map((id) => ({ type: "video" as const, media: id })));
  } catch (e) {
    deps.logger.warn({ err: e }, "demo videos not sent: check WELCOME_VIDEO_FILE_IDS");
  }
}

export function createStartFeature(deps: FeatureDeps): Composer<BotContext> {
  const c = new Composer<BotContext>();

  c.command("start", async (ctx) => {
    ctx.session.step = null;
    ctx.session.draft = {};
    if (!ctx.user.consentAt) return reply(ctx, termsScreen(ctx, deps));
    await reply(ctx, menuScreen(ctx, deps));
  });

  c.callbackQuery(encode({ a: "consent" }), async (ctx) => {
    await ctx.answerCallbackQuery();
    if (ctx.user.consentAt) return show(ctx, menuScreen(ctx, deps));
    const now = new Date();
    await deps.store.setConsent(ctx.user.id, now);
    ctx.user.consentAt = now;
    // Keep the terms text with its links, without the buttons.
    await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => undefined);
    await sendDemos(ctx, deps);
    await reply(ctx, { ...menuScreen(ctx, deps), text: ctx.t("welcome", { n: ctx.user.credits }) });
  });

  const langKeyboard = () =>
    new InlineKeyboard()
      .text("🇷🇺 Русский", encode({ a: "lang", lang: "ru" }))
      .text("🇬🇧 English", encode({ a: "lang", lang: "en" }));

  c.command("lang", (ctx) => reply(ctx, { text: ctx.t("lang-ask"), keyboard: langKeyboard() }));

  for (const lang of ["ru", "en"] as Language[]) {
    c.callbackQuery(encode({ a: "lang", lang }), async (ctx) => {
      await deps.store.setUserLanguage(ctx.user.id, lang);
      ctx.user.language = lang;
      await ctx.i18n.renegotiateLocale();
      await ctx.answerCallbackQuery(ctx.t("lang-set"));
      if (!ctx.user.consentAt) return show(ctx, termsScreen(ctx, deps));
      await show(ctx, menuScreen(ctx, deps));
    });
  }
  return c;
}
