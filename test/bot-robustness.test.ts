// What must never go wrong: double taps, restarts mid-flow, bad input, forged or stale buttons,
// handler failures, Telegram's 429/5xx storms and 409 conflicts, blocked users.

import { spawnSync } from "node:child_process";
import { Composer } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import type { BotContext } from "../src/bot/context.ts";
import { createBot } from "../src/bot/index.ts";
import { leaseOwner } from "../src/bot/polling.ts";
import { supportRepo } from "../src/db/ops/support.ts";
import type { Store } from "../src/db/store.ts";
import { createSupportFeature } from "../src/support/index.ts";
import { buttonsOf, type FakeMessage, type FakeUser, startFakeTelegram } from "./fakes/telegram-server.ts";
import { type BotHarness, startBotHarness, waitUntil } from "./helpers/bot-harness.ts";
import { chooseOptions } from "./helpers/seller.ts";
import { ledgerSum, moveJob } from "./helpers/store-ops.ts";
import { sqliteFactory } from "./helpers/stores.ts";

const harnesses: BotHarness[] = [];
async function start(o: Parameters<typeof startBotHarness>[0] = {}): Promise<BotHarness> {
  const h = await startBotHarness(o);
  harnesses.push(h);
  return h;
}
const fakes: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const h of harnesses.splice(0).reverse()) await h.close();
  for (const f of fakes.splice(0)) await f.close();
});

const PRODUCT = "Linen bed sheets, 200x220, soft and breathable, three colours";
let nextId = 5000;

async function userRow(h: BotHarness, u: FakeUser) {
  const user = await h.store.getUserByTgId(u.id);
  if (!user) throw new Error(`no user ${u.id}`);
  return user;
}

async function toDescription(u: FakeUser): Promise<void> {
  u.tap(u.last() as FakeMessage, "n1:create");
  await u.next(/Step 1 of 5/);
  u.photo();
  await u.next(/Step 2 of 5/);
}

async function toConfirm(u: FakeUser, count: 1 | 3 = 1): Promise<FakeMessage> {
  await toDescription(u);
  u.send(PRODUCT);
  u.tap(await u.next(/Step 3 of 5/), "UGC blogger");
  u.tap(await u.next(/Step 3 of 5 — length/), /^15 s/);
  await u.next(/Step 4 of 5 — wishes/);
  u.send("-");
  u.tap(await u.next(/Step 5 of 5/), String(count));
  return u.next(/Check and confirm/);
}

describe("bot robustness", () => {
  it("a double tap on Confirm, or a replayed callback, creates the jobs once and charges once", async () => {
    const h = await start({ env: { FREE_CREDITS: "5" } });
    const u = await h.consentedUser({ id: nextId++ });
    const confirm = await toConfirm(u, 3);
    const first = u.tap(confirm, "✅ Confirm");
    const second = h.tg.callbackQuery(u.profile, confirm, buttonsOf(confirm)[0]?.callback_data ?? "");
    await u.next(/Accepted/);
    expect((await h.tg.callbackAnswer(second.queryId)).text).toBe(
      "This order is already accepted and being made.",
    );
    await h.tg.callbackAnswer(first);
    h.tg.replay(second.update);
    await waitUntil(() => h.tg.callsTo("answerCallbackQuery").length >= 4, 5000, "the replay to be answered");
    const user = await userRow(h, u);
    expect(await h.store.getUserJobs(user.id, { limit: 10 })).toHaveLength(3);
    expect(user.credits).toBe(2);
    expect(await ledgerSum(h.store, user.id)).toBe(2);
  });

  it("a restart in the middle of the flow continues where the user was", async () => {
    const h = await start();
    const u = await h.consentedUser({ id: nextId++ });
    await toDescription(u);
    await h.restart();
    u.send(PRODUCT);
    const tpl = await u.next(/Step 3 of 5/);
    await h.restart();
    u.tap(tpl, "Cinematic product shots");
    const format = await u.next(/Step 3 of 5 — format/);
    await h.restart();
    u.tap(format, "📱 Vertical 9:16");
    await u.next(/Step 4 of 5 — wishes/);
  });

  it("bad input at every step gets a short reply saying what is expected", async () => {
    const h = await start();
    const u = await h.consentedUser({ id: nextId++ });
    u.tap(u.last() as FakeMessage, "n1:create");
    await u.next(/Step 1 of 5/);
    const expectPhoto = /Please send a photo of the product \(JPG, PNG or WebP up to 20 MB\)/;
    u.sticker();
    await u.next(expectPhoto);
    u.voice();
    await u.next(expectPhoto);
    u.video();
    await u.next(expectPhoto);
    u.send("here is my product");
    await u.next(expectPhoto);
    u.document({ fileName: "offer.pdf", mimeType: "application/pdf", size: 30_000 });
    await u.next(/not a JPG, PNG or WebP image/);
    u.document({ fileName: "huge.png", mimeType: "image/png", size: 21 * 1024 * 1024 });
    await u.next(/larger than 20 MB/);
    u.command("whatever");
    await u.next(/You are in the middle of creating a video\. Please send a photo[\s\S]*\/cancel/);
    const { file } = u.document({ fileName: "mug.png", mimeType: "image/png", size: 2_000_000 });
    await u.next(/Step 2 of 5/);

    u.photo();
    await u.next(/Please send the product description as text \(10–5000 characters\)/);
    u.send("short");
    await u.next(/Too short: 5 characters\. Please write at least 10\./);
    u.send("x".repeat(5001));
    await u.next(/Too long: 5001 characters\. Please keep it within 5000\./);
    u.send(PRODUCT);
    const tpl = await u.next(/Step 3 of 5/);

    u.send("the first one");
    await u.next(/Please pick a template with the buttons above\./);
    u.tap(tpl, "UGC blogger");
    const length = await u.next(/Step 3 of 5 — length/);
    u.send("15");
    await u.next(/Please choose the length with the buttons above\./);
    u.tap(length, /^15 s/);
    await u.next(/Step 4 of 5/);
    u.sticker();
    await u.next(/Please send your wishes as text \(up to 1000 characters\), or “-” \(“no”\) to skip\./);
    u.send("w".repeat(1001));
    await u.next(/Please send your wishes as text/);
    u.send("Bright bedroom");
    await u.next(/Step 5 of 5/);
    u.send("3");
    await u.next(/Please choose how many videos with the buttons above\./);

    const job = await h.store.getUserJobs((await userRow(h, u)).id, { limit: 1 });
    expect(job).toHaveLength(0);
    const session = JSON.parse((await h.store.readSession(`u${u.id}`)) ?? "{}") as {
      draft: { photoFileId: string };
    };
    expect(session.draft.photoFileId).toBe(file.fileId);
  });

  it("own prompt: empty-ish or too short prompts are refused", async () => {
    const h = await start();
    const u = await h.consentedUser({ id: nextId++ });
    await toDescription(u);
    u.send(PRODUCT);
    u.tap(await u.next(/Step 3 of 5/), "Own prompt");
    expect((await chooseOptions(u)).text).toMatch(/your prompt/);
    u.send("zoom");
    await u.next(/Please send the prompt as text \(10–3000 characters\)/);
    u.photo();
    await u.next(/Please send the prompt as text/);
  });

  it("user text is escaped, never injected into HTML", async () => {
    const h = await start();
    const u = await h.consentedUser({ id: nextId++ });
    await toDescription(u);
    u.send("<b>Mug</b> & <script>alert(1)</script> for tea");
    u.tap(await u.next(/Step 3 of 5/), "Own prompt");
    expect((await chooseOptions(u)).text).toMatch(/your prompt/);
    u.send("Show <i>the</i> mug & a <tag> here");
    const review = await u.next(/Your prompt:/);
    expect(review.text).toContain("Show <i>the</i> mug & a <tag> here");
    expect(h.tg.calls.filter((c) => c.status === 400)).toEqual([]);
  });

  it("forged and stale callback data act on nothing and answer “outdated: send /menu for a fresh one”", async () => {
    const h = await start({ env: { FREE_CREDITS: "3" } });
    const owner = await h.consentedUser({ id: nextId++ });
    const confirm = await toConfirm(owner);
    owner.tap(confirm, "✅ Confirm");
    await owner.next(/Accepted/);
    const [job] = await h.store.getUserJobs((await userRow(h, owner)).id, { limit: 1 });
    if (!job) throw new Error("no job");
    await moveJob(h.store, job.id, "processing");
    await moveJob(h.store, job.id, "succeeded", { resultFileId: "someone-elses-video" });

    const thief = await h.consentedUser({ id: nextId++ });
    const menu = thief.last() as FakeMessage;
    const forged = [
      `n1:resend:${job.id}`,
      `n1:job:${job.id}:0`,
      `n1:again:${job.id}`,
      "n1:confirm:1",
      "n1:tpl:1:ugc",
      "n1:tpl:x:ugc",
      "n1:dur:1:15",
      "n1:dur:1:fifteen",
      "n1:fmt:1:vertical",
      "n1:fmt:1:diagonal",
      "n1:count:1:4",
      "n0:menu",
      "n1:nope",
      "n1:menu:extra",
      "garbage",
    ];
    for (const data of forged) {
      const q = thief.forgeTap(menu, data);
      expect((await h.tg.callbackAnswer(q)).text, data).toBe(
        "This menu is outdated: send /menu for a fresh one.",
      );
    }
    expect(thief.since().filter((e) => e.type === "send")).toEqual([]);
    expect(h.tg.message(thief.id, menu.message_id)?.text).toBe(menu.text);
    expect((await userRow(h, thief)).credits).toBe(3);
    expect(await h.store.getUserJobs((await userRow(h, thief)).id, { limit: 5 })).toHaveLength(0);

    // A button of an older flow is outdated once a new flow started.
    const old = await toConfirm(thief);
    thief.command("menu");
    await thief.next(/Main menu/);
    const q = thief.tap(old, "✅ Confirm");
    expect((await h.tg.callbackAnswer(q)).text).toBe("This menu is outdated: send /menu for a fresh one.");
    expect(await h.store.getUserJobs((await userRow(h, thief)).id, { limit: 5 })).toHaveLength(0);
  });

  it("a failing handler still answers the callback, logs the update id and says “try again”", async () => {
    const factory = sqliteFactory();
    const real = await factory.make();
    let fail = false;
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop === "countUserJobs" || prop === "createJobsAndConsumeCredits") {
          return (...args: unknown[]) => {
            if (fail) return Promise.reject(new Error("database is on fire"));
            return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          };
        }
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as Store;
    const h = await start({ store });
    const u = await h.consentedUser({ id: nextId++ });
    fail = true;
    // The cabinet answers the tap first, then fails: the user gets the message instead.
    const q = u.tap(u.last() as FakeMessage, "n1:cabinet:0");
    await h.tg.callbackAnswer(q);
    await u.next(/^Something went wrong, please try again\.$/);
    const line = h.logs.find((l) => l.msg === "update handler failed");
    expect(line?.updateId).toEqual(expect.any(Number));
    expect((await h.metrics.handlerErrors.get()).values[0]?.value).toBe(1);

    // Confirm fails before answering: the answer itself carries the text.
    fail = false;
    u.command("menu");
    await u.next(/Main menu/);
    const confirm = await toConfirm(u);
    fail = true;
    const q2 = u.tap(confirm, "✅ Confirm");
    expect((await h.tg.callbackAnswer(q2)).text).toBe("Something went wrong, please try again.");
    expect(
      u
        .since()
        .map((e) => e.message.text ?? "")
        .join(),
    ).not.toMatch(/database is on fire|\.ts:\d+/);
    await real.close();
  });

  it("“Something went wrong” comes with the Menu and Support buttons in the user's language, also when the failure came before the user was loaded", async () => {
    const factory = sqliteFactory();
    const real = await factory.make();
    let fail: "jobs" | "users" | null = null;
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        const failing =
          (fail === "jobs" && prop === "countUserJobs") || (fail === "users" && prop === "getUserByTgId");
        if (failing) return () => Promise.reject(new Error("database is on fire"));
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as Store;
    const h = await start({
      store,
      env: { ADMIN_IDS: "990001" },
      ungated: (d) => [createSupportFeature({ ...d, repo: supportRepo(d.store.driver) })],
    });
    const u = await h.consentedUser({ id: nextId++, language_code: "ru" });
    fail = "jobs";
    u.tap(u.last() as FakeMessage, "n1:cabinet:0");
    const sorry = await u.next(/^Что-то пошло не так, попробуйте ещё раз\.$/);
    expect(buttonsOf(sorry).map((b) => b.text)).toEqual(["☰ Меню", "💬 Поддержка"]);
    fail = null;
    u.tap(sorry, "💬 Поддержка");
    await u.next(/Напишите свой вопрос здесь/);

    // The user's own row cannot be read: the Telegram client's language still speaks.
    fail = "users";
    u.command("menu");
    const early = await u.next(/^Что-то пошло не так/);
    expect(buttonsOf(early).map((b) => b.text)).toEqual(["☰ Меню", "💬 Поддержка"]);
    fail = null;
    u.tap(early, "☰ Меню");
    await u.next(/Главное меню/);
    await real.close();
  });

  it("429 and 5xx storms lose no reply", async () => {
    const h = await start();
    const users = Array.from({ length: 12 }, () => h.user({ id: nextId++ }));
    h.tg.inject({ method: "sendMessage", times: 8, error: { status: 429, retryAfter: 1 } });
    h.tg.inject({ method: "sendMessage", times: 2, error: { status: 502 } });
    h.tg.inject({ method: "sendMessage", times: 1, error: { status: "drop" } });
    for (const u of users) u.command("start");
    await Promise.all(users.map((u) => u.next(/You get 1 credit for free/, 15_000)));
    expect(h.tg.callsTo("sendMessage").filter((c) => c.status !== 200).length).toBeGreaterThanOrEqual(10);
    for (const u of users) expect(u.messages().filter((m) => /You get/.test(m.text ?? ""))).toHaveLength(1);
  }, 30_000);

  it("an admin-blocked user gets one short notice; payments still pass", async () => {
    const h = await start();
    const u = await h.consentedUser({ id: nextId++ });
    const menu = u.last() as FakeMessage;
    await h.store.setBlocked((await userRow(h, u)).id, true);
    u.send("hello");
    await u.next(/Access to the bot is restricted/);
    u.command("start");
    u.send("again?");
    const q = u.tap(menu, "n1:create");
    expect((await h.tg.callbackAnswer(q)).text).toMatch(/Access to the bot is restricted/);
    await new Promise((r) => setTimeout(r, 200));
    expect(u.since()).toEqual([]);
  });

  it("my_chat_member: blocking the bot marks the user, unblocking clears it", async () => {
    const h = await start();
    const u = await h.consentedUser({ id: nextId++ });
    u.setBotStatus("kicked");
    await waitUntil(() => h.tg.pendingUpdates() === 0);
    await new Promise((r) => setTimeout(r, 100));
    expect((await userRow(h, u)).botBlockedAt).toBeInstanceOf(Date);
    u.setBotStatus("member");
    await new Promise((r) => setTimeout(r, 300));
    expect((await userRow(h, u)).botBlockedAt).toBeNull();
  });

  it("starts with deleteWebhook, the command lists per language, allowed_updates exactly as handled", async () => {
    const h = await start();
    // Polling counts as started once the runner runs; its first getUpdates may be a moment later.
    await waitUntil(() => h.tg.allowedUpdates !== null, 5000, "the first getUpdates");
    expect(h.tg.callsTo("deleteWebhook").length).toBeGreaterThan(0);
    expect(h.tg.commandsFor()?.map((c) => c.command)).toEqual([
      "start",
      "menu",
      "cancel",
      "help",
      "promo",
      "lang",
      "terms",
      "paysupport",
    ]);
    expect(h.tg.commandsFor(undefined, "ru")?.[0]?.description).toBe("Запуск и главное меню");
    expect(h.tg.commandsFor(undefined, "uk")?.[0]?.description).toBe("Запуск и главное меню");
    expect(h.tg.allowedUpdates).toEqual([
      "message",
      "callback_query",
      "pre_checkout_query",
      "my_chat_member",
    ]);
    expect(h.logs.some((l) => l.msg === "bot @neurocards_test_bot started")).toBe(true);
  });

  it("409 from another poller is logged with its cause and retried; polling resumes when it goes away", async () => {
    const h = await start();
    h.tg.setOtherPoller(true);
    await waitUntil(() =>
      h.logs.some((l) => String(l.msg).includes("another program is polling with this bot token")),
    );
    await waitUntil(
      () => h.logs.filter((l) => String(l.msg).includes("409")).length >= 2,
      5000,
      "a second attempt",
    );
    h.tg.setOtherPoller(false);
    await waitUntil(() => h.bot.isPolling(), 5000, "polling again");
    const u = h.user({ id: nextId++ });
    u.command("start");
    await u.next(/You get/);
  });

  it("an unreachable Telegram at start is logged and retried while start() returns; the bot introduces itself and polls once it is back", async () => {
    const tg = await startFakeTelegram();
    fakes.push(tg);
    tg.inject({ method: "getMe", times: 1_000_000, error: { status: "drop" } });
    // start() must return (so the process can install its signal handlers and log), not wait for Telegram.
    const h = await start({ tg, waitForPolling: false });
    expect(h.logs.some((l) => l.msg === "could not introduce the bot to Telegram yet")).toBe(true);
    await waitUntil(
      () =>
        h.logs.some((l) => String(l.msg).startsWith("polling Telegram failed: Network request for 'getMe'")),
      10_000,
      "the poller to report the outage",
    );
    expect(h.bot.isPolling()).toBe(false);
    tg.clearInjections();
    await waitUntil(() => h.bot.isPolling(), 10_000, "polling after Telegram is back");
    expect(h.logs.some((l) => l.msg === "bot @neurocards_test_bot started")).toBe(true);
    expect(tg.commandsFor({ type: "default" }, "")).toContainEqual(
      expect.objectContaining({ command: "start" }),
    );
    const u = h.user({ id: nextId++ });
    u.command("start");
    await u.next(/You get/);
  });

  it("a webhook set by someone else is reported and deleted; polling resumes", async () => {
    const h = await start();
    await h.telegram.api.setWebhook("https://example.com/elsewhere");
    await waitUntil(() => h.logs.some((l) => String(l.msg).includes("a webhook is set for this token")));
    await waitUntil(() => h.tg.webhook === null && h.bot.isPolling(), 5000, "the webhook to be deleted");
    const u = h.user({ id: nextId++ });
    u.command("start");
    await u.next(/You get/);
  });

  it("a second bot on the same database refuses to poll with a clear message, and takes over when the first stops", async () => {
    const first = await start();
    const second = await start({ tg: first.tg, store: first.store, waitForPolling: false });
    await waitUntil(() =>
      second.logs.some((l) => String(l.msg).includes("another neurocards process is already polling")),
    );
    expect(second.bot.isPolling()).toBe(false);
    expect(second.bot.pollerState()).toBe("waiting_for_lease");
    await first.stopBot();
    await waitUntil(() => second.bot.isPolling(), 5000, "the second bot to take over");
    const u = first.tg.user({ id: nextId++ });
    u.command("start");
    await u.next(/You get/);
  });

  it("stop() while polling is still starting (Telegram slow to answer) leaves no poller running", async () => {
    const tg = await startFakeTelegram();
    fakes.push(tg);
    tg.inject({ method: "deleteWebhook", error: { status: 429, retryAfter: 1 } });
    const h = await start({ tg, waitForPolling: false });
    await h.stopBot();
    await new Promise((r) => setTimeout(r, 1500));
    expect(tg.callsTo("getUpdates")).toHaveLength(0);
    expect(h.bot.pollerState()).toBe("stopped");
  });

  it("a stop during start-up, while Telegram is slow to answer getMe, wins: the bot never starts polling", async () => {
    const h = await start();
    await h.stopBot();
    // The bot under test talks to a Telegram of its own: the harness bot's last getUpdates, aborted
    // by its stop, may still reach the harness's fake afterwards (on a busy machine it does).
    const tg = await startFakeTelegram();
    fakes.push(tg);
    tg.inject({ method: "getMe", error: { status: 429, retryAfter: 1 } });
    const config = { ...h.config, telegram: { ...h.config.telegram, apiRoot: tg.apiRoot } };
    const bot = createBot({
      ...h,
      config,
      polling: { leaseTtlMs: 3000, backoffMs: { first: 50, max: 500 } },
    });
    const starting = bot.start();
    await bot.stop();
    await starting;
    await new Promise((r) => setTimeout(r, 500));
    // The stop came while getMe was being retried, and start-up finished after it.
    expect(tg.callsTo("getMe").map((c) => c.status)).toEqual([429, 200]);
    expect(tg.callsTo("getUpdates")).toHaveLength(0);
    expect(bot.pollerState()).not.toBe("polling");
  });

  it("after a kill -9 the restarted bot takes over at once the lease its dead predecessor on this machine held", async () => {
    const first = await start();
    await first.stopBot();
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    await first.store.acquireInstanceLease("telegram-poller", leaseOwner(dead, "gone"), 60_000);
    const t0 = Date.now();
    const second = await start({ tg: first.tg, store: first.store, waitForPolling: false });
    await waitUntil(() => second.bot.isPolling(), 5000, "the restarted bot to poll");
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(second.logs.some((l) => String(l.msg).includes("taking over its lease"))).toBe(true);
  });

  it("a lease of a gone pid in another pid namespace (a container on the same hostname) is not taken over", async () => {
    const first = await start();
    await first.stopBot();
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    const owner = leaseOwner(dead, "x").replace(/:(\d+)\.x$/, ":1.x");
    await first.store.acquireInstanceLease("telegram-poller", owner, 60_000);
    const second = await start({ tg: first.tg, store: first.store, waitForPolling: false });
    await waitUntil(() => second.bot.pollerState() === "waiting_for_lease", 5000, "the bot to wait");
    expect(second.bot.isPolling()).toBe(false);
  });

  it("a lease held by a live process on this machine is not taken over", async () => {
    const first = await start();
    await first.stopBot();
    await first.store.acquireInstanceLease("telegram-poller", leaseOwner(process.ppid, "alive"), 60_000);
    const second = await start({ tg: first.tg, store: first.store, waitForPolling: false });
    await waitUntil(() => second.bot.pollerState() === "waiting_for_lease", 5000, "the bot to wait");
    expect(second.bot.isPolling()).toBe(false);
  });

  it("stop() lets the updates in flight finish", async () => {
    let began = () => {};
    const started = new Promise<void>((r) => {
      began = r;
    });
    const slow = new Composer<BotContext>();
    slow.command("slow", async (ctx) => {
      began();
      await new Promise((r) => setTimeout(r, 300));
      await ctx.reply("finished slowly");
    });
    const h = await start({ features: () => [slow] });
    const u = await h.consentedUser({ id: nextId++ });
    u.command("slow");
    await started;
    await h.stopBot();
    expect(u.messages().at(-1)?.text).toBe("finished slowly");
  });
});
