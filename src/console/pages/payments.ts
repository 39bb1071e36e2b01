// Payments of everyone, newest first; a Telegram Stars payment is refunded through the same path
// as /admin's (the Bot API's refundStarPayment, then its credits taken back in the ledger).
import type { PaymentStatus } from "../../db/types.ts";
import { isStars } from "../../payments/packages.ts";
import { type Handler, page, type Route, redirect } from "../context.ts";
import { html } from "../html.ts";
import { actionButton, money, when } from "../layout.ts";
import { PAGE_ROWS } from "../limits.ts";
import { userLink } from "./users.ts";

const list: Handler = async (ctx, deps) => {
  const { t } = ctx;
  const q = ctx.url.searchParams;
  const statusParam = q.get("status");
  const status: PaymentStatus | undefined =
    statusParam === "paid" || statusParam === "refunded" ? statusParam : undefined;
  const before = Number(q.get("before") ?? 0);
  const payments = await deps.lists.payments({
    status,
    beforeId: Number.isSafeInteger(before) && before > 0 ? before : undefined,
    limit: PAGE_ROWS,
  });
  const users = new Map((await deps.lists.usersByIds(payments.map((p) => p.userId))).map((u) => [u.id, u]));
  const filter = (value: string, label: string) =>
    html`<a href="/console/payments${value ? `?status=${value}` : ""}" class="${(statusParam ?? "") === value ? "active" : ""}">${label}</a>`;
  const body = html`<p class="filters">${filter("", t("con-any"))} ${filter("paid", t("con-payments-paid"))} ${filter("refunded", t("con-payments-refunded"))}</p>
${
  payments.length === 0
    ? html`<p>${t("adm-payments-empty")}</p>`
    : html`<table class="list payments"><thead><tr><th>#</th><th>${t("con-col-time")}</th><th>${t("con-col-user")}</th><th class="num">${t("con-col-amount")}</th><th class="num">${t("con-col-credits")}</th><th>${t("con-col-charge")}</th><th>${t("con-col-status")}</th></tr></thead><tbody>${payments.map(
        (p) =>
          html`<tr data-payment="${p.id}"><td>${p.id}</td><td>${when(p.createdAt, deps.timeZone)}</td><td>${userLink(users.get(p.userId), p.userId)}</td><td class="num">${money(p.amount, p.currency)}</td><td class="num">+${p.credits}</td><td><code class="charge">${p.telegramChargeId}</code></td><td>${
            p.status === "refunded"
              ? html`<span class="badge warn">${t("adm-payment-refunded", { at: when(p.refundedAt, deps.timeZone) })}</span>`
              : isStars(p.currency)
                ? actionButton(ctx, `/console/payments/${p.id}/refund`, t("con-refund"), {
                    danger: true,
                    confirm: t("con-refund-confirm", { id: p.id, credits: p.credits }),
                  })
                : html`<span class="muted">${t("con-refund-in-provider")}</span>`
          }</td></tr>`,
      )}</tbody></table>${payments.length === PAGE_ROWS ? html`<p><a href="/console/payments?${new URLSearchParams({ ...(status ? { status } : {}), before: String(payments.at(-1)?.id ?? 0) }).toString()}">${t("con-older")}</a></p>` : ""}`
}`;
  return page("payments", t("con-nav-payments"), body);
};

const refund: Handler = async (ctx, deps) => {
  const { t } = ctx;
  const p = await deps.lists.payment(Number(ctx.params[0]));
  if (!p) return redirect("/console/payments");
  const r = await deps.ops.refundPayment(p.telegramChargeId, {
    via: "console",
    adminTgId: ctx.session.adminTgId,
  });
  if (r.ok)
    return redirect(
      "/console/payments",
      r.alreadyRefunded ? "payment-already" : "payment-refunded",
      r.creditsTaken,
    );
  const text =
    r.reason === "not_stars"
      ? t("adm-refund-not-stars", { id: p.id, currency: p.currency })
      : t("adm-refund-failed", { detail: r.detail ?? r.reason });
  const back = await list({ ...ctx, url: new URL("http://console/console/payments") }, deps);
  return back.kind === "page" ? { ...back, status: 502, notice: { kind: "error", text } } : back;
};

export const paymentRoutes: Route[] = [
  { method: "GET", path: /^\/console\/payments\/?$/, handler: list },
  { method: "POST", path: /^\/console\/payments\/(\d{1,15})\/refund$/, handler: refund },
];
