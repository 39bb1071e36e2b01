// The Telegram sender: the pacer keeps Telegram's limits (fake clock), 403 marks the user, 429 is
// retried within bounds, a silent Telegram is given up after a bounded time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AbortController as PolyfillAbortController } from "abort-controller";
import { Api, HttpError, InputFile } from "grammy";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../src/config/index.ts";
import type { Store } from "../src/db/store.ts";
import { telegramClient } from "../src/telegram/fetch.ts";
import { pollingClient } from "../src/telegram/http-fetch.ts";
import { createTelegram, RETRY, withRetry } from "../src/telegram/index.ts";
import { createPacer } from "../src/telegram/pacer.ts";
import { callLimitSeconds, TELEGRAM_TIMEOUTS, timeLimit } from "../src/telegram/timeouts.ts";
import { isNotModified, UserBlockedBotError } from "../src/telegram/types.ts";
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

  it("an edit that changes nothing counts as shown (isNotModified); other refused edits do not", async () => {
    tg = await startFakeTelegram();
    const api = new Api(tg.token, { apiRoot: tg.apiRoot });
    tg.user({ id: 7 });
    const m = await api.sendMessage(7, "position 2");
    const same = await api.editMessageText(7, m.message_id, "position 2").catch((e: unknown) => e);
    expect(isNotModified(same)).toBe(true);
    const gone = await api.editMessageText(7, m.message_id + 100, "position 1").catch((e: unknown) => e);
    expect(isNotModified(gone)).toBe(false);
    expect(isNotModified(new Error("network down"))).toBe(false);
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

  it("each admin reads an alert in their own language: /lang first, then the Telegram app's; English when unknown", async () => {
    tg = await startFakeTelegram();
    const store = await sqliteFactory().make();
    const config = parseConfig({ BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, ADMIN_IDS: "5,6,7" });
    const telegram = createTelegram({ config, store, logger: silentLogger() });
    for (const id of [5, 6, 7]) tg.user({ id });
    await store.getOrCreateUser({ tgId: 5, languageCode: "kk" });
    const { user: chose } = await store.getOrCreateUser({ tgId: 6, languageCode: "ru" });
    await store.setUserLanguage(chose.id, "en");
    await telegram.notifyAdmins((l) => (l === "ru" ? "Мало места" : "Low disk"));
    expect([5, 6, 7].map((id) => tg.messages(id).map((m) => m.text))).toEqual([
      ["Мало места"],
      ["Low disk"],
      ["Low disk"],
    ]);
    await store.close();
  });

  it("alerts still go out, in English, while the database fails or does not answer (payment alerts come exactly then)", async () => {
    tg = await startFakeTelegram();
    const real = await sqliteFactory().make();
    await real.getOrCreateUser({ tgId: 5, languageCode: "ru" });
    await real.getOrCreateUser({ tgId: 6, languageCode: "ru" });
    const config = parseConfig({ BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, ADMIN_IDS: "5,6" });
    for (const id of [5, 6]) tg.user({ id });
    const down: Store = Object.assign(Object.create(real), {
      getUserByTgId: (id: number) =>
        id === 5 ? Promise.reject(new Error("ECONNREFUSED")) : new Promise<never>(() => {}),
    });
    const telegram = createTelegram({ config, store: down, logger: silentLogger() });
    await telegram.notifyAdmins((l) => (l === "ru" ? "Платёж ждёт" : "Payment waits"));
    expect(tg.messages(5).map((m) => m.text)).toEqual(["Payment waits"]);
    expect(tg.messages(6).map((m) => m.text)).toEqual(["Payment waits"]);
    await real.close();
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

/**
 * A Bot API server that reads each request whole and then answers only getUpdates, after
 * `pollAnswerMs` (never when undefined); every other call is left without an answer.
 */
async function silentTelegram(pollAnswerMs?: number) {
  const seen = { requests: 0, connections: 0, closed: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.requests++;
    req.resume();
    req.on("end", () => {
      if (req.url?.endsWith("/getUpdates") && pollAnswerMs !== undefined) {
        setTimeout(() => res.end(JSON.stringify({ ok: true, result: [] })), pollAnswerMs);
      }
    });
  });
  server.on("connection", (socket) => {
    seen.connections++;
    socket.once("close", () => seen.closed++);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiRoot,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";
const short = { ...TELEGRAM_TIMEOUTS, callSeconds: 0.3, pollMarginSeconds: 0.6, uploadSilenceSeconds: 0.5 };

async function elapsed(p: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const t0 = Date.now();
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { ms: Date.now() - t0, error };
}

describe("a Telegram that never answers", () => {
  let server: Awaited<ReturnType<typeof silentTelegram>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  // A whole second: on a busy machine the first call takes a while to reach the server. The
  // silence limit stays far above it, as in production (30 s and 120 s): undici's headers timer
  // runs on its own coarse clock (it fires up to a second late, or early against a timer set
  // just before it), so a 0.5 s one raced the 1 s limit, and it closed the connection by itself
  // when the limit's abort did not reach undici.
  const callLimit = { ...short, callSeconds: 1, uploadSilenceSeconds: 10 };

  it.each([
    ["node:http (the bot's)", (root: string) => pollingClient(root, callLimit)],
    ["the undici client (the queue's)", (root: string) => telegramClient(root, callLimit)],
  ])(
    "a call through %s fails as a network error after the call limit, its connection closed",
    async (_name, client) => {
      server = await silentTelegram();
      const api = new Api(TOKEN, client(server.apiRoot));
      api.config.use(timeLimit(callLimit));
      const { ms, error } = await elapsed(api.getMe());
      expect(error).toBeInstanceOf(HttpError);
      expect(String((error as HttpError).error)).toContain("Request to 'getMe' timed out after 1 seconds");
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(ms).toBeLessThan(4000);
      expect(server.seen.requests).toBe(1);
      // Given up, not left open: every connection the call made is closed (by the limit's abort:
      // nothing else would close it before the 10 s silence limit).
      await vi.waitFor(() => expect(server?.seen.closed).toBe(server?.seen.connections), { timeout: 1000 });
    },
  );

  it("long polling's getUpdates is waited for its own timeout plus the margin, then given up", async () => {
    server = await silentTelegram(1000);
    const api = new Api(TOKEN, pollingClient(server.apiRoot));
    api.config.use(timeLimit(short));
    // Telegram answers a 1-second long poll after 1 s: well past the 0.3 s call limit.
    expect(await api.getUpdates({ timeout: 1 })).toEqual([]);
    await server.close();
    server = await silentTelegram();
    const given = new Api(TOKEN, pollingClient(server.apiRoot));
    given.config.use(timeLimit(short));
    const { ms, error } = await elapsed(given.getUpdates({ timeout: 1 }));
    expect(error).toBeInstanceOf(HttpError);
    expect(ms).toBeGreaterThanOrEqual(1500);
    expect(ms).toBeLessThan(4000);
  });

  it.each([
    ["node:http (the bot's)", pollingClient],
    ["undici (the queue's)", telegramClient],
  ])("an upload Telegram stops answering is given up after the silence limit (%s)", async (_name, client) => {
    server = await silentTelegram();
    const api = new Api(TOKEN, client(server.apiRoot, short));
    api.config.use(timeLimit(short));
    const { ms, error } = await elapsed(api.sendDocument(1, new InputFile(Buffer.alloc(200_000), "a.mp4")));
    expect(error).toBeInstanceOf(HttpError);
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(4000);
  });

  it("the bot's and the queue's Api (withRetry) give a silent Telegram up after a few timed attempts", async () => {
    server = await silentTelegram();
    const api = withRetry(new Api(TOKEN, pollingClient(server.apiRoot)), short);
    const { ms, error } = await elapsed(api.getMe());
    expect(error).toBeInstanceOf(HttpError);
    expect(server.seen.requests).toBe(RETRY.networkAttempts + 1);
    expect(ms).toBeLessThan(10_000);
  }, 15_000);

  it("limits: 30 s for a call, the long poll's timeout + 15 s for getUpdates, silence only for an upload", () => {
    expect(callLimitSeconds("sendMessage", { chat_id: 1, text: "hi" })).toBe(30);
    expect(callLimitSeconds("getUpdates", { timeout: TELEGRAM_TIMEOUTS.pollSeconds })).toBe(45);
    expect(
      callLimitSeconds("sendVideo", { chat_id: 1, video: new InputFile(Buffer.alloc(1)) }),
    ).toBeUndefined();
    expect(
      callLimitSeconds("sendMediaGroup", {
        chat_id: 1,
        media: [{ type: "video", media: new InputFile(Buffer.alloc(1)) }],
      }),
    ).toBeUndefined();
    expect(callLimitSeconds("sendVideo", { chat_id: 1, video: "file-id" })).toBe(30);
    // Methods that cannot carry a file are not scanned for one.
    expect(callLimitSeconds("sendMessage", { chat_id: 1, text: new InputFile(Buffer.alloc(1)) })).toBe(30);
  });

  it.each([
    ["Node's AbortController", () => new AbortController()],
    ["the runner's polyfill", () => new PolyfillAbortController() as unknown as AbortController],
  ])("a caller's abort (%s) ends a limited call at once, its connection closed", async (_name, make) => {
    server = await silentTelegram();
    const api = new Api(TOKEN, pollingClient(server.apiRoot));
    api.config.use(timeLimit(TELEGRAM_TIMEOUTS));
    const controller = make();
    setTimeout(() => controller.abort(), 200);
    const { ms, error } = await elapsed(api.getUpdates({ timeout: 30 }, controller.signal as never));
    expect(error).toBeInstanceOf(HttpError);
    expect(ms).toBeLessThan(5000);
    await vi.waitFor(() => expect(server?.seen.closed).toBe(server?.seen.connections), { timeout: 1000 });
  });
});
