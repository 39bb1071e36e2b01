// Showing screens: menus are edited in place when the user tapped a button under a text message,
// otherwise sent as a new message. All texts are HTML; user text is escaped before it gets here.
import { GrammyError, InlineKeyboard } from "grammy";
import type { Config } from "../config/index.ts";
import type { Store } from "../db/store.ts";
import type { Language } from "../db/types.ts";
import { languageOf } from "../i18n/language.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { PhotoCheck } from "../photo-check/index.ts";
import type { QueueHandle } from "../queue/types.ts";
import { isNotModified } from "../telegram/types.ts";
import type { Catalogue } from "../templates/index.ts";
import { BUY_CALLBACK, encode, supportButton } from "./callbacks.ts";
import type { BotContext } from "./context.ts";

export interface FeatureDeps {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  catalogue: Catalogue;
  queue: QueueHandle;
  /** Looks at a product photo before the seller goes on (src/photo-check); absent: no check. */
  photoCheck?: PhotoCheck;
}

export interface Screen {
  text: string;
  keyboard?: InlineKeyboard;
}

const HTML = { parse_mode: "HTML" as const, link_preview_options: { is_disabled: true } };

export async function reply(ctx: BotContext, s: Screen): Promise<void> {
  await ctx.reply(s.text, { ...HTML, reply_markup: s.keyboard });
}

/** Edits the tapped message into `s`, or sends `s` when there is nothing to edit. */
export async function show(ctx: BotContext, s: Screen): Promise<void> {
  const msg = ctx.callbackQuery?.message;
  if (msg && "text" in msg && msg.text !== undefined) {
    try {
      await ctx.editMessageText(s.text, { ...HTML, reply_markup: s.keyboard });
      return;
    } catch (e) {
      // A double tap renders the same screen twice: nothing to do.
      if (isNotModified(e)) return;
      if (!(e instanceof GrammyError) || e.error_code !== 400) throw e;
      // Too old to edit or deleted: fall through to a new message.
    }
  }
  await reply(ctx, s);
}

/** Removes the keyboard of the tapped message (a finished step), ignoring "not modified". */
export async function dropKeyboard(ctx: BotContext): Promise<void> {
  if (!ctx.callbackQuery?.message?.reply_markup) return;
  await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => undefined);
}

/**
 * What depends on the user's language and the configuration alone (the menu's buttons, the help
 * screen), built once for each instead of on every update that shows it: four translations, three
 * callback encodings and a keyboard per menu. Shared by every update, so frozen: a handler that
 * changed one would change everyone's menu, and throws instead.
 */
export function perLanguage<T extends Screen | InlineKeyboard>(
  build: (ctx: BotContext, deps: FeatureDeps) => T,
): (ctx: BotContext, deps: FeatureDeps) => T {
  const built = new WeakMap<Config, Map<Language, T>>();
  return (ctx, deps) => {
    let byLanguage = built.get(deps.config);
    if (!byLanguage) {
      byLanguage = new Map();
      built.set(deps.config, byLanguage);
    }
    const lang = languageOf(ctx.user);
    let value = byLanguage.get(lang);
    if (!value) {
      value = deepFreeze(build(ctx, deps));
      byLanguage.set(lang, value);
    }
    return value;
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const menuKeyboard = perLanguage((ctx, deps) => {
  const kb = new InlineKeyboard()
    .text(ctx.t("btn-create"), encode({ a: "create" }))
    .row()
    .text(ctx.t("btn-cabinet"), encode({ a: "cabinet", page: 0 }))
    .text(ctx.t("btn-buy"), BUY_CALLBACK)
    .row()
    .text(ctx.t("btn-help"), encode({ a: "help" }));
  const support = supportButton(deps.config, ctx.t("btn-support"));
  if (support) kb.add(support);
  return kb;
});

export function menuScreen(ctx: BotContext, deps: FeatureDeps, balance = ctx.user.credits): Screen {
  return { text: ctx.t("menu", { n: balance }), keyboard: menuKeyboard(ctx, deps) };
}

export const menuButton = (ctx: BotContext) =>
  new InlineKeyboard().text(ctx.t("btn-menu"), encode({ a: "menu" }));

/** A date in the seller's time (TIMEZONE), labelled with its offset ("GMT+3"). */
export function formatDate(d: Date, lang: string, timeZone: string): string {
  return d.toLocaleString(lang === "ru" ? "ru-RU" : "en-GB", {
    day: "2-digit",
    month: "2-digit",
    year: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
    timeZoneName: "short",
  });
}
