// The owner's console in the browser, served under /console by the built-in HTTP server:
// server-rendered pages, a little JavaScript for the charts (uPlot) and confirmations. Loaded on
// its first request (src/app.ts), so a bot nobody opens the console of never holds it in memory.
//
// Every page and action needs a session opened by a one-time link from /console in the bot
// (./auth.ts); every action (POST) also needs the session's CSRF token. Actions go through the
// admin operations /admin and the CLI use (src/admin/operations.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import { EMBEDDED as ADMIN } from "../admin/locales/embedded.ts";
import { adminLists } from "../db/ops/admin.ts";
import { consoleRepo } from "../db/ops/console.ts";
import type { Language } from "../db/types.ts";
import { BodyTooLargeError, readBody } from "../http/body.ts";
import { sendJson, sendText } from "../http/reply.ts";
import { createTexts } from "../i18n/texts.ts";
import { createLinkSigner } from "../storage/links.ts";
import { asset, isAssetName } from "./assets.ts";
import { type Auth, createAuth, TOKEN } from "./auth.ts";
import type { ConsoleDeps, Ctx, PageDeps, Reply, Route, Translate } from "./context.ts";
import { type Html, html } from "./html.ts";
import { bare, layout } from "./layout.ts";
import { FORM_MAX_BYTES, IMPORT_MAX_BYTES } from "./limits.ts";
import { EMBEDDED } from "./locales/embedded.ts";
import { broadcastRoutes } from "./pages/broadcasts.ts";
import { costRoutes } from "./pages/costs.ts";
import { jobRoutes } from "./pages/jobs.ts";
import { overviewRoutes } from "./pages/overview.ts";
import { paymentRoutes } from "./pages/payments.ts";
import { promoRoutes } from "./pages/promos.ts";
import { templateFormRoutes } from "./pages/template.ts";
import { templateRoutes } from "./pages/templates.ts";
import { userRoutes } from "./pages/users.ts";

export type { ConsoleDeps } from "./context.ts";

/** Notices a redirect may name (`?ok=<key>`): anything else in the URL is ignored. */
const NOTICES = new Set([
  "granted",
  "deducted",
  "repeated",
  "blocked",
  "unblocked",
  "retried",
  "job-refunded",
  "payment-refunded",
  "payment-already",
  "broadcast-started",
  "broadcast-cancelled",
  "language",
  "template-saved",
  "template-created",
  "template-on",
  "template-off",
  "template-moved",
  "templates-imported",
  "promo-created",
  "promo-disabled",
  "promo-enabled",
  "cost-saved",
  "cost-removed",
]);

const SECURITY_HEADERS = {
  // Scripts and styles only from the console's own assets; chart data rides in JSON blocks.
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  // A login link must never leave in a Referer header.
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

const ROUTES: Route[] = [
  ...overviewRoutes,
  ...userRoutes,
  ...jobRoutes,
  ...paymentRoutes,
  // The list's own routes (export, import) before the form's /console/templates/<id>.
  ...templateRoutes,
  ...templateFormRoutes,
  ...costRoutes,
  ...promoRoutes,
  ...broadcastRoutes,
];

export function createConsole(deps: ConsoleDeps) {
  const { config, logger } = deps;
  const log = logger.child({ module: "console" });
  const now = deps.now ?? (() => new Date());
  // The admin panel's texts (statuses, ledger reasons, refusals) with the console's own.
  const texts = createTexts({ en: `${ADMIN.en}\n${EMBEDDED.en}`, ru: `${ADMIN.ru}\n${EMBEDDED.ru}` });
  const repo = consoleRepo(deps.store.driver, now);
  const auth: Auth = createAuth({ config, repo, now });
  const pageDeps: PageDeps = {
    ...deps,
    lists: adminLists(deps.store.driver),
    signer: createLinkSigner(config.http.linkSecret),
    now,
    timeZone: config.timeZone,
  };

  function send(res: ServerResponse, status: number, body: Html, headers: Record<string, string> = {}) {
    const buf = Buffer.from(body.text, "utf8");
    res.writeHead(status, {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Length": buf.length,
      ...SECURITY_HEADERS,
      ...headers,
    });
    res.end(res.req.method === "HEAD" ? undefined : buf);
  }

  function sendBare(
    res: ServerResponse,
    status: number,
    t: Translate,
    lang: Language,
    title: string,
    body: Html,
  ) {
    send(res, status, bare(t, lang, { title, body, timeZone: config.timeZone, now: now() }));
  }

  /** The language of a visitor without a session: the browser's first choice, ru or en. */
  function guessLanguage(req: IncomingMessage): Language {
    return /^\s*(ru|uk|be|kk)\b/i.test(req.headers["accept-language"] ?? "") ? "ru" : "en";
  }

  function refuse(req: IncomingMessage, res: ServerResponse, status: 401 | 403, key: string) {
    const lang = guessLanguage(req);
    const t = texts.bind(lang);
    sendBare(res, status, t, lang, t(`con-refused-${key}-title`), html`<p>${t(`con-refused-${key}`)}</p>`);
  }

  async function readForm(req: IncomingMessage, max: number): Promise<URLSearchParams | null> {
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded") return null;
    return new URLSearchParams((await readBody(req, max)).toString("utf8"));
  }

  async function login(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    const lang = guessLanguage(req);
    const t = texts.bind(lang);
    // GET only shows a button: link previews and mail scanners fetch links, and must not use them up.
    const state = req.method === "POST" ? await auth.login(token) : await auth.peek(token);
    if (state === "ok") {
      const body = html`<form method="post" action="/console/login/${token}"><p>${t("con-login-intro")}</p><button type="submit">${t("con-login-button")}</button></form>`;
      sendBare(res, 200, t, lang, t("con-login-title"), body);
      return;
    }
    if (typeof state === "object" && state.ok) {
      log.info("console login");
      res.writeHead(303, { Location: "/console", "Set-Cookie": state.cookie, ...SECURITY_HEADERS });
      res.end();
      return;
    }
    const reason = typeof state === "object" ? state.reason : state;
    const status = reason === "not_admin" ? 403 : 410;
    log.info({ reason }, "console login refused");
    sendBare(res, status, t, lang, t("con-link-refused-title"), html`<p>${t(`con-link-${reason}`)}</p>`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://console");
    const path = url.pathname;
    const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");

    const assetMatch = /^\/console\/assets\/([a-z.]+)$/.exec(path);
    if (assetMatch && method === "GET") {
      const name = assetMatch[1] ?? "";
      if (!isAssetName(name)) return sendText(res, 404, "Not found");
      const a = asset(name);
      res.writeHead(200, {
        "Content-Type": a.type,
        "Content-Length": a.body.length,
        "Cache-Control":
          url.searchParams.get("v") === a.version ? "public, max-age=31536000, immutable" : "no-cache",
        "X-Content-Type-Options": "nosniff",
      });
      res.end(req.method === "HEAD" ? undefined : a.body);
      return;
    }

    const loginMatch = /^\/console\/login\/([^/]+)$/.exec(path);
    if (loginMatch && (method === "GET" || method === "POST")) {
      const token = loginMatch[1] ?? "";
      if (!TOKEN.test(token)) {
        const lang = guessLanguage(req);
        const t = texts.bind(lang);
        return sendBare(
          res,
          404,
          t,
          lang,
          t("con-link-refused-title"),
          html`<p>${t("con-link-unknown")}</p>`,
        );
      }
      return login(req, res, token);
    }

    const session = await auth.session(req);
    if (!session) return refuse(req, res, 401, "session");
    const lang = session.language;
    const t = texts.bind(lang);
    const csrf = auth.csrfToken(session);

    let form = new URLSearchParams();
    if (method === "POST") {
      let parsed: URLSearchParams | null;
      try {
        parsed = await readForm(
          req,
          path === "/console/templates/import" ? IMPORT_MAX_BYTES : FORM_MAX_BYTES,
        );
      } catch (err) {
        if (err instanceof BodyTooLargeError) return sendText(res, 413, "Request body too large");
        throw err;
      }
      if (!parsed) return sendText(res, 415, "Expected a form");
      if (!auth.checkCsrf(session, parsed.get("csrf"))) {
        log.warn({ admin: session.adminTgId, path }, "console action without a valid CSRF token");
        return sendBare(
          res,
          403,
          t,
          lang,
          t("con-refused-csrf-title"),
          html`<p>${t("con-refused-csrf")}</p>`,
        );
      }
      form = parsed;
    }

    if (method === "POST" && path === "/console/logout") {
      const cookie = await auth.logout(session);
      log.info({ admin: session.adminTgId }, "console logout");
      res.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        "Set-Cookie": cookie,
        ...SECURITY_HEADERS,
      });
      res.end(
        bare(t, lang, {
          title: t("con-logged-out-title"),
          body: html`<p>${t("con-logged-out")}</p>`,
          timeZone: config.timeZone,
          now: now(),
        }).text,
      );
      return;
    }
    if (method === "POST" && path === "/console/lang") {
      const to: Language = form.get("lang") === "ru" ? "ru" : "en";
      await repo.setLanguage(session.idHash, to);
      const back = form.get("back") ?? "/console";
      return redirectTo(res, /^\/console(\/|\?|$)/.test(back) && !back.startsWith("//") ? back : "/console");
    }

    for (const route of ROUTES) {
      if (route.method !== method) continue;
      const m = route.path.exec(path);
      if (!m) continue;
      const ctx: Ctx = { req, res, url, params: m.slice(1), session, lang, t, csrf, form };
      const reply = await route.handler(ctx, pageDeps);
      return respond(ctx, reply);
    }
    sendBare(
      res,
      404,
      t,
      lang,
      t("con-not-found-title"),
      html`<p><a href="/console">${t("con-nav-overview")}</a></p>`,
    );
  }

  function redirectTo(res: ServerResponse, to: string) {
    res.writeHead(303, { Location: to, ...SECURITY_HEADERS });
    res.end();
  }

  function respond(ctx: Ctx, reply: Reply) {
    if (reply.kind === "redirect") return redirectTo(ctx.res, reply.to);
    if (reply.kind === "json") {
      sendJson(ctx.res, 200, reply.value, SECURITY_HEADERS);
      return;
    }
    if (reply.kind === "download") {
      const buf = Buffer.from(reply.body, "utf8");
      ctx.res.writeHead(200, {
        ...SECURITY_HEADERS,
        "Content-Type": reply.type,
        "Content-Length": buf.length,
        "Content-Disposition": `attachment; filename="${reply.name}"`,
      });
      ctx.res.end(ctx.req.method === "HEAD" ? undefined : buf);
      return;
    }
    const ok = ctx.url.searchParams.get("ok");
    const n = Number(ctx.url.searchParams.get("n"));
    const notice =
      reply.notice ??
      (ok && NOTICES.has(ok)
        ? { kind: "ok" as const, text: ctx.t(`con-ok-${ok}`, { n: Number.isSafeInteger(n) ? n : 0 }) }
        : undefined);
    send(
      ctx.res,
      reply.status ?? 200,
      layout(ctx, {
        title: reply.title,
        section: reply.section,
        body: reply.body,
        notice,
        timeZone: config.timeZone,
        now: now(),
      }),
    );
  }

  return handle;
}

export type ConsoleHandler = ReturnType<typeof createConsole>;
