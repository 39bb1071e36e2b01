// Callback data of the bot's own buttons: "n1:<action>[:<arg>...]", versioned so buttons of an
// older release are recognised as outdated instead of misread, short (Telegram allows 64 bytes),
// and every argument checked on the way in. Data is never trusted: handlers still check that a job
// belongs to the caller and that a flow button belongs to the current flow.
import type { InlineKeyboardButton } from "grammy/types";
import type { Config } from "../config/index.ts";
import type { Language } from "../db/types.ts";

const PREFIX = "n";
const VERSION = "1";
const HEAD = `${PREFIX}${VERSION}:`;

/** Opens the credit packages screen; owned by the payments feature (src/payments). */
export const BUY_CALLBACK = "buy";

/** Asks for a promo code (the cabinet's button); owned by the promo feature (src/promo). */
export const PROMO_CALLBACK = "promo";
/** Opens the support inbox (write to support); owned by the support feature (src/support). */
export const SUPPORT_CALLBACK = "sup";

/**
 * The Support button every screen shows (menu, cabinet, help, failure messages, the blocked-user
 * notice): the inbox when there are admins to read it, else SUPPORT_URL, else none — a button
 * that leads nowhere is worse than no button.
 */
export function supportButton(
  config: Pick<Config, "admins"> & { bot: Pick<Config["bot"], "supportUrl"> },
  text: string,
): InlineKeyboardButton | undefined {
  if (config.admins.length > 0) return { text, callback_data: SUPPORT_CALLBACK };
  const url = config.bot.supportUrl;
  return url ? { text, url } : undefined;
}

export type Callback =
  | { a: "menu" }
  | { a: "create" }
  | { a: "help" }
  | { a: "consent" }
  | { a: "cancel" }
  | { a: "ref" }
  | { a: "lang"; lang: Language }
  | { a: "cabinet"; page: number }
  | { a: "pays"; page: number }
  /** The seller's credit history (the ledger), newest first. */
  | { a: "ledger"; page: number }
  | { a: "job"; job: number; page: number }
  | { a: "resend"; job: number }
  /** "Make another with this product" / "Repeat": the template step again from a stored job. */
  | { a: "again"; job: number }
  /** "Repeat this order": the same photo, description, template and wishes, at the confirm step. */
  | { a: "repeat"; job: number }
  /** "Go on with this photo" after the photo check found problems with it. */
  | { a: "keep"; flow: number }
  | { a: "tpl"; flow: number; id: string }
  /** A length of the chosen template, in seconds. */
  | { a: "dur"; flow: number; s: number }
  /** A format of the chosen template, by name (":" cannot travel in callback data). */
  | { a: "fmt"; flow: number; f: FormatName }
  | { a: "skip"; flow: number }
  | { a: "own"; flow: number; op: "approve" | "add" | "replace" }
  | { a: "count"; flow: number; n: number }
  | { a: "confirm"; flow: number };

/** Formats by name: "9:16" is vertical, "16:9" horizontal, "1:1" square. */
export type FormatName = "vertical" | "horizontal" | "square";

type Action = Callback["a"];
type Arg = (s: string) => string | number | undefined;

const int: Arg = (s) => (/^\d{1,12}$/.test(s) ? Number(s) : undefined);
const oneOf =
  (...xs: string[]): Arg =>
  (s) =>
    xs.includes(s) ? s : undefined;
const id: Arg = (s) => (/^[a-z0-9_-]{1,20}$/.test(s) ? s : undefined);

// Argument names and parsers per action, in wire order.
const SPEC: Record<Action, Array<[string, Arg]>> = {
  menu: [],
  create: [],
  help: [],
  consent: [],
  cancel: [],
  ref: [],
  lang: [["lang", oneOf("ru", "en")]],
  cabinet: [["page", int]],
  pays: [["page", int]],
  ledger: [["page", int]],
  job: [
    ["job", int],
    ["page", int],
  ],
  resend: [["job", int]],
  again: [["job", int]],
  repeat: [["job", int]],
  keep: [["flow", int]],
  tpl: [
    ["flow", int],
    ["id", id],
  ],
  dur: [
    ["flow", int],
    ["s", int],
  ],
  fmt: [
    ["flow", int],
    ["f", oneOf("vertical", "horizontal", "square")],
  ],
  skip: [["flow", int]],
  own: [
    ["flow", int],
    ["op", oneOf("approve", "add", "replace")],
  ],
  count: [
    ["flow", int],
    ["n", oneOf("1", "3", "5")],
  ],
  confirm: [["flow", int]],
};

export function encode(cb: Callback): string {
  const fields = cb as unknown as Record<string, string | number>;
  const args = SPEC[cb.a].map(([name]) => String(fields[name]));
  const data = [`${HEAD}${cb.a}`, ...args].join(":");
  if (Buffer.byteLength(data) > 64) throw new Error(`callback data over 64 bytes: ${data}`);
  return data;
}

export type Decoded = { ok: true; cb: Callback } | { ok: false; reason: "foreign" | "outdated" };

/** "foreign": not the bot's own data (a feature's); "outdated": ours but from another version or malformed. */
export function decode(data: string | undefined): Decoded {
  if (!data?.startsWith(PREFIX)) return { ok: false, reason: "foreign" };
  if (!data.startsWith(HEAD))
    return /^n\d+:/.test(data) ? { ok: false, reason: "outdated" } : { ok: false, reason: "foreign" };
  const [action, ...args] = data.slice(HEAD.length).split(":");
  const spec = SPEC[action as Action] as Array<[string, Arg]> | undefined;
  if (!spec || !Object.hasOwn(SPEC, action ?? "") || args.length !== spec.length) {
    return { ok: false, reason: "outdated" };
  }
  const out: Record<string, string | number> = { a: action as string };
  for (const [i, [name, parse]] of spec.entries()) {
    const v = parse(args[i] ?? "");
    if (v === undefined) return { ok: false, reason: "outdated" };
    out[name] = name === "n" ? Number(v) : v;
  }
  return { ok: true, cb: out as unknown as Callback };
}

/** Button data for the bot's own callbacks, for other subsystems (e.g. the "Menu" button under a delivered video). */
export const callbackData = {
  menu: () => encode({ a: "menu" }),
  again: (jobId: number) => encode({ a: "again", job: jobId }),
  cabinet: () => encode({ a: "cabinet", page: 0 }),
  create: () => encode({ a: "create" }),
};
