// The photo check before an order (issue 13), in both languages: with OpenAI configured its vision
// model looks at the product photo as it arrives, and the seller is told what to change before any
// credit is spent — and may send another photo or go on with this one. An outage never blocks an
// order; without OpenAI nothing is checked. The fake OpenAI sees what the photo's bytes say it sees.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOpenAiServer, type FakeOpenAi, visionMarker } from "./fakes/openai-server.ts";
import { buttonsOf, type FakeMessage, type FakeUser, TINY_PNG } from "./fakes/telegram-server.ts";
import { type BotHarness, startBotHarness } from "./helpers/bot-harness.ts";

let h: BotHarness | undefined;
let ai: FakeOpenAi | undefined;
afterEach(async () => {
  await h?.close();
  await ai?.close();
  h = undefined;
  ai = undefined;
});

let nextId = 7000;
const PRODUCT = "Ceramic mug for coffee lovers, 350 ml, keeps heat, dishwasher safe";

const T = {
  en: {
    create: "🎬 Create a video",
    photo: /Step 1 of 5/,
    desc: /Step 2 of 5/,
    tpl: /Step 3 of 5/,
    ugc: "UGC blogger",
    problems: /📷 This photo may not make a good video:/,
    advice:
      /Send another photo — or go on with this one: if the video fails, the credits come back automatically\./,
    people: "• there are people or faces in the frame — the video service usually refuses such photos",
    noProduct: "• no product can be seen in the photo",
    tooSmall: "• the product takes up too little of the frame, or the photo itself is too small",
    blurry: "• the photo is blurred or too dark",
    keep: "➡️ Go on with this photo",
    cancel: "✖ Cancel",
  },
  ru: {
    create: "🎬 Создать видео",
    photo: /Шаг 1 из 5/,
    desc: /Шаг 2 из 5/,
    tpl: /Шаг 3 из 5/,
    ugc: "UGC-блогер",
    problems: /📷 С этим фото видео может не получиться:/,
    advice:
      /Пришлите другое фото — или продолжите с этим: если видео не получится, кредиты вернутся автоматически\./,
    people: "• в кадре люди или лица — сервис генерации обычно отклоняет такие фото",
    noProduct: "• на фото не видно товара",
    tooSmall: "• товар занимает слишком мало места в кадре или само фото слишком маленькое",
    blurry: "• фото размыто или слишком тёмное",
    keep: "➡️ Продолжить с этим фото",
    cancel: "✖ Отмена",
  },
} as const;

/** A photo the fake's vision sees `problems` in. */
const seen = (...problems: string[]) => Buffer.concat([TINY_PNG, visionMarker({ problems })]);

/** The bot with the fake OpenAI configured, as OPENAI_API_KEY and OPENAI_BASE_URL do it. */
async function withVision(photoCheck = { timeoutMs: 3000, maxRetries: 0 }): Promise<BotHarness> {
  ai = createOpenAiServer();
  await ai.start();
  h = await startBotHarness({
    env: { OPENAI_API_KEY: ai.apiKey, OPENAI_BASE_URL: ai.url },
    photoCheck,
  });
  return h;
}

async function toPhotoStep(u: FakeUser, t: (typeof T)["en" | "ru"]): Promise<void> {
  u.tap(u.last() as FakeMessage, t.create);
  await u.next(t.photo);
}

const session = async (u: FakeUser) => JSON.parse((await h?.store.readSession(`u${u.id}`)) ?? "{}");

for (const lang of ["en", "ru"] as const) {
  const t = T[lang];
  describe(`the photo check before an order (${lang})`, () => {
    it("a photo with people is answered with what to change before anything is charged; another photo goes on to the description", async () => {
      await withVision();
      const u = await h!.consentedUser({ id: nextId++, language_code: lang });
      await toPhotoStep(u, t);
      u.photo({ bytes: seen("people") });
      const answer = await u.next(t.problems);
      expect(answer.text).toContain(t.people);
      expect(answer.text).toMatch(t.advice);
      expect(buttonsOf(answer).map((b) => b.text)).toEqual([t.keep, t.cancel]);
      // The vision model got the photo itself, inline, under the photo check's schema.
      expect(ai!.seen).toHaveLength(1);
      expect(ai!.seen[0]?.schemaName).toBe("photo_check");
      expect(ai!.seen[0]?.imageUrls[0]).toMatch(/^data:image\/jpeg;base64,/);
      const user = await h!.store.getUserByTgId(u.id);
      expect(user?.credits).toBe(1);
      expect(await h!.store.getUserJobs(user!.id, { limit: 5 })).toHaveLength(0);

      const { file } = u.photo();
      await u.next(t.desc);
      await vi.waitUntil(async () => (await session(u)).step === "description");
      expect((await session(u)).draft.photoFileId).toBe(file.fileId);
    });

    it("the seller may go on with a flagged photo: the order goes through with it and is charged as usual", async () => {
      await withVision();
      const u = await h!.consentedUser({ id: nextId++, language_code: lang });
      await toPhotoStep(u, t);
      const { file } = u.photo({ bytes: seen("people") });
      const answer = await u.next(t.problems);
      u.tap(answer, t.keep);
      const desc = await u.next(t.desc);
      expect(desc.message_id).toBe(answer.message_id);
      // The problems screen became the description step: its buttons are gone with it.
      expect(buttonsOf(desc).map((b) => b.text)).toEqual([t.cancel]);
      u.send(PRODUCT);
      u.tap(await u.next(t.tpl), t.ugc);
      u.tap(await u.next((m) => buttonsOf(m).some((b) => /^15/.test(b.text))), /^15/);
      u.tap(await u.next(/Step 4 of 5|Шаг 4 из 5/), /./);
      u.tap(await u.next((m) => buttonsOf(m).some((b) => b.text === "3")), "1");
      u.tap(await u.next((m) => buttonsOf(m).some((b) => /✅/.test(b.text))), /✅/);
      await u.next(/Accepted|Принято/);
      const user = await h!.store.getUserByTgId(u.id);
      expect(user?.credits).toBe(0);
      const [job] = await h!.store.getUserJobs(user!.id, { limit: 1 });
      expect(job?.photoFileId).toBe(file.fileId);
    });

    it("every problem the model names is listed, in a fixed order, in the seller's language", async () => {
      await withVision();
      const u = await h!.consentedUser({ id: nextId++, language_code: lang });
      await toPhotoStep(u, t);
      u.photo({ bytes: seen("blurry", "too_small", "people", "no_product") });
      const text = (await u.next(t.problems)).text ?? "";
      const bullets = text.split("\n").filter((l) => l.startsWith("• "));
      expect(bullets).toEqual([t.noProduct, t.people, t.tooSmall, t.blurry]);
    });

    it("a photo of low resolution (from Telegram's sizes) is too small even when the model sees nothing wrong", async () => {
      await withVision();
      const u = await h!.consentedUser({ id: nextId++, language_code: lang });
      await toPhotoStep(u, t);
      u.photo({ width: 300, height: 240 });
      const text = (await u.next(t.problems)).text ?? "";
      expect(text.split("\n").filter((l) => l.startsWith("• "))).toEqual([t.tooSmall]);
      // A sharp photo of a product, large enough: straight on.
      u.photo({ width: 1280, height: 960 });
      await u.next(t.desc);
    });

    it("an image sent as a file is checked the same way", async () => {
      await withVision();
      const u = await h!.consentedUser({ id: nextId++, language_code: lang });
      await toPhotoStep(u, t);
      u.document({ fileName: "mug.png", mimeType: "image/png", bytes: seen("blurry") });
      expect((await u.next(t.problems)).text).toContain(t.blurry);
      expect(ai!.seen[0]?.imageUrls[0]).toMatch(/^data:image\/png;base64,/);
    });

    it("an OpenAI outage does not block the order: an error or no answer by the deadline lets the photo through, logged", async () => {
      await withVision({ timeoutMs: 400, maxRetries: 0 });
      ai!.setMode("500");
      const u = await h!.consentedUser({ id: nextId++, language_code: lang });
      await toPhotoStep(u, t);
      u.photo({ bytes: seen("people") });
      await u.next(t.desc);
      u.command("cancel");
      await u.next();
      ai!.setMode("hang");
      await toPhotoStep(u, t);
      const sent = Date.now();
      u.photo({ bytes: seen("people") });
      await u.next(t.desc);
      expect(Date.now() - sent).toBeLessThan(3000);
      const failures = h!.logs.filter((l) => l.msg === "photo check failed; the photo is taken as it is");
      expect(failures).toHaveLength(2);
    });

    it("without OPENAI_API_KEY no photo is checked: straight on to the description", async () => {
      ai = createOpenAiServer();
      await ai.start();
      h = await startBotHarness({ env: { OPENAI_BASE_URL: ai.url } });
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      await toPhotoStep(u, t);
      u.photo({ bytes: seen("people"), width: 100, height: 100 });
      await u.next(t.desc);
      expect(ai.seen).toHaveLength(0);
    });
  });
}
