import { Api } from "grammy";
import type { PreCheckoutQuery, SuccessfulPayment } from "grammy/types";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/index.ts";
import type { Store } from "../src/db/store.ts";
import { createMetrics } from "../src/metrics.ts";
import { encodePayload } from "../src/payments/payload.ts";
import { createPaymentsService, type PaymentsService } from "../src/payments/service.ts";
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from "./fakes/telegram-server.ts";
import { ledgerSum } from "./helpers/store-ops.ts";
import { silentLogger, storeFactories } from "./helpers/stores.ts";

const env = { BOT_TOKEN: FAKE_BOT_TOKEN, CREDIT_PACKAGES: "5:250,10:450", REFERRAL_BONUS: "3" };
const config = parseConfig(env);
const secret = config.http.linkSecret;

const query = (tgId: number, o: Partial<PreCheckoutQuery> = {}): PreCheckoutQuery => ({
  id: "q1",
  from: { id: tgId, is_bot: false, first_name: "A" },
  currency: "XTR",
  total_amount: 450,
  invoice_payload: encodePayload(secret, { packageId: "p10", tgId }),
  ...o,
});

const payer = (id: number) => ({ id, is_bot: false, first_name: `User${id}` });

const paid = (tgId: number, charge: string, packageId = "p10", amount = 450): SuccessfulPayment => ({
  currency: "XTR",
  total_amount: amount,
  invoice_payload: encodePayload(secret, { packageId, tgId }),
  telegram_payment_charge_id: charge,
  provider_payment_charge_id: "",
});

for (const factory of storeFactories()) {
  describe(`payments service (${factory.name})`, () => {
    let store: Store;
    let service: PaymentsService;
    let metrics: ReturnType<typeof createMetrics>;

    beforeEach(async () => {
      store = await factory.make({ freeCredits: 1 });
      metrics = createMetrics();
      service = createPaymentsService({ config, store, logger: silentLogger(), metrics });
    });
    afterEach(() => store.close());

    it("approves a pre-checkout whose payload, amount and currency match a package", async () => {
      await store.getOrCreateUser({ tgId: 10 });
      const v = await service.checkPreCheckout(query(10));
      expect(v.ok).toBe(true);
    });

    it("declines a wrong amount, a wrong currency, an unknown package, a forged payload and a blocked user", async () => {
      const { user } = await store.getOrCreateUser({ tgId: 10 });
      expect(await service.checkPreCheckout(query(10, { total_amount: 1 }))).toMatchObject({
        ok: false,
        reason: "price_changed",
      });
      expect(await service.checkPreCheckout(query(10, { currency: "USD" }))).toMatchObject({
        reason: "price_changed",
      });
      const unknown = encodePayload(secret, { packageId: "p7", tgId: 10 });
      expect(await service.checkPreCheckout(query(10, { invoice_payload: unknown }))).toMatchObject({
        reason: "unknown_package",
      });
      const foreign = encodePayload(secret, { packageId: "p10", tgId: 11 });
      expect(await service.checkPreCheckout(query(10, { invoice_payload: foreign }))).toMatchObject({
        reason: "invalid",
      });
      expect(await service.checkPreCheckout(query(99))).toMatchObject({ reason: "no_user" });
      await store.setBlocked(user.id, true);
      expect(await service.checkPreCheckout(query(10))).toMatchObject({ reason: "blocked" });
    });

    it("credits a payment once however often the update comes, and counts it in the metrics", async () => {
      await store.getOrCreateUser({ tgId: 10 });
      const first = await service.applyPayment(payer(10), paid(10, "ch1"));
      const again = await service.applyPayment(payer(10), paid(10, "ch1"));
      expect(first).toMatchObject({ ok: true, credited: true, balance: 11 });
      expect(again).toMatchObject({ ok: true, credited: false, balance: 11 });
      const user = await store.getUserByTgId(10);
      expect(user?.credits).toBe(11);
      expect(await store.countUserPayments(user!.id)).toBe(1);
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/neurocards_payments_total\{currency="XTR"\} 1/);
      expect(text).toMatch(/neurocards_payment_amount_total\{currency="XTR"\} 450/);
    });

    it("pays the referrer's bonus once, on the referred user's first payment only", async () => {
      const { user: referrer } = await store.getOrCreateUser({ tgId: 1 });
      await store.getOrCreateUser({ tgId: 2 }, { referralCode: referrer.referralCode });
      const first = await service.applyPayment(payer(2), paid(2, "a"));
      expect(first.ok && first.referral).toMatchObject({ bonus: 3, balance: 4 });
      const replay = await service.applyPayment(payer(2), paid(2, "a"));
      expect(replay.ok && replay.referral).toBeNull();
      const second = await service.applyPayment(payer(2), paid(2, "b", "p5", 250));
      expect(second.ok && second.referral).toBeNull();
      expect((await store.getUserById(referrer.id))?.credits).toBe(4);
      const ledger = await store.getLedger(referrer.id, { limit: 10 });
      expect(ledger.filter((e) => e.reason === "referral_bonus")).toHaveLength(1);
    });

    it("credits a payment from someone the database does not know (lost or never saved), creating the account", async () => {
      const r = await service.applyPayment(payer(33), paid(33, "ch-new"));
      expect(r).toMatchObject({ ok: true, credited: true, balance: 11 });
      const user = await store.getUserByTgId(33);
      expect(await ledgerSum(store, user!.id)).toBe(user!.credits);
    });

    it("declines at pre-checkout an invoice that was sent to a group, not the payer's private chat", async () => {
      await store.getOrCreateUser({ tgId: 10 });
      const group = encodePayload(secret, { packageId: "p10", tgId: 10, chatId: -100500 });
      expect(await service.checkPreCheckout(query(10, { invoice_payload: group }))).toMatchObject({
        ok: false,
        reason: "invalid",
      });
    });

    it("credits what the signed payload names even when the package left the config", async () => {
      await store.getOrCreateUser({ tgId: 10 });
      const r = await service.applyPayment(payer(10), paid(10, "old", "p30", 1200));
      expect(r).toMatchObject({ ok: true, credited: true, balance: 31 });
    });
  });
}

describe("Stars refund", () => {
  let tg: FakeTelegram;
  beforeAll(async () => {
    tg = await startFakeTelegram();
  });
  afterAll(() => tg.close());

  it("refunds through Telegram, takes the credits back without going below zero, and only once", async () => {
    const store = await storeFactories()[0]!.make({ freeCredits: 0 });
    const service = createPaymentsService({
      config,
      store,
      logger: silentLogger(),
      metrics: createMetrics(),
    });
    const api = new Api(FAKE_BOT_TOKEN, { apiRoot: tg.apiRoot });
    const u = tg.user({ id: 500 });
    const { user } = await store.getOrCreateUser({ tgId: u.id });
    const charge = tg.newCharge(u.id);
    await service.applyPayment(payer(u.id), paid(u.id, charge));
    // The user spent 4 of the 10 credits before the refund.
    await store.addCredits({ userId: user.id, amount: -4, reason: "admin_deduct", reference: "spend" });
    const r = await service.refundStars(api, charge);
    expect(r).toMatchObject({ ok: true, alreadyRefunded: false, creditsTaken: 6, balance: 0 });
    expect((await store.getPaymentByChargeId(charge))?.status).toBe("refunded");
    expect(tg.callsTo("refundStarPayment")).toHaveLength(1);
    const again = await service.refundStars(api, charge);
    expect(again).toMatchObject({ ok: true, alreadyRefunded: true, creditsTaken: 0 });
    expect(tg.callsTo("refundStarPayment")).toHaveLength(1);
    await store.close();
  });

  it("keeps the credits when Telegram refuses the refund", async () => {
    const store = await storeFactories()[0]!.make({ freeCredits: 0 });
    const service = createPaymentsService({
      config,
      store,
      logger: silentLogger(),
      metrics: createMetrics(),
    });
    const api = new Api(FAKE_BOT_TOKEN, { apiRoot: tg.apiRoot });
    await store.getOrCreateUser({ tgId: 501 });
    await service.applyPayment(payer(501), paid(501, "unknown-to-telegram"));
    const r = await service.refundStars(api, "unknown-to-telegram");
    expect(r).toMatchObject({ ok: false, reason: "telegram" });
    expect((await store.getUserByTgId(501))?.credits).toBe(10);
    await store.close();
  });
});
