// The seller's conversation (issue 13): what a seller sees at the edges of the create flow, in both
// languages — the balance at the count step, a photo sent without a flow, /terms and /paysupport,
// consent without links, repeat, long descriptions, WebP, skipping wishes and dates in their time.
import { afterEach, describe, expect, it, vi } from "vitest";
import { buttonsOf, type FakeMessage, type FakeUser } from "./fakes/telegram-server.ts";
import { type BotHarness, startBotHarness } from "./helpers/bot-harness.ts";
import { chooseOptions } from "./helpers/seller.ts";
import { sqliteFactory } from "./helpers/stores.ts";

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PRODUCT = "Ceramic mug for coffee lovers, 350 ml, keeps heat, dishwasher safe";
let nextId = 5000;

const T = {
  en: {
    create: "🎬 Create a video",
    photo: /Step 1 of 5/,
    desc: /Step 2 of 5/,
    tpl: /Step 3 of 5/,
    ugc: "UGC blogger",
    wishes: /Step 4 of 5 — wishes/,
    count: /Step 5 of 5/,
    covers: /Your balance: 4 credits, enough for 1 or 3 videos\./,
    coversNone: /Your balance: 0 credits, not enough for a video yet/,
    confirm: /Check and confirm[\s\S]*Videos: (\d+)/,
    notEnough: /Not enough credits/,
    threeVideos: "3 videos",
    oneVideo: "1 video",
    accepted: /Accepted/,
    unknown: /did not understand/,
    termsFull:
      /Terms[\s\S]*videos of your product[\s\S]*as many credits as its template shows[\s\S]*refunded automatically[\s\S]*Credits do not expire/,
    free: /for free/,
    docs: /offer|privacy/i,
    readOffer: /please read the public offer and accept it/,
    balance: /Your balance: 5 credits/,
    paySupportUrl: /payment[\s\S]*https:\/\/t\.me\/help_desk/,
    paySupportOwner: /payment[\s\S]*bot's owner/,
    paySupportNone: /has not published a support contact/,
    own: "Own prompt",
    ownAsk: /Step 4 of 5 — your prompt/,
    exactly: /exactly as in the photo/,
    ownHonest: /the AI keeps the product close to your photo, but details can differ/,
    repeat: "🔁 Repeat this order",
    tooLong: /Too long: 5001 characters\. Please keep it within 5000/,
    webp: /JPG, PNG or WebP/,
  },
  ru: {
    create: "🎬 Создать видео",
    photo: /Шаг 1 из 5/,
    desc: /Шаг 2 из 5/,
    tpl: /Шаг 3 из 5/,
    ugc: "UGC-блогер",
    wishes: /Шаг 4 из 5 — пожелания/,
    count: /Шаг 5 из 5/,
    covers: /Ваш баланс: 4 кредита, его хватит на 1 или 3 видео\./,
    coversNone: /Ваш баланс: 0 кредитов, пока не хватает ни на одно видео/,
    confirm: /Проверьте и подтвердите[\s\S]*Видео: (\d+)/,
    notEnough: /Не хватает кредитов/,
    threeVideos: "3 видео",
    oneVideo: "1 видео",
    accepted: /Принято/,
    unknown: /Не понял/,
    termsFull:
      /Условия[\s\S]*видео вашего товара[\s\S]*столько кредитов, сколько указано у его шаблона[\s\S]*вернутся автоматически[\s\S]*Кредиты не сгорают/,
    free: /бесплатно/,
    docs: /оферт|конфиденциальн/i,
    readOffer: /прочитайте, пожалуйста, публичную оферту и примите её/,
    balance: /Ваш баланс: 5 кредитов/,
    paySupportUrl: /оплат[\s\S]*https:\/\/t\.me\/help_desk/,
    paySupportOwner: /оплат[\s\S]*владельцу бота/,
    paySupportNone: /не указал контакт поддержки/,
    own: "Свой промпт",
    ownAsk: /Шаг 4 из 5 — ваш промпт/,
    exactly: /точно таким/,
    ownHonest: /нейросеть старается сохранить товар как на фото, но детали могут отличаться/,
    repeat: "🔁 Повторить заказ",
    tooLong: /Слишком длинно: 5001 симв\. Уложитесь, пожалуйста, в 5000/,
    webp: /JPG, PNG или WebP/,
  },
} as const;

async function grant(u: FakeUser, amount: number): Promise<void> {
  const user = await h?.store.getUserByTgId(u.id);
  if (!user || !h) throw new Error("no user");
  await h.store.addCredits({
    userId: user.id,
    amount,
    reason: "admin_grant",
    reference: `t-${u.id}-${amount}`,
  });
}

async function userOf(u: FakeUser) {
  const user = await h?.store.getUserByTgId(u.id);
  if (!user) throw new Error("no user");
  return user;
}

/** From the menu through photo, description and UGC to the wishes step. */
async function toWishes(u: FakeUser, t: (typeof T)["en" | "ru"]): Promise<FakeMessage> {
  u.tap(u.last() as FakeMessage, t.create);
  await u.next(t.photo);
  u.photo();
  await u.next(t.desc);
  u.send(PRODUCT);
  u.tap(await u.next(t.tpl), t.ugc);
  const wishes = await chooseOptions(u);
  expect(wishes.text).toMatch(t.wishes);
  return wishes;
}

/** ... and on to the count step with the wishes skipped. */
async function toCount(u: FakeUser, t: (typeof T)["en" | "ru"]): Promise<FakeMessage> {
  u.tap(await toWishes(u, t), /./);
  return u.next(t.count);
}

/** The html the bot sent (the fake keeps the text as sent, with its tags). */
const html = (m: FakeMessage) => m.text ?? "";

for (const lang of ["en", "ru"] as const) {
  const t = T[lang];
  describe(`the seller's conversation (${lang})`, () => {
    it("the count step shows the balance and which counts it covers; short of credits, the counts they can afford are offered", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      await grant(u, 3);
      const count = await toCount(u, t);
      expect(html(count)).toMatch(t.covers);
      // The seller's balance drops elsewhere (another order) before they confirm 5.
      const user = await userOf(u);
      await h.store.addCredits({ userId: user.id, amount: -1, reason: "admin_deduct", reference: "spent" });
      u.tap(count, "5");
      const confirm = await u.next(t.confirm);
      u.tap(confirm, /✅/);
      const short = await u.next(t.notEnough);
      const buttons = buttonsOf(short).map((b) => b.text);
      expect(buttons).toContain(t.oneVideo);
      expect(buttons).toContain(t.threeVideos);
      expect(buttons).not.toContain("5");
      expect(buttonsOf(short).map((b) => b.callback_data)).toContain("buy");
      u.tap(short, t.threeVideos);
      const again = await u.next(t.confirm);
      expect(html(again).match(t.confirm)?.[1]).toBe("3");
      u.tap(again, /✅/);
      await u.next(t.accepted);
      expect(await h.store.getUserJobs(user.id, { limit: 10 })).toHaveLength(3);
    });

    it("with no credits the count step says so and offers to buy", async () => {
      h = await startBotHarness({ env: { FREE_CREDITS: "0" } });
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      const count = await toCount(u, t);
      expect(html(count)).toMatch(t.coversNone);
      expect(buttonsOf(count).map((b) => b.callback_data)).toContain("buy");
    });

    it("a photo sent outside a flow starts the create flow with it, straight at the description", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      const { file } = u.photo();
      await u.next(t.desc);
      u.send(PRODUCT);
      await u.next(t.tpl);
      // The session is saved after the reply: wait for it.
      const session = async () => JSON.parse((await h?.store.readSession(`u${u.id}`)) ?? "{}");
      await vi.waitUntil(async () => (await session()).step === "template");
      expect((await session()).draft.photoFileId).toBe(file.fileId);
    });

    it("an image sent as a file outside a flow starts the flow too; other files still get the menu", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      u.document({ fileName: "mug.png", mimeType: "image/png", size: 40_000 });
      await u.next(t.desc);
      u.command("cancel");
      await u.next();
      u.document({ fileName: "price.pdf", mimeType: "application/pdf", size: 40_000 });
      await u.next(t.unknown);
    });

    it("/terms answers before consent: what is sold, prices in credits, automatic refunds, no expiry; links only that exist", async () => {
      h = await startBotHarness({ env: { OFFER_URL: "https://example.com/offer" } });
      const u = h.user({ id: nextId++, language_code: lang });
      u.command("terms");
      const terms = await u.next(t.termsFull);
      expect(terms.text).toContain("https://example.com/offer");
      expect(buttonsOf(terms).map((b) => b.url ?? b.callback_data)).toEqual([
        "https://example.com/offer",
        "n1:consent",
      ]);
      expect(terms.text).not.toMatch(lang === "en" ? /privacy/i : /конфиденциальн/);
      expect((await userOf(u)).consentAt).toBeNull();
    });

    it("/paysupport answers before consent and points to SUPPORT_URL", async () => {
      h = await startBotHarness({ env: { SUPPORT_URL: "https://t.me/help_desk", ADMIN_IDS: "77" } });
      const u = h.user({ id: nextId++, language_code: lang });
      u.command("paysupport");
      await u.next(t.paySupportUrl);
    });

    it("/paysupport without SUPPORT_URL points to the owner's chat when there is an admin, and says the truth when there is none", async () => {
      h = await startBotHarness({ env: { ADMIN_IDS: "77" } });
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      u.command("paysupport");
      const owner = await u.next(t.paySupportOwner);
      expect(JSON.stringify(owner.entities)).toContain("tg://user?id=77");
      await h.close();
      h = await startBotHarness();
      const v = await h.consentedUser({ id: nextId++, language_code: lang });
      v.command("paysupport");
      await v.next(t.paySupportNone);
    });

    it("consent without OFFER_URL and PRIVACY_URL asks to read no documents; with FREE_CREDITS=0 it promises nothing free", async () => {
      h = await startBotHarness({ env: { FREE_CREDITS: "0" } });
      const u = h.user({ id: nextId++, language_code: lang });
      u.command("start");
      const terms = await u.next();
      expect(terms.text).not.toMatch(t.docs);
      expect(terms.text).not.toMatch(t.free);
      expect(terms.text).toContain("/terms");
      expect(buttonsOf(terms).map((b) => b.callback_data)).toEqual(["n1:consent"]);
    });

    it("consent with only OFFER_URL mentions only the offer", async () => {
      h = await startBotHarness({ env: { OFFER_URL: "https://example.com/offer" } });
      const u = h.user({ id: nextId++, language_code: lang });
      u.command("start");
      const terms = await u.next(t.readOffer);
      expect(terms.text).not.toMatch(lang === "en" ? /privacy/i : /конфиденциальн/);
    });

    it("a user imported from the old bot is not promised free credits they never get, and sees their balance", async () => {
      // The importer creates users without the signup bonus and credits their old balance as "import".
      const store = await sqliteFactory().make({ freeCredits: 0 });
      const id = nextId++;
      const { user } = await store.getOrCreateUser({ tgId: id, firstName: "Old" });
      await store.addCredits({
        userId: user.id,
        amount: 5,
        reason: "import",
        reference: `import:user:${id}`,
      });
      h = await startBotHarness({ store, env: { FREE_CREDITS: "2" } });
      const u = h.user({ id, language_code: lang });
      u.command("start");
      const terms = await u.next();
      expect(terms.text).not.toMatch(t.free);
      expect(terms.text).toMatch(t.balance);
      await h.close();
      await store.close();
      h = undefined;
    });

    it("the own-prompt step does not promise the product stays exactly as in the photo", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      u.tap(u.last() as FakeMessage, t.create);
      await u.next(t.photo);
      u.photo();
      await u.next(t.desc);
      u.send(PRODUCT);
      u.tap(await u.next(t.tpl), t.own);
      const ask = await chooseOptions(u);
      expect(ask.text).toMatch(t.ownAsk);
      expect(ask.text).not.toMatch(t.exactly);
      expect(ask.text).toMatch(t.ownHonest);
    });

    it("the cabinet's Repeat really repeats the order: same photo, description, template, length, format and wishes, at the confirm step", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      await grant(u, 2);
      u.tap(u.last() as FakeMessage, t.create);
      await u.next(t.photo);
      u.photo();
      await u.next(t.desc);
      u.send(PRODUCT);
      u.tap(await u.next(t.tpl), t.ugc);
      expect((await chooseOptions(u, { seconds: 10 })).text).toMatch(t.wishes);
      u.send("Cozy kitchen, morning light");
      u.tap(await u.next(t.count), "1");
      u.tap(await u.next(t.confirm), /✅/);
      await u.next(t.accepted);
      const user = await userOf(u);
      const [first] = await h.store.getUserJobs(user.id, { limit: 1 });
      if (!first) throw new Error("no job");

      u.command("cabinet");
      u.tap(await u.next(), `n1:job:${first.id}:0`);
      const detail = await u.next(new RegExp(`#${first.id}`));
      u.tap(detail, t.repeat);
      const confirm = await u.next(t.confirm);
      expect(confirm.text).toContain(t.ugc);
      expect(confirm.text?.match(t.confirm)?.[1]).toBe("1");
      u.tap(confirm, /✅/);
      await u.next(t.accepted);
      const [second] = await h.store.getUserJobs(user.id, { limit: 1 });
      expect(second?.id).not.toBe(first.id);
      expect(second).toMatchObject({
        template: "ugc",
        photoFileId: first.photoFileId,
        productText: PRODUCT,
        wishes: "Cozy kitchen, morning light",
        durationSeconds: 10,
        aspectRatio: "9:16",
      });
    });

    it("accepts a description as long as a marketplace card (5000 characters) and refuses one character more", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      u.tap(u.last() as FakeMessage, t.create);
      await u.next(t.photo);
      u.photo();
      const ask = await u.next(t.desc);
      expect(ask.text).toContain("10–5000");
      u.send("x".repeat(5001));
      await u.next(t.tooLong);
      u.send(`${PRODUCT} `.repeat(80).slice(0, 5000));
      await u.next(t.tpl);
    });

    it("accepts a WebP image sent as a file, by its type or by its name, and says WebP is fine", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      u.tap(u.last() as FakeMessage, t.create);
      const ask = await u.next(t.photo);
      expect(ask.text).toMatch(t.webp);
      u.document({ fileName: "mug.webp", mimeType: "image/webp", size: 50_000 });
      await u.next(t.desc);
      u.command("cancel");
      await u.next();
      u.document({ fileName: "mug.WEBP", mimeType: "", size: 50_000 });
      await u.next(t.desc);
    });

    it("“—”, “no”/“none” (en) or “нет”/“no” (ru), any case, spaces around, skip the wishes like “-”", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      await grant(u, 10);
      const user = await userOf(u);
      for (const skip of lang === "ru" ? ["—", " нет ", "No", "НЕТ"] : ["—", " no ", "None", "NO"]) {
        u.command("menu");
        await u.next();
        await toWishes(u, t);
        u.send(skip);
        u.tap(await u.next(t.count), "1");
        u.tap(await u.next(t.confirm), /✅/);
        await u.next(t.accepted);
        const [job] = await h.store.getUserJobs(user.id, { limit: 1 });
        expect(job?.wishes, skip).toBeNull();
      }
    });

    it("dates in the cabinet (jobs, payments) are in TIMEZONE and say which zone", async () => {
      h = await startBotHarness({ env: { TIMEZONE: "Asia/Vladivostok" } });
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      u.tap(await toCount(u, t), "1");
      u.tap(await u.next(t.confirm), /✅/);
      await u.next(t.accepted);
      const user = await userOf(u);
      const [job] = await h.store.getUserJobs(user.id, { limit: 1 });
      if (!job) throw new Error("no job");
      await h.store.recordPayment({
        userId: user.id,
        telegramChargeId: "charge-tz",
        currency: "XTR",
        amount: 250,
        credits: 5,
        packageId: "p5",
      });
      const inZone = (d: Date) =>
        d.toLocaleString(lang === "ru" ? "ru-RU" : "en-GB", {
          day: "2-digit",
          month: "2-digit",
          year: "2-digit",
          hour: "2-digit",
          minute: "2-digit",
          timeZone: "Asia/Vladivostok",
        });
      u.command("cabinet");
      const cab = await u.next();
      expect(cab.text).toContain(`${inZone(job.createdAt)} GMT+10`);
      u.tap(cab, "n1:pays:0");
      const pays = await u.next((m) => m.message_id === cab.message_id);
      const [payment] = await h.store.getUserPayments(user.id, { limit: 1 });
      expect(pays.text).toContain(`${inZone(payment?.createdAt ?? new Date())} GMT+10`);
    });
  });
}
