// Plain renderings of admin data (stats, a user card, a job card, list lines). Each takes the
// caller's translate function so it works inside a handler and for a resumed broadcast alike.

import { escapeHtml } from "../broadcast/html.ts";
import type { AdminStats, Job, JobStatus, LedgerEntry, LedgerReason, Payment, User } from "../db/types.ts";
import { JOB_STATUSES } from "../db/types.ts";
import { formatPrice } from "../payments/packages.ts";
import { type MarginReport, marginFigure, moneyList } from "./costs.ts";

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** "2026-11-25 20:13" in UTC: admins compare times with logs, which are UTC too. */
export function stamp(d: Date | null | undefined): string {
  return d ? d.toISOString().slice(0, 16).replace("T", " ") : "—";
}

// Keyed by the database's own unions, so a new status or reason does not compile without its words.
const STATUS_KEYS: Record<JobStatus, string> = {
  queued: "adm-status-queued",
  processing: "adm-status-processing",
  succeeded: "adm-status-succeeded",
  failed: "adm-status-failed",
};
const REASON_KEYS: Record<LedgerReason, string> = {
  signup_bonus: "adm-reason-signup_bonus",
  job_charge: "adm-reason-job_charge",
  refund: "adm-reason-refund",
  payment: "adm-reason-payment",
  payment_refund: "adm-reason-payment_refund",
  admin_grant: "adm-reason-admin_grant",
  admin_deduct: "adm-reason-admin_deduct",
  referral_bonus: "adm-reason-referral_bonus",
  import: "adm-reason-import",
  promo: "adm-reason-promo",
};

export const jobStatus = (t: Translate, s: JobStatus): string => t(STATUS_KEYS[s]);
export const ledgerReason = (t: Translate, r: LedgerReason): string => t(REASON_KEYS[r]);

function byStatus(t: Translate, counts: Record<JobStatus, number>): string {
  return JOB_STATUSES.map((s) => `${jobStatus(t, s)} ${counts[s] ?? 0}`).join(" · ");
}

export function statsText(t: Translate, s: AdminStats, now: Date): string {
  const finished = s.jobs.last7d.succeeded + s.jobs.last7d.failed;
  const rate = finished === 0 ? "0%" : `${((s.jobs.last7d.failed / finished) * 100).toFixed(1)}%`;
  const failures = s.failuresByErrorCode7d
    .map((f) => `  · ${escapeHtml(f.errorCode)}: ${f.count}`)
    .join("\n");
  const oldest = s.queue.oldestQueuedAt
    ? `${stamp(s.queue.oldestQueuedAt)} (${Math.round((now.getTime() - s.queue.oldestQueuedAt.getTime()) / 60_000)} min)`
    : t("adm-none");
  const revenue = s.revenue.map((r) => formatPrice(r.amount, r.currency)).join(" · ") || t("adm-none");
  return t("adm-stats", {
    date: stamp(now),
    usersTotal: s.users.total,
    usersToday: s.users.newToday,
    usersWeek: s.users.new7d,
    usersActive: s.users.active7d,
    jobsToday: byStatus(t, s.jobs.today),
    jobsWeek: byStatus(t, s.jobs.last7d),
    failureRate: rate,
    failures,
    queued: s.queue.queued,
    processing: s.queue.processing,
    oldest,
    sold: s.credits.sold,
    spent: s.credits.spent,
    refunded: s.credits.refunded,
    revenue,
  });
}

export function displayName(u: User): string {
  const name = [u.firstName, u.lastName].filter(Boolean).join(" ") || (u.username ? `@${u.username}` : "");
  return escapeHtml(name || `#${u.tgId}`);
}

export function userCard(t: Translate, u: User): string {
  const status = u.blocked
    ? t("adm-user-blocked")
    : u.botBlockedAt
      ? t("adm-user-bot-blocked", { at: stamp(u.botBlockedAt) })
      : t("adm-user-ok");
  return t("adm-user", {
    name: displayName(u),
    username: u.username ? `@${escapeHtml(u.username)}` : "",
    tgId: u.tgId,
    id: u.id,
    lang: u.language ?? u.languageCode ?? "—",
    balance: u.credits,
    created: stamp(u.createdAt),
    active: stamp(u.lastActiveAt),
    code: escapeHtml(u.referralCode),
    referredBy: u.referredBy === null ? "" : ` ${t("adm-user-referred", { by: u.referredBy })}`,
    status,
  });
}

export function ledgerLine(t: Translate, e: LedgerEntry): string {
  const delta = e.delta > 0 ? `+${e.delta}` : String(e.delta);
  const note = e.note ? ` — ${escapeHtml(e.note)}` : "";
  return `${stamp(e.createdAt)} ${delta} → ${e.balanceAfter} · ${ledgerReason(t, e.reason)}${note}`;
}

export function jobLine(t: Translate, j: Job): string {
  const err = j.status === "failed" && j.errorCode ? ` (${escapeHtml(j.errorCode)})` : "";
  return `#${j.id} ${stamp(j.createdAt)} · ${escapeHtml(j.template)} · ${jobStatus(t, j.status)}${err}`;
}

export function jobCard(t: Translate, j: Job): string {
  const error = [j.errorCode, j.errorMessage].filter(Boolean).join(": ");
  return t("adm-job", {
    id: j.id,
    status: jobStatus(t, j.status),
    template: escapeHtml(j.template),
    created: stamp(j.createdAt),
    userId: j.userId,
    attempts: j.attempts,
    charged: j.creditsCharged,
    refunded: j.refundedAt ? ` ${t("adm-job-refunded")}` : "",
    step: escapeHtml(j.step ?? "—"),
    error: error ? escapeHtml(error.slice(0, 1500)) : t("adm-job-no-error"),
  });
}

export function paymentLine(t: Translate, p: Payment): string {
  const refunded =
    p.status === "refunded" ? ` · ${t("adm-payment-refunded", { at: stamp(p.refundedAt) })}` : "";
  return `#${p.id} ${stamp(p.createdAt)} · ${formatPrice(p.amount, p.currency)} · +${p.credits}${refunded}\n<code>${escapeHtml(p.telegramChargeId)}</code>`;
}

/** Templates the totals list the margin of (the busiest); the console shows them all. */
const MARGIN_ROWS = 5;

/** The margin block of the totals: per template, revenue less what its videos cost. */
export function marginText(t: Translate, r: MarginReport, days: number): string {
  const head = t("adm-margin", {
    days,
    perCredit: moneyList(r.perCredit) ?? t("adm-margin-no-sales"),
  });
  if (r.templates.length === 0) return `${head}\n${t("adm-margin-empty")}`;
  const lines = r.templates.slice(0, MARGIN_ROWS).map((m) =>
    t("adm-margin-line", {
      template: escapeHtml(m.template),
      count: m.videos,
      revenue: moneyList(m.revenue) ?? t("adm-none"),
      cost: moneyList(m.cost) ?? t("adm-none"),
      margin: marginFigure(m) ?? "—",
    }),
  );
  const notes: string[] = [];
  if (r.unpriced.length)
    notes.push(t("adm-margin-unpriced", { models: r.unpriced.map(escapeHtml).join(", ") }));
  if (r.templates.some((m) => m.uncosted === 0 && m.margin === null && m.videos > 0))
    notes.push(t("adm-margin-currencies", { currency: r.perCredit.map((m) => m.currency).join(", ") }));
  return [head, ...lines, ...notes].join("\n");
}
