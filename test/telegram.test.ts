// The Telegram sender: the pacer keeps Telegram's limits (fake clock), 403 marks the user, 429 is
// retried within bounds.
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../src/config/index.ts";
import { createTelegram, RETRY } from "../src/telegram/index.ts";
import { createPacer } from "../src/telegram/pacer.ts";
import { UserBlockedBotError } from "../src/telegram/types.ts";
import { type FakeTelegram, startFakeTelegram } from "./fakes/telegram-server.ts";
import { silentLogger, sqliteFactory } from "./helpers/stores.ts";

describe("send pacer", () => {
  afterEach(() => vi.useRealTimers());

  it("never starts more than 30 calls in any second, nor two calls to one chat within a second", async () => {
    vi.useFakeTimers({ now: 0 });
    const pacer = createPacer({ ratePerSecond: 30, now: () => Date.now() });
    const starts: Array<{ chat: number; at: number; seq: number }> = [];
    const done: Array<Promise<void>> = [];
    // A broadcast to 100 chats interleaved with 20 deliveries to one busy chat.
    for (let i = 0; i < 120; i++) {
      const chat = i % 6 === 0 ? 1 : 1000 + i;
      done.push(
        pacer.schedule(chat, async () => {
          starts.push({ chat, at: Date.now(), seq: i });
        }),
      );
    }
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(done);
    expect(starts).toHaveLength(120);
    for (const s of starts) {
      expect(starts.filter((x) => x.at > s.at - 1000 && x.at <= s.at).length).toBeLessThanOrEqual(30);
    }
    const busy = starts.filter((s) => s.chat === 1);
    for (let i = 1; i < busy.length; i++) {
      expect((busy[i]?.at ?? 0) - (busy[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
      expect(busy[i]?.seq).toBeGreaterThan(busy[i - 1]?.seq ?? 0);
    }
    // The busy chat does not hold up the others: the 100 other chats finish in about 4 seconds.
    const others = starts.filter((s) => s.chat !== 1);
    expect(Math.max(...others.map((s) => s.at))).toBeLessThan(5000);
    expect(Math.max(...busy.map((s) => s.at))).toBeGreaterThanOrEqual(19_000);
  });

  it("is off when the rate is 0", async () => {
    const pacer = createPacer({ ratePerSecond: 0 });
    let n = 0;
    await Promise.all(Array.from({ length: 100 }, () => pacer.schedule(1, async () => n++)));
    expect(n).toBe(100);
    expect(pacer.waiting).toBe(0);
  });

  it("passes a call's failure to its caller only", async () => {
    vi.useFakeTimers({ now: 0 });
    const pacer = createPacer({ ratePerSecond: 30, now: () => Date.now() });
    const bad = pacer.schedule(1, () => Promise.reject(new Error("boom")));
    const good = pacer.schedule(2, async () => "ok");
    await expect(bad).rejects.toThrow("boom");
    await expect(good).resolves.toBe("ok");
  });
});

describe("createTelegram", () => {
  let tg: FakeTelegram;
  afterEach(() => tg?.close());

  it("marks a user who blocked the bot and rejects with UserBlockedBotError", async () => {
    tg = await startFakeTelegram();
    const store = await sqliteFactory().make();
    const config = parseConfig({
      BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      SEND_RATE_PER_SECOND: "30",
    });
    const telegram = createTelegram({ config, store, logger: silentLogger() });
    const { user } = await store.getOrCreateUser({ tgId: 77 });
    tg.user({ id: 77 });
    tg.blockChat(77);
    await expect(telegram.send(77, (api) => api.sendMessage(77, "your video"))).rejects.toBeInstanceOf(
      UserBlockedBotError,
    );
    expect((await store.getUserById(user.id))?.botBlockedAt).toBeInstanceOf(Date);
    await store.close();
  });

  it("retries a 429 after retry_after and a dropped connection, within the configured bounds", async () => {
    tg = await startFakeTelegram();
    const store = await sqliteFactory().make();
    const config = parseConfig({ BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, ADMIN_IDS: "5,6" });
    const telegram = createTelegram({ config, store, logger: silentLogger() });
    tg.user({ id: 5 });
    tg.user({ id: 6 });
    tg.inject({ method: "sendMessage", chatId: 5, error: { status: 429, retryAfter: 1 } });
    tg.inject({ method: "sendMessage", chatId: 6, error: { status: "drop" } });
    await telegram.notifyAdmins("disk is almost full");
    expect(tg.messages(5).map((m) => m.text)).toEqual(["disk is almost full"]);
    expect(tg.messages(6).map((m) => m.text)).toEqual(["disk is almost full"]);
    expect(tg.callsTo("sendMessage", 5).map((c) => c.status)).toEqual([429, 200]);
    // A retry_after beyond the bound fails the call instead of stalling a worker for an hour.
    tg.inject({
      method: "sendMessage",
      chatId: 5,
      error: { status: 429, retryAfter: RETRY.maxDelaySeconds + 1 },
    });
    await expect(telegram.send(5, (api) => api.sendMessage(5, "x"))).rejects.toMatchObject({
      error_code: 429,
    });
    await store.close();
  });

  it("paced sends stay within limits the fake enforces like Telegram (no 429 for 45 sends)", async () => {
    tg = await startFakeTelegram({ flood: { perChatPerSecond: 1, globalPerSecond: 30 } });
    const store = await sqliteFactory().make();
    const config = parseConfig({
      BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      SEND_RATE_PER_SECOND: "30",
    });
    const telegram = createTelegram({ config, store, logger: silentLogger() });
    const chats = Array.from({ length: 40 }, (_, i) => 900 + i);
    for (const id of chats) tg.user({ id });
    const sends = [...chats, 900, 900, 900, 901, 901].map((id) =>
      telegram.send(id, (api) => api.sendMessage(id, "hi")),
    );
    await Promise.all(sends);
    expect(tg.callsTo("sendMessage").filter((c) => c.status === 429)).toEqual([]);
    expect(tg.messages(900)).toHaveLength(4);
    await store.close();
  });
});
