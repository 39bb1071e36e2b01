// Payments: credited once per Telegram charge id, refunded once, each with its ledger row in the
// same transaction. Both run in a transaction that locks the user first (and, for a refund, the
// payment): one user's balance changes are serialized.
import { all, count, first, forUpdate, type Op, sql } from "../driver/index.ts";
import type { Page, RecordPaymentInput, RecordPaymentResult, RefundPaymentResult } from "../store.ts";
import type { Payment } from "../types.ts";
import { lockBalance, move } from "./ledger.ts";

export const paymentByChargeId = (chargeId: string) =>
  first(sql`select * from payments where telegram_charge_id = ${chargeId}`, "payments");

export const userPayments = (userId: number, page: Page) =>
  all(
    sql`select * from payments where user_id = ${userId} order by id desc limit ${page.limit} offset ${page.offset ?? 0}`,
    "payments",
  );

export const countUserPayments = (userId: number) =>
  count(sql`select count(*) as n from payments where user_id = ${userId}`);

/**
 * Credits the package once per Telegram charge id. A charge recorded by a concurrent call that
 * committed first fails this one's insert on payments_charge_uq: the caller then reads that payment
 * (see the store), nothing is credited twice.
 */
export function* recordPayment(input: RecordPaymentInput, now: Date): Op<RecordPaymentResult> {
  const balance = yield* lockBalance(input.userId);
  if (balance === null) throw new Error(`user ${input.userId} not found`);
  const existing = yield* paymentByChargeId(input.telegramChargeId);
  if (existing) return { credited: false, payment: existing, balance };
  const payment = yield* first(
    sql`insert into payments (user_id, telegram_charge_id, provider_charge_id, currency, amount, credits, package_id, status, created_at)
      values (${input.userId}, ${input.telegramChargeId}, ${input.providerChargeId ?? null}, ${input.currency},
        ${input.amount}, ${input.credits}, ${input.packageId}, 'paid', ${now})
      returning *`,
    "payments",
  );
  if (!payment) throw new Error("payment insert returned nothing");
  const after = yield* move(
    input.userId,
    input.credits,
    "payment",
    { reference: `payment:${input.telegramChargeId}`, paymentId: payment.id },
    now,
  );
  return { credited: true, payment, balance: after };
}

/**
 * Marks the payment refunded once and takes its credits back — no more than the balance holds
 * unless `allowNegative` (the seller may have spent them already).
 */
export function* refundPayment(chargeId: string, allowNegative: boolean, now: Date): Op<RefundPaymentResult> {
  const p: Payment | null = yield* first(
    sql`select * from payments where telegram_charge_id = ${chargeId} ${forUpdate}`,
    "payments",
  );
  if (!p) return { ok: false, reason: "not_found" };
  const balance = (yield* lockBalance(p.userId)) ?? 0;
  const already = { ok: true, alreadyRefunded: true, payment: p, creditsTaken: 0, balance } as const;
  if (p.status === "refunded") return already;
  const updated = yield* first(
    sql`update payments set status = 'refunded', refunded_at = ${now}
      where id = ${p.id} and status = 'paid' returning *`,
    "payments",
  );
  if (!updated) return already;
  const take = allowNegative ? p.credits : Math.max(0, Math.min(p.credits, balance));
  const after =
    take > 0
      ? yield* move(
          p.userId,
          -take,
          "payment_refund",
          { reference: `payment:${chargeId}:refund`, paymentId: p.id },
          now,
        )
      : balance;
  return { ok: true, alreadyRefunded: false, payment: updated, creditsTaken: take, balance: after };
}
