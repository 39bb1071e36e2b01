import { afterEach, describe, expect, it } from "vitest";
import { encode } from "../src/bot/callbacks.ts";
import { encodePayload } from "../src/payments/payload.ts";
import { buttonsOf, type FakeMessage } from "./fakes/telegram-server.ts";
import { ADMIN_ID, type PaymentsBot, startPaymentsBot } from "./payments-harness.ts";

let h: PaymentsBot;
afterEach(() => h?.close());

const isInvoice = (m: FakeMessage) => m.invoice !== undefined;

describe("buying credits with Telegram Stars", () => {
  it("buy screen → invoice → pre-checkout → payment → receipt with the new balance and the payment in history", async () => {
    h = await startPaymentsBot({ CREDIT_PACKAGES: "5:250,10:450" });
    const { u, user } = await h.member({ id: 100, language_code: "en" });
    const start = u.command("buy");
    const screen = await u.next("Buy credits");
    expect(start.message_id).toBeLessThan(screen.message_id);
    expect(screen.text).toContain("Your balance: 1");
    expect(buttonsOf(screen).map((b) => b.text)).toEqual([
      "5 videos — 250 ⭐ (50 ⭐ per video)",
      "10 videos — 450 ⭐ (45 ⭐ per video)",
      "« Back",
    ]);

    const q = u.tap(screen, /^10 videos/);
    await h.tg.callbackAnswer(q);
    const invoice = await u.next(isInvoice);
    expect(invoice.invoice).toMatchObject({
      currency: "XTR",
      total_amount: 450,
      title: "10 Neurocards credits",
    });
    const call = h.tg.callsTo("sendInvoice")[0]!;
    expect(call.params.provider_token ?? "").toBe("");
    expect(call.params.prices).toHaveLength(1);

    const paid = await u.pay(invoice);
    expect(paid.answer.ok).toBe(true);
    const receipt = await u.next("Payment received");
    expect(receipt.text).toBe("✅ Payment received: +10 credits.\nBalance: 11.");
    expect((await h.store.getUserById(user.id))?.credits).toBe(11);
    const history = await h.store.getUserPayments(user.id, { limit: 10 });
    expect(history).toMatchObject([
      { telegramChargeId: paid.chargeId, amount: 450, currency: "XTR", credits: 10, status: "paid" },
    ]);
    expect(await h.metrics.registry.getSingleMetricAsString("neurocards_payments_total")).toContain(
      'currency="XTR"} 1',
    );
  });

  it("the menu's buy button (callback `buy`) opens the same screen in place", async () => {
    h = await startPaymentsBot();
    const { u } = await h.member({ id: 101, language_code: "ru" });
    u.command("menu");
    const menu = await u.next();
    const buy = buttonsOf(menu).find((b) => b.callback_data === "buy");
    expect(buy).toBeDefined();
    u.tap(menu, "buy");
    const screen = await u.next("Купить кредиты");
    expect(screen.message_id).toBe(menu.message_id);
    expect(buttonsOf(screen)[0]?.text).toBe("5 видео — 250 ⭐ (50 ⭐ за видео)");
  });

  it("a replayed successful_payment credits once", async () => {
    h = await startPaymentsBot();
    const { u, user } = await h.member({ id: 102 });
    u.command("buy");
    u.tap(await u.next("Buy credits"), /^5 videos/);
    const paid = await u.pay(await u.next(isInvoice));
    await u.next("Payment received");
    h.tg.replay(paid.update!);
    const again = await u.next(/already credited/);
    expect(again.text).toContain("Balance: 6");
    expect((await h.store.getUserById(user.id))?.credits).toBe(6);
    expect(await h.store.countUserPayments(user.id)).toBe(1);
    expect(await h.store.ledgerSum(user.id)).toBe(6);
  });

  it("pre-checkout declines a wrong amount, an unknown package and a blocked user, with a reason in the user's language", async () => {
    h = await startPaymentsBot({ CREDIT_PACKAGES: "5:250,10:450" });
    const { u, user } = await h.member({ id: 103, language_code: "ru" });
    const secret = h.config.http.linkSecret;
    const ask = async (payload: string, total: number) => {
      const { queryId } = h.tg.preCheckoutQuery(u.profile, {
        currency: "XTR",
        total_amount: total,
        invoice_payload: payload,
      });
      return h.tg.preCheckoutAnswer(queryId);
    };
    const p10 = encodePayload(secret, { packageId: "p10", tgId: u.id });
    expect(await ask(p10, 1)).toMatchObject({
      ok: false,
      error_message: expect.stringContaining("Цена изменилась"),
    });
    const p7 = encodePayload(secret, { packageId: "p7", tgId: u.id });
    expect(await ask(p7, 450)).toMatchObject({
      ok: false,
      error_message: expect.stringContaining("больше не продаётся"),
    });
    expect(await ask("p10:103:forgedforgedforg", 450)).toMatchObject({ ok: false });
    await h.store.setBlocked(user.id, true);
    const answer = await ask(p10, 450);
    expect(answer).toMatchObject({ ok: false, error_message: expect.stringContaining("заблокирован") });
    await h.store.setBlocked(user.id, false);
    expect(await ask(p10, 450)).toMatchObject({ ok: true });
    expect((await h.store.getUserById(user.id))?.credits).toBe(1);
  });

  it("a referred user's first payment gives the referrer the bonus once, with a notice", async () => {
    h = await startPaymentsBot({ REFERRAL_BONUS: "2" });
    const { u: ref, user: referrer } = await h.member({ id: 200 });
    const u = h.tg.user({ id: 201 });
    await h.store.getOrCreateUser({ tgId: 201, languageCode: "en" }, { referralCode: referrer.referralCode });
    await h.store.setConsent((await h.store.getUserByTgId(201))!.id, new Date());
    for (const pkg of [/^5 videos/, /^10 videos/]) {
      u.command("buy");
      u.tap(await u.next("Buy credits"), pkg);
      await u.pay(await u.next(isInvoice));
      await u.next("Payment received");
    }
    await ref.next("made their first purchase: +2 credits");
    expect((await h.store.getUserById(referrer.id))?.credits).toBe(3);
    expect(ref.since().filter((e) => /first purchase/.test(e.message.text ?? ""))).toHaveLength(0);
  });
});

describe("payments when the database fails", () => {
  it("a pre-checkout the store cannot check is declined at once with a reason, not left to time out", async () => {
    h = await startPaymentsBot(
      {},
      {
        paymentsStore: (s) => ({
          ...s,
          getUserByTgId: async () => {
            throw new Error("database is locked");
          },
        }),
      },
    );
    const { u } = await h.member({ id: 120 });
    const { queryId } = h.tg.preCheckoutQuery(u.profile, {
      currency: "XTR",
      total_amount: 250,
      invoice_payload: encodePayload(h.config.http.linkSecret, { packageId: "p5", tgId: u.id }),
    });
    expect(await h.tg.preCheckoutAnswer(queryId)).toMatchObject({
      ok: false,
      error_message: "Payments cannot be checked right now. Please try again in a minute.",
    });
  });

  it("a payment the store fails to record once is retried and credited once", async () => {
    let failures = 1;
    h = await startPaymentsBot(
      {},
      {
        paymentRetryDelaysMs: [20, 20],
        paymentsStore: (s) => ({
          ...s,
          recordPayment: async (input) => {
            if (failures-- > 0) throw new Error("connection reset");
            return s.recordPayment(input);
          },
        }),
      },
    );
    const { u, user } = await h.member({ id: 121 });
    u.command("buy");
    u.tap(await u.next("Buy credits"), /^5 videos/);
    await u.pay(await u.next(isInvoice));
    expect((await u.next("Payment received")).text).toContain("Balance: 6");
    expect(await h.store.countUserPayments(user.id)).toBe(1);
  });

  it("a payment that cannot be recorded at all goes to the admins with its charge id, and the user is told", async () => {
    h = await startPaymentsBot(
      {},
      {
        paymentRetryDelaysMs: [10],
        paymentsStore: (s) => ({
          ...s,
          recordPayment: async () => {
            throw new Error("disk full");
          },
        }),
      },
    );
    const { u: admin } = await h.member({ id: ADMIN_ID });
    const { u } = await h.member({ id: 122 });
    u.command("buy");
    u.tap(await u.next("Buy credits"), /^5 videos/);
    const paid = await u.pay(await u.next(isInvoice));
    await u.next("Your credits will be added shortly");
    const alert = await admin.next("Payment not recorded");
    expect(alert.text).toContain(paid.chargeId!);
    expect(alert.text).toContain("user 122, 250 XTR");
  });
});

describe("buying credits through a fiat provider", () => {
  it("sends the invoice with the provider token and minor units, and credits the payment", async () => {
    h = await startPaymentsBot({
      PAYMENT_PROVIDER_TOKEN: "381764678:TEST:100500",
      PAYMENT_CURRENCY: "RUB",
      CREDIT_PACKAGES: "5:39000,10:69000",
    });
    const { u, user } = await h.member({ id: 150, language_code: "ru" });
    u.command("buy");
    const screen = await u.next("Купить кредиты");
    expect(buttonsOf(screen)[0]?.text).toBe("5 видео — 390 RUB (78 RUB за видео)");
    u.tap(screen, /^5 видео/);
    const invoice = await u.next(isInvoice);
    expect(invoice.invoice).toMatchObject({
      currency: "RUB",
      total_amount: 39000,
      title: "5 кредитов Neurocards",
    });
    expect(h.tg.callsTo("sendInvoice")[0]?.params.provider_token).toBe("381764678:TEST:100500");
    const paid = await u.pay(invoice);
    expect(paid.answer.ok).toBe(true);
    expect((await u.next("Оплата получена")).text).toBe("✅ Оплата получена: +5 кредитов.\nБаланс: 6.");
    const [payment] = await h.store.getUserPayments(user.id, { limit: 1 });
    expect(payment).toMatchObject({
      currency: "RUB",
      amount: 39000,
      providerChargeId: `prov_${paid.chargeId}`,
    });
  });
});

describe("Stars refund by an admin", () => {
  it("refunds through Telegram, takes the credits back and marks the payment refunded", async () => {
    h = await startPaymentsBot();
    const { u, user } = await h.member({ id: 300, username: "buyer" });
    u.command("buy");
    u.tap(await u.next("Buy credits"), /^10 videos/);
    const paid = await u.pay(await u.next(isInvoice));
    await u.next("Payment received");

    const { u: admin } = await h.member({ id: ADMIN_ID });
    admin.command("admin");
    admin.tap(await admin.next("Neurocards"), "adm:find");
    await admin.next("Send a user's Telegram id");
    admin.send("@buyer");
    const card = await admin.next("Balance");
    admin.tap(card, "adm:pay:" + user.id);
    const list = await admin.next("Payments of");
    expect(list.text).toContain(paid.chargeId!);
    admin.tap(list, /Refund #/);
    const confirm = await admin.next("take back 10 credits");
    admin.tap(confirm, /Yes, refund/);
    const done = await admin.next("refunded");
    expect(done.text).toContain("Credits taken back: 10 of 10. Balance: 1.");
    expect(h.tg.callsTo("refundStarPayment")).toHaveLength(1);
    expect(await h.store.getPaymentByChargeId(paid.chargeId!)).toMatchObject({ status: "refunded" });
    expect((await h.store.getUserById(user.id))?.credits).toBe(1);
  });
});

describe("someone who is not an admin", () => {
  it("gets the ordinary fallback for every admin command and button, and nothing is executed", async () => {
    h = await startPaymentsBot();
    const { u, user } = await h.member({ id: 400, username: "curious" });
    const { user: victim } = await h.member({ id: 401 });
    u.command("admin");
    const reply = await u.next();
    expect(reply.text).toContain("I did not understand that");
    expect(reply.text).not.toContain("Neurocards —");
    const bc = await h.store.createBroadcast({
      adminTgId: ADMIN_ID,
      audience: "all",
      text: "x",
      photoFileId: null,
      chatId: ADMIN_ID,
    });
    const forged = [
      "adm:stats",
      "adm:find",
      "adm:failed",
      "adm:fid",
      "adm:bc",
      "adm:bca:all",
      `adm:u:${victim.id}`,
      `adm:g:${victim.id}`,
      `adm:d:${victim.id}`,
      `adm:blk:${victim.id}`,
      `adm:led:${victim.id}`,
      `adm:jobs:${victim.id}`,
      `adm:pay:${victim.id}`,
      "adm:job:1",
      "adm:jr:1",
      "adm:jf:1",
      `adm:rf:1:${victim.id}`,
      `adm:rfy:1:${victim.id}`,
      `adm:bcgo:${bc.id}`,
      `adm:bcx:${bc.id}`,
    ];
    for (const data of forged) {
      const q = u.forgeTap(reply, data);
      expect((await h.tg.callbackAnswer(q)).text, data).toBe("This menu is outdated.");
    }
    u.send("5");
    expect((await u.next()).text).toContain("I did not understand that");
    expect((await h.store.getUserById(victim.id))?.blocked).toBe(false);
    expect((await h.store.getBroadcast(bc.id))?.status).toBe("draft");
    expect(await h.store.readSession(`admin:${user.tgId}`)).toBeUndefined();
    expect(h.tg.messages(u.id).some((m) => /Neurocards —|Balance: <b>|Telegram id/.test(m.text ?? ""))).toBe(
      false,
    );
    expect(encode({ a: "menu" })).not.toMatch(/^adm:/);
  });
});
