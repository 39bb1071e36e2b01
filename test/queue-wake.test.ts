// An order's wake-up on Postgres. The order's own statement NOTIFYs every listening process at
// commit (src/db/ops/createJobs.ts), so the bot's queue.wake({ order: true }) sends no second
// NOTIFY while this process's listener is connected — a second one only woke a claim loop to claim
// nothing. Without a listener (a transaction pooler and no direct URL) the wake-up still reaches
// this process's own workers. Each test runs in a database of its own: NOTIFY is per database, and
// other test files order jobs in parallel.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../src/config/index.ts";
import { openPostgresStore } from "../src/db/index.ts";
import { JOBS_CHANNEL } from "../src/db/ops/createJobs.ts";
import type { Store } from "../src/db/store.ts";
import { createQueue } from "../src/queue/index.ts";
import type { JobRunner } from "../src/queue/types.ts";
import { newJob } from "./helpers/store-ops.ts";
import { silentLogger } from "./helpers/stores.ts";

const url = process.env.TEST_DATABASE_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe.runIf(url)("an order's wake-up on Postgres", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    // Every cleanup runs, whatever an earlier one threw: the databases and connections go.
    const errors: unknown[] = [];
    for (const c of cleanups.splice(0).reverse()) await c().catch((e: unknown) => errors.push(e));
    if (errors.length) throw errors[0];
  });

  /** A fresh database, a store on it, a client counting the NOTIFYs on the jobs channel, and a queue. */
  async function setUp(o: { listen: boolean }) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const name = `nc_wake_${randomBytes(4).toString("hex")}`;
    await admin.query(`create database ${name}`);
    const dbUrl = new URL(url as string);
    dbUrl.pathname = `/${name}`;
    cleanups.push(async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    });

    const store = await openPostgresStore({ url: dbUrl.href, freeCredits: 0, logger: silentLogger() });
    cleanups.push(() => store.close());

    const counter = new pg.Client({ connectionString: dbUrl.href });
    await counter.connect();
    const notifications: string[] = [];
    counter.on("notification", (n) => {
      if (n.channel === JOBS_CHANNEL) notifications.push(n.channel);
    });
    await counter.query(`LISTEN ${JOBS_CHANNEL}`);
    cleanups.push(() => counter.end());

    const started: number[] = [];
    const runner: JobRunner = {
      async run(job, ctx) {
        started.push(job.id);
        await ctx.finish("succeeded");
        return "succeeded";
      },
    };
    const config = {
      database: { type: "postgres", url: dbUrl.href, transactionPooler: false },
      queue: { concurrency: 2 },
    } as unknown as Config;
    const queue = createQueue({
      config,
      store: store as Store,
      logger: silentLogger(),
      runner,
      hardStopReason: () => new Error("test over"),
      // Idle workers would sleep a minute: only a wake-up starts a job within the test.
      options: { listen: o.listen, idleMs: 60_000 },
    });
    queue.start();
    cleanups.push(() => queue.stop(1000));
    const { user } = await store.getOrCreateUser({ tgId: 1 });
    return { admin, name, store, queue, notifications, started, userId: user.id };
  }

  it("starts the job with the order's own NOTIFY and sends none of its own while its listener is up", async () => {
    const t = await setUp({ listen: true });
    await until("the queue's LISTEN connection", async () => {
      const r = await t.admin.query(
        "select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = 'neurocards-listen' and query ilike 'LISTEN%'",
        [t.name],
      );
      return r.rows[0].n === 1;
    });
    await sleep(100); // the claim the listener makes when it connects

    const r = await t.store.createJobsAndConsumeCredits(t.userId, [newJob({ cost: 0 })]);
    if (!r.ok) throw new Error(r.reason);
    t.queue.wake({ order: true });
    await until("the job to start", () => t.started.length === 1);
    await sleep(300);
    expect(t.notifications).toHaveLength(1);

    // A wake-up that is not an order's (a job queued again, a provider's callback) does NOTIFY.
    t.queue.wake();
    await until("a second NOTIFY", () => t.notifications.length === 2);
  });

  it("without a listener, an order's wake-up still starts the job in this process at once", async () => {
    const t = await setUp({ listen: false });
    await sleep(100);
    const r = await t.store.createJobsAndConsumeCredits(t.userId, [newJob({ cost: 0 })]);
    if (!r.ok) throw new Error(r.reason);
    t.queue.wake({ order: true });
    await until("the job to start", () => t.started.length === 1, 3000);
    expect(t.notifications).toHaveLength(1); // the order's own, which nobody here listens to
  });
});
