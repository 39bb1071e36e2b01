// Jobs: a filtered list (status, template, dates in TIMEZONE); one job's prompt, error, attempts
// and timeline, its result through a signed link, and retry or refund as /admin does them.
import { jobStatus, ledgerReason } from "../../admin/format.ts";
import { canRefund, canRetry } from "../../admin/operations.ts";
import { dayRange, isDay } from "../../db/ops/stats.ts";
import { JOB_STATUSES, type Job, type JobStatus } from "../../db/types.ts";
import {
  type Ctx,
  type Handler,
  notFound,
  type PageDeps,
  page,
  type Route,
  redirect,
  type Translate,
} from "../context.ts";
import { type Html, html } from "../html.ts";
import { actionButton, when } from "../layout.ts";
import { PAGE_ROWS, RESULT_LINK_TTL_MS } from "../limits.ts";
import { userLink } from "./users.ts";

function statusBadge(t: Translate, s: JobStatus): Html {
  const cls = s === "succeeded" ? "ok" : s === "failed" ? "bad" : "warn";
  return html`<span class="badge ${cls}">${jobStatus(t, s)}</span>`;
}

function option(value: string, label: string, selected: string): Html {
  return html`<option value="${value}" ${value === selected ? html`selected` : ""}>${label}</option>`;
}

const list: Handler = async (ctx, deps) => {
  const { t } = ctx;
  const q = ctx.url.searchParams;
  const statusParam = q.get("status") ?? "";
  const status = (JOB_STATUSES as readonly string[]).includes(statusParam)
    ? (statusParam as JobStatus)
    : undefined;
  const template = (q.get("template") ?? "").slice(0, 40);
  const from = q.get("from") ?? "";
  const to = q.get("to") ?? "";
  const before = Number(q.get("before") ?? 0);
  const fromOk = isDay(from);
  const toOk = isDay(to);
  const jobs = await deps.lists.jobs({
    status,
    template: template || undefined,
    from: fromOk ? dayRange(from, from, deps.timeZone).from : undefined,
    to: toOk ? dayRange(to, to, deps.timeZone).to : undefined,
    beforeId: Number.isSafeInteger(before) && before > 0 ? before : undefined,
    limit: PAGE_ROWS,
  });
  const users = new Map((await deps.lists.usersByIds(jobs.map((j) => j.userId))).map((u) => [u.id, u]));
  const templates = [...new Set([...deps.catalogue.all.map((x) => x.id), ...(template ? [template] : [])])];
  const next = new URLSearchParams(q);
  next.delete("ok");
  next.delete("n");
  next.set("before", String(jobs.at(-1)?.id ?? 0));
  const body = html`<form method="get" action="/console/jobs" class="filters">
  <label>${t("con-col-status")} <select name="status">${option("", t("con-any"), statusParam)}${JOB_STATUSES.map((s) => option(s, jobStatus(t, s), statusParam))}</select></label>
  <label>${t("con-col-template")} <select name="template">${option("", t("con-any"), template)}${templates.map((id) => option(id, id, template))}</select></label>
  <label>${t("con-range-from")} <input type="date" name="from" value="${fromOk ? from : ""}"></label>
  <label>${t("con-range-to")} <input type="date" name="to" value="${toOk ? to : ""}"></label>
  <button type="submit">${t("con-range-show")}</button>
</form>
${
  jobs.length === 0
    ? html`<p>${t("adm-jobs-empty")}</p>`
    : html`<table class="list jobs"><thead><tr><th>#</th><th>${t("con-col-time")}</th><th>${t("con-col-user")}</th><th>${t("con-col-template")}</th><th>${t("con-col-status")}</th><th class="num">${t("con-col-attempts")}</th><th>${t("con-job-error")}</th></tr></thead><tbody>${jobs.map(
        (j) =>
          html`<tr><td><a href="/console/jobs/${j.id}">#${j.id}</a></td><td>${when(j.createdAt, deps.timeZone)}</td><td>${userLink(users.get(j.userId), j.userId)}</td><td>${j.template}</td><td>${statusBadge(t, j.status)}${j.refundedAt ? html` <span class="muted">${t("con-refunded")}</span>` : ""}</td><td class="num">${j.attempts}</td><td>${j.errorCode ? html`<code>${j.errorCode}</code>` : ""}</td></tr>`,
      )}</tbody></table>${jobs.length === PAGE_ROWS ? html`<p><a href="/console/jobs?${next.toString()}">${t("con-older")}</a></p>` : ""}`
}`;
  return page("jobs", t("con-nav-jobs"), body);
};

async function jobPage(ctx: Ctx, deps: PageDeps, j: Job, o: { status?: number; error?: string } = {}) {
  const { t } = ctx;
  const tz = deps.timeZone;
  const [user, ledger] = await Promise.all([deps.store.getUserById(j.userId), deps.lists.jobLedger(j)]);
  const timeline: Array<[Date, string]> = [[j.createdAt, t("con-timeline-created")]];
  if (j.startedAt) timeline.push([j.startedAt, t("con-timeline-started")]);
  for (const e of ledger)
    timeline.push([e.createdAt, `${ledgerReason(t, e.reason)} ${e.delta > 0 ? `+${e.delta}` : e.delta}`]);
  if (j.finishedAt)
    timeline.push([j.finishedAt, t("con-timeline-finished", { status: jobStatus(t, j.status) })]);
  if (j.refundedAt && !ledger.some((e) => e.reason === "refund"))
    timeline.push([j.refundedAt, t("con-timeline-refunded")]);
  timeline.sort((a, b) => a[0].getTime() - b[0].getTime());

  let result: Html = html`<p class="muted">${t("con-result-none")}</p>`;
  if (j.resultPath) {
    const stored = await deps.storage.stat(j.resultPath).catch(() => null);
    if (stored) {
      const link = `/f/${deps.signer.sign(j.resultPath, new Date(deps.now().getTime() + RESULT_LINK_TTL_MS))}`;
      result = html`<video controls preload="metadata" src="${link}"></video><p><a href="${link}" target="_blank" rel="noopener noreferrer">${t("con-result-open")}</a> <span class="muted">${t("con-result-expires", { minutes: Math.round(RESULT_LINK_TTL_MS / 60_000) })}</span></p>`;
    } else result = html`<p class="muted">${t("con-result-gone")}</p>`;
  }
  const actions: Html[] = [];
  if (canRetry(j))
    actions.push(
      actionButton(
        ctx,
        `/console/jobs/${j.id}/retry`,
        t(j.refundedAt ? "adm-button-retry-free" : "adm-button-retry"),
      ),
    );
  if (canRefund(j))
    actions.push(
      actionButton(ctx, `/console/jobs/${j.id}/refund`, t("adm-button-refund-job"), {
        danger: true,
        confirm: t("con-refund-job-confirm", { id: j.id, credits: j.creditsCharged }),
      }),
    );
  const prompt = j.generatedPrompt ?? j.ownPrompt;
  const body = html`
<section class="card">
  <dl>
    <dt>${t("con-col-status")}</dt><dd data-status="${j.status}">${statusBadge(t, j.status)}${j.refundedAt ? html` <span class="muted">${t("con-refunded")}</span>` : ""}</dd>
    <dt>${t("con-col-user")}</dt><dd>${userLink(user ?? undefined, j.userId)}</dd>
    <dt>${t("con-col-template")}</dt><dd>${j.template} · <code>${j.model}</code></dd>
    <dt>${t("con-col-attempts")}</dt><dd>${j.attempts}</dd>
    <dt>${t("con-col-step")}</dt><dd>${j.step ?? "—"}</dd>
    <dt>${t("con-col-credits")}</dt><dd>${j.creditsCharged}</dd>
    <dt>${t("con-col-provider")}</dt><dd>${j.provider ?? "—"} ${j.providerTaskId ? html`<code>${j.providerTaskId}</code>` : ""}</dd>
    <dt>${t("con-job-error")}</dt><dd>${j.errorCode ? html`<code>${j.errorCode}</code>` : "—"}${j.errorMessage ? html`<pre>${j.errorMessage.slice(0, 4000)}</pre>` : ""}</dd>
  </dl>
  <p class="actions">${actions}</p>
</section>
<section class="card"><h2>${t("con-job-product")}</h2><pre>${j.productText}</pre>${j.wishes ? html`<h3>${t("con-job-wishes")}</h3><pre>${j.wishes}</pre>` : ""}</section>
<section class="card"><h2>${t("con-job-prompt")}</h2>${prompt ? html`<pre>${prompt}</pre>` : html`<p class="muted">&mdash;</p>`}</section>
<section class="card"><h2>${t("con-job-timeline")}</h2><ol class="timeline">${timeline.map(([at, what]) => html`<li><time>${when(at, tz)}</time> ${what}</li>`)}</ol></section>
<section class="card"><h2>${t("con-job-result")}</h2>${result}</section>`;
  return page("jobs", t("con-job-title", { id: j.id }), body, {
    status: o.status,
    error: o.error,
  });
}

const show: Handler = async (ctx, deps) => {
  const j = await deps.store.getJobById(Number(ctx.params[0]));
  if (!j) return notFound("jobs", ctx, ctx.t("adm-jobs-empty"));
  return jobPage(ctx, deps, j);
};

const retry: Handler = async (ctx, deps) => {
  const id = Number(ctx.params[0]);
  const job = await deps.ops.retryJob(id, { via: "console", adminTgId: ctx.session.adminTgId });
  if (job) return redirect(`/console/jobs/${id}`, "retried");
  const j = await deps.store.getJobById(id);
  if (!j) return redirect("/console/jobs");
  return jobPage(ctx, deps, j, { status: 409, error: ctx.t("adm-job-not-requeued", { id }) });
};

const refund: Handler = async (ctx, deps) => {
  const id = Number(ctx.params[0]);
  const r = await deps.ops.refundJob(id, { via: "console", adminTgId: ctx.session.adminTgId });
  if (r.refunded) return redirect(`/console/jobs/${id}`, "job-refunded", r.balance);
  const j = await deps.store.getJobById(id);
  if (!j) return redirect("/console/jobs");
  const reason = ctx.t(`adm-refund-reason-${r.reason}`);
  return jobPage(ctx, deps, j, { status: 409, error: ctx.t("adm-job-refund-refused", { id, reason }) });
};

export const jobRoutes: Route[] = [
  { method: "GET", path: /^\/console\/jobs\/?$/, handler: list },
  { method: "GET", path: /^\/console\/jobs\/(\d{1,15})$/, handler: show },
  { method: "POST", path: /^\/console\/jobs\/(\d{1,15})\/retry$/, handler: retry },
  { method: "POST", path: /^\/console\/jobs\/(\d{1,15})\/refund$/, handler: refund },
];
