// The whole way a seller sees it: the real bot's create flow against the fake Bot API, the real
// queue and pipeline against fake kie.ai and OpenAI, ending with the video in the chat and its
// "Make another with this product" button working.

import { afterEach, describe, expect, it } from "vitest";
import { keyHash } from "../src/generation/keys.ts";
import { buttonsOf } from "./fakes/telegram-server.ts";
import { orderVideo, SELLER_TEXTS, type SellerWorld, startSellerWorld } from "./helpers/seller.ts";
import { clearProviderKey, safeGetBalance } from "./helpers/store-ops.ts";

let w: SellerWorld | null = null;

afterEach(async () => {
  await w?.close();
  w = null;
});

describe("a seller orders a video in the bot and gets it", () => {
  for (const [lang, template, api] of [
    ["en", "ugc", "market"],
    ["ru", "broll", "veo"],
  ] as const) {
    it(`${lang}: ${template} through kie.ai's ${api} API, delivered under the bot's own buttons`, async () => {
      w = await startSellerWorld(1, { kie: { scenario: { outcome: "success", polls: 1 } } });
      const { store, q, b } = w;
      const u = await b.consentedUser({ id: lang === "en" ? 7001 : 7002, language_code: lang });
      await orderVideo(u, { lang, template });
      const video = await u.next((m) => m.video !== undefined, 15_000);
      expect(buttonsOf(video).map((x) => x.text)).toContain(SELLER_TEXTS[lang].again);
      const task = [...q.kie.tasks.values()];
      expect(task).toHaveLength(1);
      expect(task[0]!.api).toBe(api);
      const user = await store.getUserByTgId(u.id);
      const [created] = await store.getUserJobs(user!.id, { limit: 5 });
      const job = await q.waitFor(created!.id, ["succeeded", "failed"]);
      expect(job).toMatchObject({ status: "succeeded", template, language: lang });
      expect(job.resultFileId).toBe((video.video as { file_id: string }).file_id);
      expect(await safeGetBalance(store, user!.id)).toBe(0);
      // The button under the video starts the template step again for the same product.
      u.tap(video, SELLER_TEXTS[lang].again);
      const again = await u.next((m) => buttonsOf(m).some((x) => x.text === SELLER_TEXTS[lang].names.ugc));
      expect(again).toBeDefined();
    });
  }
});

describe("the length a seller picks is the length kie.ai renders", () => {
  for (const lang of ["en", "ru"] as const) {
    it(`${lang}: a 10-second "product in motion" (2 credits) reaches kie.ai as Kling's duration "10"`, async () => {
      w = await startSellerWorld(2, { kie: { scenario: { outcome: "success", polls: 1 } } });
      const { store, q, b } = w;
      const u = await b.consentedUser({ id: lang === "en" ? 7011 : 7012, language_code: lang });
      await orderVideo(u, { lang, template: "motion", options: { seconds: 10 } });
      await u.next((m) => m.video !== undefined, 15_000);
      const [task] = [...q.kie.tasks.values()];
      expect(task?.body).toMatchObject({
        model: "kling-2.6/image-to-video",
        input: { duration: "10", sound: true },
      });
      const user = await store.getUserByTgId(u.id);
      const [created] = await store.getUserJobs(user!.id, { limit: 1 });
      const job = await q.waitFor(created!.id, ["succeeded", "failed"]);
      expect(job).toMatchObject({ status: "succeeded", durationSeconds: 10, creditsCharged: 2 });
      expect(await safeGetBalance(store, user!.id)).toBe(0);
    });
  }
});

describe("a seller is never charged for what cannot run", () => {
  const NOT_READY = {
    en: /not available yet[\s\S]*Nothing was charged/,
    ru: /пока недоступно[\s\S]*Кредиты не списаны/,
  };
  const PAUSED = {
    en: (back: string) =>
      new RegExp(`paused right now\\. Nothing was charged\\.\\nIt should be back in about ${back}`),
    ru: (back: string) =>
      new RegExp(`на паузе\\. Кредиты не списаны\\.\\nРабота должна возобновиться примерно через ${back}`),
  };
  const MENU = { en: /Main menu/, ru: /Главное меню/ };

  for (const lang of ["en", "ru"] as const) {
    it(`${lang}: no KIE_API_KEYS — Confirm is refused with no job and no ledger row, and the menu is one tap away`, async () => {
      w = await startSellerWorld(1, { env: { KIE_API_KEYS: "" } });
      const { store, b } = w;
      const u = await b.consentedUser({ id: lang === "en" ? 7101 : 7102, language_code: lang });
      const user = await store.getUserByTgId(u.id);
      const ledger = await store.getLedger(user!.id, { limit: 10 });
      const confirm = await orderVideo(u, { lang });
      const refusal = await u.next(NOT_READY[lang]);
      expect(refusal.message_id).toBe(confirm.message_id);
      expect(await store.getUserJobs(user!.id, { limit: 5 })).toEqual([]);
      expect(await store.getLedger(user!.id, { limit: 10 })).toEqual(ledger);
      expect(await safeGetBalance(store, user!.id)).toBe(1);
      u.tap(refusal, /☰/);
      await u.next(MENU[lang]);
    });
  }

  it("ru: every key resting (as another process left them in the store) — refused with when it is back; Confirm again works once a key is", async () => {
    w = await startSellerWorld(1, { kie: { keys: { "key-a": true, "key-b": true } } });
    const { store, q, b } = w;
    const now = Date.now();
    await store.restProviderKey(
      keyHash("key-a"),
      "kie key #1",
      new Date(now + 40 * 60_000),
      "402: no balance",
    );
    await store.restProviderKey(
      keyHash("key-b"),
      "kie key #2",
      new Date(now + 25 * 60_000),
      "402: no balance",
    );
    const u = await b.consentedUser({ id: 7103, language_code: "ru" });
    const user = await store.getUserByTgId(u.id);
    await orderVideo(u, { lang: "ru" });
    const refusal = await u.next(PAUSED.ru("25 мин"));
    expect(await store.getUserJobs(user!.id, { limit: 5 })).toEqual([]);
    expect(await safeGetBalance(store, user!.id)).toBe(1);
    expect(q.kie.created).toBe(0);

    // The owner tops key-b up and clears its rest (admin panel); the key pool sees it within its cache.
    await clearProviderKey(store, keyHash("key-b"));
    await new Promise((r) => setTimeout(r, 1100));
    u.tap(refusal, SELLER_TEXTS.ru.confirm);
    await u.next(/Принято/);
    const [job] = await store.getUserJobs(user!.id, { limit: 5 });
    expect(await q.waitFor(job!.id, ["succeeded", "failed"], 15_000)).toMatchObject({ status: "succeeded" });
    expect(await safeGetBalance(store, user!.id)).toBe(0);
  });

  it("en: every key rejected (resting for hours) — the wait is told in hours; the order can still go back to the menu", async () => {
    w = await startSellerWorld(1, { kie: { keys: { "key-a": true } } });
    const { store, b } = w;
    await store.restProviderKey(
      keyHash("key-a"),
      "kie key #1",
      new Date(Date.now() + 6 * 3600_000),
      "401: bad key",
    );
    const u = await b.consentedUser({ id: 7104, language_code: "en" });
    await orderVideo(u, { lang: "en" });
    const refusal = await u.next(PAUSED.en("6 h"));
    expect(buttonsOf(refusal).map((x) => x.text)).toEqual([SELLER_TEXTS.en.confirm, "☰ Menu"]);
    u.tap(refusal, /☰/);
    await u.next(MENU.en);
    expect(await store.getUserJobs((await store.getUserByTgId(u.id))!.id, { limit: 5 })).toEqual([]);
  });
});
