import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createBroadcasts } from "../src/admin/index.ts";
import { parseConfig } from "../src/config/index.ts";
import type { Store } from "../src/db/store.ts";
import { createTelegram } from "../src/telegram/index.ts";
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from "./fakes/telegram-server.ts";
import { silentLogger, storeFactories } from "./helpers/stores.ts";

const ADMIN = 900_000;
const USERS = 500;
const firstUser = 1000;

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const factory of storeFactories()) {
  describe(`broadcast to 500 users (${factory.name})`, () => {
    let tg: FakeTelegram;
    let store: Store;

    beforeEach(async () => {
      tg = await startFakeTelegram();
      store = await factory.make({ freeCredits: 0 });
      tg.user({ id: ADMIN });
      await store.getOrCreateUser({ tgId: ADMIN, languageCode: "en" });
      for (let i = 0; i < USERS; i++) {
        tg.user({ id: firstUser + i });
        await store.getOrCreateUser({ tgId: firstUser + i });
      }
    });
    afterEach(async () => {
      await store.close();
      await tg.close();
    });

    const make = () => {
      const config = parseConfig({
        BOT_TOKEN: FAKE_BOT_TOKEN,
        TELEGRAM_API_ROOT: tg.apiRoot,
        SEND_RATE_PER_SECOND: "1000",
      });
      const telegram = createTelegram({ config, store, logger: silentLogger() });
      return createBroadcasts({ store, telegram, logger: silentLogger(), options: { batchSize: 30 } });
    };

    async function draft(text: string) {
      const b = await store.createBroadcast({
        adminTgId: ADMIN,
        audience: "all",
        text,
        photoFileId: null,
        chatId: ADMIN,
      });
      const msg = await createTelegram({
        config: parseConfig({ BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_ROOT: tg.apiRoot }),
        store,
        logger: silentLogger(),
      }).api.sendMessage(ADMIN, "starting");
      return { id: b.id, progressId: msg.message_id };
    }

    const received = (chatId: number, text: string) =>
      tg.messages(chatId).filter((m) => m.text === text).length;

    it("survives 429s, skips users who blocked the bot, counts failures, and resumes after a restart without messaging anyone twice", async () => {
      const text = "Big <b>news</b>";
      const { id, progressId } = await draft(text);
      const blocked = [firstUser + 3, firstUser + 250, firstUser + 499];
      for (const chat of blocked) tg.blockChat(chat);
      tg.inject({
        method: "sendMessage",
        chatId: firstUser + 100,
        error: { status: 400, description: "Bad Request: chat not found" },
      });
      tg.inject({ method: "sendMessage", times: 15, error: { status: 429, retryAfter: 1 } });

      const first = make();
      await first.launch(id, new Date(0), progressId);
      await until(() => tg.callsTo("sendMessage").length >= 200);
      await first.stop(); // the process stops mid-way
      const mid = await store.getBroadcast(id);
      expect(mid?.status).toBe("running");
      const doneBefore = mid!.sent + mid!.failed + mid!.blocked;
      expect(doneBefore).toBeGreaterThan(0);
      expect(doneBefore).toBeLessThan(USERS + 1);

      const second = make(); // the restart
      expect(await second.resumeBroadcasts()).toBe(1);
      await second.settled(id);

      const b = await store.getBroadcast(id);
      expect(b).toMatchObject({
        status: "done",
        total: USERS + 1,
        sent: USERS + 1 - 4,
        failed: 1,
        blocked: 3,
      });
      expect(b?.finishedAt).toBeInstanceOf(Date);
      for (let i = 0; i < USERS; i++) {
        const chat = firstUser + i;
        const expected = blocked.includes(chat) || chat === firstUser + 100 ? 0 : 1;
        expect(received(chat, "Big news"), `chat ${chat}`).toBe(expected);
      }
      for (const chat of blocked)
        expect((await store.getUserByTgId(chat))?.botBlockedAt).toBeInstanceOf(Date);
      const report = tg.message(ADMIN, progressId);
      expect(report?.text).toBe(
        `✅ Broadcast #${id} finished: ${USERS + 1} recipients · sent ${USERS - 3} · failed 1 · blocked the bot 3`,
      );
    });

    it("a stop during a long flood wait returns at once and leaves that recipient for the resume", async () => {
      const { id } = await draft("Short notice");
      const slow = firstUser + 1;
      tg.inject({ method: "sendMessage", chatId: slow, error: { status: 429, retryAfter: 40 } });
      const first = make();
      await first.launch(id, new Date(0), null);
      await until(() => tg.calls.some((c) => c.chatId === slow && c.status === 429));
      await until(() => tg.callsTo("sendMessage").filter((c) => c.status === 200).length >= 20);
      await first.stop();
      expect(received(slow, "Short notice")).toBe(0);
      expect((await store.getBroadcast(id))?.status).toBe("running");

      const second = make();
      await second.resumeBroadcasts();
      await second.settled(id);
      expect(received(slow, "Short notice")).toBe(1);
      expect(await store.getBroadcast(id)).toMatchObject({ status: "done", sent: USERS + 1, failed: 0 });
    });
  });
}
