// Every user flow of the bot, end to end in both languages: the real bot with grammY's HTTP client
// and the runner, against the fake Bot API, on a SQLite store.
import { afterEach, describe, expect, it } from "vitest";
import type { Language } from "../src/db/types.ts";
import { buttonsOf, type FakeMessage, type FakeUser } from "./fakes/telegram-server.ts";
import { type BotHarness, recordingQueue, startBotHarness, waitUntil } from "./helpers/bot-harness.ts";
import { chooseOptions, type Options } from "./helpers/seller.ts";
import { moveJob } from "./helpers/store-ops.ts";

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const T = {
  en: {
    code: "en",
    terms: (n: number) => new RegExp(`You get ${n} credits? for free`),
    agree: "✅ I accept",
    welcome: /Done! Your balance: (\d+) credits?\./,
    menu: /Main menu\nBalance: (\d+) credits?/,
    create: "🎬 Create a video",
    photo: /Step 1 of 5 — product photo[\s\S]*JPG, PNG or WebP, up to 20 MB[\s\S]*no people/,
    desc: /Step 2 of 5 — description[\s\S]*10–5000 characters[\s\S]*3–5 key benefits/,
    album: /You sent an album: I'm using its first photo — one video is made from one photo\./,
    descExpected: /Please send the product description as text/,
    notImage: /This file is not a JPG, PNG or WebP image/,
    unknown: /did not understand/,
    tpl: /Step 3 of 5 — template[\s\S]*UGC blogger[\s\S]*Voice-over ad[\s\S]*Cinematic product shots[\s\S]*Product in motion[\s\S]*Own prompt/,
    names: {
      ugc: "UGC blogger",
      ad: "Voice-over ad",
      broll: "Cinematic product shots",
      motion: "Product in motion",
      own: "Own prompt",
    },
    dur: /Step 3 of 5 — length\n\n“Product in motion”: how long should the video be\? Prices are per video\./,
    durButtons: ["5 s · 1 credit", "10 s · 2 credits"],
    motionLine:
      "Product in motion — The product photo comes alive: smooth camera, light and detail motion — for the card and the cover. (5 or 10 s, from 1 credit)",
    fmt: /Step 3 of 5 — format\n\n“Voice-over ad”: which format do you need\?/,
    fmtButtons: ["📱 Vertical 9:16", "🖥 Horizontal 16:9"],
    costs2:
      /Each video is made with its own script and costs 2 credits\.\n\nYour balance: 5 credits, enough for 1 video\./,
    chosen: (seconds: number, format: string) => new RegExp(`Length: ${seconds} s\nFormat: ${format}\n`),
    photoShape: "as your photo",
    horizontal: "horizontal 16:9",
    wishes: /Step 4 of 5 — wishes/,
    own: /Step 4 of 5 — your prompt/,
    review: /Your prompt:/,
    add: "➕ Add to it",
    replace: "✏️ Replace",
    approve: "✅ Approve",
    count: /Step 5 of 5 — how many videos\?/,
    confirm: (total: number, balance: number) =>
      new RegExp(
        `Check and confirm[\\s\\S]*Total: ${total} credits?[\\s\\S]*Your balance: ${balance} credits?`,
      ),
    confirmBtn: "✅ Confirm",
    accepted: (position: number, minutes: number, balance: number) =>
      new RegExp(
        `Accepted: .* in the queue, position ${position}, about ${minutes} min\\.\\nBalance: ${balance} credits?`,
      ),
    // Every number with its noun: 5 needed, 1 on the balance, 4 to buy.
    notEnough: /this needs 5 credits, your balance is 1 credit\.\nBuy 4 more credits\./,
    again: "🔁 Make another with this product",
    cabinet: /My account\nBalance: (\d+) credits?\nVideos ordered: (\d+)/,
    help: /How it works/,
    cancelled: /Cancelled\. Here is the menu\./,
    lang: /Language: English\./,
    payments: /Payments\n/,
    referral: /Invite friends\nSend your friends your link: https:\/\/t\.me\/neurocards_test_bot\?start=ref_/,
  },
  ru: {
    code: "ru",
    terms: (n: number) => new RegExp(`вы получаете ${n} кредита? бесплатно`),
    agree: "✅ Принимаю",
    welcome: /Готово! Ваш баланс: (\d+) кредит/,
    menu: /Главное меню\nБаланс: (\d+) кредит/,
    create: "🎬 Создать видео",
    photo: /Шаг 1 из 5 — фото товара[\s\S]*JPG, PNG или WebP, до 20 МБ[\s\S]*без людей/,
    desc: /Шаг 2 из 5 — описание[\s\S]*10–5000 символов[\s\S]*3–5 главных преимуществ/,
    album: /Вы прислали альбом: беру из него первое фото — одно видео делается из одного фото\./,
    descExpected: /Пришлите описание товара текстом/,
    notImage: /Этот файл не JPG, не PNG и не WebP/,
    unknown: /Не понял/,
    tpl: /Шаг 3 из 5 — шаблон[\s\S]*UGC-блогер[\s\S]*Реклама с голосом[\s\S]*Кинокадры товара[\s\S]*Оживший товар[\s\S]*Свой промпт/,
    names: {
      ugc: "UGC-блогер",
      ad: "Реклама с голосом",
      broll: "Кинокадры товара",
      motion: "Оживший товар",
      own: "Свой промпт",
    },
    dur: /Шаг 3 из 5 — длительность\n\n«Оживший товар»: какой длины сделать видео\? Цена указана за одно видео\./,
    durButtons: ["5 с · 1 кредит", "10 с · 2 кредита"],
    motionLine:
      "Оживший товар — Фото товара оживает: плавное движение камеры, света и деталей — для карточки и обложки. (5 или 10 с, от 1 кредита)",
    fmt: /Шаг 3 из 5 — формат\n\n«Реклама с голосом»: какой формат нужен\?/,
    fmtButtons: ["📱 Вертикальный 9:16", "🖥 Горизонтальный 16:9"],
    costs2:
      /Каждое видео делается по своему сценарию и стоит 2 кредита\.\n\nВаш баланс: 5 кредитов, его хватит на 1 видео\./,
    chosen: (seconds: number, format: string) =>
      new RegExp(`Длительность: ${seconds} с\nФормат: ${format}\n`),
    photoShape: "как у фото",
    horizontal: "горизонтальный 16:9",
    wishes: /Шаг 4 из 5 — пожелания/,
    own: /Шаг 4 из 5 — ваш промпт/,
    review: /Ваш промпт:/,
    add: "➕ Дополнить",
    replace: "✏️ Заменить",
    approve: "✅ Утвердить",
    count: /Шаг 5 из 5 — сколько видео\?/,
    confirm: (total: number, balance: number) =>
      new RegExp(
        `Проверьте и подтвердите[\\s\\S]*Итого: ${total} кредит[\\s\\S]*Ваш баланс: ${balance} кредит`,
      ),
    confirmBtn: "✅ Подтвердить",
    accepted: (position: number, minutes: number, balance: number) =>
      new RegExp(
        `Принято: .* в очереди, место ${position}, примерно ${minutes} мин\\.\\nБаланс: ${balance} кредит`,
      ),
    // Каждое число со своим существительным: нужно 5, на балансе 1, докупить 4.
    notEnough: /нужно 5 кредитов, на балансе 1 кредит\.\nДокупите ещё 4 кредита\./,
    again: "🔁 Ещё видео с этим товаром",
    cabinet: /Личный кабинет\nБаланс: (\d+) кредит[а-я]*\nЗаказано видео: (\d+)/,
    help: /Как это работает/,
    cancelled: /Отменено\. Вот меню\./,
    lang: /Язык: русский\./,
    payments: /Платежи\n/,
    referral:
      /Пригласите друзей\nОтправьте друзьям вашу ссылку: https:\/\/t\.me\/neurocards_test_bot\?start=ref_/,
  },
} as const;

const PRODUCT = "Ceramic mug for coffee lovers, 350 ml, keeps heat, dishwasher safe";
let nextId = 1000;

async function grant(u: FakeUser, amount: number): Promise<void> {
  const user = await h?.store.getUserByTgId(u.id);
  if (!user || !h) throw new Error("no user");
  await h.store.addCredits({
    userId: user.id,
    amount,
    reason: "admin_grant",
    reference: `test-${u.id}-${amount}`,
  });
}

/** Walks the create flow up to the confirmation screen (the template's first length and format unless given). */
async function toConfirm(
  u: FakeUser,
  t: (typeof T)[Language],
  o: { template: "ugc" | "ad" | "broll" | "motion"; count: 1 | 3 | 5; wishes?: string } & Options,
): Promise<FakeMessage> {
  const menu = u.last();
  if (!menu) throw new Error("no menu");
  u.tap(menu, t.create);
  await u.next(t.photo);
  u.photo();
  await u.next(t.desc);
  u.send(PRODUCT);
  const tpl = await u.next(t.tpl);
  u.tap(tpl, t.names[o.template]);
  const wishes = await chooseOptions(u, o);
  expect(wishes.text).toMatch(t.wishes);
  if (o.wishes === undefined) u.tap(wishes, /./);
  else u.send(o.wishes);
  const count = await u.next(t.count);
  u.tap(count, String(o.count));
  return u.next(
    (m) => (m.text ?? "").includes(t.confirmBtn.slice(2)) || /Check and confirm|Проверьте/.test(m.text ?? ""),
  );
}

/** A consented seller with the free credit, who tapped Create and sees the photo step. */
async function sellerAtPhotoStep(
  t: (typeof T)[Language],
): Promise<{ u: FakeUser; store: BotHarness["store"] }> {
  const harness = await startBotHarness({ queue: recordingQueue() });
  h = harness;
  const u = await harness.consentedUser({ id: nextId++, language_code: t.code });
  const menu = u.last();
  if (!menu) throw new Error("no menu");
  u.tap(menu, t.create);
  await u.next(t.photo);
  return { u, store: harness.store };
}

/** How many of the bot's messages in the seller's chat read `re`. */
const said = (u: FakeUser, re: RegExp) => u.messages().filter((m) => re.test(m.text ?? "")).length;

for (const lang of ["en", "ru"] as const) {
  const t = T[lang];
  describe(`bot flows (${lang})`, () => {
    it("/start creates the user with FREE_CREDITS, asks for consent, then shows demos, welcome and menu", async () => {
      h = await startBotHarness({
        env: {
          FREE_CREDITS: "2",
          OFFER_URL: "https://example.com/offer",
          PRIVACY_URL: "https://example.com/privacy",
          WELCOME_VIDEO_FILE_IDS: "demo-1,demo-2",
        },
      });
      h.tg.registerFile({ fileId: "demo-1", mimeType: "video/mp4" });
      h.tg.registerFile({ fileId: "demo-2", mimeType: "video/mp4" });
      const u = h.user({ id: nextId++, language_code: lang === "ru" ? "uk" : "de" });
      u.command("start");
      const terms = await u.next(t.terms(2));
      expect(buttonsOf(terms).map((b) => b.url ?? b.callback_data)).toEqual([
        "https://example.com/offer",
        "https://example.com/privacy",
        "n1:consent",
      ]);
      const user = await h.store.getUserByTgId(u.id);
      expect(user?.credits).toBe(2);
      expect(user?.consentAt).toBeNull();

      // Nothing works before consent.
      const early = u.forgeTap(terms, "n1:create");
      expect((await h.tg.callbackAnswer(early)).text).toMatch(
        lang === "en" ? /accept the terms/ : /примите условия/,
      );
      u.send("hello");
      await u.next(t.terms(2));

      const before = Date.now();
      u.tap(terms, t.agree);
      const welcome = await u.next(t.welcome);
      expect(welcome.text).toMatch(/ 2 /);
      const album = h.tg.callsTo("sendMediaGroup", u.id);
      expect(album).toHaveLength(1);
      expect(
        u
          .messages()
          .filter((m) => m.video)
          .map((m) => (m.video as { file_id: string }).file_id),
      ).toEqual(["demo-1", "demo-2"]);
      expect(buttonsOf(welcome).map((b) => b.callback_data)).toEqual([
        "n1:create",
        "n1:cabinet:0",
        "buy",
        "n1:help",
      ]);
      const consented = await h.store.getUserByTgId(u.id);
      expect(consented?.consentAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(h.tg.message(u.id, terms.message_id)?.reply_markup).toBeUndefined();
    });

    it("/start ref_<code> records who referred the user; the cabinet shows the referral link", async () => {
      h = await startBotHarness({ env: { REFERRAL_BONUS: "2" } });
      const a = await h.consentedUser({ id: nextId++, language_code: t.code });
      const referrer = await h.store.getUserByTgId(a.id);
      const b = h.user({ id: nextId++, language_code: t.code });
      b.command("start", `ref_${referrer?.referralCode}`);
      await b.next(t.terms(1));
      expect((await h.store.getUserByTgId(b.id))?.referredBy).toBe(referrer?.id);

      a.tap(a.last() as FakeMessage, "n1:cabinet:0");
      const cab = await a.next(t.cabinet);
      a.tap(cab, "n1:ref");
      const ref = await a.next(t.referral);
      expect(ref.text).toContain(`ref_${referrer?.referralCode}`);
      expect(ref.message_id).toBe(cab.message_id);
    });

    it("the menu is edited in place; /menu, help with support, /cancel and /lang work", async () => {
      h = await startBotHarness({ env: { SUPPORT_URL: "https://t.me/support_account" } });
      const u = await h.consentedUser({ id: nextId++, language_code: t.code });
      const menu = u.last() as FakeMessage;
      expect(buttonsOf(menu).some((b) => b.url === "https://t.me/support_account")).toBe(true);
      u.tap(menu, "n1:help");
      const help = await u.next(t.help);
      expect(help.message_id).toBe(menu.message_id);
      expect(help.text).toContain("https://t.me/support_account");
      u.tap(help, "n1:menu");
      expect((await u.next(t.menu)).message_id).toBe(menu.message_id);

      u.command("menu");
      await u.next(t.menu);

      u.tap(u.last() as FakeMessage, t.create);
      await u.next(t.photo);
      u.command("cancel");
      await u.next(t.cancelled);
      u.sticker();
      await u.next(t.unknown);

      u.command("lang");
      const ask = await u.next();
      u.tap(ask, lang === "en" ? "n1:lang:ru" : "n1:lang:en");
      const switched = await u.next(lang === "en" ? T.ru.menu : T.en.menu);
      expect(switched.message_id).toBe(ask.message_id);
      expect((await h.store.getUserByTgId(u.id))?.language).toBe(lang === "en" ? "ru" : "en");
    });

    it("creates 3 UGC videos: jobs in one transaction, credits consumed, position and minutes shown", async () => {
      const queue = recordingQueue();
      h = await startBotHarness({ queue });
      const u = await h.consentedUser({ id: nextId++, language_code: t.code });
      await grant(u, 4);
      const confirm = await toConfirm(u, t, {
        template: "ugc",
        count: 3,
        wishes: "Cozy kitchen, morning light",
      });
      expect(confirm.text).toMatch(t.confirm(3, 5));
      u.tap(confirm, t.confirmBtn);
      const accepted = await u.next(t.accepted(1, 6, 2));
      expect(accepted.message_id).toBe(confirm.message_id);
      expect(buttonsOf(accepted).map((b) => b.text)).toContain(t.again);
      // The queue is woken right after the notice is recorded for its position updates.
      await waitUntil(() => queue.wakes > 0, 2000, "the queue to be woken");
      expect(queue.wakes).toBe(1);

      const user = await h.store.getUserByTgId(u.id);
      const jobs = await h.store.getUserJobs(user?.id ?? 0, { limit: 10 });
      expect(jobs).toHaveLength(3);
      expect(new Set(jobs.map((j) => j.idempotencyKey)).size).toBe(3);
      for (const j of jobs) {
        expect(j).toMatchObject({
          template: "ugc",
          model: "sora-2-image-to-video",
          language: lang,
          productText: PRODUCT,
          wishes: "Cozy kitchen, morning light",
          status: "queued",
          creditsCharged: 1,
          chatId: u.id,
        });
        expect(j.photoFileId).toMatch(/^FILE/);
      }
      expect(user?.credits).toBe(2);
    });

    it("an album at the photo step: its first photo is taken with one answer that says so, the rest get none, and the order goes on", async () => {
      const { u, store } = await sellerAtPhotoStep(t);
      const album = u.album(3, { caption: "front, side and back" });
      const desc = await u.next(t.desc);
      expect(desc.text).toMatch(t.album);
      // A second album at the description step: one "send the description as text", not two.
      u.album(2);
      await u.next(t.descExpected);
      u.send(PRODUCT);
      const tpl = await u.next(t.tpl);
      // A chat's updates are handled in order: every album item was answered before this text.
      expect([said(u, t.desc), said(u, t.descExpected), said(u, t.album)]).toEqual([1, 1, 1]);
      u.tap(tpl, t.names.ugc);
      const wishes = await chooseOptions(u, {});
      u.tap(wishes, /./);
      const count = await u.next(t.count);
      u.tap(count, "1");
      const confirm = await u.next(t.confirm(1, 1));
      u.tap(confirm, t.confirmBtn);
      await u.next(t.accepted(1, 2, 0));

      const user = await store.getUserByTgId(u.id);
      const jobs = await store.getUserJobs(user?.id ?? 0, { limit: 10 });
      const firstPhoto = (album[0]?.photo as Array<{ file_id: string }> | undefined)?.at(-1)?.file_id;
      expect(firstPhoto).toMatch(/^FILE/);
      expect(jobs.map((j) => j.photoFileId)).toEqual([firstPhoto]);
    });

    it("an album with a file in front of its photos: the file is refused once and the album's first photo is taken", async () => {
      const { u } = await sellerAtPhotoStep(t);
      const album = `album-mixed-${u.id}`;
      const pdf = u.tg.registerFile({ size: 40_000, mimeType: "application/pdf", dir: "documents" });
      u.push({
        document: {
          file_id: pdf.fileId,
          file_unique_id: pdf.uniqueId,
          file_name: "specs.pdf",
          mime_type: "application/pdf",
          file_size: pdf.size,
        },
        media_group_id: album,
      });
      u.photo({ album });
      u.photo({ album });
      await u.next(t.notImage);
      const desc = await u.next(t.desc);
      expect(desc.text).toMatch(t.album);
      u.send(PRODUCT);
      await u.next(t.tpl);
      expect([said(u, t.notImage), said(u, t.desc)]).toEqual([1, 1]);
    });

    it('an album of files sent outside the flow gets one "I did not understand" with the menu, not one per file', async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: t.code });
      const album = `album-files-${u.id}`;
      for (const name of ["specs.pdf", "sizes.pdf", "care.pdf"]) {
        const f = u.tg.registerFile({ size: 40_000, mimeType: "application/pdf", dir: "documents" });
        u.push({
          document: {
            file_id: f.fileId,
            file_unique_id: f.uniqueId,
            file_name: name,
            mime_type: "application/pdf",
            file_size: f.size,
          },
          media_group_id: album,
        });
      }
      const answer = await u.next(t.unknown);
      expect(answer.text).toMatch(t.menu);
      // A chat's updates are handled in order: /help is answered after every album item was.
      u.command("help");
      await u.next(lang === "en" ? /How it works/ : /Как это работает/);
      expect(said(u, t.unknown)).toBe(1);
    });

    it("picks a length and sees its price: the count step, the counts the balance covers and the charge use it", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: t.code });
      await grant(u, 4);
      u.tap(u.last() as FakeMessage, t.create);
      await u.next(t.photo);
      u.photo();
      await u.next(t.desc);
      u.send(PRODUCT);
      const tpl = await u.next(t.tpl);
      expect(tpl.text).toContain(t.motionLine);
      u.tap(tpl, t.names.motion);
      const dur = await u.next(t.dur);
      expect(buttonsOf(dur).map((b) => b.text)).toEqual([...t.durButtons, expect.stringMatching(/✖/)]);
      u.tap(dur, t.durButtons[1]);
      u.tap(await u.next(t.wishes), /./);
      const count = await u.next(t.count);
      expect(count.text).toMatch(t.costs2);
      expect(buttonsOf(count).map((b) => b.callback_data)).toContain("buy");
      u.tap(count, "1");
      const confirm = await u.next(t.confirm(2, 5));
      expect(confirm.text).toMatch(t.chosen(10, t.photoShape));
      u.tap(confirm, t.confirmBtn);
      await u.next(t.accepted(1, 2, 3));
      const [job] = await h.store.getUserJobs((await h.store.getUserByTgId(u.id))?.id ?? 0, { limit: 1 });
      expect(job).toMatchObject({
        template: "motion",
        model: "kling-2.6/image-to-video",
        durationSeconds: 10,
        aspectRatio: null,
        creditsCharged: 2,
      });
    });

    it("picks a format where the template offers several; the job keeps the length and format it was bought with", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: t.code });
      u.tap(u.last() as FakeMessage, t.create);
      await u.next(t.photo);
      u.photo();
      await u.next(t.desc);
      u.send(PRODUCT);
      u.tap(await u.next(t.tpl), t.names.ad);
      const dur = await u.next((m) => buttonsOf(m).some((b) => b.callback_data?.startsWith("n1:dur:")));
      u.tap(dur, /^15 /);
      const fmt = await u.next(t.fmt);
      expect(buttonsOf(fmt).map((b) => b.text)).toEqual([...t.fmtButtons, expect.stringMatching(/✖/)]);
      u.tap(fmt, t.fmtButtons[1]);
      u.tap(await u.next(t.wishes), /./);
      u.tap(await u.next(t.count), "1");
      const confirm = await u.next(t.confirm(1, 1));
      expect(confirm.text).toMatch(t.chosen(15, t.horizontal));
      u.tap(confirm, t.confirmBtn);
      await u.next(t.accepted(1, 2, 0));
      const [job] = await h.store.getUserJobs((await h.store.getUserByTgId(u.id))?.id ?? 0, { limit: 1 });
      expect(job).toMatchObject({
        template: "ad",
        model: "sora-2-image-to-video",
        durationSeconds: 15,
        aspectRatio: "16:9",
        creditsCharged: 1,
      });
    });

    it("cinematic product shots (Veo, one length) with wishes skipped store no wishes", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: t.code });
      const confirm = await toConfirm(u, t, { template: "broll", count: 1 });
      u.tap(confirm, t.confirmBtn);
      await u.next(t.accepted(1, 2, 0));
      const [job] = await h.store.getUserJobs((await h.store.getUserByTgId(u.id))?.id ?? 0, { limit: 1 });
      expect(job).toMatchObject({ template: "broll", model: "veo3_fast", wishes: null });
    });

    it("own prompt: shown back with Approve / Add to it / Replace, then counted and confirmed", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: t.code });
      u.tap(u.last() as FakeMessage, t.create);
      await u.next(t.photo);
      u.photo();
      await u.next(t.desc);
      u.send(PRODUCT);
      u.tap(await u.next(t.tpl), t.names.own);
      expect((await chooseOptions(u)).text).toMatch(t.own);
      u.send("Slow orbit around the mug on a marble table");
      let review = await u.next(t.review);
      expect(review.text).toContain("Slow orbit around the mug on a marble table");
      u.tap(review, t.add);
      await u.next();
      u.send("Steam rises from the coffee");
      review = await u.next(t.review);
      expect(review.text).toContain("marble table\nSteam rises from the coffee");
      u.tap(review, t.replace);
      await u.next();
      u.send("Macro shot of the handle, then the whole mug");
      review = await u.next(t.review);
      expect(review.text).not.toContain("marble");
      u.tap(review, t.approve);
      u.tap(await u.next(t.count), "1");
      const confirm = await u.next(t.confirm(1, 1));
      u.tap(confirm, t.confirmBtn);
      await u.next(t.accepted(1, 2, 0));
      const [job] = await h.store.getUserJobs((await h.store.getUserByTgId(u.id))?.id ?? 0, { limit: 1 });
      expect(job).toMatchObject({
        template: "own",
        ownPrompt: "Macro shot of the handle, then the whole mug",
      });
    });

    it("not enough credits: says how many are needed and offers the packages; confirming after a top-up works", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: t.code });
      const confirm = await toConfirm(u, t, { template: "ugc", count: 5 });
      u.tap(confirm, t.confirmBtn);
      const short = await u.next(t.notEnough);
      expect(buttonsOf(short).map((b) => b.callback_data)).toContain("buy");
      expect(
        await h.store.getUserJobs((await h.store.getUserByTgId(u.id))?.id ?? 0, { limit: 5 }),
      ).toHaveLength(0);
      await grant(u, 4);
      u.tap(short, t.confirmBtn);
      await u.next(t.accepted(1, 10, 0));
    });

    it("cabinet: balance, paged jobs with status, re-send of a finished video, repeat, payment history", async () => {
      h = await startBotHarness();
      const u = await h.consentedUser({ id: nextId++, language_code: t.code });
      await grant(u, 6);
      for (let i = 0; i < 2; i++) {
        const confirm = await toConfirm(u, t, { template: "ugc", count: 3 });
        u.tap(confirm, t.confirmBtn);
        await u.next(/Accepted|Принято/);
        u.command("menu");
        await u.next(t.menu);
      }
      const user = await h.store.getUserByTgId(u.id);
      const jobs = await h.store.getUserJobs(user?.id ?? 0, { limit: 10 });
      const done = jobs[0];
      if (!done) throw new Error("no job");
      h.tg.registerFile({ fileId: "result-video-1", mimeType: "video/mp4" });
      await moveJob(h.store, done.id, "processing");
      await moveJob(h.store, done.id, "succeeded", { resultFileId: "result-video-1" });
      await h.store.recordPayment({
        userId: user?.id ?? 0,
        telegramChargeId: "charge-1",
        currency: "XTR",
        amount: 250,
        credits: 5,
        packageId: "p5",
      });

      u.tap(u.last() as FakeMessage, "n1:cabinet:0");
      const cab = await u.next(t.cabinet);
      expect(cab.text?.match(t.cabinet)?.slice(1)).toEqual(["6", "6"]);
      const jobButtons = buttonsOf(cab).filter((b) => b.callback_data?.startsWith("n1:job:"));
      expect(jobButtons).toHaveLength(5);
      expect(buttonsOf(cab).map((b) => b.callback_data)).toContain("n1:cabinet:1");
      u.tap(cab, "n1:cabinet:1");
      const page2 = await u.next((m) => m.message_id === cab.message_id);
      expect(buttonsOf(page2).filter((b) => b.callback_data?.startsWith("n1:job:"))).toHaveLength(1);

      u.tap(page2, `n1:cabinet:0`);
      await u.next();
      u.tap(cab.message_id, `n1:job:${done.id}:0`);
      const detail = await u.next(new RegExp(`#${done.id}`));
      expect(detail.text).toContain(PRODUCT);
      u.tap(detail, `n1:resend:${done.id}`);
      const video = await u.next((m) => m.video !== undefined);
      expect((video.video as { file_id: string }).file_id).toBe("result-video-1");
      expect(buttonsOf(video).map((b) => b.callback_data)).toEqual([`n1:again:${done.id}`, "n1:menu"]);

      u.tap(video, `n1:again:${done.id}`);
      const tpl = await u.next(t.tpl);
      u.tap(tpl, t.names.broll);
      u.tap(await chooseOptions(u), /./);
      u.tap(await u.next(t.count), "1");
      u.tap(await u.next(t.confirm(1, 6)), t.confirmBtn);
      await u.next(/Accepted|Принято/);
      const again = (await h.store.getUserJobs(user?.id ?? 0, { limit: 1 }))[0];
      expect(again).toMatchObject({ template: "broll", photoFileId: done.photoFileId, productText: PRODUCT });

      u.command("menu");
      u.tap(await u.next(t.menu), "n1:cabinet:0");
      u.tap(await u.next(t.cabinet), "n1:pays:0");
      const pays = await u.next(t.payments);
      expect(pays.text).toMatch(/\+5 .*250 ⭐/);
    });
  });
}
