// The admin panel's numbers, read in one go.
import { count, type Op, rows, sql } from "../driver/index.ts";
import type { AdminStats } from "../types.ts";
import { adminWindows } from "../util.ts";
import { queueStats, statusCounts } from "./queue.ts";

export function* adminStats(now: Date): Op<AdminStats> {
  const w = adminWindows(now);
  const ledger = yield* rows(sql`select reason, coalesce(sum(delta), 0) as s from credit_ledger
    where reason in ('payment', 'job_charge', 'refund') group by reason`);
  const sumOf = (reason: string) => Math.abs(Number(ledger.find((r) => r.reason === reason)?.s ?? 0));
  const failures = yield* rows(sql`select coalesce(error_code, 'unknown') as code, count(*) as n from jobs
    where status = 'failed' and created_at >= ${w.weekAgo} group by 1 order by 2 desc`);
  const revenue = yield* rows(sql`select currency, sum(amount) as amount from payments
    where status = 'paid' group by currency order by currency`);
  return {
    users: {
      total: yield* count(sql`select count(*) as n from users`),
      newToday: yield* count(sql`select count(*) as n from users where created_at >= ${w.dayStart}`),
      new7d: yield* count(sql`select count(*) as n from users where created_at >= ${w.weekAgo}`),
      active7d: yield* count(sql`select count(*) as n from users where last_active_at >= ${w.weekAgo}`),
    },
    jobs: { today: yield* statusCounts(w.dayStart), last7d: yield* statusCounts(w.weekAgo) },
    failuresByErrorCode7d: failures.map((r) => ({ errorCode: String(r.code), count: Number(r.n) })),
    queue: yield* queueStats(),
    credits: { sold: sumOf("payment"), spent: sumOf("job_charge"), refunded: sumOf("refund") },
    revenue: revenue.map((r) => ({ currency: String(r.currency), amount: Number(r.amount) })),
  };
}
