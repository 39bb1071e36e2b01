// The support inbox (issue 13) as sellers and admins use it, against the fake Bot API: a seller
// writes from a Support button, every admin reads it under a header about the seller in their own
// language, an admin's Telegram reply reaches the seller, the thread is stored. Both languages.
import { afterEach, describe, expect, it } from "vitest";
import { supportRepo } from "../src/db/ops/support.ts";
import type { NewJob } from "../src/db/store.ts";
import type { User } from "../src/db/types.ts";
import { createSupportFeature } from "../src/support/index.ts";
import { buttonsOf, type FakeMessage, type FakeUser, type UserProfile } from "./fakes/telegram-server.ts";
import { type BotHarness, type BotHarnessOptions, startBotHarness } from "./helpers/bot-harness.ts";
import { moveJob } from "./helpers/store-ops.ts";
import { sqliteFactory } from "./helpers/stores.ts";
import { type Harness, startHarness } from "./queue-harness.ts";

let h: BotHarness | undefined;
let q: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await q?.close();
  await q?.store.close();
  h = undefined;
  q = undefined;
});

/** Two admins who read in their own languages, whatever the seller's. */
const ANNA = { id: 901, language_code: "ru", first_name: "Анна" };
const BOB = { id: 902, language_code: "en", first_name: "Bob" };
const ADMINS = { ADMIN_IDS: `${ANNA.id},${BOB.id}` };
let nextId = 9100;

const T = {
  en: {
    support: "💬 Support",
    ask: /Write your question here/,
    open: (n: number) => new RegExp(`Your request #${n} is open`),
    sent: (n: number) => new RegExp(`Sent to support \\(request #${n}\\)\\. We'll answer here`),
    cancel: "✖ Cancel",
    done: "✔ That's all",
    cancelled: /Cancelled: nothing was sent to support/,
    left: /Done\. Support has your messages/,
    unknown: /did not understand/,
    answer: (n: number) => new RegExp(`Support · request #${n}`),
    reply: "💬 Reply to support",
    menu: "☰ Menu",
    limited: /many messages in a short time, so this one was not passed on[\s\S]*write again in 1 minute\./,
    restricted: /Access to the bot is restricted/,
    closed: (n: number) => new RegExp(`Your request #${n} is closed`),
    cabinet: "👤 My account",
    external: /Support answers at https:\/\/t\.me\/help_desk/,
    contact: "🌐 Support contact",
    help: "❓ Help",
    helpInbox: /Tap “Support” below or send \/support: a person reads every message/,
    helpNone: /has not published a support contact yet/,
    apology: /Something went wrong and the video was not made/,
    notDelivered: /could not be passed on to support right now/,
    consent: /accept the terms first/,
    terms: /read the terms/,
  },
  ru: {
    support: "💬 Поддержка",
    ask: /Напишите свой вопрос здесь/,
    open: (n: number) => new RegExp(`Ваше обращение #${n} открыто`),
    sent: (n: number) => new RegExp(`Отправлено в поддержку \\(обращение #${n}\\)\\. Ответим здесь`),
    cancel: "✖ Отмена",
    done: "✔ Это всё",
    cancelled: /Отменено: в поддержку ничего не отправлено/,
    left: /Готово\. Ваши сообщения у поддержки/,
    unknown: /Не понял/,
    answer: (n: number) => new RegExp(`Поддержка · обращение #${n}`),
    reply: "💬 Ответить поддержке",
    menu: "☰ Меню",
    limited: /много сообщений за короткое время, поэтому это сообщение не передано[\s\S]*через 1 минуту\./,
    restricted: /Доступ к боту ограничен/,
    closed: (n: number) => new RegExp(`Ваше обращение #${n} закрыто`),
    cabinet: "👤 Личный кабинет",
    external: /Поддержка отвечает здесь: https:\/\/t\.me\/help_desk/,
    contact: "🌐 Контакт поддержки",
    help: "❓ Помощь",
    helpInbox: /Нажмите «Поддержка» ниже или отправьте \/support: каждое сообщение читает человек/,
    helpNone: /Владелец бота пока не указал контакт поддержки/,
    apology: /Что-то пошло не так/,
    notDelivered: /не получилось передать сообщение в поддержку/,
    consent: /Сначала примите условия/,
    terms: /прочитайте, пожалуйста, условия/,
  },
} as const;

/** The bot with the support inbox, and the two admins after /start. */
async function start(o: BotHarnessOptions = {}) {
  h = await startBotHarness({
    ...o,
    env: { ...ADMINS, ...o.env },
    ungated: (d) => [createSupportFeature({ ...d, repo: supportRepo(d.store.driver) })],
  });
  const anna = await h.consentedUser(ANNA);
  const bob = await h.consentedUser(BOB);
  return { h, anna, bob, repo: supportRepo(h.store.driver) };
}

async function userOf(u: FakeUser): Promise<User> {
  const user = await h?.store.getUserByTgId(u.id);
  if (!user) throw new Error("no user");
  return user;
}

const texts = (m: FakeMessage) => m.text ?? m.caption ?? "";
const labels = (m: FakeMessage) => buttonsOf(m).map((b) => b.text);

/** A photo message as a client sends it, with a reply to `to` (FakeUser.photo cannot reply). */
function photoReply(u: FakeUser, to: FakeMessage, caption: string): FakeMessage {
  const f = u.tg.registerFile({ size: 40_000, mimeType: "image/jpeg", dir: "photos" });
  return u.push({
    photo: [{ file_id: f.fileId, file_unique_id: f.uniqueId, width: 800, height: 800, file_size: f.size }],
    caption,
    reply_to_message: to,
  });
}

for (const lang of ["en", "ru"] as const) {
  const t = T[lang];
  const seller = (profile: Partial<UserProfile> = {}) =>
    h!.consentedUser({
      id: nextId++,
      language_code: lang,
      first_name: "Ivan",
      last_name: "Petrov",
      username: "ivan_shop",
      ...profile,
    });

  /** The seller opens support from the menu and writes `text`; returns the request number. */
  async function writes(u: FakeUser, text: string): Promise<number> {
    u.tap(u.last() as FakeMessage, t.support);
    await u.next(t.ask);
    u.send(text);
    const sent = await u.next(/#\d+/);
    const n = Number(/#(\d+)/.exec(texts(sent))?.[1]);
    expect(texts(sent)).toMatch(t.sent(n));
    return n;
  }

  describe(`support inbox (${lang} seller)`, () => {
    it("a seller writes from the menu: every admin reads it in their own language with the seller's id, name, balance, last 3 videos and the request; the seller is told it was sent", async () => {
      const { anna, bob, repo } = await start();
      const u = await seller();
      const me = await userOf(u);
      await h!.store.addCredits({ userId: me.id, amount: 10, reason: "admin_grant", reference: `g${u.id}` });
      const job = (i: number): NewJob => ({
        chatId: u.id,
        template: "ugc",
        model: "sora-2",
        language: lang,
        productText: "Ceramic mug",
        cost: 1,
        idempotencyKey: `k${u.id}:${i}`,
      });
      const made = await h!.store.createJobsAndConsumeCredits(me.id, [1, 2, 3, 4].map(job));
      if (!made.ok) throw new Error("no jobs");
      const [first, , , last] = made.jobs;
      await moveJob(h!.store, last!.id, "failed", { errorCode: "content_refused:task_400" });

      const n = await writes(u, "Where is my video? It has been an hour.");
      const [thread] = await repo.threadsOf(me.id);
      expect(thread).toMatchObject({ id: n, status: "open" });

      const ru = texts(await anna.next(/Поддержка · новое обращение/));
      for (const part of [
        `новое обращение #${n}`,
        "Ivan Petrov @ivan_shop",
        `id ${u.id}`,
        "Баланс: 7 кредитов",
        "Последние видео:",
        `#${last!.id} · ❌ не получилось · UGC-блогер · content_refused:task_400`,
        `#${made.jobs[2]!.id} · ⏳ в очереди`,
        `#${made.jobs[1]!.id} · ⏳ в очереди`,
        "Ответьте на это сообщение",
        "Where is my video? It has been an hour.",
      ])
        expect(ru).toContain(part);
      expect(ru).not.toContain(`#${first!.id} ·`);
      const en = await bob.next(/Support · new request/);
      for (const part of [
        `new request #${n}`,
        "Balance: 7 credits",
        "Last videos:",
        "❌ failed",
        "Reply to this message",
      ])
        expect(texts(en)).toContain(part);
      expect(labels(en)).toEqual([`🔒 Close request #${n}`]);

      const [stored] = await repo.messages(n);
      expect(stored).toMatchObject({
        direction: "in",
        kind: "text",
        text: "Where is my video? It has been an hour.",
        senderTgId: u.id,
        delivery: "sent",
      });
      expect((await repo.copiesOf(stored!.id)).map((c) => c.chatId).sort()).toEqual([ANNA.id, BOB.id]);
    });

    it("an admin's reply reaches the seller with a way to answer; the admin is told, the other admin sees the answer; the thread holds both", async () => {
      const { anna, bob, repo } = await start();
      const u = await seller();
      const n = await writes(u, "Can I get a refund for video #3?");
      const toBob = await bob.next(/Support · new request/);
      const toAnna = await anna.next(/новое обращение/);

      bob.push({ text: "Yes, the credit is back on your balance.", reply_to_message: toBob });
      const answer = await u.next(t.answer(n));
      expect(texts(answer)).toContain("Yes, the credit is back on your balance.");
      expect(labels(answer)).toEqual([t.reply, t.menu]);
      expect(texts(await bob.next(/Delivered to/))).toContain(
        `Delivered to Ivan Petrov @ivan_shop (request #${n})`,
      );
      const seen = await anna.next(/ответил\(а\)/);
      expect(texts(seen)).toContain(`Bob ответил(а) на обращение #${n} (Ivan Petrov @ivan_shop)`);
      expect(texts(seen)).toContain("Yes, the credit is back on your balance.");
      expect(toAnna.message_id).toBeGreaterThan(0);

      const stored = await repo.messages(n);
      expect(stored.map((m) => [m.direction, m.senderTgId, m.delivery])).toEqual([
        ["in", u.id, "sent"],
        ["out", BOB.id, "sent"],
      ]);
      expect((await repo.thread(n))?.answeredAt).toBeInstanceOf(Date);

      // "Reply to support" under the answer: the same request, not a new one.
      u.tap(answer, t.reply);
      expect(texts(await u.next(t.ask))).toMatch(t.open(n));
      u.send("Thank you!");
      await u.next(t.sent(n));
      expect(texts(await bob.next(/Support · request/))).toContain(`request #${n}`);
      // A Telegram reply to the answer goes to support too, even after leaving.
      u.tap(u.last() as FakeMessage, t.done);
      await u.next(t.left);
      u.push({ text: "One more thing", reply_to_message: answer });
      await u.next(t.sent(n));
      expect((await repo.messages(n)).map((m) => m.text)).toContain("One more thing");
    });

    it("a photo reaches the admins as itself under the header; an admin's photo answer reaches the seller with its caption", async () => {
      const { anna, bob, repo } = await start();
      const u = await seller();
      u.tap(u.last() as FakeMessage, t.support);
      await u.next(t.ask);
      const { file } = u.photo({ caption: "The colour is wrong" });
      const sent = await u.next(/#\d+/);
      const n = Number(/#(\d+)/.exec(texts(sent))?.[1]);
      expect(texts(sent)).toMatch(t.sent(n));
      const head = await bob.next(/Support · new request/);
      expect(texts(head)).not.toContain("The colour is wrong");
      const copy = await bob.next((m) => m.photo !== undefined);
      expect(copy.caption).toBe("The colour is wrong");
      await anna.next((m) => m.photo !== undefined);
      expect((await repo.messages(n))[0]).toMatchObject({
        kind: "photo",
        fileId: file.fileId,
        text: "The colour is wrong",
      });

      photoReply(bob, copy, "Like this one?");
      const answer = await u.next((m) => m.photo !== undefined);
      expect(answer.caption).toMatch(t.answer(n));
      expect(answer.caption).toContain("Like this one?");
      expect(labels(answer)).toEqual([t.reply, t.menu]);
      await bob.next(/Delivered to/);
      expect(texts(await anna.next(/Bob/))).toMatch(/фото · Like this one\?/);
      expect((await repo.messages(n))[1]).toMatchObject({
        direction: "out",
        kind: "photo",
        delivery: "sent",
      });
    });

    it("messages of an open request go to the same request; Cancel and “That's all” leave, and what follows is not sent to support", async () => {
      const { bob, repo } = await start();
      const u = await seller();
      const me = await userOf(u);
      u.tap(u.last() as FakeMessage, t.support);
      const ask = await u.next(t.ask);
      expect(labels(ask)).toEqual([t.cancel]);
      u.tap(ask, t.cancel);
      const cancelled = await u.next(t.cancelled);
      expect(cancelled.message_id).toBe(ask.message_id);
      expect(labels(cancelled)).toEqual([t.menu]);
      u.send("hello?");
      await u.next(t.unknown);
      expect(await repo.threadsOf(me.id)).toEqual([]);

      u.command("support");
      await u.next(t.ask);
      u.send("First question");
      const first = await u.next(/#\d+/);
      const n = Number(/#(\d+)/.exec(texts(first))?.[1]);
      u.send("And a second one");
      await u.next(t.sent(n));
      u.tap(u.last() as FakeMessage, t.done);
      await u.next(t.left);
      u.send("not for support");
      await u.next(t.unknown);
      // A command also ends writing.
      u.command("support");
      await u.next(t.open(n));
      u.command("menu");
      await u.next();
      u.send("still not for support");
      await u.next(t.unknown);

      expect((await repo.threadsOf(me.id)).map((x) => x.id)).toEqual([n]);
      expect((await repo.messages(n)).map((m) => m.text)).toEqual(["First question", "And a second one"]);
      await bob.next(/new request/);
      await bob.next(/Support · request/);
      expect(bob.since().filter((e) => /not for support/.test(texts(e.message)))).toEqual([]);
    });

    it("an album of three photos reaches each admin under one header with all three photos, and the seller is told once", async () => {
      const { anna, bob, repo } = await start();
      const u = await seller();
      u.command("support");
      await u.next(t.ask);
      const group = `album-${u.id}`;
      for (let i = 0; i < 3; i++) {
        const f = u.tg.registerFile({ size: 40_000, mimeType: "image/jpeg", dir: "photos" });
        u.push({
          photo: [
            { file_id: f.fileId, file_unique_id: f.uniqueId, width: 800, height: 800, file_size: f.size },
          ],
          media_group_id: group,
          ...(i === 0 ? { caption: "All three are scratched" } : {}),
        });
      }
      const sent = await u.next(/#\d+/);
      const n = Number(/#(\d+)/.exec(texts(sent))?.[1]);
      expect(texts(sent)).toMatch(t.sent(n));

      for (const [admin, title] of [
        [bob, /Support · new request/],
        [anna, /Поддержка · новое обращение/],
      ] as const) {
        const head = await admin.next(title);
        for (let i = 0; i < 3; i++) await admin.next((m) => m.photo !== undefined);
        const chat = admin.tg.messages(admin.id);
        expect(chat.filter((m) => /Support ·|Поддержка ·/.test(texts(m)))).toHaveLength(1);
        expect(chat.filter((m) => m.photo !== undefined)).toHaveLength(3);
        // Every photo answers the one header: a reply to any of them reaches the seller.
        const replies = h!.tg.callsTo("copyMessage", admin.id).map((c) => c.params.reply_parameters);
        expect(replies.map((r) => (r as { message_id: number }).message_id)).toEqual([
          head.message_id,
          head.message_id,
          head.message_id,
        ]);
      }
      expect((await repo.messages(n)).map((m) => m.kind)).toEqual(["photo", "photo", "photo"]);
      await new Promise((r) => setTimeout(r, 100));
      expect(u.since().filter((e) => t.sent(n).test(texts(e.message)))).toEqual([]);
    });

    it("the same message delivered twice by Telegram is stored once and reaches each admin once", async () => {
      const { bob, repo } = await start();
      const u = await seller();
      u.command("support");
      await u.next(t.ask);
      const msg = u.send("Is anyone there?");
      const sent = await u.next(/#\d+/);
      const n = Number(/#(\d+)/.exec(texts(sent))?.[1]);
      h!.tg.pushUpdate({ message: msg });
      await u.next(t.sent(n));
      expect(await repo.messages(n)).toHaveLength(1);
      expect(bob.tg.messages(BOB.id).filter((m) => texts(m).includes("Is anyone there?"))).toHaveLength(1);
    });

    it("when no admin can be reached the seller is told the message was not passed on, and SUPPORT_URL is offered", async () => {
      const { repo } = await start({ env: { SUPPORT_URL: "https://t.me/help_desk" } });
      const u = await seller();
      u.command("support");
      await u.next(t.ask);
      for (const chatId of [ANNA.id, BOB.id])
        h!.tg.inject({
          method: "sendMessage",
          chatId,
          times: 10,
          error: { status: 400, description: "Bad Request: chat not found" },
        });
      u.send("Hello?");
      const told = await u.next(t.notDelivered);
      expect(buttonsOf(told).find((b) => b.text === t.contact)?.url).toBe("https://t.me/help_desk");
      const [thread] = await repo.threadsOf((await userOf(u)).id);
      expect((await repo.messages(thread!.id)).map((m) => m.delivery)).toEqual(["failed"]);
    });

    it("past the rate limit a message is not passed on and the seller is told when to write again", async () => {
      const { bob, repo } = await start();
      const u = await seller();
      const me = await userOf(u);
      u.command("support");
      await u.next(t.ask);
      for (let i = 1; i <= 10; i++) {
        u.send(`message ${i}`);
        await u.next(/#\d+/);
      }
      u.send("message 11");
      await u.next(t.limited);
      const [thread] = await repo.threadsOf(me.id);
      expect(await repo.messages(thread!.id)).toHaveLength(10);
      await new Promise((r) => setTimeout(r, 100));
      const toBob = bob.tg.messages(BOB.id).filter((m) => /message \d+/.test(texts(m)));
      expect(toBob.map(texts).some((x) => x.includes("message 11"))).toBe(false);
      expect(toBob).toHaveLength(10);
    });

    it("a seller who has not accepted the terms yet writes to support, then taps Menu: told to accept the terms, with the terms right below", async () => {
      const { bob } = await start();
      const u = h!.user({ id: nextId++, language_code: lang, first_name: "Ivan" });
      u.command("support");
      await u.next(t.ask);
      u.send("Is this a real person?");
      const sent = await u.next(/#\d+/);
      await bob.next(/Support · new request/);
      u.tap(sent, t.done);
      const left = await u.next(t.left);
      const q = u.tap(left, t.menu);
      expect((await h!.tg.callbackAnswer(q)).text).toMatch(t.consent);
      const terms = await u.next(t.terms);
      expect(buttonsOf(terms).some((b) => b.callback_data === "n1:consent")).toBe(true);
    });

    it("a blocked seller: the notice offers Support, the seller can write and admins see the block; nothing else opens", async () => {
      const { bob } = await start();
      const u = await seller();
      await h!.store.setBlocked((await userOf(u)).id, true);
      u.send("hello");
      const notice = await u.next(t.restricted);
      expect(labels(notice)).toEqual([t.support]);
      u.tap(notice, t.support);
      await u.next(t.ask);
      u.send("Why was I blocked?");
      const sent = await u.next(/#\d+/);
      const n = Number(/#(\d+)/.exec(texts(sent))?.[1]);
      const head = await bob.next(/Support · new request/);
      expect(texts(head)).toContain("⛔ Blocked by an admin");
      u.tap(sent, t.done);
      const left = await u.next(t.left);
      expect(labels(left)).toEqual([]);
      u.command("menu");
      u.send("anything");
      await new Promise((r) => setTimeout(r, 200));
      expect(u.since()).toEqual([]);
      // The answer comes without a Menu button the seller could not use.
      bob.push({ text: "You sent spam links.", reply_to_message: head });
      expect(labels(await u.next(t.answer(n)))).toEqual([t.reply]);
    });

    it("an answer to a seller who blocked the bot is reported to the admin as not delivered", async () => {
      const { bob, repo } = await start();
      const u = await seller();
      const n = await writes(u, "My video never came");
      const head = await bob.next(/Support · new request/);
      u.setBotStatus("kicked");
      bob.push({ text: "It is in your cabinet now.", reply_to_message: head });
      const told = await bob.next(/Not delivered/);
      expect(texts(told)).toContain(
        `Not delivered: Ivan Petrov @ivan_shop has blocked the bot. The answer is saved in request #${n}.`,
      );
      expect((await repo.messages(n)).map((m) => m.delivery)).toEqual(["sent", "blocked"]);
    });

    it("an admin closes the request: the other admin and the seller are told, and the seller's next message opens a new one", async () => {
      const { anna, bob, repo } = await start();
      const u = await seller();
      const n = await writes(u, "Thanks, all good now");
      const toAnna = await anna.next(/новое обращение/);
      const toBob = await bob.next(/new request/);
      const q1 = anna.tap(toAnna, /Закрыть обращение/);
      expect((await h!.tg.callbackAnswer(q1)).text).toContain(`Обращение #${n} закрыто`);
      expect(texts(await bob.next(/closed request/))).toContain(
        `Анна closed request #${n} (Ivan Petrov @ivan_shop)`,
      );
      const closed = await u.next(t.closed(n));
      expect(labels(closed)).toEqual([t.support]);
      const q2 = bob.tap(toBob, /Close request/);
      expect((await h!.tg.callbackAnswer(q2)).text).toContain(`Request #${n} was already closed`);
      expect((await repo.thread(n))?.status).toBe("closed");

      u.tap(closed, t.support);
      expect(texts(await u.next(t.ask))).not.toMatch(t.open(n));
      u.send("Another question");
      const again = await u.next(/#\d+/);
      const m = Number(/#(\d+)/.exec(texts(again))?.[1]);
      expect(m).toBeGreaterThan(n);
      await bob.next(new RegExp(`new request #${m}`));
    });

    it("the cabinet and Help offer Support; SUPPORT_URL is offered beside the inbox", async () => {
      await start({ env: { SUPPORT_URL: "https://t.me/help_desk" } });
      const u = await seller();
      u.tap(u.last() as FakeMessage, t.cabinet);
      const cabinet = await u.next();
      expect(labels(cabinet)).toContain(t.support);
      u.command("help");
      const help = await u.next(t.helpInbox);
      expect(buttonsOf(help).find((b) => b.text === t.support)?.callback_data).toBe("sup");
      expect(buttonsOf(help).find((b) => b.text === t.contact)?.url).toBe("https://t.me/help_desk");
      u.command("support");
      const ask = await u.next(t.ask);
      expect(buttonsOf(ask).find((b) => b.text === t.contact)?.url).toBe("https://t.me/help_desk");
    });

    it("without admins the inbox is not offered: Support leads to SUPPORT_URL, and without one Help says no contact is published", async () => {
      h = await startBotHarness({
        env: { SUPPORT_URL: "https://t.me/help_desk" },
        ungated: (d) => [createSupportFeature({ ...d, repo: supportRepo(d.store.driver) })],
      });
      const u = await seller();
      expect(buttonsOf(u.last() as FakeMessage).find((b) => b.text === t.support)?.url).toBe(
        "https://t.me/help_desk",
      );
      u.command("support");
      await u.next(t.external);
      await h.close();
      h = await startBotHarness({
        ungated: (d) => [createSupportFeature({ ...d, repo: supportRepo(d.store.driver) })],
      });
      const v = await seller();
      expect(labels(v.last() as FakeMessage)).not.toContain(t.support);
      v.command("help");
      const help = await v.next(t.helpNone);
      expect(texts(help)).not.toMatch(/logs|журнал/);
    });
  });

  it(`${lang}: a failure message carries the Support button, and it opens the inbox`, async () => {
    const store = await sqliteFactory().make({ freeCredits: 0 });
    q = await startHarness({
      store,
      env: { JOB_MAX_ATTEMPTS: "1", ...ADMINS },
      kie: { scenario: { outcome: "fail", polls: 0, failMsg: "internal render error" } },
    });
    h = await startBotHarness({
      tg: q.tg,
      store,
      queue: q.queue,
      env: ADMINS,
      ungated: (d) => [createSupportFeature({ ...d, repo: supportRepo(d.store.driver) })],
    });
    const u = await seller();
    const me = await userOf(u);
    await store.addCredits({ userId: me.id, amount: 1, reason: "admin_grant", reference: `g${u.id}` });
    const job = await q.job(me.id, u.id, { language: lang });
    expect((await q.waitFor(job.id, ["failed", "succeeded"])).status).toBe("failed");
    const apology = await u.next(t.apology);
    expect(labels(apology)).toContain(t.support);
    u.tap(apology, t.support);
    await u.next(t.ask);
  });
}
