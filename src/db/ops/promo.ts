// Promo codes: the owner creates them, sellers redeem them. A redemption is one transaction that
// locks the code's row (Postgres `for update`; SQLite's BEGIN IMMEDIATE already serializes
// writers), reads what the seller may get, and writes the redemption, the code's use count and the
// ledger row together. Concurrent redemptions of one code therefore run one after another: the
// last use goes to exactly one seller, and a seller who taps twice finds their own redemption the
// second time. The unique (code, user) pair and the ledger's unique reference stand behind the
// lock in case a write ever gets past it.
import { all, type Driver, first, forUpdate, type Op, run, sql } from "../driver/index.ts";
import type { PromoCode, PromoRedemption } from "../types.ts";
import { move } from "./ledger.ts";

/** Why a code gives nothing, or that it would (`valid`). */
export type PromoVerdict =
  | { status: "valid"; promo: PromoCode }
  | { status: "unknown" }
  /** This seller redeemed it before (checked first: it is the most useful thing to tell them). */
  | { status: "already_used"; promo: PromoCode; redemption: PromoRedemption }
  | { status: "disabled"; promo: PromoCode }
  | { status: "expired"; promo: PromoCode }
  | { status: "used_up"; promo: PromoCode };

export type RedeemResult =
  | { status: "redeemed"; promo: PromoCode; credits: number; balance: number }
  | Exclude<PromoVerdict, { status: "valid" }>;

export interface NewPromo {
  /** Upper-case, already checked by the caller (src/promo/limits.ts). */
  code: string;
  credits: number;
  maxUses: number | null;
  expiresAt: Date | null;
  createdBy: string;
  note?: string | null;
}

export type CreatePromoResult = { created: true; promo: PromoCode } | { created: false; existing: PromoCode };

/** Ledger reference of a redemption: one per code and user. */
export const promoReference = (promoId: number, userId: number) => `promo:${promoId}:${userId}`;

function* byCode(code: string, lock: boolean): Op<PromoCode | null> {
  return lock
    ? yield* first(sql`select * from promo_codes where code = ${code} ${forUpdate}`, "promo_codes")
    : yield* first(sql`select * from promo_codes where code = ${code}`, "promo_codes");
}

function* redemptionOf(promoId: number, userId: number): Op<PromoRedemption | null> {
  return yield* first(
    sql`select * from promo_redemptions where promo_id = ${promoId} and user_id = ${userId}`,
    "promo_redemptions",
  );
}

/** What `userId` would get from `code` at `now`, without changing anything. */
export function* inspectPromo(code: string, userId: number, now: Date, lock = false): Op<PromoVerdict> {
  const promo = yield* byCode(code, lock);
  if (!promo) return { status: "unknown" };
  const redemption = yield* redemptionOf(promo.id, userId);
  if (redemption) return { status: "already_used", promo, redemption };
  if (promo.disabledAt) return { status: "disabled", promo };
  if (promo.expiresAt && promo.expiresAt.getTime() <= now.getTime()) return { status: "expired", promo };
  if (promo.maxUses !== null && promo.uses >= promo.maxUses) return { status: "used_up", promo };
  return { status: "valid", promo };
}

/** Redeems `code` for `userId`: run in a transaction (the repository does). */
export function* redeemPromo(code: string, userId: number, now: Date): Op<RedeemResult> {
  const verdict = yield* inspectPromo(code, userId, now, true);
  if (verdict.status !== "valid") return verdict;
  const { promo } = verdict;
  // Guarded as well as locked: the count never passes max_uses, whatever ran before.
  const taken = yield* run(sql`update promo_codes set uses = uses + 1
    where id = ${promo.id} and (max_uses is null or uses < max_uses)`);
  if (taken === 0) return { status: "used_up", promo };
  yield* run(sql`insert into promo_redemptions (promo_id, user_id, credits, created_at)
    values (${promo.id}, ${userId}, ${promo.credits}, ${now})`);
  const balance = yield* move(
    userId,
    promo.credits,
    "promo",
    { reference: promoReference(promo.id, userId), note: promo.code },
    now,
  );
  return { status: "redeemed", promo: { ...promo, uses: promo.uses + 1 }, credits: promo.credits, balance };
}

export function* createPromo(input: NewPromo, now: Date): Op<CreatePromoResult> {
  const promo = yield* first(
    sql`insert into promo_codes (code, credits, max_uses, uses, expires_at, created_by, note, created_at)
      values (${input.code}, ${input.credits}, ${input.maxUses}, ${0}, ${input.expiresAt}, ${input.createdBy}, ${input.note ?? null}, ${now})
      on conflict (code) do nothing returning *`,
    "promo_codes",
  );
  if (promo) return { created: true, promo };
  const existing = yield* byCode(input.code, false);
  if (!existing) throw new Error(`promo code ${input.code} neither inserted nor found`);
  return { created: false, existing };
}

/** Newest first. */
export function* listPromos(o: { limit: number; offset?: number; activeOnly?: boolean }): Op<PromoCode[]> {
  return o.activeOnly
    ? yield* all(
        sql`select * from promo_codes where disabled_at is null order by id desc limit ${o.limit} offset ${o.offset ?? 0}`,
        "promo_codes",
      )
    : yield* all(
        sql`select * from promo_codes order by id desc limit ${o.limit} offset ${o.offset ?? 0}`,
        "promo_codes",
      );
}

/** Turns a code off (or on again); null when there is no such code. Disabling twice keeps the first time. */
export function* setPromoDisabled(code: string, disabled: boolean, now: Date): Op<PromoCode | null> {
  return disabled
    ? yield* first(
        sql`update promo_codes set disabled_at = coalesce(disabled_at, ${now}) where code = ${code} returning *`,
        "promo_codes",
      )
    : yield* first(
        sql`update promo_codes set disabled_at = null where code = ${code} returning *`,
        "promo_codes",
      );
}

/** The repository the bot, the admin panel, the CLI and the console use. */
export function promoRepo(driver: Driver) {
  return {
    redeem: (code: string, userId: number, now = new Date()) =>
      driver.transaction(() => redeemPromo(code, userId, now), { retryOnUnique: 1 }),
    inspect: (code: string, userId: number, now = new Date()) =>
      driver.run(() => inspectPromo(code, userId, now)),
    create: (input: NewPromo, now = new Date()) => driver.transaction(() => createPromo(input, now)),
    get: (code: string) => driver.run(() => byCode(code, false)),
    list: (o: { limit: number; offset?: number; activeOnly?: boolean }) => driver.run(() => listPromos(o)),
    setDisabled: (code: string, disabled: boolean, now = new Date()) =>
      driver.run(() => setPromoDisabled(code, disabled, now)),
  };
}

export type PromoRepo = ReturnType<typeof promoRepo>;
