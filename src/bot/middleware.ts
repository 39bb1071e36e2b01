// Middleware that runs around every feature: the error boundary that also guarantees an answer to
// every callback query, the user loader, admin-block and consent gates, and the fallback.
import { type Composer, InlineKeyboard, type NextFunction } from "grammy";
import { callbackData, decode, encode, supportButton } from "./callbacks.ts";
import { FeatureComposer } from "./composer.ts";
import type { BotContext } from "./context.ts";
import { expectedText } from "./features/create.ts";
import { termsScreen } from "./features/start.ts";
import { languageFromCode } from "./i18n.ts";
import { type FeatureDeps, menuScreen, reply } from "./ui.ts";

/** Translates by a locale code (the bot's I18n); for what happens before the user is loaded. */
export type Translator = { t(locale: string, key: string, vars?: Record<string, string>): string };

/**
 * Answers every callback query even when no handler did (no endless spinner), and turns a handler
 * error into a log line with the update id plus a short "try again" for the user, with the way
 * on: the menu, and support when there is one (a failure that repeats has nowhere else to go).
 */
export function errorBoundary(deps: FeatureDeps, i18n: Translator) {
  return async (ctx: BotContext, next: NextFunction): Promise<void> => {
    let answered = false;
    if (ctx.callbackQuery) {
      ctx.api.config.use((prev, method, payload, signal) => {
        if (method === "answerCallbackQuery") answered = true;
        return prev(method, payload, signal);
      });
    }
    try {
      await next();
    } catch (err) {
      deps.metrics.handlerErrors.inc();
      deps.logger.error({ err, updateId: ctx.update.update_id, from: ctx.from?.id }, "update handler failed");
      const t = translator(ctx, i18n);
      const text = t("error-generic") ?? "Something went wrong, please try again.";
      if (ctx.callbackQuery && !answered) {
        await ctx.answerCallbackQuery({ text }).catch(() => undefined);
        answered = true;
      } else if (ctx.chat && !ctx.preCheckoutQuery) {
        await ctx.reply(text, { reply_markup: wayOn(deps, t) }).catch(() => undefined);
      }
    } finally {
      if (ctx.callbackQuery && !answered) await ctx.answerCallbackQuery().catch(() => undefined);
    }
  };
}

/**
 * The user's texts: their chosen language once the user is loaded, else their Telegram client's
 * (the failure may have come before); undefined when even that fails.
 */
function translator(ctx: BotContext, i18n: Translator): (key: string) => string | undefined {
  return (key) => {
    try {
      return typeof ctx.t === "function"
        ? ctx.t(key)
        : i18n.t(languageFromCode(ctx.from?.language_code), key);
    } catch {
      return undefined;
    }
  };
}

/** Menu and Support under the apology; none when the texts themselves are not available. */
function wayOn(deps: FeatureDeps, t: (key: string) => string | undefined): InlineKeyboard | undefined {
  const menu = t("btn-menu");
  const support = t("btn-support");
  if (!menu || !support) return undefined;
  const kb = new InlineKeyboard().text(menu, callbackData.menu());
  const button = supportButton(deps.config, support);
  if (button) kb.add(button);
  return kb;
}

/**
 * The bot serves private chats only. In a group or channel it stays silent — no balances, menus or
 * invoices there — except for one short pointer to the private chat when someone sends it a
 * command. Callback queries from old group messages are answered silently by the error boundary.
 */
export function privateChatsOnly(i18n: Translator) {
  return async (ctx: BotContext, next: NextFunction): Promise<void> => {
    const chat = ctx.chat;
    if (!chat || chat.type === "private") return next();
    const text = ctx.message?.text ?? "";
    const command = /^\/[A-Za-z0-9_]+(?:@(\w+))?/.exec(text);
    const bot = ctx.me.username;
    if (command && (command[1] === undefined || command[1].toLowerCase() === bot.toLowerCase())) {
      const locale = languageFromCode(ctx.from?.language_code);
      await ctx.reply(i18n.t(locale, "private-only", { bot })).catch(() => undefined);
    }
  };
}

/** Loads (or creates) the sender; `/start ref_<code>` records the referrer on creation. */
export function loadUser(deps: FeatureDeps) {
  return async (ctx: BotContext, next: NextFunction): Promise<void> => {
    const from = ctx.from;
    if (!from || from.is_bot) return;
    const payload = /^\/start(?:@\w+)?\s+(\S+)/.exec(ctx.message?.text ?? "")?.[1];
    const profile = {
      tgId: from.id,
      username: from.username ?? null,
      firstName: from.first_name,
      lastName: from.last_name ?? null,
      languageCode: from.language_code ?? null,
    };
    // The common case is a known user with an unchanged profile: a plain read, no write transaction.
    const known = await deps.store.getUserByTgId(from.id);
    const unchanged =
      known &&
      known.username === profile.username &&
      known.firstName === profile.firstName &&
      known.lastName === profile.lastName &&
      known.languageCode === profile.languageCode;
    let user = unchanged ? known : null;
    if (!user) {
      const referralCode = payload?.startsWith("ref_") ? payload.slice(4) : null;
      const source = payload && !referralCode ? payload.slice(0, 64) : null;
      user = (await deps.store.getOrCreateUser(profile, { referralCode, referralSource: source })).user;
    }
    ctx.user = user;
    // Activity is for stats; a minute's precision is plenty and saves a write per update.
    const now = new Date();
    if (!user.lastActiveAt || now.getTime() - user.lastActiveAt.getTime() > 60_000) {
      await deps.store.touchUser(user.id, now);
    }
    await next();
  };
}

/** my_chat_member: the user blocked (kicked) or unblocked the bot. */
export function chatMember(deps: FeatureDeps): Composer<BotContext> {
  const c = new FeatureComposer<BotContext>();
  c.on("my_chat_member", async (ctx) => {
    if (ctx.chat.type !== "private") return;
    const status = ctx.myChatMember.new_chat_member.status;
    const gone = status === "kicked" || status === "left";
    await deps.store.setBotBlocked(ctx.user.id, gone ? new Date(ctx.myChatMember.date * 1000) : null);
  });
  return c;
}

/** Payment updates pass every gate: Telegram needs a pre-checkout answer, and paid money must be credited. */
const isPayment = (ctx: BotContext) => Boolean(ctx.preCheckoutQuery || ctx.message?.successful_payment);

/**
 * Users blocked by an admin get one short notice, then silence (callback queries are still
 * answered). Support stays open to them (it is installed before this gate): the notice offers it.
 */
export function blockedGate(deps: FeatureDeps) {
  return async (ctx: BotContext, next: NextFunction): Promise<void> => {
    if (!ctx.user.blocked || isPayment(ctx)) {
      if (!ctx.user.blocked && ctx.session.blockedNoticeSent) ctx.session.blockedNoticeSent = undefined;
      return next();
    }
    const support = supportButton(deps.config, ctx.t("btn-support"));
    const notice = ctx.t(support ? "blocked-notice" : "blocked-notice-plain");
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: notice });
      return;
    }
    if (ctx.session.blockedNoticeSent) return;
    ctx.session.blockedNoticeSent = true;
    await ctx.reply(notice, { reply_markup: support ? new InlineKeyboard().add(support) : undefined });
  };
}

/** Nothing works before the terms are accepted, except /start, /lang, /terms, /paysupport and their buttons. */
export function consentGate(deps: FeatureDeps) {
  return async (ctx: BotContext, next: NextFunction): Promise<void> => {
    if (ctx.user.consentAt || isPayment(ctx)) return next();
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: ctx.t("consent-needed"), show_alert: true });
      // "Tap “I accept” below": a button of another message (Menu under support's replies or
      // under "Something went wrong") has no terms below it, so they are sent.
      const consent = encode({ a: "consent" });
      const rows = ctx.callbackQuery.message?.reply_markup?.inline_keyboard ?? [];
      const onTerms = rows.some((row) =>
        row.some((b) => "callback_data" in b && b.callback_data === consent),
      );
      if (!onTerms && ctx.chat) await reply(ctx, await termsScreen(ctx, deps));
      return;
    }
    if (ctx.message) await reply(ctx, await termsScreen(ctx, deps));
  };
}

/** The last middleware: what nobody handled. */
export function unhandled(deps: FeatureDeps): Composer<BotContext> {
  const c = new FeatureComposer<BotContext>();
  c.on("callback_query", async (ctx) => {
    const d = decode(ctx.callbackQuery.data);
    deps.logger.debug(
      { data: ctx.callbackQuery.data, reason: d.ok ? "unrouted" : d.reason },
      "stale callback",
    );
    await ctx.answerCallbackQuery({ text: ctx.t("outdated") });
  });
  c.on("message", async (ctx) => {
    const step = ctx.session.step;
    if (step) {
      await ctx.reply(ctx.t("mid-flow-command", { expected: expectedText(ctx, step) }), {
        parse_mode: "HTML",
      });
      return;
    }
    // An album of what the bot does not take (files, videos) outside a flow: its first item gets
    // the answer, the others none. (An album of photos starts the flow instead: features/create.)
    const album = ctx.message.media_group_id;
    if (album) {
      if (ctx.session.unknownAlbum === album) return;
      ctx.session.unknownAlbum = album;
    }
    const menu = menuScreen(ctx, deps);
    await reply(ctx, { ...menu, text: `${ctx.t("unknown")}\n\n${menu.text}` });
  });
  return c;
}
