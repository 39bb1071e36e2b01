import { afterEach, describe, expect, it } from "vitest";
import { createCostOperations } from "../src/admin/index.ts";
import { encode } from "../src/bot/callbacks.ts";
import { costsRepo } from "../src/db/ops/costs.ts";
import type { NewJob } from "../src/db/store.ts";
import { openJobButton } from "../src/generation/run-job.ts";
import { createTelegram } from "../src/telegram/index.ts";
import { buttonsOf, type FakeMessage, type FakeUser } from "./fakes/telegram-server.ts";
import { createJobAndConsumeCredit, ledgerSum, moveJob } from "./helpers/store-ops.ts";
import { silentLogger } from "./helpers/stores.ts";
import { ADMIN_ID, type PaymentsBot, startPaymentsBot } from "./payments-harness.ts";

let h: PaymentsBot;
afterEach(() => h?.close());

const job = (key: string): NewJob => ({
  chatId: 1,
  template: "ugc",
  model: "veo3_fast",
  language: "en",
  productText: "A mug",
  photoFileId: "photo-1",
  cost: 1,
  idempotencyKey: key,
});

async function openAdmin(): Promise<{ admin: FakeUser; panel: FakeMessage }> {
  const { u: admin } = await h.member({ id: ADMIN_ID, language_code: "en" });
  admin.command("admin");
  return { admin, panel: await admin.next("Neurocards —") };
}

async function openUser(admin: FakeUser, panel: FakeMessage, query: string): Promise<FakeMessage> {
  admin.tap(panel, "adm:find");
  await admin.next("Send a user's Telegram id");
  admin.send(query);
  return admin.next("Balance:");
}

describe("admin panel", () => {
  it("/admin shows users, jobs by status, failure classes, the queue, credits and revenue", async () => {
    h = await startPaymentsBot();
    const { user } = await h.member({ id: 10 });
    await h.member({ id: 11 });
    const charged = await createJobAndConsumeCredit(h.store, user.id, job("a"));
    if (!charged.ok) throw new Error("job not created");
    await moveJob(h.store, charged.job.id, "failed", { errorCode: "provider_timeout" });
    await h.store.recordPayment({
      userId: user.id,
      telegramChargeId: "c1",
      currency: "XTR",
      amount: 450,
      credits: 10,
      packageId: "p10",
    });
    const { panel } = await openAdmin();
    expect(panel.text).toContain("Users: 3 total · 3 new today · 3 new in 7 days");
    expect(panel.text).toContain("Jobs today: queued 0 · processing 0 · succeeded 0 · failed 1");
    expect(panel.text).toContain("Failure rate 7 days: 100.0%");
    expect(panel.text).toContain("provider_timeout: 1");
    expect(panel.text).toContain("Queue: 0 waiting, 0 in work · oldest waiting: none");
    expect(panel.text).toContain("Credits, all time: sold 10 · spent 1 · refunded 0");
    expect(panel.text).toContain("Revenue, all time: 450 ⭐");
    expect(buttonsOf(panel).map((b) => b.callback_data)).toEqual([
      "adm:find",
      "adm:failed",
      "adm:bc",
      "adm:fid",
      "adm:promo",
      "adm:console",
      "adm:stats",
    ]);
  });

  it("the totals show each template's margin over 30 days, and which models have no cost recorded", async () => {
    h = await startPaymentsBot();
    const { user } = await h.member({ id: 12 });
    await h.store.recordPayment({
      userId: user.id,
      telegramChargeId: "c-margin",
      currency: "XTR",
      amount: 450,
      credits: 10,
      packageId: "p10",
    });
    for (const [key, template, model] of [
      ["m1", "ugc", "sora-2-image-to-video"],
      ["m2", "ugc", "sora-2-image-to-video"],
      ["m3", "broll", "veo3_fast"],
    ] as const) {
      const r = await createJobAndConsumeCredit(h.store, user.id, { ...job(key), template, model });
      if (!r.ok) throw new Error("job not created");
      await moveJob(h.store, r.job.id, "processing");
      await moveJob(h.store, r.job.id, "succeeded");
    }
    const costs = createCostOperations({ repo: costsRepo(h.store.driver), logger: silentLogger() });
    await costs.set(
      { model: "sora-2-image-to-video", amount: "15", currency: "XTR", unit: "video" },
      { via: "cli" },
    );
    const { panel } = await openAdmin();
    expect(panel.text).toContain("Margin, 30 days · average price of a credit: 45 ⭐");
    expect(panel.text).toContain("· ugc: 2 videos · revenue 90 ⭐ · cost 30 ⭐ · margin 60 ⭐ (67%)");
    expect(panel.text).toContain("· broll: 1 video · revenue 45 ⭐ · cost none · margin —");
    expect(panel.text).toContain("⚠️ No cost recorded for veo3_fast");
  });

  it("/console without PUBLIC_BASE_URL tells the admin which setting the console needs; no link", async () => {
    h = await startPaymentsBot();
    const { admin, panel } = await openAdmin();
    admin.tap(panel, "adm:console");
    const m = await admin.next("PUBLIC_BASE_URL");
    expect(m.text).toContain("Set PUBLIC_BASE_URL (for example https://bot.example.com) in .env");
    expect(m.text).not.toContain("/console/login/");
  });

  it("finds a user by Telegram id or @username and shows balance, ledger, jobs and payments", async () => {
    h = await startPaymentsBot();
    const { user } = await h.member({ id: 20, username: "seller_anna", first_name: "Anna" });
    await h.member({ id: 21, username: "seller_boris" });
    await createJobAndConsumeCredit(h.store, user.id, job("j1"));
    const { admin, panel } = await openAdmin();

    const card = await openUser(admin, panel, "20");
    expect(card.text).toContain("Anna @seller_anna");
    expect(card.text).toContain("Telegram id 20");
    expect(card.text).toContain("Balance: 0 credits");

    admin.tap(card, `adm:led:${user.id}`);
    const ledger = await admin.next("Ledger of Anna");
    expect(ledger.text).toMatch(/\+1 → 1 · signup bonus/);
    expect(ledger.text).toMatch(/-1 → 0 · video ordered/);
    admin.tap(ledger, `adm:u:${user.id}`);
    admin.tap(await admin.next("Balance:"), `adm:jobs:${user.id}`);
    const jobs = await admin.next("Jobs of Anna");
    expect(jobs.text).toMatch(/#\d+ .* · ugc · queued/);
    admin.tap(jobs, `adm:u:${user.id}`);
    admin.tap(await admin.next("Balance:"), `adm:pay:${user.id}`);
    expect((await admin.next("Payments of Anna")).text).toContain("No payments.");

    admin.command("admin");
    const panel2 = await admin.next("Neurocards —");
    admin.tap(panel2, "adm:find");
    await admin.next("Send a user's Telegram id");
    admin.send("@seller");
    const many = await admin.next("Found 2");
    expect(buttonsOf(many).map((b) => b.text)).toEqual(["Anna @seller_anna #20", "User21 @seller_boris #21"]);
    admin.send("nobody_like_this");
    // Not in the input state any more: a plain text goes to the bot as usual.
    expect((await admin.next()).text).toContain("I did not understand that");

    admin.tap(panel2, "adm:find");
    await admin.next("Send a user's Telegram id");
    admin.send("@nobody_like_this");
    expect((await admin.next()).text).toBe("Nobody found for “@nobody_like_this”.");
  });

  it("a Russian-speaking admin reads statuses, ledger reasons and balances in Russian, with plural forms", async () => {
    h = await startPaymentsBot();
    await h.member({ id: 30, first_name: "Анна" });
    const { user: rich } = await h.member({ id: 31, first_name: "Борис" });
    await createJobAndConsumeCredit(h.store, rich.id, job("r1"));
    await h.store.addCredits({ userId: rich.id, amount: 3, reason: "admin_grant", reference: "t:1" });
    const { u: admin } = await h.member({ id: ADMIN_ID, language_code: "ru" });
    admin.command("admin");
    const panel = await admin.next("Neurocards —");
    expect(panel.text).toContain("Задачи сегодня: в очереди 1 · в работе 0 · готово 0 · ошибка 0");

    admin.tap(panel, "adm:find");
    await admin.next("Отправьте Telegram id");
    admin.send("30");
    expect((await admin.next("Баланс:")).text).toContain("Баланс: 1 кредит\n");
    admin.tap(panel, "adm:find");
    await admin.next("Отправьте Telegram id");
    admin.send("31");
    const card = await admin.next("Баланс:");
    expect(card.text).toContain("Баланс: 3 кредита\n");

    admin.tap(card, `adm:led:${rich.id}`);
    const ledger = await admin.next("Движения Борис");
    expect(ledger.text).toMatch(/\+1 → 1 · бонус за регистрацию/);
    expect(ledger.text).toMatch(/-1 → 0 · заказ видео/);
    expect(ledger.text).toMatch(/\+3 → 3 · начислил администратор/);
    admin.tap(ledger, `adm:u:${rich.id}`);
    admin.tap(await admin.next("Баланс:"), `adm:jobs:${rich.id}`);
    const jobs = await admin.next("Задачи Борис");
    expect(jobs.text).toMatch(/#\d+ .* · ugc · в очереди/);
    expect(buttonsOf(jobs).map((b) => b.text)).toEqual([
      expect.stringMatching(/^#\d+ в очереди$/),
      "← Назад",
    ]);
  });

  it("grants and deducts credits with a reason in the ledger, refusing to go below zero", async () => {
    h = await startPaymentsBot();
    const { user } = await h.member({ id: 30, first_name: "Oleg" });
    const { admin, panel } = await openAdmin();
    const card = await openUser(admin, panel, "30");

    admin.tap(card, `adm:g:${user.id}`);
    await admin.next("How many credits to grant to Oleg?");
    admin.send("ten");
    await admin.next("Send a whole number from 1 to 100000");
    admin.send("10");
    await admin.next("Why?");
    admin.send("compensation for a <broken> video");
    const granted = await admin.next("granted");
    expect(granted.text).toBe("➕ 10 credits granted to Oleg. Balance: 11.");

    admin.tap(card, `adm:d:${user.id}`);
    await admin.next("How many credits to take from Oleg?");
    admin.send("50");
    await admin.next("Why?");
    admin.send("test");
    expect((await admin.next()).text).toBe("Oleg has only 11 credits; nothing was taken. Deduct at most 11.");

    admin.tap(card, `adm:d:${user.id}`);
    await admin.next("How many credits to take from Oleg?");
    admin.send("4");
    await admin.next("Why?");
    admin.send("duplicate grant");
    expect((await admin.next()).text).toBe("➖ 4 credits taken from Oleg. Balance: 7.");

    const ledger = await h.store.getLedger(user.id, { limit: 10 });
    expect(ledger.slice(0, 2)).toMatchObject([
      { reason: "admin_deduct", delta: -4, note: `duplicate grant (admin ${ADMIN_ID})` },
      { reason: "admin_grant", delta: 10, note: `compensation for a <broken> video (admin ${ADMIN_ID})` },
    ]);
    expect(await ledgerSum(h.store, user.id)).toBe(7);
  });

  it("an admin question asked in the middle of the create flow gets the answer, not the flow", async () => {
    h = await startPaymentsBot();
    await h.member({ id: 32, username: "in_flow_target" });
    const { admin, panel } = await openAdmin();
    admin.forgeTap(panel, encode({ a: "create" }));
    await admin.next("product photo");
    admin.command("admin");
    const card = await openUser(admin, await admin.next("Neurocards —"), "@in_flow_target");
    expect(card.text).toContain("@in_flow_target");
  });

  it("a typed admin input survives a restart of the bot", async () => {
    h = await startPaymentsBot();
    const { user } = await h.member({ id: 31, first_name: "Ira" });
    const { admin, panel } = await openAdmin();
    const card = await openUser(admin, panel, "31");
    admin.tap(card, `adm:g:${user.id}`);
    await admin.next("How many credits");
    await h.restart();
    admin.send("3");
    await admin.next("Why?");
    admin.send("after restart");
    expect((await admin.next()).text).toBe("➕ 3 credits granted to Ira. Balance: 4.");
  });

  it("blocks and unblocks a user", async () => {
    h = await startPaymentsBot();
    const { u, user } = await h.member({ id: 40, first_name: "Max" });
    const { admin, panel } = await openAdmin();
    const maxCard = await openUser(admin, panel, "40");
    admin.tap(maxCard, `adm:blk:${user.id}`);
    await admin.next("Max is blocked.");
    expect((await h.store.getUserById(user.id))?.blocked).toBe(true);
    u.command("menu");
    expect((await u.next()).text).toContain("Access to the bot is restricted");

    const again = await openUser(admin, panel, "40");
    expect(again.text).toContain("Blocked by an admin");
    admin.tap(again, `adm:ublk:${user.id}`);
    await admin.next("Max is unblocked.");
    expect((await h.store.getUserById(user.id))?.blocked).toBe(false);
  });

  it("the alert about a failed video opens that job's card below it with one tap: its error, Retry and Refund credits", async () => {
    h = await startPaymentsBot();
    const { user } = await h.member({ id: 51 });
    const r = await createJobAndConsumeCredit(h.store, user.id, job("alert"));
    if (!r.ok) throw new Error("job not created");
    const id = r.job.id;
    await moveJob(h.store, id, "failed", {
      errorCode: "content_refused:task_400",
      errorMessage: "a real person",
    });
    const { admin } = await openAdmin();
    // The alert as the pipeline sends it (src/generation/run-job.ts).
    const telegram = createTelegram({ config: h.config, store: h.store, logger: silentLogger() });
    await telegram.notifyAdmins(`❌ Job #${id} failed`, { buttons: (l) => openJobButton(l, id) });
    const alert = await admin.next(`❌ Job #${id} failed`);
    admin.tap(alert, `🔎 Open job #${id}`);
    // A new message: the alert above keeps what it said.
    const card = await admin.next((m) => m.message_id !== alert.message_id && /Job #/.test(m.text ?? ""));
    expect(admin.tg.message(admin.id, alert.message_id)?.text).toBe(alert.text);
    expect(card.text).toContain("Error: content_refused:task_400: a real person");
    expect(buttonsOf(card).map((b) => b.text)).toEqual(["🔁 Retry", "↩️ Refund credits", "← Back"]);
  });

  it("shows a failed job's error, retries it through the queue, refunds its credit once and retries it free after the refund", async () => {
    h = await startPaymentsBot();
    const { user } = await h.member({ id: 50 });
    const r = await createJobAndConsumeCredit(h.store, user.id, job("f1"));
    if (!r.ok) throw new Error("job not created");
    const id = r.job.id;
    await moveJob(h.store, id, "failed", {
      errorCode: "content_policy",
      errorMessage: "people in photo",
    });
    const { admin, panel } = await openAdmin();

    admin.tap(panel, "adm:failed");
    const list = await admin.next("Failed jobs");
    expect(list.text).toContain("(content_policy)");
    admin.tap(list, `adm:job:${id}`);
    const card = await admin.next(`Job #${id}`);
    expect(card.text).toContain("Error: content_policy: people in photo");

    const wakesBefore = h.wakes.count;
    const q = admin.tap(card, `adm:jr:${id}`);
    expect((await h.tg.callbackAnswer(q)).text).toBe(`🔁 Job #${id} is back in the queue.`);
    expect((await h.store.getJobById(id))?.status).toBe("queued");
    expect(h.wakes.count).toBe(wakesBefore + 1);

    await moveJob(h.store, id, "failed", { errorCode: "content_policy" });
    admin.forgeTap(card, `adm:job:${id}`);
    const failedAgain = await admin.next(
      (m) => m.message_id === card.message_id && /Retry/.test(JSON.stringify(m.reply_markup)),
    );
    const refund = admin.tap(failedAgain, `adm:jf:${id}`);
    expect((await h.tg.callbackAnswer(refund)).text).toBe(
      `↩️ Credits of job #${id} returned. User balance: 1.`,
    );
    const twice = admin.forgeTap(failedAgain, `adm:jf:${id}`);
    expect((await h.tg.callbackAnswer(twice)).text).toBe(`No refund for job #${id}: already refunded.`);
    // Refunded jobs (every job the pipeline fails) can still be retried: free of charge.
    const retryAfterRefund = admin.forgeTap(failedAgain, `adm:jr:${id}`);
    expect((await h.tg.callbackAnswer(retryAfterRefund)).text).toBe(`🔁 Job #${id} is back in the queue.`);
    expect(await h.store.getJobById(id)).toMatchObject({ status: "queued", creditsCharged: 0 });
    expect((await h.store.getUserById(user.id))?.credits).toBe(1);
  });

  it("echoes the file_id of media the admin sends in file id mode", async () => {
    h = await startPaymentsBot();
    const { admin, panel } = await openAdmin();
    admin.tap(panel, "adm:fid");
    const mode = await admin.next("I reply with their file_id");
    const video = admin.video();
    const fileId = (video.video as { file_id: string }).file_id;
    expect((await admin.next("video:")).text).toBe(`video: ${fileId}`);
    const { file } = admin.photo();
    expect((await admin.next("photo:")).text).toBe(`photo: ${file.fileId}`);
    admin.tap(mode, "adm:fidx");
    await admin.next("File id mode is off");
    admin.video();
    expect((await admin.next()).text).not.toContain("video:");
  });

  it("broadcasts a formatted text to all users after a preview and confirmation, reporting the counts", async () => {
    h = await startPaymentsBot();
    const users = [];
    for (let i = 0; i < 8; i++) users.push((await h.member({ id: 60 + i })).u);
    h.tg.blockChat(63);
    const { admin, panel } = await openAdmin();
    admin.tap(panel, "adm:bc");
    admin.tap(await admin.next("Who gets the broadcast?"), "adm:bca:all");
    await admin.next("Send the broadcast message");
    admin.push({ text: "New templates & lower prices", entities: [{ type: "bold", offset: 4, length: 9 }] });
    const preview = await admin.next("New templates");
    expect(preview.entities).toEqual([{ type: "bold", offset: 4, length: 9 }]);
    const confirm = await admin.next("This is how it will look");
    expect(h.tg.messages(60)).toHaveLength(0);

    admin.tap(confirm, /Send/);
    await admin.next((m) => m.message_id === confirm.message_id && /finished/.test(m.text ?? ""), 15_000);
    const report = h.tg.message(ADMIN_ID, confirm.message_id);
    expect(report?.text).toBe(
      "✅ Broadcast #1 finished: 9 recipients · sent 8 · failed 0 · blocked the bot 1",
    );
    for (const u of users) {
      const got = h.tg.messages(u.id).filter((m) => m.text === "New templates & lower prices");
      expect(got, `user ${u.id}`).toHaveLength(u.id === 63 ? 0 : 1);
    }
    expect((await h.store.getUserByTgId(63))?.botBlockedAt).toBeInstanceOf(Date);

    // A second tap on the old Send button (a double tap) starts nothing again.
    const twice = admin.forgeTap(confirm, "adm:bcgo:1");
    expect((await h.tg.callbackAnswer(twice)).text).toBe("This broadcast was already started or cancelled.");
    expect(h.tg.messages(60).filter((m) => m.text === "New templates & lower prices")).toHaveLength(1);
  });

  it("broadcasts a photo with a caption to active users only, and a cancelled draft sends nothing", async () => {
    h = await startPaymentsBot();
    const { u: active, user: a } = await h.member({ id: 70 });
    const { u: idle, user: b } = await h.member({ id: 71 });
    await h.store.touchUser(a.id, new Date());
    await h.store.touchUser(b.id, new Date(Date.now() - 30 * 24 * 3600_000));
    const { admin, panel } = await openAdmin();

    admin.tap(panel, "adm:bc");
    admin.tap(await admin.next("Who gets the broadcast?"), "adm:bca:all");
    await admin.next("Send the broadcast message");
    admin.send("not this one");
    admin.tap(await admin.next("This is how it will look"), /Cancel/);
    await admin.next("Broadcast cancelled.");

    admin.tap(panel, "adm:bc");
    admin.tap(await admin.next("Who gets the broadcast?"), "adm:bca:active");
    await admin.next("Send the broadcast message");
    admin.sticker();
    await admin.next("Send text or one photo with a caption");
    const { file } = admin.photo({ caption: "Spring sale" });
    await admin.next((m) => m.caption === "Spring sale");
    const confirm = await admin.next("users active in 7 days");
    admin.tap(confirm, /Send/);
    await admin.next((m) => m.message_id === confirm.message_id && /finished/.test(m.text ?? ""), 15_000);
    // The admin (active right now) and the active user get it; the idle one does not.
    expect(h.tg.message(ADMIN_ID, confirm.message_id)?.text).toContain("2 recipients · sent 2");
    const photos = (u: FakeUser) => h.tg.messages(u.id).filter((m) => m.caption === "Spring sale");
    expect(photos(active)).toHaveLength(1);
    expect(photos(idle)).toHaveLength(0);
    expect(h.tg.calls.some((c) => c.method === "sendPhoto" && c.params.photo === file.fileId)).toBe(true);
    expect(h.tg.messages(active.id).some((m) => m.text === "not this one")).toBe(false);
  });
});
