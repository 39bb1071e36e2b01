// What renders cost the owner and the margin per template (src/admin/costs.ts over
// src/db/ops/costs.ts): prices per video or per second, revenue at the average price of a sold
// credit, and a margin only where it can be told — one currency, every model priced.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CostOperations, createCostOperations, marginReport } from "../src/admin/costs.ts";
import { costsRepo, type MarginFigures } from "../src/db/ops/costs.ts";
import type { NewJob, Store } from "../src/db/store.ts";
import type { ModelCost } from "../src/db/types.ts";
import { createJobAndConsumeCredit, moveJob } from "./helpers/store-ops.ts";
import { silentLogger, storeFactories } from "./helpers/stores.ts";

const cost = (
  model: string,
  amount: number,
  currency: string,
  unit: "video" | "second" = "video",
): ModelCost => ({
  model,
  unit,
  amountMicros: Math.round(amount * 1_000_000),
  currency,
  updatedBy: "cli",
  updatedAt: new Date(0),
});

const noLength = () => undefined;

describe("the margin of a template", () => {
  const figures: MarginFigures = {
    made: [
      { template: "ugc", model: "sora", seconds: null, videos: 10, credits: 10 },
      { template: "broll", model: "veo", seconds: null, videos: 4, credits: 8 },
    ],
    // 600 Stars bought 20 credits: a credit is worth 30 Stars.
    sales: [{ currency: "XTR", amount: 600, credits: 20 }],
  };

  it("is the revenue of its credits at the average sold price less its videos' cost", () => {
    const r = marginReport(figures, [cost("sora", 12, "XTR"), cost("veo", 20, "XTR")], noLength);
    expect(r.perCredit).toEqual([{ currency: "XTR", amount: 30 }]);
    expect(r.templates).toEqual([
      {
        template: "ugc",
        videos: 10,
        credits: 10,
        revenue: [{ currency: "XTR", amount: 300 }],
        cost: [{ currency: "XTR", amount: 120 }],
        uncosted: 0,
        margin: { currency: "XTR", amount: 180 },
        share: 0.6,
      },
      expect.objectContaining({ template: "broll", margin: { currency: "XTR", amount: 160 }, share: 2 / 3 }),
    ]);
    expect(r.unpriced).toEqual([]);
  });

  it("prices a second by the job's length, or the model's default length for jobs without one", () => {
    const made: MarginFigures["made"] = [
      { template: "ugc", model: "sora", seconds: 15, videos: 1, credits: 2 },
      { template: "ugc", model: "sora", seconds: null, videos: 2, credits: 2 },
    ];
    const r = marginReport({ ...figures, made }, [cost("sora", 0.5, "XTR", "second")], (m) =>
      m === "sora" ? 10 : undefined,
    );
    // 15 s + 2 × 10 s at 0.5 Stars a second.
    expect(r.templates[0]?.cost).toEqual([{ currency: "XTR", amount: 17.5 }]);
    expect(r.templates[0]?.margin).toEqual({ currency: "XTR", amount: 4 * 30 - 17.5 });
  });

  it("names the models without a price and shows no margin for their templates", () => {
    const r = marginReport(figures, [cost("sora", 12, "XTR"), cost("veo", 0.1, "XTR", "second")], noLength);
    expect(r.unpriced).toEqual(["veo"]);
    const broll = r.templates.find((t) => t.template === "broll");
    expect(broll).toMatchObject({ uncosted: 4, cost: [], margin: null, share: null });
    expect(r.templates.find((t) => t.template === "ugc")?.margin).toEqual({ currency: "XTR", amount: 180 });
  });

  it("does not add up currencies: costs in USD against sales in Stars show both and no margin", () => {
    const r = marginReport(figures, [cost("sora", 0.15, "USD"), cost("veo", 0.4, "USD")], noLength);
    expect(r.templates[0]).toMatchObject({
      revenue: [{ currency: "XTR", amount: 300 }],
      cost: [{ currency: "USD", amount: 1.5 }],
      margin: null,
    });
  });

  it("splits a credit's price over the currencies it was sold in", () => {
    const sales = [
      { currency: "XTR", amount: 300, credits: 10 },
      { currency: "RUB", amount: 50_000, credits: 10 },
    ];
    const r = marginReport({ ...figures, sales }, [], noLength);
    // 20 credits sold for 300 Stars and 500.00 RUB: each is worth 15 Stars and 25 RUB.
    expect(r.perCredit).toEqual([
      { currency: "XTR", amount: 15 },
      { currency: "RUB", amount: 25 },
    ]);
    expect(r.templates[0]?.revenue).toEqual([
      { currency: "XTR", amount: 150 },
      { currency: "RUB", amount: 250 },
    ]);
  });

  it("has no revenue before anything was sold", () => {
    const r = marginReport(
      { ...figures, sales: [] },
      [cost("sora", 1, "XTR"), cost("veo", 1, "XTR")],
      noLength,
    );
    expect(r.perCredit).toEqual([]);
    expect(r.templates[0]).toMatchObject({
      revenue: [],
      margin: { currency: "XTR", amount: -10 },
      share: null,
    });
  });
});

const job = (key: string, template: string, model: string, cost = 1): NewJob => ({
  chatId: 1,
  template,
  model,
  language: "en",
  productText: "A mug",
  photoFileId: "photo",
  cost,
  idempotencyKey: key,
});

for (const factory of storeFactories()) {
  describe(`model costs in the database: ${factory.name}`, () => {
    let store: Store;
    let ops: CostOperations;
    const owner = { via: "bot", adminTgId: 42 } as const;
    beforeAll(async () => {
      store = await factory.make({ freeCredits: 0 });
      ops = createCostOperations({ repo: costsRepo(store.driver), logger: silentLogger() });
    });
    afterAll(async () => store?.close());

    it("records, replaces, lists and removes a model's price", async () => {
      expect(
        await ops.set({ model: "veo3_fast", amount: "0,4", currency: "usd", unit: "video" }, owner),
      ).toMatchObject({
        ok: true,
        cost: {
          model: "veo3_fast",
          amountMicros: 400_000,
          currency: "USD",
          unit: "video",
          updatedBy: "bot:42",
        },
      });
      await ops.set({ model: "veo3_fast", amount: "0.05", currency: "USD", unit: "second" }, { via: "cli" });
      await ops.set(
        { model: "sora-2-image-to-video", amount: "11.5", currency: "XTR", unit: "video" },
        owner,
      );
      expect((await ops.list()).map((c) => [c.model, c.amountMicros, c.unit, c.updatedBy])).toEqual([
        ["sora-2-image-to-video", 11_500_000, "video", "bot:42"],
        ["veo3_fast", 50_000, "second", "cli"],
      ]);
      expect(await ops.remove("veo3_fast", owner)).toBe(true);
      expect(await ops.remove("veo3_fast", owner)).toBe(false);
    });

    it("names the field a price is refused for", async () => {
      const ok = { model: "m1", amount: "1", currency: "USD", unit: "video" };
      expect(await ops.set({ ...ok, model: "a model" }, owner)).toEqual({ ok: false, field: "model" });
      for (const amount of ["0", "-1", "1.1234567", "abc", "2000000"])
        expect(await ops.set({ ...ok, amount }, owner), amount).toEqual({ ok: false, field: "amount" });
      expect(await ops.set({ ...ok, currency: "US" }, owner)).toEqual({ ok: false, field: "currency" });
      expect(await ops.set({ ...ok, unit: "minute" }, owner)).toEqual({ ok: false, field: "unit" });
      expect((await ops.list()).map((c) => c.model)).not.toContain("m1");
    });

    it("computes the margin from the videos made and the payments, within a range of orders", async () => {
      const { user } = await store.getOrCreateUser({ tgId: 501 });
      await store.recordPayment({
        userId: user.id,
        telegramChargeId: "c-1",
        currency: "XTR",
        amount: 450,
        credits: 10,
        packageId: "p10",
      });
      const made = async (key: string, template: string, model: string, status: "succeeded" | "failed") => {
        const r = await createJobAndConsumeCredit(store, user.id, job(key, template, model));
        if (!r.ok) throw new Error("job refused");
        await moveJob(store, r.job.id, "processing");
        await moveJob(store, r.job.id, status);
        return r.job;
      };
      await made("a", "ugc", "sora-2-image-to-video", "succeeded");
      await made("b", "ugc", "sora-2-image-to-video", "succeeded");
      await made("c", "ugc", "sora-2-image-to-video", "failed");
      await made("d", "broll", "veo3", "succeeded");

      const r = await ops.margin();
      expect(r.perCredit).toEqual([{ currency: "XTR", amount: 45 }]);
      expect(r.templates.map((t) => [t.template, t.videos, t.credits, t.margin])).toEqual([
        ["ugc", 2, 2, { currency: "XTR", amount: 90 - 23 }],
        ["broll", 1, 1, null],
      ]);
      expect(r.unpriced).toEqual(["veo3"]);

      const future = { from: new Date(Date.now() + 60_000), to: new Date(Date.now() + 120_000) };
      expect((await ops.margin(future)).templates).toEqual([]);
    });

    it("charges a per-second price by each video's own length, the model's first for jobs without one", async () => {
      await ops.set(
        { model: "kling-2.6/image-to-video", amount: "0.5", currency: "XTR", unit: "second" },
        owner,
      );
      const { user } = await store.getOrCreateUser({ tgId: 502 });
      await store.addCredits({ userId: user.id, amount: 5, reason: "admin_grant", reference: "t-502" });
      for (const [key, seconds] of [
        ["k5", 5],
        ["k10", 10],
        ["knull", null],
      ] as const) {
        const r = await createJobAndConsumeCredit(store, user.id, {
          ...job(key, "kling", "kling-2.6/image-to-video"),
          durationSeconds: seconds,
        });
        if (!r.ok) throw new Error("job refused");
        await moveJob(store, r.job.id, "processing");
        await moveJob(store, r.job.id, "succeeded");
      }
      const kling = (await ops.margin()).templates.find((t) => t.template === "kling");
      // 5 s + 10 s + Kling's first length (5 s), at 0.5 Stars a second.
      expect(kling).toMatchObject({ videos: 3, cost: [{ currency: "XTR", amount: 10 }], uncosted: 0 });
    });
  });
}
