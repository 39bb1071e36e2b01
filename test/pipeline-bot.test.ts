// The whole way a seller sees it: the real bot's create flow against the fake Bot API, the real
// queue and pipeline against fake kie.ai and OpenAI, ending with the video in the chat and its
// "Make another with this product" button working.
import { afterEach, describe, expect, it } from "vitest";
import { buttonsOf } from "./fakes/telegram-server.ts";
import { orderVideo, SELLER_TEXTS, type SellerWorld, startSellerWorld } from "./helpers/seller.ts";

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
      expect(await store.safeGetBalance(user!.id)).toBe(0);
      // The button under the video starts the template step again for the same product.
      u.tap(video, SELLER_TEXTS[lang].again);
      const again = await u.next((m) => buttonsOf(m).some((x) => x.text === SELLER_TEXTS[lang].names.ugc));
      expect(again).toBeDefined();
    });
  }
});
