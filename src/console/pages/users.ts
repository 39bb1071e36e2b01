// Users: search by Telegram id, internal id or @username; one user's balance, ledger, jobs and
// payments; grant or deduct credits with a reason (a ledger row), block or unblock.
import { randomUUID } from "node:crypto";
import { jobStatus, ledgerReason } from "../../admin/format.ts";
import { ADMIN_LIMITS } from "../../admin/operations.ts";
import type { User } from "../../db/types.ts";
import { isStars } from "../../payments/packages.ts";
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
import { actionButton, csrfField, money, when } from "../layout.ts";
import { PAGE_ROWS, USER_ROWS } from "../limits.ts";

export function userName(u: User): string {
  return (
    [u.firstName, u.lastName].filter(Boolean).join(" ") || (u.username ? `@${u.username}` : `#${u.tgId}`)
  );
}

export function userLink(u: User | undefined, id: number): Html {
  return html`<a href="/console/users/${id}">${u ? userName(u) : `#${id}`}</a>`;
}

function status(t: Translate, u: User, tz: string): Html {
  if (u.blocked) return html`<span class="badge bad">${t("adm-user-blocked")}</span>`;
  if (u.botBlockedAt)
    return html`<span class="badge warn">${t("adm-user-bot-blocked", { at: when(u.botBlockedAt, tz) })}</span>`;
  return html`<span class="badge ok">${t("adm-user-ok")}</span>`;
}

function usersTable(t: Translate, list: User[], tz: string): Html {
  if (list.length === 0) return html`<p>${t("con-users-none")}</p>`;
  return html`<table class="list"><thead><tr><th>#</th><th>${t("con-col-user")}</th><th>Telegram id</th><th class="num">${t("con-col-balance")}</th><th>${t("con-col-joined")}</th><th>${t("con-col-status")}</th></tr></thead><tbody>${list.map(
    (u) =>
      html`<tr><td>${u.id}</td><td><a href="/console/users/${u.id}">${userName(u)}</a>${u.username ? html` <span class="muted">@${u.username}</span>` : ""}</td><td><code>${u.tgId}</code></td><td class="num">${u.credits}</td><td>${when(u.createdAt, tz)}</td><td>${status(t, u, tz)}</td></tr>`,
  )}</tbody></table>`;
}

const search: Handler = async (ctx, deps) => {
  const { t } = ctx;
  const q = (ctx.url.searchParams.get("q") ?? "").trim().slice(0, ADMIN_LIMITS.maxQuery);
  const list = q
    ? await deps.ops.searchUsers(q, PAGE_ROWS)
    : await deps.store.listUsers({ limit: PAGE_ROWS });
  const body = html`<form method="get" action="/console/users" class="search">
  <input type="search" name="q" value="${q}" placeholder="${t("con-users-search-hint")}" maxlength="${ADMIN_LIMITS.maxQuery}" aria-label="${t("con-users-search-hint")}">
  <button type="submit">${t("con-users-search")}</button>
</form>
<h2>${q ? t("con-users-found", { n: list.length, query: q }) : t("con-users-newest")}</h2>
${usersTable(t, list, deps.timeZone)}`;
  return page("users", t("con-nav-users"), body);
};

async function userPage(ctx: Ctx, deps: PageDeps, u: User, o: { status?: number; error?: string } = {}) {
  const { t } = ctx;
  const tz = deps.timeZone;
  const [ledger, jobs, payments] = await Promise.all([
    deps.store.getLedger(u.id, { limit: PAGE_ROWS }),
    deps.store.getUserJobs(u.id, { limit: USER_ROWS }),
    deps.store.getUserPayments(u.id, { limit: USER_ROWS }),
  ]);
  const form = html`<form method="post" action="/console/users/${u.id}/credits" class="credits">${csrfField(ctx)}
  <input type="hidden" name="ref" value="${randomUUID()}">
  <select name="op" aria-label="${t("con-credits-op")}"><option value="grant">${t("con-credits-grant")}</option><option value="deduct">${t("con-credits-deduct")}</option></select>
  <input type="number" name="amount" min="1" max="${ADMIN_LIMITS.maxAmount}" step="1" required placeholder="${t("con-credits-amount")}" aria-label="${t("con-credits-amount")}">
  <input type="text" name="reason" maxlength="${ADMIN_LIMITS.maxReason}" required placeholder="${t("con-credits-reason")}" aria-label="${t("con-credits-reason")}">
  <button type="submit">${t("con-credits-apply")}</button>
</form>`;
  const block = u.blocked
    ? actionButton(ctx, `/console/users/${u.id}/block`, t("adm-button-unblock"), { fields: { blocked: "0" } })
    : actionButton(ctx, `/console/users/${u.id}/block`, t("adm-button-block"), {
        fields: { blocked: "1" },
        danger: true,
        confirm: t("con-block-confirm", { name: userName(u) }),
      });
  const body = html`
<section class="card user">
  <p class="balance">${t("con-col-balance")}: <strong data-balance>${u.credits}</strong></p>
  <dl>
    <dt>Telegram id</dt><dd><code>${u.tgId}</code> ${u.username ? html`<a href="https://t.me/${u.username}" rel="noopener noreferrer">@${u.username}</a>` : ""}</dd>
    <dt>id</dt><dd>${u.id}</dd>
    <dt>${t("con-col-language")}</dt><dd>${u.language ?? u.languageCode ?? "—"}</dd>
    <dt>${t("con-col-joined")}</dt><dd>${when(u.createdAt, tz)}</dd>
    <dt>${t("con-col-active")}</dt><dd>${when(u.lastActiveAt, tz)}</dd>
    <dt>${t("con-col-consent")}</dt><dd>${when(u.consentAt, tz)}</dd>
    <dt>${t("con-col-source")}</dt><dd>${u.referralSource ? html`<code>${u.referralSource}</code>` : "—"}${u.referredBy ? html` · ${t("con-invited-by")} ${userLink(undefined, u.referredBy)}` : ""}</dd>
    <dt>${t("con-col-status")}</dt><dd>${status(t, u, tz)} ${block}</dd>
  </dl>
  ${form}
</section>
<section class="card"><h2>${t("con-ledger-title")}</h2>${
    ledger.length === 0
      ? html`<p>${t("adm-ledger-empty")}</p>`
      : html`<table class="list ledger"><thead><tr><th>${t("con-col-time")}</th><th class="num">${t("con-col-change")}</th><th class="num">${t("con-col-balance")}</th><th>${t("con-col-reason")}</th><th>${t("con-col-note")}</th></tr></thead><tbody>${ledger.map(
          (e) =>
            html`<tr><td>${when(e.createdAt, tz)}</td><td class="num ${e.delta > 0 ? "plus" : "minus"}">${e.delta > 0 ? `+${e.delta}` : e.delta}</td><td class="num">${e.balanceAfter}</td><td>${ledgerReason(t, e.reason)}${e.jobId ? html` <a href="/console/jobs/${e.jobId}">#${e.jobId}</a>` : ""}</td><td>${e.note ?? ""}</td></tr>`,
        )}</tbody></table>`
  }</section>
<section class="card"><h2>${t("con-user-jobs")}</h2>${
    jobs.length === 0
      ? html`<p>${t("adm-jobs-empty")}</p>`
      : html`<table class="list"><tbody>${jobs.map(
          (j) =>
            html`<tr><td><a href="/console/jobs/${j.id}">#${j.id}</a></td><td>${when(j.createdAt, tz)}</td><td>${j.template}</td><td>${jobStatus(t, j.status)}</td><td>${j.errorCode ? html`<code>${j.errorCode}</code>` : ""}</td></tr>`,
        )}</tbody></table>`
  }</section>
<section class="card"><h2>${t("con-nav-payments")}</h2>${
    payments.length === 0
      ? html`<p>${t("adm-payments-empty")}</p>`
      : html`<table class="list"><tbody>${payments.map(
          (p) =>
            html`<tr><td>#${p.id}</td><td>${when(p.createdAt, tz)}</td><td>${money(p.amount, p.currency)}</td><td>+${p.credits}</td><td>${p.status === "refunded" ? t("adm-payment-refunded", { at: when(p.refundedAt, tz) }) : isStars(p.currency) ? actionButton(ctx, `/console/payments/${p.id}/refund`, t("con-refund"), { danger: true, confirm: t("con-refund-confirm", { id: p.id, credits: p.credits }) }) : ""}</td></tr>`,
        )}</tbody></table>`
  }</section>`;
  return page("users", userName(u), body, {
    status: o.status,
    error: o.error,
  });
}

const show: Handler = async (ctx, deps) => {
  const u = await deps.store.getUserById(Number(ctx.params[0]));
  if (!u) return notFound("users", ctx, ctx.t("con-users-none"));
  return userPage(ctx, deps, u);
};

const credits: Handler = async (ctx, deps) => {
  const { t, form } = ctx;
  const id = Number(ctx.params[0]);
  const op = form.get("op") === "deduct" ? "deduct" : "grant";
  const amountText = (form.get("amount") ?? "").trim();
  const amount = /^\d{1,6}$/.test(amountText) ? Number(amountText) : 0;
  const reason = (form.get("reason") ?? "").trim();
  const ref = form.get("ref") ?? "";
  const user = await deps.store.getUserById(id);
  if (!user) return notFound("users", ctx, t("con-users-none"));
  if (amount < 1 || amount > ADMIN_LIMITS.maxAmount)
    return userPage(ctx, deps, user, {
      status: 422,
      error: t("con-bad-amount", { max: ADMIN_LIMITS.maxAmount }),
    });
  if (reason.length < 1 || reason.length > ADMIN_LIMITS.maxReason)
    return userPage(ctx, deps, user, {
      status: 422,
      error: t("con-bad-reason", { max: ADMIN_LIMITS.maxReason }),
    });
  if (!/^[0-9a-f-]{36}$/.test(ref))
    return userPage(ctx, deps, user, { status: 422, error: t("con-form-stale") });
  // The form's own key: a double submit or a reload applies it once.
  const r = await deps.ops.changeCredits({
    userId: id,
    op,
    amount,
    reason,
    reference: `console:${ref}`,
    actor: { via: "console", adminTgId: ctx.session.adminTgId },
  });
  if (r.outcome === "not_found") return redirect("/console/users");
  if (r.outcome === "short")
    return userPage(ctx, deps, r.user, {
      status: 409,
      error: t("con-deduct-short", { balance: r.balance }),
    });
  return redirect(
    `/console/users/${id}`,
    r.outcome === "repeated" ? "repeated" : op === "grant" ? "granted" : "deducted",
    amount,
  );
};

const block: Handler = async (ctx, deps) => {
  const id = Number(ctx.params[0]);
  const blocked = ctx.form.get("blocked") === "1";
  const u = await deps.ops.setBlocked(id, blocked, { via: "console", adminTgId: ctx.session.adminTgId });
  if (!u) return redirect("/console/users");
  return redirect(`/console/users/${id}`, blocked ? "blocked" : "unblocked");
};

export const userRoutes: Route[] = [
  { method: "GET", path: /^\/console\/users\/?$/, handler: search },
  { method: "GET", path: /^\/console\/users\/(\d{1,15})$/, handler: show },
  { method: "POST", path: /^\/console\/users\/(\d{1,15})\/credits$/, handler: credits },
  { method: "POST", path: /^\/console\/users\/(\d{1,15})\/block$/, handler: block },
];
