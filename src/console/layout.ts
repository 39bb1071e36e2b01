// The frame of every console page (navigation, language, sign out) and the small pieces pages
// share: dates in the configured time zone, money, forms that carry the CSRF token.
import type { Language } from "../db/types.ts";
import { formatPrice } from "../payments/packages.ts";
import { assetUrl } from "./assets.ts";
import type { Ctx, Notice, Section, Translate } from "./context.ts";
import { type Html, html } from "./html.ts";

const SECTIONS: Array<{ id: Section; href: string; key: string }> = [
  { id: "overview", href: "/console", key: "con-nav-overview" },
  { id: "users", href: "/console/users", key: "con-nav-users" },
  { id: "jobs", href: "/console/jobs", key: "con-nav-jobs" },
  { id: "payments", href: "/console/payments", key: "con-nav-payments" },
  { id: "templates", href: "/console/templates", key: "con-nav-templates" },
  { id: "promos", href: "/console/promos", key: "con-nav-promos" },
  { id: "broadcasts", href: "/console/broadcasts", key: "con-nav-broadcasts" },
];

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** "2026-03-01 14:05" in the configured time zone. */
export function when(d: Date | null | undefined, timeZone: string): string {
  if (!d) return "—";
  let f = timeFormats.get(timeZone);
  if (!f) {
    // sv-SE writes "2026-03-01 14:05": sortable, the same in both languages.
    f = new Intl.DateTimeFormat("sv-SE", { timeZone, dateStyle: "short", timeStyle: "short" });
    timeFormats.set(timeZone, f);
  }
  return f.format(d);
}

/** "Europe/Moscow (GMT+3)". */
export function zoneLabel(timeZone: string, at: Date): string {
  const part = new Intl.DateTimeFormat("en-GB", { timeZone, timeZoneName: "shortOffset" })
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName");
  return `${timeZone} (${part?.value ?? ""})`;
}

export const money = formatPrice;

export function csrfField(ctx: Ctx): Html {
  return html`<input type="hidden" name="csrf" value="${ctx.csrf}">`;
}

/** A one-button form posting to `action`; `confirm` asks first (./static/console.js). */
export function actionButton(
  ctx: Ctx,
  action: string,
  label: string,
  o: { confirm?: string; danger?: boolean; fields?: Record<string, string> } = {},
): Html {
  const fields = Object.entries(o.fields ?? {}).map(
    ([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`,
  );
  return html`<form method="post" action="${action}" class="inline" ${o.confirm ? html`data-confirm="${o.confirm}"` : ""}>${csrfField(ctx)}${fields}<button type="submit" class="${o.danger ? "danger" : ""}">${label}</button></form>`;
}

function notice(n: Notice | undefined): Html {
  if (!n) return html``;
  return html`<p class="notice ${n.kind}" role="${n.kind === "error" ? "alert" : "status"}">${n.text}</p>`;
}

export function layout(
  ctx: Pick<Ctx, "t" | "lang" | "csrf" | "url">,
  o: { title: string; section: Section | null; body: Html; notice?: Notice; timeZone: string; now: Date },
): Html {
  const { t } = ctx;
  const other: Language = ctx.lang === "ru" ? "en" : "ru";
  const back = `${ctx.url.pathname}${ctx.url.search}`;
  const nav = o.section
    ? html`<nav class="sections">${SECTIONS.map(
        (s) =>
          html`<a href="${s.href}" class="${s.id === o.section ? "active" : ""}" ${s.id === o.section ? html`aria-current="page"` : ""}>${t(s.key)}</a>`,
      )}</nav>
      <div class="session">
        <form method="post" action="/console/lang" class="inline"><input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="lang" value="${other}"><input type="hidden" name="back" value="${back}"><button type="submit" class="link" lang="${other}">${t("con-lang-switch")}</button></form>
        <form method="post" action="/console/logout" class="inline"><input type="hidden" name="csrf" value="${ctx.csrf}"><button type="submit" class="link">${t("con-logout")}</button></form>
      </div>`
    : html``;
  return html`<!doctype html>
<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.title} · Neurocards</title>
<link rel="stylesheet" href="${assetUrl("uplot.css")}">
<link rel="stylesheet" href="${assetUrl("console.css")}">
<script src="${assetUrl("uplot.js")}" defer></script>
<script src="${assetUrl("console.js")}" defer></script>
</head>
<body>
<header><a href="/console" class="brand">Neurocards</a>${nav}</header>
<main>
<h1>${o.title}</h1>
${notice(o.notice)}
${o.body}
</main>
<footer>${t("con-times-in", { zone: zoneLabel(o.timeZone, o.now) })}</footer>
</body>
</html>`;
}

/** A page outside a session (login, refusals): same frame, no navigation. */
export function bare(
  t: Translate,
  lang: Language,
  o: { title: string; body: Html; timeZone: string; now: Date },
): Html {
  return layout(
    { t, lang, csrf: "", url: new URL("http://console/") },
    { ...o, section: null, notice: undefined },
  );
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? "—" : `${((part / whole) * 100).toFixed(1)}%`;
}
