import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { encode } from "../src/bot/callbacks.ts";
import { createWebhookHandler } from "../src/http/webhook.ts";
import { encodePayload } from "../src/payments/payload.ts";
import { buttonsOf, type FakeMessage } from "./fakes/telegram-server.ts";
import { waitUntil } from "./helpers/bot-harness.ts";
import { silentLogger } from "./helpers/http.ts";
import { ledgerSum } from "./helpers/store-ops.ts";
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
      "5 credits — 250 ⭐ (50 ⭐ per credit)",
      "10 credits — 450 ⭐ (45 ⭐ per credit)",
      "← Back",
    ]);

    const q = u.tap(screen, /^10 credits/);
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
    expect(receipt.text).toBe("✅ Payment received: +10 credits.\nBalance: 11 credits.");
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
    expect(buttonsOf(screen)[0]?.text).toBe("5 кредитов — 250 ⭐ (50 ⭐ за кредит)");
  });

  it("a replayed successful_payment credits once", async () => {
    h = await startPaymentsBot();
    const { u, user } = await h.member({ id: 102 });
    u.command("buy");
    u.tap(await u.next("Buy credits"), /^5 credits/);
    const paid = await u.pay(await u.next(isInvoice));
    await u.next("Payment received");
    h.tg.replay(paid.update!);
    const again = await u.next(/already credited/);
    expect(again.text).toContain("Balance: 6");
    expect((await h.store.getUserById(user.id))?.credits).toBe(6);
    expect(await h.store.countUserPayments(user.id)).toBe(1);
    expect(await ledgerSum(h.store, user.id)).toBe(6);
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
    for (const pkg of [/^5 credits/, /^10 credits/]) {
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
    u.tap(await u.next("Buy credits"), /^5 credits/);
    await u.pay(await u.next(isInvoice));
    expect((await u.next("Payment received: +5")).text).toContain("Balance: 6");
    expect(await h.store.countUserPayments(user.id)).toBe(1);
  });

  it("a payment that arrives while the whole database is down: the user reads 'payment received, crediting', the admins are warned (in English: their language is in the database), and it is credited once the database is back", async () => {
    h = await startPaymentsBot();
    const { u: admin } = await h.member({ id: ADMIN_ID, language_code: "ru" });
    const { u, user } = await h.member({ id: 122 });
    u.command("buy");
    u.tap(await u.next("Buy credits"), /^5 credits/);
    const invoice = await u.next(isInvoice);
    // Pre-checkout passed; the database goes away before Telegram reports the charge.
    const inv = h.tg.invoiceOf(invoice);
    const { queryId } = h.tg.preCheckoutQuery(u.profile, {
      currency: inv.currency,
      total_amount: inv.total,
      invoice_payload: inv.payload,
    });
    expect((await h.tg.preCheckoutAnswer(queryId)).ok).toBe(true);
    h.database.down();
    const { chargeId } = h.tg.reportPayment(u.profile, inv);
    const pending = await u.next("crediting it now");
    expect(pending.text).toContain("Do not pay again");
    expect(pending.text).not.toMatch(/try again|went wrong/i);
    const alert = await admin.next("database does not answer");
    expect(alert.text).toContain(chargeId);
    expect(alert.text).toContain("user 122 (250 ⭐");
    // Not confirmed to Telegram while it is not saved: a crash now would get it delivered again.
    await new Promise((r) => setTimeout(r, 300));
    expect(h.tg.pendingUpdates()).toBeGreaterThan(0);

    h.database.up();
    expect((await u.next("Payment received: +5")).text).toContain("Balance: 6");
    expect(await h.store.countUserPayments(user.id)).toBe(1);
    expect(await ledgerSum(h.store, user.id)).toBe(6);
    expect(u.messages().filter((m) => /went wrong|try again/i.test(String(m.text ?? "")))).toEqual([]);
  });

  it("a process stopped (or killed) while a payment waits for the database never confirmed it: the next process credits it exactly once", async () => {
    h = await startPaymentsBot();
    const { u, user } = await h.member({ id: 123 });
    u.command("buy");
    u.tap(await u.next("Buy credits"), /^5 credits/);
    const invoice = await u.next(isInvoice);
    h.database.down();
    const paid = await u.pay(invoice).catch(() => null);
    // The pre-checkout itself needs the database: declined with a reason, nothing charged.
    expect(paid?.answer.ok).toBe(false);
    expect(paid?.chargeId).toBeUndefined();
    h.database.up();
    const ok = await u.pay(invoice);
    expect(ok.answer.ok).toBe(true);
    await u.next("Payment received: +5");

    // Second purchase: the database goes away after the charge, then the process goes down.
    u.command("buy");
    u.tap(await u.next("Buy credits"), /^5 credits/);
    const second = await u.next(isInvoice);
    const inv = h.tg.invoiceOf(second);
    h.database.down();
    const { chargeId } = h.tg.reportPayment(u.profile, inv);
    await u.next("crediting it now");
    await h.stopProcess();
    expect(await h.store.getPaymentByChargeId(chargeId)).toBeNull();
    expect(h.tg.pendingUpdates()).toBeGreaterThan(0);

    h.database.up();
    await h.restart();
    expect((await u.next("Payment received: +5")).text).toContain("Balance: 11");
    expect(await h.store.countUserPayments(user.id)).toBe(2);
    expect(await ledgerSum(h.store, user.id)).toBe(11);
  });
});

describe("payments in webhook mode", () => {
  it("Telegram gets its 200 for a payment only after it is saved: while the database is down the request fails and Telegram delivers it again", async () => {
    const server = createServer((req, res) => void handler?.(req, res));
    let handler: ((req: IncomingMessage, res: ServerResponse) => unknown) | undefined;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      h = await startPaymentsBot(
        { WEBHOOK_URL: `http://127.0.0.1:${port}`, WEBHOOK_SECRET: "webhook-secret-0123456789" },
        { webhookSaveDeadlineMs: 150 },
      );
      // The real webhook route (body limit, JSON parse) in front of the bot's update handling.
      handler = createWebhookHandler({
        secret: h.config.telegram.webhook!.secret,
        dispatch: h.bot.handleWebhookUpdate,
        logger: silentLogger(),
      });
      const { u, user } = await h.member({ id: 125 });
      const payload = encodePayload(h.config.http.linkSecret, { packageId: "p5", tgId: u.id });
      h.database.down();
      const { chargeId, update } = h.tg.reportPayment(u.profile, { payload, currency: "XTR", total: 250 });
      await u.next("crediting it now");
      await new Promise((r) => setTimeout(r, 600));
      const attempts = h.tg.webhookAttempts.filter((a) => a.updateId === update.update_id);
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts.every((a) => a.status >= 500)).toBe(true);
      expect(await h.store.getPaymentByChargeId(chargeId)).toBeNull();

      h.database.up();
      expect((await u.next("Payment received: +5")).text).toContain("Balance: 6");
      await waitUntil(
        () => h.tg.webhookAttempts.filter((a) => a.updateId === update.update_id).at(-1)?.status === 200,
        5000,
        "the webhook request answered 200",
      );
      expect(h.tg.pendingUpdates()).toBe(0);
      expect(await h.store.countUserPayments(user.id)).toBe(1);
    } finally {
      await h?.close();
      await new Promise((r) => server.close(r));
    }
  });
});

describe("Stars reconciliation with Telegram's own record", () => {
  it("credits once a charge Telegram has and the bot never recorded, tells the user and the admins (each in their language), and a later replay changes nothing", async () => {
    h = await startPaymentsBot();
    const { u: admin } = await h.member({ id: ADMIN_ID, language_code: "ru" });
    const { u, user } = await h.member({ id: 130, language_code: "ru" });
    // A payment that went through the bot, and one whose update was lost with a crashed process.
    u.command("buy");
    u.tap(await u.next("Купить кредиты"), /^5 кредитов/);
    const invoice = await u.next(isInvoice);
    await u.pay(invoice);
    await u.next("Оплата получена: +5");
    const inv = h.tg.invoiceOf(invoice);
    const lost = h.tg.chargeWithoutUpdate(u.profile, inv);

    const report = await h.reconcile();
    expect(report.credited).toEqual([{ chargeId: lost, tgId: 130, credits: 5 }]);
    expect((await u.next("Оплата получена: +5")).text).toContain("Баланс: 11");
    expect((await admin.next("В Telegram нашёлся 1 платёж")).text).toContain(lost);
    expect(await h.store.countUserPayments(user.id)).toBe(2);

    expect((await h.reconcile()).credited).toEqual([]);
    await h.restart();
    expect((await h.reconcile()).credited).toEqual([]);
    h.tg.reportPayment(u.profile, inv, { chargeId: lost });
    await u.next("уже зачислен");
    expect(await ledgerSum(h.store, user.id)).toBe(11);
    expect((await h.store.getUserById(user.id))?.credits).toBe(11);
  });

  it("reads Telegram's transactions page by page, ignores refunds, and reports a charge it cannot read to the admins once", async () => {
    h = await startPaymentsBot();
    const { u: admin } = await h.member({ id: ADMIN_ID });
    const { u, user } = await h.member({ id: 131 });
    // 130 sellers whose payment update was lost (one each: receipts are paced per chat).
    const charges: string[] = [];
    for (let i = 0; i < 130; i++) {
      const seller = h.tg.user({ id: 3000 + i, language_code: "en" });
      const payload = encodePayload(h.config.http.linkSecret, { packageId: "p5", tgId: seller.id });
      charges.push(h.tg.chargeWithoutUpdate(seller.profile, { payload, currency: "XTR", total: 250 }));
    }
    h.tg.chargeWithoutUpdate(u.profile, { payload: "not ours", currency: "XTR", total: 7 });
    const report = await h.reconcile();
    expect(report.read).toBe(131);
    expect(report.credited).toHaveLength(130);
    const last = (await h.store.getUserByTgId(3129))!;
    expect([last.credits, await ledgerSum(h.store, last.id)]).toEqual([6, 6]);
    // A refund made outside the bot is an outgoing transaction: never credited.
    await h.bot.bot.api.refundStarPayment(3000, charges[0]!);
    const again = await h.reconcile();
    expect(again.credited).toEqual([]);
    expect(again.read).toBeGreaterThan(0);
    expect(await ledgerSum(h.store, user.id)).toBe(1);
    await h.reconcile();
    await admin.next("cannot read");
    await new Promise((r) => setTimeout(r, 300));
    expect(admin.messages().filter((m) => String(m.text).includes("cannot read"))).toHaveLength(1);
  });

  it("a missed first payment of a referred seller pays the referrer's bonus with its notice, as a live one does", async () => {
    h = await startPaymentsBot({ REFERRAL_BONUS: "3" });
    const { u: referrer, user: ref } = await h.member({ id: 132 });
    const tg = h.tg.user({ id: 133, language_code: "en" });
    await h.store.getOrCreateUser({ tgId: 133, firstName: "Friend" }, { referralCode: ref.referralCode });
    const payload = encodePayload(h.config.http.linkSecret, { packageId: "p5", tgId: tg.id });
    h.tg.chargeWithoutUpdate(tg.profile, { payload, currency: "XTR", total: 250 });
    expect((await h.reconcile()).credited).toHaveLength(1);
    await tg.next("Payment received: +5");
    expect((await referrer.next("friend you invited")).text).toContain("+3");
  });
});

describe("groups and channels", () => {
  it("in a group the bot shows no balance, menu or invoice; a command gets one pointer to the private chat", async () => {
    h = await startPaymentsBot();
    const { u } = await h.member({ id: 140 });
    h.tg.groupMessage(-100777, u.profile, { text: "/start@" + h.tg.bot.username });
    h.tg.groupMessage(-100777, u.profile, { text: "/buy" });
    h.tg.groupMessage(-100777, u.profile, { text: "hello everyone" });
    await new Promise((r) => setTimeout(r, 500));
    const inGroup = h.tg
      .messages(-100777)
      .filter((m) => (m.from as { id?: number } | undefined)?.id === h.tg.bot.id);
    expect(inGroup.map((m) => m.text)).toEqual([
      `I work in private chats only. Write to me directly: @${h.tg.bot.username}`,
      `I work in private chats only. Write to me directly: @${h.tg.bot.username}`,
    ]);
    expect(h.tg.callsTo("sendInvoice")).toHaveLength(0);
    expect(u.messages().filter((m) => (m.from as { id?: number } | undefined)?.id === h.tg.bot.id)).toEqual(
      [],
    );
  });

  it("a payment that reaches the bot from a group is still credited once, with the receipt in the private chat", async () => {
    h = await startPaymentsBot();
    const { u, user } = await h.member({ id: 141 });
    const payload = encodePayload(h.config.http.linkSecret, { packageId: "p5", tgId: u.id });
    h.tg.reportPayment(u.profile, { payload, currency: "XTR", total: 250 }, { groupId: -100778 });
    expect((await u.next("Payment received: +5")).text).toContain("Balance: 6");
    expect(await h.store.countUserPayments(user.id)).toBe(1);
    expect(
      h.tg.messages(-100778).filter((m) => (m.from as { id?: number } | undefined)?.id === h.tg.bot.id),
    ).toEqual([]);
  });

  it("a pre-checkout for an invoice that was sent to a group is declined", async () => {
    h = await startPaymentsBot();
    const { u } = await h.member({ id: 142 });
    const { queryId } = h.tg.preCheckoutQuery(u.profile, {
      currency: "XTR",
      total_amount: 250,
      invoice_payload: encodePayload(h.config.http.linkSecret, {
        packageId: "p5",
        tgId: u.id,
        chatId: -100779,
      }),
    });
    expect(await h.tg.preCheckoutAnswer(queryId)).toMatchObject({
      ok: false,
      error_message: "This invoice is not valid. Open “Buy credits” again.",
    });
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
    expect(buttonsOf(screen)[0]?.text).toBe("5 кредитов — 390\u00a0₽ (78\u00a0₽ за кредит)");
    u.tap(screen, /^5 кредитов/);
    const invoice = await u.next(isInvoice);
    expect(invoice.invoice).toMatchObject({
      currency: "RUB",
      total_amount: 39000,
      title: "5 кредитов Neurocards",
    });
    expect(h.tg.callsTo("sendInvoice")[0]?.params.provider_token).toBe("381764678:TEST:100500");
    const paid = await u.pay(invoice);
    expect(paid.answer.ok).toBe(true);
    expect((await u.next("Оплата получена")).text).toBe(
      "✅ Оплата получена: +5 кредитов.\nБаланс: 6 кредитов.",
    );
    const [payment] = await h.store.getUserPayments(user.id, { limit: 1 });
    expect(payment).toMatchObject({
      currency: "RUB",
      amount: 39000,
      providerChargeId: `prov_${paid.chargeId}`,
    });
  });
});

describe("54-FZ receipts through YooKassa", () => {
  const yookassa = {
    PAYMENT_PROVIDER_TOKEN: "381764678:TEST:100500",
    PAYMENT_CURRENCY: "RUB",
    CREDIT_PACKAGES: "5:39000,10:69050",
  };

  for (const lang of ["ru", "en"] as const) {
    it(`(${lang}) with RECEIPT_VAT_CODE the invoice asks the buyer's email for the provider and carries the receipt item`, async () => {
      h = await startPaymentsBot({
        ...yookassa,
        RECEIPT_VAT_CODE: "1",
        RECEIPT_TAX_SYSTEM_CODE: "2",
        RECEIPT_PAYMENT_SUBJECT: "service",
        RECEIPT_PAYMENT_MODE: "full_prepayment",
      });
      const { u } = await h.member({ id: 180 + lang.length, language_code: lang });
      u.command("buy");
      u.tap(await u.next(/Купить кредиты|Buy credits/), /^10 /);
      const invoice = await u.next(isInvoice);
      const params = h.tg.callsTo("sendInvoice")[0]?.params ?? {};
      expect(params).toMatchObject({ need_email: true, send_email_to_provider: true });
      // The receipt is a Russian fiscal document: the item is named in Russian for every buyer.
      expect(JSON.parse(String(params.provider_data))).toEqual({
        receipt: {
          items: [
            {
              description: "10 кредитов Neurocards",
              quantity: "1.00",
              amount: { value: "690.50", currency: "RUB" },
              vat_code: 1,
              payment_subject: "service",
              payment_mode: "full_prepayment",
            },
          ],
          tax_system_code: 2,
        },
      });
      expect((await u.pay(invoice)).answer.ok).toBe(true);
      await u.next(/Оплата получена|Payment received/);
    });
  }

  it("with only RECEIPT_VAT_CODE the item has the VAT code and nothing YooKassa would otherwise default", async () => {
    h = await startPaymentsBot({ ...yookassa, RECEIPT_VAT_CODE: "4" });
    const { u } = await h.member({ id: 185, language_code: "ru" });
    u.command("buy");
    u.tap(await u.next("Купить кредиты"), /^5 /);
    await u.next(isInvoice);
    const data = JSON.parse(String(h.tg.callsTo("sendInvoice")[0]?.params.provider_data));
    expect(data).toEqual({
      receipt: {
        items: [
          {
            description: "5 кредитов Neurocards",
            quantity: "1.00",
            amount: { value: "390.00", currency: "RUB" },
            vat_code: 4,
          },
        ],
      },
    });
  });

  it("without RECEIPT_VAT_CODE the invoice carries no email request and no provider data", async () => {
    h = await startPaymentsBot(yookassa);
    const { u } = await h.member({ id: 186, language_code: "ru" });
    u.command("buy");
    u.tap(await u.next("Купить кредиты"), /^5 /);
    await u.next(isInvoice);
    const params = h.tg.callsTo("sendInvoice")[0]?.params ?? {};
    expect(params.provider_token).toBe(yookassa.PAYMENT_PROVIDER_TOKEN);
    expect(params).not.toHaveProperty("provider_data");
    expect(params).not.toHaveProperty("need_email");
    expect(params).not.toHaveProperty("send_email_to_provider");
  });

  it("Stars invoices never carry receipt data, even with RECEIPT_VAT_CODE set", async () => {
    h = await startPaymentsBot({ RECEIPT_VAT_CODE: "1" });
    const { u } = await h.member({ id: 187, language_code: "ru" });
    u.command("buy");
    u.tap(await u.next("Купить кредиты"), /^5 /);
    await u.next(isInvoice);
    const params = h.tg.callsTo("sendInvoice")[0]?.params ?? {};
    expect(params.currency).toBe("XTR");
    expect(params).not.toHaveProperty("provider_data");
    expect(params).not.toHaveProperty("need_email");
  });
});

describe("prices in rubles and other currencies, as the seller reads them", () => {
  for (const [lang, button, line] of [
    ["ru", "5 кредитов — 390\u00a0₽ (78\u00a0₽ за кредит)", /\+5 кредитов · 390\u00a0₽/],
    ["en", "5 credits — 390\u00a0₽ (78\u00a0₽ per credit)", /\+5 credits · 390\u00a0₽/],
  ] as const) {
    it(`(${lang}) rubles read “390 ₽” on the buy screen and in the cabinet's payments, not “39000” or “390.00 RUB”`, async () => {
      h = await startPaymentsBot({
        PAYMENT_PROVIDER_TOKEN: "381764678:TEST:100500",
        PAYMENT_CURRENCY: "RUB",
        CREDIT_PACKAGES: "5:39000",
      });
      const { u } = await h.member({ id: 160 + lang.length, language_code: lang });
      u.command("buy");
      const screen = await u.next(/Купить кредиты|Buy credits/);
      expect(buttonsOf(screen)[0]?.text).toBe(button);
      u.tap(screen, button);
      await u.pay(await u.next(isInvoice));
      await u.next(/Оплата получена|Payment received/);
      u.command("cabinet");
      u.tap(await u.next(/Баланс|Balance/), encode({ a: "pays", page: 0 }));
      expect((await u.next(line)).text).not.toMatch(/39000|RUB/);
    });
  }

  it("other currencies follow the seller's language: “$3.99” in English, “3,99 $” in Russian", async () => {
    h = await startPaymentsBot({
      PAYMENT_PROVIDER_TOKEN: "381764678:TEST:100500",
      PAYMENT_CURRENCY: "USD",
      CREDIT_PACKAGES: "1:399",
    });
    const { u: en } = await h.member({ id: 170, language_code: "en" });
    en.command("buy");
    expect(buttonsOf(await en.next("Buy credits"))[0]?.text).toBe("1 credit — $3.99 ($3.99 per credit)");
    const { u: ru } = await h.member({ id: 171, language_code: "ru" });
    ru.command("buy");
    expect(buttonsOf(await ru.next("Купить кредиты"))[0]?.text).toBe(
      "1 кредит — 3,99\u00a0$ (3,99\u00a0$ за кредит)",
    );
  });
});

describe("Stars refund by an admin", () => {
  it("refunds through Telegram, takes the credits back and marks the payment refunded", async () => {
    h = await startPaymentsBot();
    const { u, user } = await h.member({ id: 300, username: "buyer" });
    u.command("buy");
    u.tap(await u.next("Buy credits"), /^10 credits/);
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
      expect((await h.tg.callbackAnswer(q)).text, data).toBe(
        "This menu is outdated: send /menu for a fresh one.",
      );
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
