// The owner's template edits as a seller meets them, in both languages: a new price is offered at
// the very next tap, a template switched off leaves the list (its old button says the menu is
// outdated), and an order confirmed before a change keeps what it was bought with.
import { afterEach, describe, expect, it } from "vitest";
import { templatesRepo } from "../src/db/ops/templates.ts";
import type { Store } from "../src/db/store.ts";
import { openLiveCatalogue } from "../src/templates/live.ts";
import { createTemplateOperations, type TemplateOperations } from "../src/templates/operations.ts";
import { buttonsOf, type FakeMessage, type FakeUser } from "./fakes/telegram-server.ts";
import { type BotHarness, startBotHarness } from "./helpers/bot-harness.ts";
import { silentLogger, sqliteFactory } from "./helpers/stores.ts";

let h: BotHarness | undefined;
let store: Store | undefined;
afterEach(async () => {
  await h?.close();
  await store?.close();
  h = undefined;
  store = undefined;
});

const owner = { via: "console", adminTgId: 1 } as const;
let nextId = 9500;

const T = {
  en: {
    create: "🎬 Create a video",
    desc: /Step 2 of 5/,
    tpl: /Step 3 of 5 — template/,
    ugc: "UGC blogger",
    broll: "Cinematic product shots",
    ugcLine: /UGC blogger.*\(10 or 15 s, 3 credits\)/,
    duration: /Step 3 of 5 — length/,
    fifteen: "15 s · 3 credits",
    outdated: "This menu is outdated: send /menu for a fresh one.",
    wishes: /Step 4 of 5/,
    count: /Step 5 of 5/,
    confirm: /Check and confirm/,
    accepted: /Accepted/,
  },
  ru: {
    create: "🎬 Создать видео",
    desc: /Шаг 2 из 5/,
    tpl: /Шаг 3 из 5 — шаблон/,
    ugc: "UGC-блогер",
    broll: "Кинокадры товара",
    ugcLine: /UGC-блогер.*\(10 или 15 с, 3 кредита\)/,
    duration: /Шаг 3 из 5 — длительность/,
    fifteen: "15 с · 3 кредита",
    outdated: "Это меню устарело: отправьте /menu, чтобы открыть новое.",
    wishes: /Шаг 4 из 5/,
    count: /Шаг 5 из 5/,
    confirm: /Проверьте и подтвердите/,
    accepted: /Принято/,
  },
} as const;

async function start(): Promise<{ h: BotHarness; ops: TemplateOperations }> {
  store = await sqliteFactory().make({ freeCredits: 10 });
  const repo = templatesRepo(store.driver);
  // The bot's catalogue and the owner's edits as in two processes: only the table connects them.
  const catalogue = await openLiveCatalogue({ repo, logger: silentLogger() });
  h = await startBotHarness({ store, catalogue, env: { FREE_CREDITS: "10" } });
  return { h, ops: createTemplateOperations({ repo, logger: silentLogger() }) };
}

async function toTemplates(u: FakeUser, t: (typeof T)["en" | "ru"]): Promise<FakeMessage> {
  u.command("menu");
  u.tap(await u.next(), t.create);
  await u.next();
  u.photo();
  await u.next(t.desc);
  u.send("Ceramic mug for coffee lovers, 350 ml, keeps heat, dishwasher safe");
  return u.next(t.tpl);
}

for (const lang of ["en", "ru"] as const) {
  const t = T[lang];
  describe(`the owner's template edits in the bot (${lang})`, () => {
    it("a new price is offered at the next tap, and the order is charged at it", async () => {
      const { h, ops } = await start();
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      const list = await toTemplates(u, t);
      const prices = [
        { seconds: 15, cost: 3 },
        { seconds: 10, cost: 3 },
      ];
      expect(await ops.update("ugc", { durations: prices }, owner)).toMatchObject({ ok: true });
      u.tap(list, t.ugc);
      const lengths = await u.next(t.duration);
      expect(buttonsOf(lengths).map((b) => b.text)).toContain(t.fifteen);
      u.tap(lengths, t.fifteen);
      u.tap(await u.next(t.wishes), /./);
      u.tap(await u.next(t.count), "1");
      u.tap(await u.next(t.confirm), /✅/);
      await u.next(t.accepted);
      const user = await h.store.getUserByTgId(u.id);
      const [job] = await h.store.getUserJobs(user?.id ?? 0, { limit: 1 });
      expect(job).toMatchObject({
        template: "ugc",
        creditsCharged: 3,
        durationSeconds: 15,
        model: "sora-2-image-to-video",
      });
      expect(user?.credits).toBe(7);

      // Changed after the order: the job keeps its price, model and length; the next list shows the change.
      await ops.update(
        "ugc",
        { model: "sora-2-pro-image-to-video", durations: [{ seconds: 10, cost: 5 }] },
        owner,
      );
      expect(await h.store.getJobById(job?.id ?? 0)).toMatchObject({
        creditsCharged: 3,
        durationSeconds: 15,
        model: "sora-2-image-to-video",
      });
      await ops.update("ugc", { model: "sora-2-image-to-video", durations: prices }, owner);
      const again = await toTemplates(u, t);
      expect(again.text).toMatch(t.ugcLine);
    });

    it("a template switched off leaves the list at once; its old button says the menu is outdated and points to /menu", async () => {
      const { h, ops } = await start();
      const u = await h.consentedUser({ id: nextId++, language_code: lang });
      const before = await toTemplates(u, t);
      expect(buttonsOf(before).map((b) => b.text)).toContain(t.broll);
      expect(await ops.setEnabled("broll", false, owner)).toMatchObject({ ok: true });
      const tap = u.tap(before, t.broll);
      expect((await h.tg.callbackAnswer(tap)).text).toBe(t.outdated);
      const after = await toTemplates(u, t);
      expect(buttonsOf(after).map((b) => b.text)).not.toContain(t.broll);
      expect(buttonsOf(after).map((b) => b.text)).toContain(t.ugc);
    });
  });
}
