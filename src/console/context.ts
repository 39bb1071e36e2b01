// What a console page handler gets and gives back. Handlers return a page, a redirect or JSON;
// ./index.ts turns that into a response with the console's headers.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CostOperations } from "../admin/costs.ts";
import type { AdminOperations } from "../admin/operations.ts";
import type { Config } from "../config/index.ts";
import type { AdminLists } from "../db/ops/admin.ts";
import type { Store } from "../db/store.ts";
import type { ConsoleSession, Language } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import type { PromoOperations } from "../promo/operations.ts";
import type { LinkSigner } from "../storage/links.ts";
import type { Storage } from "../storage/types.ts";
import type { Catalogue } from "../templates/index.ts";
import type { TemplateOperations } from "../templates/operations.ts";
import { type Html, html } from "./html.ts";

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

export interface ConsoleDeps {
  config: Config;
  store: Store;
  logger: Logger;
  /** The admin operations /admin and the CLI use. */
  ops: AdminOperations;
  catalogue: Catalogue;
  /** The template operations the CLI uses, told to refresh the bot's live catalogue on a change. */
  templates: TemplateOperations;
  /** The promo code operations /admin and the CLI use. */
  promos: PromoOperations;
  /** The model costs and margin operations /admin and the CLI use. */
  costs: CostOperations;
  /** The bot's @username, for promo deep links; null while Telegram has not told it. */
  botUsername: () => Promise<string | null>;
  storage: Storage;
  now?: () => Date;
}

/** The dependencies every page shares, built once by ./index.ts. */
export interface PageDeps extends ConsoleDeps {
  lists: AdminLists;
  signer: LinkSigner;
  now: () => Date;
  timeZone: string;
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Groups of the route's pattern. */
  params: string[];
  session: ConsoleSession;
  lang: Language;
  t: Translate;
  /** The session's CSRF token, for forms. */
  csrf: string;
  /** The posted form (POST only). */
  form: URLSearchParams;
}

export type Section = "overview" | "users" | "jobs" | "payments" | "templates" | "promos" | "broadcasts";

export interface Notice {
  kind: "ok" | "error";
  text: string;
}

export type Reply =
  | { kind: "page"; status?: number; title: string; section: Section; body: Html; notice?: Notice }
  | { kind: "redirect"; to: string }
  | { kind: "json"; value: unknown }
  | { kind: "download"; name: string; type: string; body: string };

export type Handler = (ctx: Ctx, deps: PageDeps) => Promise<Reply>;

export interface Route {
  method: "GET" | "POST";
  path: RegExp;
  handler: Handler;
}

/** A page; `error` shows as an error notice above it (the result of a refused action). */
export const page = (
  section: Section,
  title: string,
  body: Html,
  o: { status?: number; notice?: Notice; error?: string } = {},
): Reply => ({
  kind: "page",
  section,
  title,
  body,
  status: o.status,
  notice: o.error ? { kind: "error", text: o.error } : o.notice,
});

/** 404 for a record that does not exist (a job, a user), with the section's own words for it. */
export const notFound = (section: Section, ctx: Ctx, text: string): Reply =>
  page(section, ctx.t("con-not-found-title"), html`<p>${text}</p>`, { status: 404 });

/** Back to a page with a notice (`ok` names a con-ok-* message; `n` its number, if any). */
export function redirect(to: string, ok?: string, n?: number): Reply {
  if (!ok) return { kind: "redirect", to };
  const sep = to.includes("?") ? "&" : "?";
  return { kind: "redirect", to: `${to}${sep}ok=${ok}${n === undefined ? "" : `&n=${n}`}` };
}
