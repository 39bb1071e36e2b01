// The cabinet (issue 13), in both languages: a failed job says why it failed and what became of
// its credits; the credit history lists every balance change from the ledger, in pages, with
// dates in TIMEZONE and nouns agreeing with their numbers.
import { afterEach, describe, expect, it } from "vitest";
import { encode } from "../src/bot/callbacks.ts";
import type { Job, User } from "../src/db/types.ts";
import { buttonsOf, type FakeMessage, type FakeUser } from "./fakes/telegram-server.ts";
import { type BotHarness, startBotHarness } from "./helpers/bot-harness.ts";
import { moveJob } from "./helpers/store-ops.ts";

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

let nextId = 9000;
let nextKey = 0;

const T = {
  en: {
    why: {
      content:
        /Why it failed: the video service refused the photo or the description — usually because of people in the frame/,
      transient: /Why it failed: the video service did not answer\./,
      unavailable: /Why it failed: the video service was unavailable\./,
      deadline: /Why it failed: the video took too long, so we stopped it\./,
      unknown: /Why it failed: an unexpected error while making the video\./,
    },
    refunded: /↩️ 1 credit returned to your balance on \d\d\/\d\d\/\d\d, \d\d:\d\d GMT\+10\./,
    refundedThree: /↩️ 3 credits returned to your balance on /,
    pending: /↩️ 1 credit will come back to your balance automatically within a few minutes\./,
    free: /Nothing was charged for this video\./,
    history: /Credit history\nBalance: 9 credits/,
    lines: [
      / · −2 credits · taken back by the admin$/,
      / · \+2 credits · bonus for an invited friend$/,
      / · \+3 credits · added by the admin$/,
      / · \+1 credit · refund for video #(\d+)$/,
      / · −1 credit · video #(\d+) ordered$/,
      / · \+5 credits · credits bought$/,
      / · \+1 credit · welcome gift$/,
    ],
    empty: /No changes to your balance yet\./,
    page: (n: number) => new RegExp(`Page ${n}$`),
    button: "📒 Credit history",
  },
  ru: {
    why: {
      content:
        /Почему не получилось: сервис генерации отклонил фото или описание — обычно из-за людей в кадре/,
      transient: /Почему не получилось: сервис генерации видео не отвечал\./,
      unavailable: /Почему не получилось: сервис генерации видео был недоступен\./,
      deadline: /Почему не получилось: видео готовилось слишком долго, и мы остановили генерацию\./,
      unknown: /Почему не получилось: непредвиденная ошибка при создании видео\./,
    },
    refunded: /↩️ 1 кредит вернули на баланс \d\d\.\d\d\.\d\d, \d\d:\d\d GMT\+10\./,
    refundedThree: /↩️ 3 кредита вернули на баланс /,
    pending: /↩️ 1 кредит вернётся на баланс автоматически в течение нескольких минут\./,
    free: /За это видео кредиты не списывались\./,
    history: /История баланса\nБаланс: 9 кредитов/,
    lines: [
      / · −2 кредита · списание администратором$/,
      / · \+2 кредита · бонус за приглашённого друга$/,
      / · \+3 кредита · начисление от администратора$/,
      / · \+1 кредит · возврат за видео #(\d+)$/,
      / · −1 кредит · заказ видео #(\d+)$/,
      / · \+5 кредитов · покупка кредитов$/,
      / · \+1 кредит · подарок за регистрацию$/,
    ],
    empty: /Движений по балансу пока нет\./,
    page: (n: number) => new RegExp(`Страница ${n}$`),
    button: "📒 История баланса",
  },
} as const;

async function userOf(u: FakeUser): Promise<User> {
  const user = await h?.store.getUserByTgId(u.id);
  if (!user) throw new Error("no user");
  return user;
}

/** A job ordered through the store (as Confirm does), `cost` credits charged. */
async function order(user: User, cost = 1): Promise<Job> {
  const key = `cab-${nextKey++}`;
  const r = await h?.store.createJobsAndConsumeCredits(user.id, [
    {
      chatId: user.tgId,
      template: "ugc",
      model: "sora-2",
      language: "en",
      photoFileId: "photo",
      productText: "Ceramic mug, 350 ml",
      cost,
      idempotencyKey: key,
    },
  ]);
  if (!r?.ok || !r.jobs[0]) throw new Error("job not created");
  return r.jobs[0];
}

/** Fails the job as the generation runner does (`<class>:<code>`), refunding unless told not to. */
async function fail(job: Job, errorCode: string, refund = true): Promise<void> {
  await moveJob(h!.store, job.id, "failed", { errorCode, errorMessage: "provider said no" });
  if (refund) await h?.store.refundCredit(job.id);
}

/** The job's page in the cabinet, from /cabinet. */
async function jobPage(u: FakeUser, job: Job): Promise<FakeMessage> {
  u.command("cabinet");
  const cabinet = await u.next();
  u.tap(cabinet, encode({ a: "job", job: job.id, page: 0 }));
  return u.next((m) => m.message_id === cabinet.message_id && (m.text ?? "").includes(`#${job.id}\n`));
}

for (const lang of ["en", "ru"] as const) {
  const t = T[lang];
  describe(`the cabinet (${lang})`, () => {
    it("a failed job's page says why it failed and that its credit came back, and when (in TIMEZONE)", async () => {
      h = await startBotHarness({ env: { TIMEZONE: "Asia/Vladivostok" } });
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      const job = await order(await userOf(u));
      await fail(job, "content_refused:task_content_policy");
      const page = await jobPage(u, job);
      expect(page.text).toMatch(t.why.content);
      expect(page.text).toMatch(t.refunded);
    });

    it("each kind of failure has its own reason, and the credits are counted with the right noun", async () => {
      h = await startBotHarness({ env: { TIMEZONE: "Asia/Vladivostok", FREE_CREDITS: "10" } });
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      const user = await userOf(u);
      const cases: Array<[string, RegExp]> = [
        ["transient:timeout", t.why.transient],
        ["provider_unavailable:kie_402", t.why.unavailable],
        ["transient:deadline", t.why.deadline],
        ["unknown:task_fail", t.why.unknown],
        // A job imported from the old bot keeps the old bot's words for its error.
        ["provider_timeout", t.why.unknown],
      ];
      for (const [code, why] of cases) {
        const job = await order(user);
        await fail(job, code);
        expect((await jobPage(u, job)).text, code).toMatch(why);
      }
      const three = await order(user, 3);
      await fail(three, "transient:timeout");
      expect((await jobPage(u, three)).text).toMatch(t.refundedThree);
    });

    it("a job that ran free says nothing was charged; one whose refund is still on its way says it will come back", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      const user = await userOf(u);
      const free = await order(user, 0);
      await fail(free, "unknown:task_fail");
      expect((await jobPage(u, free)).text).toMatch(t.free);
      const pending = await order(user);
      await fail(pending, "transient:timeout", false);
      expect((await jobPage(u, pending)).text).toMatch(t.pending);
    });

    it("the credit history lists every balance change from the ledger, newest first, with dates in TIMEZONE", async () => {
      h = await startBotHarness({ env: { TIMEZONE: "Asia/Vladivostok", FREE_CREDITS: "1" } });
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      const user = await userOf(u);
      await h.store.recordPayment({
        userId: user.id,
        telegramChargeId: `charge-${user.id}`,
        currency: "XTR",
        amount: 250,
        credits: 5,
        packageId: "p5",
      });
      const job = await order(user);
      await fail(job, "transient:timeout");
      const add = (amount: number, reason: "admin_grant" | "admin_deduct" | "referral_bonus") =>
        h?.store.addCredits({ userId: user.id, amount, reason, reference: `${reason}-${user.id}` });
      await add(3, "admin_grant");
      await add(2, "referral_bonus");
      await add(-2, "admin_deduct");

      u.command("cabinet");
      const cabinet = await u.next();
      expect(buttonsOf(cabinet).map((b) => b.text)).toContain(t.button);
      u.tap(cabinet, t.button);
      const history = await u.next(t.history);
      const lines = (history.text ?? "").split("\n").filter((l) => / · [+−]\d/.test(l));
      expect(lines).toHaveLength(t.lines.length);
      t.lines.forEach((line, i) => {
        expect(lines[i], String(line)).toMatch(line);
        expect(lines[i]).toMatch(/^\d\d[./]\d\d[./]\d\d, \d\d:\d\d GMT\+10 · /);
      });
      expect(lines[3]?.match(t.lines[3])?.[1]).toBe(String(job.id));
      expect(lines[4]?.match(t.lines[4])?.[1]).toBe(String(job.id));
      // One page only: no pager, and Back leads to the cabinet.
      expect(buttonsOf(history).map((b) => b.callback_data)).toEqual([encode({ a: "cabinet", page: 0 })]);
    });

    it("the credit history comes in pages of ten, older ones behind →, and says when there is nothing yet", async () => {
      h = await startBotHarness({ env: { FREE_CREDITS: "0" } });
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      u.tap(u.last() as FakeMessage, encode({ a: "cabinet", page: 0 }));
      u.tap(await u.next(), encode({ a: "ledger", page: 0 }));
      await u.next(t.empty);

      const user = await userOf(u);
      for (let i = 1; i <= 25; i++)
        await h.store.addCredits({ userId: user.id, amount: i, reason: "admin_grant", reference: `g${i}` });
      u.command("cabinet");
      u.tap(await u.next(), encode({ a: "ledger", page: 0 }));
      const first = await u.next(t.page(1));
      const amounts = (m: FakeMessage) =>
        (m.text ?? "").split("\n").flatMap((l) => /· \+(\d+) /.exec(l)?.[1] ?? []);
      expect(amounts(first)).toEqual(["25", "24", "23", "22", "21", "20", "19", "18", "17", "16"]);
      expect(buttonsOf(first).map((b) => b.text)).toEqual(["1", "→", expect.stringMatching(/Back|Назад/)]);
      u.tap(first, "→");
      const second = await u.next(t.page(2));
      expect(amounts(second)[0]).toBe("15");
      expect(
        buttonsOf(second)
          .map((b) => b.text)
          .slice(0, 3),
      ).toEqual(["←", "2", "→"]);
      u.tap(second, "→");
      const third = await u.next(t.page(3));
      expect(amounts(third)).toEqual(["5", "4", "3", "2", "1"]);
      expect(
        buttonsOf(third)
          .map((b) => b.text)
          .slice(0, 2),
      ).toEqual(["←", "3"]);
      expect(buttonsOf(third).map((b) => b.text)).not.toContain("→");
      u.tap(third, "←");
      expect(amounts(await u.next(t.page(2)))[0]).toBe("15");
    });
  });
}
