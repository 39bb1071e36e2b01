// /start, the terms and consent, the demo videos and the welcome; /terms, /paysupport, /lang.
import { type Composer, InlineKeyboard } from "grammy";
import type { Language } from "../../db/types.ts";
import { encode, supportButton } from "../callbacks.ts";
import { FeatureComposer } from "../composer.ts";
import type { BotContext } from "../context.ts";
import { type FeatureDeps, menuScreen, reply, type Screen, show } from "../ui.ts";

/** Buttons to the offer and the privacy policy, for those of them the owner has published. */
function documentButtons(ctx: BotContext, deps: FeatureDeps): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (deps.config.bot.offerUrl) kb.url(ctx.t("btn-offer"), deps.config.bot.offerUrl).row();
  if (deps.config.bot.privacyUrl) kb.url(ctx.t("btn-privacy"), deps.config.bot.privacyUrl).row();
  return kb;
}

/**
 * The consent screen. Promises free credits only to a user the signup bonus was really granted
 * to (its ledger row), not by FREE_CREDITS: users imported from the old bot never got one.
 */
export async function termsScreen(ctx: BotContext, deps: FeatureDeps): Promise<Screen> {
  const { offerUrl, privacyUrl } = deps.config.bot;
  // The signup bonus is the user's first ledger row; before consent there are only a few.
  const ledger = await deps.store.getLedger(ctx.user.id, { limit: 50 });
  const bonus = ledger.find((e) => e.reason === "signup_bonus")?.delta ?? 0;
  const credits =
    bonus > 0
      ? ctx.t("terms-free", { n: bonus })
      : ctx.user.credits > 0
        ? ctx.t("terms-balance", { n: ctx.user.credits })
        : null;
  const read =
    offerUrl && privacyUrl
      ? "terms-read-both"
      : offerUrl
        ? "terms-read-offer"
        : privacyUrl
          ? "terms-read-privacy"
          : "terms-read-none";
  const text = [ctx.t("terms-intro"), ...(credits ? [credits] : []), ctx.t(read)].join("\n\n");
  return { text, keyboard: documentButtons(ctx, deps).text(ctx.t("btn-agree"), encode({ a: "consent" })) };
}

/** /terms: what is sold and how credits work, with the documents that exist. */
function fullTermsScreen(ctx: BotContext, deps: FeatureDeps): Screen {
  const { offerUrl, privacyUrl } = deps.config.bot;
  const cheapest = deps.catalogue.cheapest();
  const text = [
    ctx.t("terms-full", { n: cheapest }),
    ...(offerUrl ? [ctx.t("terms-offer", { url: offerUrl })] : []),
    ...(privacyUrl ? [ctx.t("terms-privacy", { url: privacyUrl })] : []),
  ].join("\n");
  const kb = documentButtons(ctx, deps);
  if (ctx.user.consentAt) kb.text(ctx.t("btn-menu"), encode({ a: "menu" }));
  else kb.text(ctx.t("btn-agree"), encode({ a: "consent" }));
  return { text, keyboard: kb };
}

/**
 * /paysupport (Telegram requires it of bots that take payments): where to turn with a payment
 * problem — SUPPORT_URL, else the support inbox (and the first admin's chat), else the truth that
 * there is no contact; with the Support button when there is one.
 */
function paySupportScreen(ctx: BotContext, deps: FeatureDeps): Screen {
  const url = deps.config.bot.supportUrl;
  const owner = deps.config.admins[0];
  const support = supportButton(deps.config, ctx.t("btn-support"));
  const keyboard = support ? new InlineKeyboard().add(support) : undefined;
  if (url) return { text: ctx.t("paysupport-url", { url }), keyboard };
  // A string: Fluent would group the digits of a number ("123,456").
  if (owner !== undefined) return { text: ctx.t("paysupport-inbox", { id: String(owner) }), keyboard };
  return { text: ctx.t("paysupport-none") };
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
  const c = new FeatureComposer<BotContext>();

  c.command("start", async (ctx) => {
    ctx.session.step = null;
    ctx.session.draft = {};
    if (!ctx.user.consentAt) return reply(ctx, await termsScreen(ctx, deps));
    await reply(ctx, menuScreen(ctx, deps));
  });
  // Both answer before consent too: the terms are what the user is asked to accept.
  c.command("terms", (ctx) => reply(ctx, fullTermsScreen(ctx, deps)));
  c.command("paysupport", (ctx) => reply(ctx, paySupportScreen(ctx, deps)));

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
      if (!ctx.user.consentAt) return show(ctx, await termsScreen(ctx, deps));
      await show(ctx, menuScreen(ctx, deps));
    });
  }
  return c;
}
