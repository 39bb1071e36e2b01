// Overview: the business over a date range, day by day in TIMEZONE — revenue per currency,
// orders and their outcomes, failures by class, the wait for a worker and the queue now, the
// funnel from /start to the first payment, where users came from and what they ordered.

import { type MarginReport, marginFigure, moneyList } from "../../admin/costs.ts";
import {
  dayRange,
  dayStart,
  isDay,
  localDay,
  nextDay,
  type OverviewStats,
  overviewStats,
} from "../../db/ops/stats.ts";
import { toMajorUnits } from "../../payments/packages.ts";
import type { Ctx, Handler, PageDeps, Route, Translate } from "../context.ts";
import { page } from "../context.ts";
import { type Html, html, jsonScript } from "../html.ts";
import { money, percent, when } from "../layout.ts";
import { DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS } from "../limits.ts";

/** What ./static/console.js draws with uPlot. */
export interface ChartSpec {
  id: string;
  /** Each series drawn as bars or a line. */
  series: Array<{ label: string; values: Array<number | null>; kind: "bars" | "line"; color: string }>;
}

const COLORS = { main: "#2563eb", ok: "#16a34a", bad: "#dc2626", wait: "#9333ea" };

function readRange(ctx: Ctx, deps: PageDeps): { from: string; to: string; error?: string } {
  const today = localDay(deps.now(), deps.timeZone);
  const fallback = { from: nextDay(today, -(DEFAULT_RANGE_DAYS - 1)), to: today };
  const from = ctx.url.searchParams.get("from");
  const to = ctx.url.searchParams.get("to");
  if (from === null && to === null) return fallback;
  if (!from || !to || !isDay(from) || !isDay(to) || from > to)
    return { ...fallback, error: ctx.t("con-range-bad") };
  if (nextDay(from, MAX_RANGE_DAYS) <= to)
    return { ...fallback, error: ctx.t("con-range-long", { n: MAX_RANGE_DAYS }) };
  return { from, to };
}

function tile(label: string, value: string, hint?: string): Html {
  return html`<div class="tile"><span class="label">${label}</span><strong>${value}</strong>${hint ? html`<span class="hint">${hint}</span>` : ""}</div>`;
}

function chartCard(title: string, total: string, id: string): Html {
  return html`<section class="card chart-card"><h2>${title}</h2><p class="total" data-total="${id}">${total}</p><div class="chart" data-chart="${id}" role="img" aria-label="${title}"></div></section>`;
}

/** A share as a bar (a <meter>: no inline style, which the console's CSP forbids). */
function bar(part: number, whole: number): Html {
  return html`<meter min="0" max="${Math.max(whole, 1)}" value="${part}"></meter>`;
}

function minutes(ms: number | null): number | null {
  return ms === null ? null : Math.round((ms / 60_000) * 10) / 10;
}

function charts(t: Translate, s: OverviewStats): { specs: ChartSpec[]; cards: Html[] } {
  const specs: ChartSpec[] = [];
  const cards: Html[] = [];
  for (const r of s.revenue) {
    const id = `revenue-${r.currency}`;
    specs.push({
      id,
      series: [
        {
          label: r.currency === "XTR" ? "⭐" : r.currency,
          values: r.daily.map((v) => toMajorUnits(v, r.currency)),
          kind: "bars",
          color: COLORS.main,
        },
      ],
    });
    cards.push(
      chartCard(
        t("con-chart-revenue", { currency: r.currency === "XTR" ? "⭐" : r.currency }),
        t("con-chart-revenue-total", { total: money(r.total, r.currency), n: r.payments }),
        id,
      ),
    );
  }
  if (s.revenue.length === 0)
    cards.push(
      html`<section class="card"><h2>${t("con-chart-revenue", { currency: "" })}</h2><p>${t("con-no-payments")}</p></section>`,
    );

  const o = s.orders;
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  specs.push({
    id: "orders",
    series: [
      { label: t("con-series-ordered"), values: o.ordered, kind: "bars", color: COLORS.main },
      { label: t("con-series-succeeded"), values: o.succeeded, kind: "line", color: COLORS.ok },
      { label: t("con-series-failed"), values: o.failed, kind: "line", color: COLORS.bad },
    ],
  });
  const ok = sum(o.succeeded);
  const bad = sum(o.failed);
  cards.push(
    chartCard(
      t("con-chart-orders"),
      t("con-chart-orders-total", { n: sum(o.ordered), ok, bad, rate: percent(ok, ok + bad) }),
      "orders",
    ),
  );

  const waits = s.waitMs.map(minutes);
  const started = waits.filter((w): w is number => w !== null);
  specs.push({
    id: "wait",
    series: [{ label: t("con-series-wait"), values: waits, kind: "line", color: COLORS.wait }],
  });
  const avg = started.length
    ? Math.round((started.reduce((a, b) => a + b, 0) / started.length) * 10) / 10
    : 0;
  cards.push(chartCard(t("con-chart-wait"), t("con-chart-wait-total", { minutes: String(avg) }), "wait"));
  return { specs, cards };
}

function failuresTable(t: Translate, s: OverviewStats): Html {
  const failed = s.failures.reduce((a, f) => a + f.count, 0);
  const finished = failed + s.orders.succeeded.reduce((a, b) => a + b, 0);
  if (failed === 0) return html`<p>${t("con-no-failures")}</p>`;
  return html`<table class="failures"><thead><tr><th>${t("con-col-error")}</th><th class="num">${t("con-col-count")}</th><th>${t("con-col-share-failures")}</th><th class="num">${t("con-col-share-finished")}</th></tr></thead><tbody>${s.failures.map(
    (f) =>
      html`<tr data-class="${f.errorClass}"><td><strong>${f.errorClass}</strong><br><span class="muted">${f.codes.map((c, i) => html`${i ? ", " : ""}<code>${c.code}</code> ${c.count}`)}</span></td><td class="num">${f.count}</td><td>${bar(f.count, failed)} ${percent(f.count, failed)}</td><td class="num">${percent(f.count, finished)}</td></tr>`,
  )}</tbody></table>`;
}

function funnel(t: Translate, s: OverviewStats): Html {
  const f = s.funnel;
  const steps: Array<[string, number]> = [
    [t("con-funnel-started"), f.started],
    [t("con-funnel-consented"), f.consented],
    [t("con-funnel-ordered"), f.ordered],
    [t("con-funnel-paid"), f.paid],
  ];
  return html`<table class="funnel" data-funnel="${steps.map((x) => x[1]).join(",")}"><tbody>${steps.map(
    ([label, n]) =>
      html`<tr><th>${label}</th><td class="num">${n}</td><td>${bar(n, f.started)} ${percent(n, f.started)}</td></tr>`,
  )}</tbody></table>`;
}

function sources(t: Translate, s: OverviewStats): Html {
  if (s.sources.length === 0) return html`<p>${t("con-no-users")}</p>`;
  const total = s.funnel.started;
  return html`<table><thead><tr><th>${t("con-col-source")}</th><th class="num">${t("con-col-users")}</th><th>${t("con-col-share")}</th><th class="num">${t("con-col-paid")}</th><th class="num">${t("con-col-conversion")}</th></tr></thead><tbody>${s.sources.map(
    (r) =>
      html`<tr><td>${r.source === null ? html`<em>${t(r.referral ? "con-source-referral" : "con-source-direct")}</em>` : html`<code>${r.source}</code>${r.referral ? html` <em>${t("con-source-referral")}</em>` : ""}`}</td><td class="num">${r.users}</td><td>${bar(r.users, total)} ${percent(r.users, total)}</td><td class="num">${r.paid}</td><td class="num">${percent(r.paid, r.users)}</td></tr>`,
  )}</tbody></table>`;
}

/** Volume per template, and its margin: revenue of the credits its videos were bought for less their cost. */
function templates(t: Translate, s: OverviewStats, m: MarginReport, deps: PageDeps, lang: "ru" | "en"): Html {
  if (s.templates.length === 0) return html`<p>${t("con-no-jobs")}</p>`;
  const total = s.templates.reduce((a, r) => a + r.ordered, 0);
  const margins = new Map(m.templates.map((x) => [x.template, x]));
  const table = html`<table class="margins"><thead><tr><th>${t("con-col-template")}</th><th class="num">${t("con-col-ordered")}</th><th>${t("con-col-share")}</th><th class="num">${t("con-series-succeeded")}</th><th class="num">${t("con-series-failed")}</th><th class="num">${t("con-col-credits")}</th><th class="num">${t("con-col-revenue")}</th><th class="num">${t("con-col-cost")}</th><th class="num">${t("con-col-margin")}</th></tr></thead><tbody>${s.templates.map(
    (r) => {
      const tpl = deps.catalogue.get(r.template);
      const x = margins.get(r.template);
      return html`<tr data-template="${r.template}"><td>${tpl ? deps.catalogue.name(tpl, lang) : r.template} <code>${r.template}</code></td><td class="num">${r.ordered}</td><td>${bar(r.ordered, total)} ${percent(r.ordered, total)}</td><td class="num">${r.succeeded}</td><td class="num">${r.failed}</td><td class="num">${r.credits}</td><td class="num" data-revenue>${(x && moneyList(x.revenue, lang)) ?? "—"}</td><td class="num" data-cost>${(x && moneyList(x.cost, lang)) ?? "—"}</td><td class="num" data-margin>${(x && marginFigure(x, lang)) ?? "—"}</td></tr>`;
    },
  )}</tbody></table>`;
  const notes = [
    m.perCredit.length
      ? t("con-margin-per-credit", { price: moneyList(m.perCredit, lang) ?? "" })
      : t("con-margin-no-sales"),
    m.unpriced.length
      ? t("con-margin-unpriced", { models: m.unpriced.join(", "), n: m.unpriced.length })
      : "",
    m.templates.some((x) => x.uncosted === 0 && x.margin === null) ? t("con-margin-currencies") : "",
  ].filter(Boolean);
  return html`${table}${notes.map((n) => html`<p class="muted">${n}</p>`)}${m.unpriced.length ? html`<p><a href="/console/costs">${t("con-nav-costs")} &rarr;</a></p>` : ""}`;
}

const overview: Handler = async (ctx, deps) => {
  const { t } = ctx;
  const r = readRange(ctx, deps);
  const range = dayRange(r.from, r.to, deps.timeZone);
  // Template names as the owner last saved them.
  await deps.catalogue.refresh();
  const [s, queue, margin] = await Promise.all([
    deps.store.driver.run(() => overviewStats(range)),
    deps.store.getQueueStats(),
    deps.costs.margin({ from: range.from, to: range.to }),
  ]);
  const { specs, cards } = charts(t, s);
  const today = localDay(deps.now(), deps.timeZone);
  const quick = [7, 30, 90].map(
    (n) =>
      html`<a href="/console?from=${nextDay(today, -(n - 1))}&amp;to=${today}">${t("con-range-last", { n })}</a>`,
  );
  const oldest = queue.oldestQueuedAt
    ? t("con-queue-oldest", {
        at: when(queue.oldestQueuedAt, deps.timeZone),
        minutes: Math.max(0, Math.round((deps.now().getTime() - queue.oldestQueuedAt.getTime()) / 60_000)),
      })
    : t("con-queue-empty");
  const ok = s.orders.succeeded.reduce((a, b) => a + b, 0);
  const bad = s.orders.failed.reduce((a, b) => a + b, 0);
  const body = html`
<form method="get" action="/console" class="range">
  <label>${t("con-range-from")} <input type="date" name="from" value="${r.from}" required></label>
  <label>${t("con-range-to")} <input type="date" name="to" value="${r.to}" required></label>
  <button type="submit">${t("con-range-show")}</button>
  <span class="quick">${quick}</span>
</form>
<div class="tiles">
  ${tile(t("con-tile-revenue"), s.revenue.map((x) => money(x.total, x.currency)).join(" · ") || "0")}
  ${tile(t("con-tile-orders"), String(s.orders.ordered.reduce((a, b) => a + b, 0)), t("con-tile-success", { rate: percent(ok, ok + bad) }))}
  ${tile(t("con-tile-users"), String(s.funnel.started), t("con-tile-paid", { n: s.funnel.paid }))}
  ${tile(t("con-tile-queue"), t("con-queue-now", { queued: queue.queued, processing: queue.processing }), oldest)}
</div>
<div class="grid">${cards}</div>
<div class="grid">
  <section class="card"><h2>${t("con-failures-title")}</h2>${failuresTable(t, s)}</section>
  <section class="card"><h2>${t("con-funnel-title")}</h2>${funnel(t, s)}</section>
  <section class="card"><h2>${t("con-sources-title")}</h2>${sources(t, s)}</section>
  <section class="card wide"><h2>${t("con-templates-title")}</h2>${templates(t, s, margin, deps, ctx.lang)}</section>
</div>
${jsonScript("nc-charts", {
  timeZone: deps.timeZone,
  // Each day's local midnight, in seconds: uPlot's time axis, shown in TIMEZONE by the script.
  x: range.days.map((d) => Math.floor(dayStart(d, deps.timeZone).getTime() / 1000)),
  charts: specs,
})}`;
  return page("overview", t("con-overview-title", { from: r.from, to: r.to }), body, {
    notice: r.error ? { kind: "error", text: r.error } : undefined,
  });
};

export const overviewRoutes: Route[] = [{ method: "GET", path: /^\/console\/?$/, handler: overview }];
