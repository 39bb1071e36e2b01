// On Postgres a claim changes no indexed column (jobs_ready_idx's predicate is `finished_at is null`
// and no index names `status`), so Postgres writes it as a HOT update: no new entry in any of the
// jobs table's indexes, and the ready index the next claims walk gains no second, dead entry per
// job. An index that names a column the claim changes would silently undo that.
//
// A worker's claims reuse one query plan: the claim's LIMIT is a literal, so the plan Postgres keeps
// for the prepared statement is the index plan, and the server stops planning the statement anew
// on every claim (the planning cost more than the claim itself; BENCHMARKS.md).
//
// A worker's finishes (src/db/ops/finishJobs.ts) look their jobs up by primary key, with the plan
// the server keeps: the batch's size is a literal LIMIT, without which the planner guessed 100 rows
// and read the whole queue on each finish.
//
// A claim of jobs never started before commits without waiting for the disk; any other claim waits
// (src/db/ops/claimJobs.ts, "Durability of a first claim"): a job resuming at its render, poll or
// delivery step must not be claimed by a commit a server crash could take back.
import { describe, expect, it } from "vitest";
import { raw, rows, run, sql } from "../src/db/driver/index.ts";
import type { Driver } from "../src/db/driver/types.ts";
import { claimJobs } from "../src/db/ops/claimJobs.ts";
import { type FinishItem, finishJobs, planFinish } from "../src/db/ops/finishJobs.ts";
import { createStoreOn } from "../src/db/store.ts";
import { newJob } from "./helpers/store-ops.ts";
import { driverFactories } from "./helpers/stores.ts";

const postgres = driverFactories().find((f) => f.name === "postgres");

const order = (keys: string[]) => keys.map((key) => newJob({ cost: 0, idempotencyKey: `claim:${key}` }));

/** Claims `n` jobs inside a transaction and reads the commit mode the claim left for it. */
function claimAndReadCommitMode(driver: Driver, owner: string, n: number) {
  return driver.transaction(function* () {
    const claimed = yield* claimJobs("postgres", owner, new Date(), 60_000, n);
    const [r] = yield* rows(sql`select current_setting('synchronous_commit') as mode`);
    return { claimed: claimed.map((j) => j.id), mode: String(r?.mode) };
  });
}

/** A store over `driver` whose queue holds `n` waiting jobs, analyzed, as a running server's does. */
async function analyzedQueue(driver: Driver, n: number) {
  const store = createStoreOn(driver, { freeCredits: 0 });
  const { user } = await store.getOrCreateUser({ tgId: 1 });
  await driver.run(function* () {
    yield* run(sql`insert into jobs (user_id, chat_id, template, model, product_text, credits_charged,
        idempotency_key, run_at)
      select ${user.id}, 1, 'ugc', 'veo3_fast', 'A mug', 0, 'waiting-' || g, now() - interval '1 minute'
      from generate_series(1, ${n}) g`);
  });
  await driver.run(function* () {
    yield* run(sql`analyze jobs`);
  });
  return store;
}

describe.runIf(postgres)("claiming on Postgres", () => {
  it("rewrites no index entry: every claimed job is a HOT update", async () => {
    const driver = await (postgres as NonNullable<typeof postgres>).make();
    try {
      const store = createStoreOn(driver, { freeCredits: 0 });
      const { user } = await store.getOrCreateUser({ tgId: 1 });
      expect(await store.createJobsAndConsumeCredits(user.id, order(["a", "b", "c"]))).toMatchObject({
        ok: true,
      });
      // The transaction's own counters: what this claim did, nobody else's updates.
      const seen = await driver.transaction(function* () {
        const claimed = yield* claimJobs("postgres", "worker:c1", new Date(), 60_000, 3);
        const [r] = yield* rows(sql`select pg_stat_get_xact_tuples_updated('jobs'::regclass) as updated,
          pg_stat_get_xact_tuples_hot_updated('jobs'::regclass) as hot`);
        return { claimed: claimed.map((j) => j.status), updated: Number(r?.updated), hot: Number(r?.hot) };
      });
      expect(seen).toEqual({ claimed: ["processing", "processing", "processing"], updated: 3, hot: 3 });
    } finally {
      await driver.close();
    }
  });

  it("a first claim of new jobs does not wait for the disk", async () => {
    const driver = await (postgres as NonNullable<typeof postgres>).make();
    try {
      const store = createStoreOn(driver, { freeCredits: 0 });
      const { user } = await store.getOrCreateUser({ tgId: 1 });
      expect(await store.createJobsAndConsumeCredits(user.id, order(["a", "b"]))).toMatchObject({ ok: true });
      const seen = await claimAndReadCommitMode(driver, "worker:c1", 2);
      expect(seen.claimed).toHaveLength(2);
      expect(seen.mode).toBe("off");
    } finally {
      await driver.close();
    }
  });

  it("a claim that takes a job started before waits for the disk, also beside a new one", async () => {
    const driver = await (postgres as NonNullable<typeof postgres>).make();
    try {
      const store = createStoreOn(driver, { freeCredits: 0 });
      const { user } = await store.getOrCreateUser({ tgId: 1 });
      expect(await store.createJobsAndConsumeCredits(user.id, order(["resumed"]))).toMatchObject({
        ok: true,
      });
      // Started, then given back to be resumed (a render waiting for its next poll).
      const [first] = await store.claimJobs("worker:c1", 60_000, 1);
      if (!first) throw new Error("nothing claimed");
      expect(
        await store.releaseJob(first.id, "worker:c1", new Date(Date.now() - 1000), { step: "poll@1" }),
      ).toBe(true);
      const resumed = await claimAndReadCommitMode(driver, "worker:c2", 1);
      expect(resumed).toEqual({ claimed: [first.id], mode: "on" });

      expect(await store.releaseJob(first.id, "worker:c2", new Date(Date.now() - 1000))).toBe(true);
      expect(await store.createJobsAndConsumeCredits(user.id, order(["new"]))).toMatchObject({ ok: true });
      const mixed = await claimAndReadCommitMode(driver, "worker:c3", 2);
      expect(mixed.claimed).toHaveLength(2);
      expect(mixed.mode).toBe("on");
    } finally {
      await driver.close();
    }
  });

  it("a worker's claims stop being planned anew after the first few: the server reuses one plan", async () => {
    const driver = await (postgres as NonNullable<typeof postgres>).make();
    try {
      // A queue with statistics, as a running server has: 2,000 waiting jobs, analyzed.
      await analyzedQueue(driver, 2000);
      // One transaction is one connection: twelve claims of two jobs each, as a worker with two
      // free slots makes them, then the server's own count of how it planned them.
      const plans = await driver.transaction(function* () {
        for (let i = 0; i < 12; i++)
          expect(yield* claimJobs("postgres", `worker:c${i}`, new Date(), 60_000, 2)).toHaveLength(2);
        const [r] = yield* rows(sql`select generic_plans, custom_plans from pg_prepared_statements
          where statement like '%for update skip locked%'`);
        return { generic: Number(r?.generic_plans), custom: Number(r?.custom_plans) };
      });
      expect(plans.custom).toBeLessThanOrEqual(5);
      expect(plans.generic).toBeGreaterThanOrEqual(6);
    } finally {
      await driver.close();
    }
  });

  it("a worker's finishes look their jobs up by primary key however long the queue, with the plan the server keeps", async () => {
    const driver = await (postgres as NonNullable<typeof postgres>).make();
    try {
      // 5,000 waiting jobs, analyzed: the statistics say almost nothing is `processing`.
      const store = await analyzedQueue(driver, 5000);
      const claimed = await store.claimJobs("w", 60_000, 4);
      const items: FinishItem[] = claimed.map((j) => ({
        jobId: j.id,
        to: "succeeded",
        leaseOwner: "w",
        patch: {},
      }));
      // One transaction is one connection: the first finish of the four, then seven more of the
      // same shape (refused: already finished), then the plan the server keeps for it.
      const seen = await driver.transaction(function* () {
        for (let i = 0; i < 8; i++) {
          const r = yield* finishJobs(
            "postgres",
            items,
            planFinish("postgres", items, null).groups,
            new Date(),
            null,
          );
          expect(r.jobs.filter(Boolean)).toHaveLength(i === 0 ? 4 : 0);
        }
        const [p] = yield* rows(sql`select name, generic_plans, custom_plans from pg_prepared_statements
          where statement like 'with v as (select * from json_populate_recordset%'`);
        yield* run(sql`set local plan_cache_mode = force_generic_plan`);
        const plan = yield* rows(raw(`explain (costs off) execute "${String(p?.name)}"('[]', now(), now())`));
        return {
          generic: Number(p?.generic_plans),
          plan: plan.map((l) => String(Object.values(l)[0])).join("\n"),
        };
      });
      expect(seen.plan).toMatch(/Index Scan using jobs_pkey on jobs/);
      expect(seen.plan).not.toMatch(/Seq Scan on jobs/);
      expect(seen.generic).toBeGreaterThanOrEqual(3);
    } finally {
      await driver.close();
    }
  });
});
