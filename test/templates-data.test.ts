// Templates as data (src/templates/live.ts, operations.ts over src/db/ops/templates.ts), on both
// engines: seeded once from the built-in catalogue however many processes start, edited by the
// owner with every refusal naming its field, exported and imported whole or not at all, and seen
// by every process's catalogue at its next refresh.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Driver, run, sql } from "../src/db/driver/index.ts";
import { type TemplatesRepo, templatesRepo } from "../src/db/ops/templates.ts";
import raw from "../src/templates/catalogue.json" with { type: "json" };
import { type LiveCatalogue, openLiveCatalogue } from "../src/templates/live.ts";
import { createTemplateOperations, type TemplateOperations } from "../src/templates/operations.ts";
import { driverFactories, silentLogger } from "./helpers/stores.ts";

const BUILT_IN = raw.templates.map((t) => t.id);
const owner = { via: "console", adminTgId: 7 } as const;

for (const factory of driverFactories()) {
  describe(`templates as data: ${factory.name}`, () => {
    let driver: Driver;
    let repo: TemplatesRepo;
    let live: LiveCatalogue;
    let ops: TemplateOperations;
    beforeAll(async () => {
      driver = await factory.make();
      repo = templatesRepo(driver);
      live = await openLiveCatalogue({ repo, logger: silentLogger() });
      ops = createTemplateOperations({ repo, logger: silentLogger(), catalogue: live });
    });
    afterAll(async () => driver?.close());

    it("starts with the built-in catalogue, in its order, all offered", async () => {
      expect(live.all.map((t) => t.id)).toEqual(BUILT_IN);
      expect(live.get("ugc")).toMatchObject({
        model: "sora-2-image-to-video",
        durations: raw.templates[0]?.durations,
      });
      const { templates } = await ops.list();
      expect(templates.map((t) => [t.id, t.position, t.enabled, t.updatedBy])).toEqual(
        BUILT_IN.map((id, i) => [id, i, true, "built-in"]),
      );
    });

    it("reads the table again only when it changed", async () => {
      const reads = live.reads;
      await live.refresh();
      await live.refresh();
      expect(live.reads).toBe(reads);
      await ops.update(
        "motion",
        {
          durations: [
            { seconds: 5, cost: 2 },
            { seconds: 10, cost: 3 },
          ],
        },
        owner,
      );
      await live.refresh();
      expect(live.reads).toBe(reads + 1);
      expect(live.get("motion")?.durations).toEqual([
        { seconds: 5, cost: 2 },
        { seconds: 10, cost: 3 },
      ]);
    });

    it("names the field of every refused edit, and changes nothing", async () => {
      const before = await repo.version();
      expect(await ops.update("ugc", { durations: [{ seconds: 15, cost: 0 }] }, owner)).toEqual({
        ok: false,
        problems: ["durations[0].cost: Too small: expected number to be >=1"],
      });
      expect(await ops.update("ugc", { name: { ru: "", en: "UGC" } }, owner)).toEqual({
        ok: false,
        problems: ["name.ru: Too small: expected string to have >=1 characters"],
      });
      expect(await ops.update("ugc", { durations: [{ seconds: 7, cost: 1 }] }, owner)).toEqual({
        ok: false,
        problems: ["template ugc: Sora 2 renders 10, 15 s, not 7 s"],
      });
      expect(await ops.update("motion", { formats: ["9:16"] }, owner)).toMatchObject({
        ok: false,
        problems: ["template motion: Kling 2.6 takes the photo's shape; list no formats"],
      });
      expect(await ops.update("nosuch", { askWishes: false }, owner)).toEqual({
        ok: false,
        problems: ["no template nosuch"],
      });
      expect(await repo.version()).toBe(before);
    });

    it("switches a template off and on: gone from the offer, still there for past and confirmed jobs", async () => {
      expect(await ops.setEnabled("broll", false, owner)).toMatchObject({
        ok: true,
        template: { enabled: false },
      });
      await live.refresh();
      expect(live.all.map((t) => t.id)).not.toContain("broll");
      expect(live.offered("broll")).toBeUndefined();
      expect(live.get("broll")?.model).toBe("veo3_fast");
      const { templates } = await ops.list();
      expect(templates.find((t) => t.id === "broll")).toMatchObject({
        enabled: false,
        updatedBy: "console:7",
      });
      await ops.setEnabled("broll", true, owner);
      await live.refresh();
      expect(live.offered("broll")).toBeDefined();
    });

    it("never switches off the last template offered", async () => {
      for (const id of ["ugc", "ad", "broll", "motion"]) await ops.setEnabled(id, false, owner);
      expect(await ops.setEnabled("own", false, owner)).toEqual({
        ok: false,
        problems: ["enabled: the last template offered cannot be switched off: sellers need one to pick"],
      });
      for (const id of ["ugc", "ad", "broll", "motion"]) await ops.setEnabled(id, true, owner);
    });

    it("reorders with every id once, and says which are missing, unknown or twice", async () => {
      const order = ["motion", "ugc", "ad", "broll", "own"];
      expect(await ops.reorder(order, owner)).toEqual({ ok: true });
      await live.refresh();
      expect(live.all.map((t) => t.id)).toEqual(order);
      expect(await ops.reorder(["ugc", "ugc", "zzz"], owner)).toEqual({
        ok: false,
        problems: [
          "template motion is missing from the order",
          "template ad is missing from the order",
          "template broll is missing from the order",
          "template own is missing from the order",
          "no template zzz",
          "template ugc is listed twice",
        ],
      });
      await ops.reorder(BUILT_IN, owner);
    });

    it("exports a file that imports back to the same offer; an import makes the file the offer", async () => {
      const file = await ops.exportFile();
      const parsed = JSON.parse(file) as { templates: Array<Record<string, unknown>> };
      expect(parsed.templates.map((t) => t.id)).toEqual(BUILT_IN);
      expect(parsed.templates[0]).not.toHaveProperty("position");
      expect(await ops.importFile(file, owner)).toEqual({
        ok: true,
        counts: { created: 0, updated: 5, disabled: 0 },
      });

      // A new template, UGC cheaper, the rest in a new order, broll left out.
      const edited = {
        templates: [
          { ...parsed.templates[4], id: "own" },
          { ...parsed.templates[0], durations: [{ seconds: 10, cost: 1 }] },
          { ...parsed.templates[1] },
          { ...parsed.templates[3] },
          { ...parsed.templates[0], id: "ugc_short", name: { ru: "Коротко", en: "Short" } },
        ],
      };
      expect(await ops.importFile(JSON.stringify(edited), { via: "cli" })).toEqual({
        ok: true,
        counts: { created: 1, updated: 4, disabled: 1 },
      });
      await live.refresh();
      expect(live.all.map((t) => t.id)).toEqual(["own", "ugc", "ad", "motion", "ugc_short"]);
      expect(live.get("ugc")?.durations).toEqual([{ seconds: 10, cost: 1 }]);
      expect(live.offered("broll")).toBeUndefined();
      expect(live.get("broll")?.name.en).toBe("Cinematic product shots");
    });

    it("refuses a bad file whole, naming each problem, and changes nothing", async () => {
      const before = await repo.version();
      const good = JSON.parse(await ops.exportFile()) as { templates: Array<Record<string, unknown>> };
      const bad = {
        templates: [
          { ...good.templates[0], kind: "story" },
          { ...good.templates[1], durations: [{ seconds: 15, cost: -1 }] },
          { ...good.templates[2], model: "sora-9" },
          { ...good.templates[0] },
        ],
      };
      const r = await ops.importFile(JSON.stringify(bad), owner);
      expect(r).toEqual({
        ok: false,
        problems: [
          'templates[0].kind: Invalid option: expected one of "ugc"|"ad"|"own"',
          "templates[1].durations[0].cost: Too small: expected number to be >=1",
        ],
      });
      // Once the fields read, the whole set is checked against the models.
      const r2 = await ops.importFile(
        JSON.stringify({
          templates: [{ ...good.templates[2], model: "sora-9" }, good.templates[0], good.templates[0]],
        }),
        owner,
      );
      expect(r2).toEqual({
        ok: false,
        problems: [
          "template ids must be unique",
          `template ${String(good.templates[2]?.id)}: unknown model sora-9`,
        ],
      });
      expect(await ops.importFile("{ not json", owner)).toMatchObject({
        ok: false,
        problems: [expect.stringMatching(/^not JSON: /)],
      });
      expect(await ops.importFile(JSON.stringify({ templates: [] }), owner)).toEqual({
        ok: false,
        problems: ["templates: Too small: expected array to have >=1 items"],
      });
      expect(
        await ops.importFile(
          JSON.stringify({ templates: [{ ...good.templates[0], enabled: false }] }),
          owner,
        ),
      ).toEqual({ ok: false, problems: ["at least one template must be enabled: sellers need one to pick"] });
      expect(await repo.version()).toBe(before);
    });

    it("leaves out a stored template that no longer passes the checks, and says why", async () => {
      await driver.run(function* () {
        yield* run(
          sql`update templates set model = ${"retired-model"}, revision = revision + 1 where id = ${"ad"}`,
        );
      });
      await live.refresh();
      expect(live.get("ad")).toBeUndefined();
      expect(live.all.map((t) => t.id)).not.toContain("ad");
      expect((await ops.list()).broken).toEqual([
        { id: "ad", problems: ["template ad: unknown model retired-model"] },
      ]);
    });
  });

  describe(`templates seeded by processes starting at once: ${factory.name}`, () => {
    it("writes each built-in template once, and never again once the owner has edited them", async () => {
      const { drivers, close } = await factory.makeShared(4);
      try {
        const lives = await Promise.all(
          drivers.map((d) => openLiveCatalogue({ repo: templatesRepo(d), logger: silentLogger() })),
        );
        for (const l of lives) expect(l.all.map((t) => t.id)).toEqual(BUILT_IN);
        const repo = templatesRepo(drivers[0] as Driver);
        expect((await repo.list()).map((r) => [r.id, r.revision])).toEqual(BUILT_IN.map((id) => [id, 1]));
        // The owner's offer stays the owner's: a restart seeds nothing over it.
        const ops = createTemplateOperations({ repo, logger: silentLogger() });
        await ops.importFile(JSON.stringify({ templates: [raw.templates[0]] }), { via: "cli" });
        const again = await openLiveCatalogue({
          repo: templatesRepo(drivers[1] as Driver),
          logger: silentLogger(),
        });
        expect(again.all.map((t) => t.id)).toEqual(["ugc"]);
        // …and another process's catalogue sees the import at its next refresh.
        await lives[2]?.refresh();
        expect(lives[2]?.all.map((t) => t.id)).toEqual(["ugc"]);
      } finally {
        await close();
      }
    });
  });
}
