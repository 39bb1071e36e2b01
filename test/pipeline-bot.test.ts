// The whole way a seller sees it: the real bot's create flow against the fake Bot API, the real
// queue and pipeline against fake kie.ai and OpenAI, ending with the video in the chat and its
// "Make another with this product" button working.
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../src/db/store.ts";
import { buttonsOf, type FakeMessage, type FakeUser } from "./fakes/telegram-server.ts";
import { type BotHarness, startBotHarness } from "./helpers/bot-harness.ts";
import { sqliteFactory } from "./helpers/stores.ts";
import { type Harness, startHarness } from "./queue-harness.ts";

let q: Harness | null = null;
let b: BotHarness | null = null;
let store: Store | null = null;

afterEach(async () => {
  await b?.close();
  await q?.close();
  await store?.close();
  b = null;
  q = null;
  store = null;
});

const T = {
  en: {
    create: "🎬 Create a video",
    names: { ugc: "UGC blogger", broll: "Ad B-roll" },
    again: "🔁 Make another with this product",
  },
  ru: {
    create: "🎬 Создать видео",
    names: { ugc: "UGC-блогер", broll: "Рекламный B-roll" },
    again: "🔁 Ещё одно с этим товаром",
  },
} as const;

async function order(u: FakeUser, lang: "en" | "ru", template: "ugc" | "broll"): Promise<FakeMessage> {
  const t = T[lang];
  u.tap(u.last()!, t.create);
  await u.next(/1/);
  u.photo();
  await u.next(/2/);
  u.send("Ceramic mug 350 ml, matte black, keeps coffee hot for 2 hours, dishwasher safe");
  const tpl = await u.next((m) => buttonsOf(m).some((x) => x.text === t.names[template]));
  u.tap(tpl, t.names[template]);
  const wishes = await u.next((m) => buttonsOf(m).length > 0 && m.message_id >= tpl.message_id);
  u.tap(wishes, /./);
  const count = await u.next((m) => buttonsOf(m).some((x) => x.text === "1"));
  u.tap(count, "1");
  const confirm = await u.next((m) => buttonsOf(m).some((x) => /✅/.test(x.text)));
  u.tap(confirm, /✅/);
  return confirm;
}

describe("a seller orders a video in the bot and gets it", () => {
  for (const [lang, template, api] of [
    ["en", "ugc", "market"],
    ["ru", "broll", "veo"],
  ] as const) {
    it(`${lang}: ${template} through kie.ai's ${api} API, delivered under the bot's own buttons`, async () => {
      store = await sqliteFactory().make({ freeCredits: 1 });
      q = await startHarness({ store, kie: { scenario: { outcome: "success", polls: 1 } } });
      b = await startBotHarness({ tg: q.tg, store, queue: q.queue });
      const u = await b.consentedUser({ id: lang === "en" ? 7001 : 7002, language_code: lang });
      await order(u, lang, template);
      const video = await u.next((m) => m.video !== undefined, 15_000);
      expect(buttonsOf(video).map((x) => x.text)).toContain(T[lang].again);
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
      u.tap(video, T[lang].again);
      const again = await u.next((m) => buttonsOf(m).some((x) => x.text === T[lang].names.ugc));
      expect(again).toBeDefined();
    });
  }
});
