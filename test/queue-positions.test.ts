// The "accepted, position N" notice follows the queue: the real bot's create flow against the fake
// Bot API, the real queue (its workers held back or slowed) against fake kie.ai and OpenAI.
import type { Api } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import type { JobQueueOptions } from "../src/app.ts";
import { saveQueueNotice } from "../src/bot/notice.ts";
import { createPositionNotifier } from "../src/generation/positions.ts";
import type { Telegram } from "../src/telegram/types.ts";
import { buttonsOf, type FakeUser } from "./fakes/telegram-server.ts";
import { orderVideo, type SellerWorld, startSellerWorld } from "./helpers/seller.ts";
import { postgresFactory, silentLogger, sqliteFactory } from "./helpers/stores.ts";
import type { Harness } from "./queue-harness.ts";

let w: SellerWorld | null = null;

afterEach(async () => {
  await w?.close();
  w = null;
});

async function start(queue: Partial<JobQueueOptions>): Promise<SellerWorld> {
  w = await startSellerWorld(3, { noQueue: true, queue, env: { OPENAI_TIMEOUT_SECONDS: "1" } });
  return w;
}

/** The next edit of message `id` in the user's chat after `seq` whose text matches. */
function edited(h: Harness, u: FakeUser, id: number, seq: number, text: RegExp, timeoutMs = 8000) {
  return h.tg.waitForEvent(
    u.id,
    seq,
    (e) => e.type === "edit" && e.message.message_id === id && text.test(e.message.text ?? ""),
    timeoutMs,
  );
}

describe("the accepted notice follows the queue", () => {
  it("moves the second order to position 1 when a worker claims the first; the first becomes its progress message", async () => {
    // One worker and a prompt writer that takes a second: the second order waits while the first runs.
    // Periodic passes are out of reach here, so the update comes from the claim itself.
    const { q, b } = await start({ concurrency: 1, positionsEveryMs: 600_000 });
    q.openai.setMode("hang");
    const a = await b.consentedUser({ id: 7301, language_code: "en" });
    const c = await b.consentedUser({ id: 7302, language_code: "en" });
    const noticeA = await orderVideo(a);
    await edited(q, a, noticeA.message_id, 0, /in the queue, position 1,/);
    const noticeB = await orderVideo(c);
    await edited(q, c, noticeB.message_id, 0, /in the queue, position 2,/);

    const seq = q.tg.lastSeq();
    q.queue.start();
    const moved = await edited(q, c, noticeB.message_id, seq, /in the queue, position 1,/);
    expect(moved.message.text).toContain("Balance: 2 credits.");
    expect(buttonsOf(moved.message).map((x) => x.text)).toEqual([
      "🔁 Make another with this product",
      "☰ Menu",
    ]);

    // The first order's notice is the progress message of its job, up to "Done".
    await edited(q, a, noticeA.message_id, seq, /Writing the script/);
    await edited(q, a, noticeA.message_id, seq, /Done/, 15_000);
    await a.next((m) => m.video !== undefined, 15_000);
    // So is the second's, once its turn came.
    await edited(q, c, noticeB.message_id, seq, /Done/, 15_000);
    expect(q.tg.calls.filter((x) => x.method === "editMessageText" && x.status !== 200)).toEqual([]);
  }, 30_000);

  it.runIf(process.env.TEST_DATABASE_URL)(
    "on Postgres, where the order's NOTIFY brings a worker at commit, a single video's notice still becomes its progress message",
    async () => {
      const url = process.env.TEST_DATABASE_URL as string;
      // Workers running and listening, as on a Postgres install: the order's own NOTIFY wakes them
      // the moment it commits, before the bot has shown (and recorded) the accepted notice.
      w = await startSellerWorld(
        3,
        { env: { DATABASE_URL: url, OPENAI_TIMEOUT_SECONDS: "1" }, queue: { concurrency: 1 } },
        postgresFactory(url),
      );
      const { q, b } = w;
      await new Promise((r) => setTimeout(r, 300)); // the LISTEN connection
      for (const [i, id] of [7321, 7322, 7323].entries()) {
        const u = await b.consentedUser({ id, language_code: "en" });
        const seq = q.tg.lastSeq();
        // The answers that come before the accepted notice take as long as they can over the
        // internet: the order's NOTIFY reaches the worker long before the bot shows the notice.
        q.tg.inject({ method: "editMessageText", chatId: id, times: 20, error: { status: "slow", ms: 300 } });
        q.tg.inject({ method: "answerCallbackQuery", times: 20, error: { status: "slow", ms: 300 } });
        const notice = await orderVideo(u);
        await edited(q, u, notice.message_id, seq, /Writing the script|Rendering/);
        await u.next((m) => m.video !== undefined, 15_000);
        const progress = u.messages().filter((m) => /Writing the script|Rendering|Done/.test(m.text ?? ""));
        expect({ order: i, progress: progress.map((m) => m.message_id) }).toEqual({
          order: i,
          progress: [notice.message_id],
        });
      }
    },
    45_000,
  );

  it("a batch shares one notice with its best position, then says it is being made; nothing is re-sent unchanged", async () => {
    // No workers in this process: another process claims (store.claimJobs), the passes notice it.
    const { q, b } = await start({ concurrency: 0, positionsEveryMs: 100 });
    q.queue.start();
    const a = await b.consentedUser({ id: 7311, language_code: "en" });
    const c = await b.consentedUser({ id: 7312, language_code: "ru" });
    await orderVideo(a);
    // Russian: the notice is edited in the user's language.
    const notice = await orderVideo(c, { lang: "ru", count: "3" });
    await edited(q, c, notice.message_id, 0, /3 видео в очереди, место 2,/);

    let seq = q.tg.lastSeq();
    await q.store.claimJobs("elsewhere", 60_000, 1);
    await edited(q, c, notice.message_id, seq, /3 видео в очереди, место 1,/);
    // Another job of the batch claimed: its best position is still 1, so the notice stays as it is.
    seq = q.tg.lastSeq();
    await q.store.claimJobs("elsewhere", 60_000, 1);
    await new Promise((r) => setTimeout(r, 400));
    expect(q.tg.events.filter((e) => e.seq > seq && e.chatId === c.id)).toEqual([]);

    await q.store.claimJobs("elsewhere", 60_000, 2);
    await edited(q, c, notice.message_id, seq, /3 видео уже в работе/);
    expect(q.tg.calls.filter((x) => x.method === "editMessageText" && x.status !== 200)).toEqual([]);
  }, 30_000);
});

describe("a notice recorded a moment after its jobs were created", () => {
  it("still follows the queue when a pass looked for it before the bot had recorded it", async () => {
    const store = await sqliteFactory().make({ freeCredits: 5 });
    const looked: string[] = [];
    const watched = {
      ...store,
      readSession: (k: string) => {
        looked.push(k);
        return store.readSession(k);
      },
    };
    const edits: { messageId: number; text: string }[] = [];
    const api = {
      async editMessageText(_chatId: number, messageId: number, text: string) {
        edits.push({ messageId, text });
        return true;
      },
    };
    const telegram: Telegram = {
      api: api as unknown as Api,
      send: (_chatId, call) => call(api as unknown as Api),
      async notifyAdmins() {},
    };
    const notifier = createPositionNotifier({
      store: watched,
      telegram,
      logger: silentLogger(),
      estimateMinutes: () => 3,
      everyMs: 20,
      noticeGraceMs: 200,
    });
    try {
      const { user } = await store.getOrCreateUser({ tgId: 7321 });
      const job = (batchKey: string) => ({
        chatId: 7321,
        template: "ugc",
        model: "veo3_fast",
        language: "en" as const,
        productText: "A ceramic mug",
        cost: 1,
        idempotencyKey: `order-${batchKey}`,
        batchKey,
      });
      const made = await store.createJobsAndConsumeCredits(user.id, [job("earlier"), job("late")]);
      if (!made.ok) throw new Error("setup");
      notifier.start();
      await expect.poll(() => looked.includes("queue-notice:late")).toBe(true);

      // The bot's edit came back: it records the notice, and a worker elsewhere takes the first job.
      await saveQueueNotice(store, "late", {
        count: 1,
        position: 2,
        balance: 3,
        againJobId: made.jobs[1]?.id ?? 0,
        chatId: 7321,
        messageId: 55,
        language: "en",
      });
      await store.claimJobs("elsewhere", 60_000, 1);
      await expect.poll(() => edits.map((e) => e.messageId), { timeout: 3000 }).toEqual([55]);
      expect(edits[0]?.text).toMatch(/in the queue, position <b>1<\/b>,/);
    } finally {
      await notifier.stop();
      await store.close();
    }
  });
});

describe("a job an admin queues again", () => {
  it("does not take over an old notice of its order: only a job's first claim carries on in the accepted message", async () => {
    const store = await sqliteFactory().make({ freeCredits: 5 });
    const api = { editMessageText: async () => true };
    const telegram: Telegram = {
      api: api as unknown as Api,
      send: (_chatId, call) => call(api as unknown as Api),
      async notifyAdmins() {},
    };
    const notifier = createPositionNotifier({
      store,
      telegram,
      logger: silentLogger(),
      estimateMinutes: () => 3,
      noticeGraceMs: 200,
    });
    try {
      const { user } = await store.getOrCreateUser({ tgId: 7331 });
      const notice = { count: 1, position: 1, balance: 4, chatId: 7331, messageId: 77, language: "en" };
      const order = async (batchKey: string) => {
        const made = await store.createJobsAndConsumeCredits(user.id, [
          {
            chatId: 7331,
            template: "ugc",
            model: "veo3_fast",
            language: "en",
            productText: "A ceramic mug",
            cost: 1,
            idempotencyKey: `order-${batchKey}`,
            batchKey,
          },
        ]);
        if (!made.ok || !made.jobs[0]) throw new Error("setup");
        await saveQueueNotice(store, batchKey, { ...notice, againJobId: made.jobs[0].id });
        const [claimed] = await store.claimJobs("w", 60_000, 1);
        if (!claimed) throw new Error("not claimed");
        return claimed;
      };
      const first = await order("first-claim");
      expect((await notifier.claimed(first, "w")).progressMessageId).toBe(77);

      // Started before, failed, queued again by an admin: its notice (left over) is not its message now.
      const again = await order("claimed-again");
      const retried = { ...again, startedAt: new Date(again.updatedAt.getTime() - 86_400_000) };
      expect((await notifier.claimed(retried, "w")).progressMessageId).toBeNull();
    } finally {
      await notifier.stop();
      await store.close();
    }
  });
});
