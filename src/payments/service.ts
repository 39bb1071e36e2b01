// Payment rules, free of grammY contexts so they can be tested directly: what pre-checkout
// approves, how a successful payment credits exactly once (and pays the referral bonus once), and
// how an admin refund of a Stars charge takes the credits back.
import type { Api } from "grammy";
import type { PreCheckoutQuery, SuccessfulPayment, User as TelegramUser } from "grammy/types";
import type { Config, CreditPackage } from "../config/index.ts";
import type { LedgerRepository, PaymentsRepository, UsersRepository } from "../db/store.ts";
import type { Payment, User } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { findPackage, isStars } from "./packages.ts";
import { creditsOfPackageId, decodePayload, encodePayload } from "./payload.ts";

export interface PaymentsServiceDeps {
  config: Config;
  store: UsersRepository & LedgerRepository & PaymentsRepository;
  logger: Logger;
  metrics: Metrics;
}

export type DeclineReason = "invalid" | "unknown_package" | "price_changed" | "blocked" | "no_user";

export type PreCheckoutVerdict =
  | { ok: true; pkg: CreditPackage; user: User }
  | { ok: false; reason: DeclineReason; user: User | null };

export interface InvoiceParams {
  payload: string;
  currency: string;
  amount: number;
  /** Empty for Telegram Stars. */
  providerToken: string;
}

export interface ReferralPaid {
  referrer: User;
  bonus: number;
  balance: number;
}

export type PaymentOutcome =
  | {
      ok: true;
      credited: boolean;
      payment: Payment;
      user: User;
      balance: number;
      referral: ReferralPaid | null;
    }
  | { ok: false; reason: "invalid" };

export type StarsRefundOutcome =
  | { ok: true; alreadyRefunded: boolean; payment: Payment; creditsTaken: number; balance: number }
  | { ok: false; reason: "not_found" | "not_stars" | "telegram"; detail?: string };

export function createPaymentsService({ config, store, logger, metrics }: PaymentsServiceDeps) {
  const { packages, currency, providerToken, referralBonus } = config.payments;
  const secret = config.http.linkSecret;

  /** An invoice for the user's private chat (`chatId` defaults to the user's own id). */
  function invoiceFor(pkg: CreditPackage, tgId: number, chatId = tgId): InvoiceParams {
    return {
      payload: encodePayload(secret, { packageId: pkg.id, tgId, chatId }),
      currency,
      amount: pkg.price,
      providerToken: isStars(currency) ? "" : (providerToken ?? ""),
    };
  }

  async function checkPreCheckout(q: PreCheckoutQuery): Promise<PreCheckoutVerdict> {
    const user = await store.getUserByTgId(q.from.id);
    const payload = decodePayload(secret, q.invoice_payload);
    // The bot sells in private chats only: an invoice that reached a group is not paid there.
    if (!payload || payload.tgId !== q.from.id || payload.chatId !== q.from.id)
      return { ok: false, reason: "invalid", user };
    const pkg = findPackage(packages, payload.packageId);
    if (!pkg) return { ok: false, reason: "unknown_package", user };
    // The config may have changed since the invoice was sent: charge only today's price.
    if (q.currency !== currency || q.total_amount !== pkg.price) {
      return { ok: false, reason: "price_changed", user };
    }
    if (!user) return { ok: false, reason: "no_user", user };
    if (user.blocked) return { ok: false, reason: "blocked", user };
    return { ok: true, pkg, user };
  }

  async function payReferralBonus(user: User): Promise<ReferralPaid | null> {
    if (referralBonus <= 0 || user.referredBy === null) return null;
    // Only the first payment earns the bonus; the ledger reference makes it once even on replays.
    if ((await store.countUserPayments(user.id)) !== 1) return null;
    const referrer = await store.getUserById(user.referredBy);
    if (!referrer) return null;
    const r = await store.addCredits({
      userId: referrer.id,
      amount: referralBonus,
      reason: "referral_bonus",
      reference: `referral:${user.id}`,
      note: `first payment of user ${user.id}`,
    });
    return r.applied ? { referrer, bonus: referralBonus, balance: r.balance } : null;
  }

  /**
   * Money has already been taken when this runs, so it credits whatever the signed payload names
   * even if the package has since left the config, and creates the payer's account if the database
   * lost it: a charge is never dropped for want of a user row. Idempotent per charge id.
   */
  async function applyPayment(from: TelegramUser, sp: SuccessfulPayment): Promise<PaymentOutcome> {
    const tgId = from.id;
    const payload = decodePayload(secret, sp.invoice_payload);
    if (!payload || payload.tgId !== tgId) {
      logger.error(
        { tgId, charge: sp.telegram_payment_charge_id },
        "successful_payment with a foreign payload",
      );
      return { ok: false, reason: "invalid" };
    }
    const user =
      (await store.getUserByTgId(tgId)) ??
      (
        await store.getOrCreateUser({
          tgId,
          username: from.username ?? null,
          firstName: from.first_name,
          lastName: from.last_name ?? null,
          languageCode: from.language_code ?? null,
        })
      ).user;
    const credits =
      findPackage(packages, payload.packageId)?.credits ?? creditsOfPackageId(payload.packageId);
    const r = await store.recordPayment({
      userId: user.id,
      telegramChargeId: sp.telegram_payment_charge_id,
      providerChargeId: sp.provider_payment_charge_id || null,
      currency: sp.currency,
      amount: sp.total_amount,
      credits,
      packageId: payload.packageId,
    });
    if (r.credited) {
      metrics.payments.inc({ currency: sp.currency });
      metrics.paymentAmount.inc({ currency: sp.currency }, sp.total_amount);
      logger.info(
        { userId: user.id, credits, amount: sp.total_amount, currency: sp.currency },
        "payment credited",
      );
    } else {
      logger.warn(
        { charge: sp.telegram_payment_charge_id },
        "successful_payment replayed; not credited again",
      );
    }
    const referral = await payReferralBonus(user);
    return { ok: true, credited: r.credited, payment: r.payment, balance: r.balance, user, referral };
  }

  /** Refunds through Telegram first: credits are taken back only once the money really went back. */
  async function refundStars(api: Api, chargeId: string): Promise<StarsRefundOutcome> {
    const payment = await store.getPaymentByChargeId(chargeId);
    if (!payment) return { ok: false, reason: "not_found" };
    if (!isStars(payment.currency)) return { ok: false, reason: "not_stars" };
    const user = await store.getUserById(payment.userId);
    if (!user) return { ok: false, reason: "not_found" };
    if (payment.status !== "refunded") {
      try {
        await api.refundStarPayment(user.tgId, chargeId);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        // Refunded earlier outside the bot: record it here too.
        if (!/CHARGE_ALREADY_REFUNDED/i.test(detail)) return { ok: false, reason: "telegram", detail };
      }
    }
    const r = await store.refundPayment(chargeId);
    if (!r.ok) return { ok: false, reason: "not_found" };
    logger.info({ chargeId, creditsTaken: r.creditsTaken }, "stars payment refunded");
    return r;
  }

  return { packages, currency, invoiceFor, checkPreCheckout, applyPayment, refundStars };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
