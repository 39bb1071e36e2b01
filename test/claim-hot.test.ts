// On Postgres a claim changes no indexed column (jobs_ready_idx's predicate is `finished_at is null`
// and no index names `status`), so Postgres writes it as a HOT update: no new entry in any of the
// jobs table's indexes, and the ready index the next claims walk gains no second, dead entry per
// job. An index that names a column the claim changes would silently undo that.
import { describe, expect, it } from "vitest";
import { rows, sql } from "../src/db/driver/index.ts";
import { claimJobs } from "../src/db/ops/claimJobs.ts";
import { createStoreOn, type NewJob } from "../src/db/store.ts";
import { driverFactories } from "./helpers/stores.ts";

const postgres = driverFactories().find((f) => f.name === "postgres");

describe.runIf(postgres)("claiming on Postgres", () => {
  it("rewrites no index entry: every claimed job is a HOT update", async () => {
    const driver = await (postgres as NonNullable<typeof postgres>).make();
    try {
      const store = createStoreOn(driver, { freeCredits: 0 });
      const { user } = await store.getOrCreateUser({ tgId: 1 });
      const order = ["a", "b", "c"].map(
        (key): NewJob => ({
          chatId: 1,
          template: "ugc",
          model: "veo3_fast",
          language: "en",
          productText: "A ceramic mug",
          cost: 0,
          idempotencyKey: `hot:${key}`,
        }),
      );
      expect(await store.createJobsAndConsumeCredits(user.id, order)).toMatchObject({ ok: true });
      // The transaction's own counters: what this claim did, nobody else's updates.
      const seen = await driver.transaction(function* () {
        const claimed = yield* claimJobs("worker:c1", new Date(), 60_000, 3);
        const [r] = yield* rows(sql`select pg_stat_get_xact_tuples_updated('jobs'::regclass) as updated,
          pg_stat_get_xact_tuples_hot_updated('jobs'::regclass) as hot`);
        return { claimed: claimed.map((j) => j.status), updated: Number(r?.updated), hot: Number(r?.hot) };
      });
      expect(seen).toEqual({ claimed: ["processing", "processing", "processing"], updated: 3, hot: 3 });
    } finally {
      await driver.close();
    }
  });
});
