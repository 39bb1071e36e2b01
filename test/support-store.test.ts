// The support inbox's operations (src/db/ops/support.ts), written once and run on both engines:
// threads open and close, a Telegram message is stored once, the rate limit counts what is stored,
// and a reply to any copy finds its thread.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Driver, first, sql } from "../src/db/driver/index.ts";
import { type NewSupportMessage, type SupportRepo, supportRepo } from "../src/db/ops/support.ts";
import { driverFactories } from "./helpers/stores.ts";

const T0 = new Date("2026-12-01T10:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const WINDOWS = [
  { messages: 3, windowMs: 60_000 },
  { messages: 5, windowMs: 3_600_000 },
];

for (const factory of driverFactories()) {
  describe(`support inbox store: ${factory.name}`, () => {
    let driver: Driver;
    let repo: SupportRepo;
    let tg = 1000;
    let messageId = 1;

    /** A fresh seller (users row) and a way to write their messages. */
    async function seller() {
      const tgId = ++tg;
      const user = await driver.run(function* () {
        return yield* first(
          sql`insert into users (tg_id, referral_code, created_at, updated_at) values (${tgId}, ${`r${tgId}`}, ${T0}, ${T0}) returning *`,
          "users",
        );
      });
      if (!user) throw new Error("no user");
      const message = (text: string, o: Partial<NewSupportMessage> = {}): NewSupportMessage => ({
        userId: user.id,
        senderTgId: tgId,
        chatId: tgId,
        messageId: messageId++,
        kind: "text",
        text,
        fileId: null,
        ...o,
      });
      return { user, tgId, message };
    }

    beforeAll(async () => {
      driver = await factory.make();
      repo = supportRepo(driver);
    });
    afterAll(async () => driver?.close());

    it("a seller's first message opens a thread, the next ones go to the same open thread", async () => {
      const s = await seller();
      const first = await repo.receive(s.message("hello"), WINDOWS, at(0));
      expect(first).toMatchObject({
        status: "accepted",
        opened: true,
        thread: { status: "open", userId: s.user.id },
      });
      const second = await repo.receive(
        s.message("", { kind: "photo", fileId: "PHOTO1", text: null }),
        WINDOWS,
        at(1),
      );
      expect(second).toMatchObject({ status: "accepted", opened: false });
      if (first.status !== "accepted" || second.status !== "accepted") throw new Error("not stored");
      expect(second.thread.id).toBe(first.thread.id);
      expect(second.thread.updatedAt).toEqual(at(1));
      const messages = await repo.messages(first.thread.id);
      expect(messages.map((m) => [m.direction, m.kind, m.text, m.fileId, m.delivery])).toEqual([
        ["in", "text", "hello", null, "pending"],
        ["in", "photo", null, "PHOTO1", "pending"],
      ]);
      expect(messages[0]).toMatchObject({ senderTgId: s.tgId, chatId: s.tgId, createdAt: at(0) });
    });

    it("the same Telegram message delivered twice is stored once", async () => {
      const s = await seller();
      const m = s.message("twice");
      const a = await repo.receive(m, WINDOWS, at(0));
      const b = await repo.receive(m, WINDOWS, at(2));
      expect(b.status).toBe("duplicate");
      if (a.status !== "accepted" || b.status !== "duplicate") throw new Error("unexpected");
      expect(b.message.id).toBe(a.message.id);
      expect(await repo.messages(a.thread.id)).toHaveLength(1);
    });

    it("over a window nothing is stored and the seller may write again when its oldest message leaves it", async () => {
      const s = await seller();
      for (let i = 0; i < 3; i++) await repo.receive(s.message(`m${i}`), WINDOWS, at(i * 10));
      const refused = await repo.receive(s.message("too many"), WINDOWS, at(25));
      expect(refused).toEqual({ status: "limited", retryAt: at(60) });
      expect((await repo.receive(s.message("later"), WINDOWS, at(61))).status).toBe("accepted");
      // The hour's window: 4 stored, one more fits, then the first message's hour must pass.
      expect((await repo.receive(s.message("fifth"), WINDOWS, at(200))).status).toBe("accepted");
      expect(await repo.receive(s.message("sixth"), WINDOWS, at(300))).toEqual({
        status: "limited",
        retryAt: at(3600),
      });
      const threads = await repo.threadsOf(s.user.id);
      expect(await repo.messages(threads[0]?.id ?? 0)).toHaveLength(5);
    });

    it("copies map back to their message and thread; a copy recorded twice is kept once", async () => {
      const s = await seller();
      const r = await repo.receive(s.message("where is my video?"), WINDOWS, at(0));
      if (r.status !== "accepted") throw new Error("not stored");
      const copies = [
        { chatId: 77, messageId: 10 },
        { chatId: 77, messageId: 11 },
        { chatId: 88, messageId: 5 },
      ];
      await repo.addCopies(r.message.id, copies);
      await repo.addCopies(r.message.id, copies.slice(0, 1));
      expect(await repo.copiesOf(r.message.id)).toEqual(
        copies.map((c) => ({ ...c, supportMessageId: r.message.id })),
      );
      expect(await repo.byCopy(77, 11)).toMatchObject({
        message: { id: r.message.id },
        thread: { id: r.thread.id },
      });
      expect(await repo.byCopy(77, 12)).toBeNull();
      await repo.setDelivery(r.message.id, "sent", at(1));
      expect((await repo.messages(r.thread.id))[0]?.delivery).toBe("sent");
      // A seller's message being sent on is not an answer.
      expect((await repo.thread(r.thread.id))?.answeredAt).toBeNull();
    });

    it("an answer is stored once, marks the thread answered when sent, and opens a closed thread again", async () => {
      const s = await seller();
      const r = await repo.receive(s.message("refund?"), WINDOWS, at(0));
      if (r.status !== "accepted") throw new Error("not stored");
      const closed = await repo.close(r.thread.id, 77, at(5));
      expect(closed).toMatchObject({
        status: "closed",
        thread: { status: "closed", closedBy: 77, closedAt: at(5) },
      });
      expect((await repo.close(r.thread.id, 88, at(6))).status).toBe("already_closed");
      expect(await repo.openThread(s.user.id)).toBeNull();

      const reply: NewSupportMessage = { ...s.message("Done, refunded"), senderTgId: 77, chatId: 77 };
      const a = await repo.answer(r.thread.id, reply, at(10));
      expect(a).toMatchObject({
        status: "accepted",
        thread: { status: "open", closedAt: null, closedBy: null },
      });
      if (a.status !== "accepted") throw new Error("not stored");
      expect(a.message).toMatchObject({
        direction: "out",
        userId: s.user.id,
        senderTgId: 77,
        delivery: "pending",
      });
      expect((await repo.answer(r.thread.id, reply, at(11))).status).toBe("duplicate");
      await repo.setDelivery(a.message.id, "sent", at(12));
      expect((await repo.thread(r.thread.id))?.answeredAt).toEqual(at(12));
      expect((await repo.messages(r.thread.id)).map((m) => m.direction)).toEqual(["in", "out"]);
    });

    it("an answer in a closed thread leaves it closed when the seller has opened another one", async () => {
      const s = await seller();
      const old = await repo.receive(s.message("first question"), WINDOWS, at(0));
      if (old.status !== "accepted") throw new Error("not stored");
      await repo.close(old.thread.id, 77, at(1));
      const next = await repo.receive(s.message("second question"), WINDOWS, at(2));
      expect(next).toMatchObject({ status: "accepted", opened: true });
      const a = await repo.answer(
        old.thread.id,
        { ...s.message("late answer"), senderTgId: 77, chatId: 77 },
        at(3),
      );
      expect(a).toMatchObject({ status: "accepted", thread: { id: old.thread.id, status: "closed" } });
      expect((await repo.threadsOf(s.user.id)).map((t) => t.status)).toEqual(["closed", "open"]);
    });

    it("the database refuses a second open thread for one seller", async () => {
      const s = await seller();
      await repo.receive(s.message("one"), WINDOWS, at(0));
      await expect(
        driver.run(function* () {
          return yield* first(
            sql`insert into support_threads (user_id, status, created_at, updated_at) values (${s.user.id}, ${"open"}, ${T0}, ${T0}) returning *`,
            "support_threads",
          );
        }),
      ).rejects.toThrow();
    });

    it("closing or answering a thread that does not exist says so", async () => {
      const s = await seller();
      expect(await repo.close(999_999, 77, at(0))).toEqual({ status: "missing" });
      expect(await repo.answer(999_999, { ...s.message("x"), chatId: 77 }, at(0))).toEqual({
        status: "missing",
      });
    });
  });
}
