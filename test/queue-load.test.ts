// Many jobs at once, on every store: all finish, each once, and every balance equals its ledger.
// On Postgres, every connection of the run is killed (pg_terminate_backend) in the middle of it.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { Job } from "../src/db/types.ts";
import { harnessPerTest } from "./helpers/harness-per-test.ts";
import { ledgerSum } from "./helpers/store-ops.ts";
import { postgresFactory, storeFactories } from "./helpers/stores.ts";
import { type Harness, startHarness } from "./queue-harness.ts";

const start = harnessPerTest();

async function createJobs(
  h: Harness,
  users: number,
  perUser: number,
): Promise<{ jobs: Job[]; userIds: number[] }> {
  const jobs: Job[] = [];
  const userIds: number[] = [];
  for (let i = 0; i < users; i++) {
    const u = await h.user(10_000 + i, perUser + 1);
    userIds.push(u.id);
    for (let j = 0; j < perUser; j++)
      jobs.push(
        await h.job(u.id, u.tgId, {
          template: j % 2 ? "broll" : "ugc",
          model: j % 2 ? "veo3_fast" : "sora-2-image-to-video",
        }),
      );
  }
  return { jobs, userIds };
}

async function allFinished(h: Harness, jobs: Job[], timeoutMs: number): Promise<Job[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const now = await Promise.all(jobs.map((j) => h.store.getJobById(j.id).catch(() => null)));
    if (now.every((j) => j && (j.status === "succeeded" || j.status === "failed"))) return now as Job[];
    if (Date.now() > end) {
      const left = now.filter((j) => j && j.status !== "succeeded" && j.status !== "failed");
      throw new Error(
        `${left.length} jobs unfinished, e.g. ${JSON.stringify(left[0]?.step)} ${left[0]?.errorCode}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function expectBalanced(h: Harness, userIds: number[], perUser: number): Promise<void> {
  for (const id of userIds) {
    const user = await h.store.getUserById(id);
    expect(await ledgerSum(h.store, id)).toBe(user!.credits);
    const ledger = await h.store.getLedger(id, { limit: 100 });
    expect(ledger.filter((e) => e.reason === "job_charge")).toHaveLength(perUser);
    expect(ledger.filter((e) => e.reason === "refund")).toHaveLength(0);
    expect(user!.credits).toBe(1);
  }
}

describe.each(storeFactories())("queue under load on $name", (factory) => {
  it("100 jobs with 3 workers all finish once, one task and one video each, ledger balanced", async () => {
    const h = await start({
      openStore: () => factory.make({ freeCredits: 0 }),
      env: { WORKER_CONCURRENCY: "3" },
      kie: { scenario: { outcome: "success", polls: 2 } },
    });
    const { jobs, userIds } = await createJobs(h, 20, 5);
    const done = await allFinished(h, jobs, 110_000);
    expect(done.filter((j) => j.status === "succeeded")).toHaveLength(100);
    expect(h.kie.created).toBe(100);
    expect(new Set([...h.kie.tasks.values()].map((t) => t.taskId)).size).toBe(100);
    expect(h.tg.callsTo("sendVideo")).toHaveLength(100);
    expect(h.queue.workers()).toHaveLength(3);
    await expectBalanced(h, userIds, 5);
  }, 120_000);
});

const pgUrl = process.env.TEST_DATABASE_URL;
if (!pgUrl)
  console.warn(
    "[skip] queue on Postgres (pg_terminate_backend, LISTEN/NOTIFY across processes): set TEST_DATABASE_URL to run it",
  );

describe.skipIf(!pgUrl)("queue on Postgres when the database drops every connection", () => {
  it("workers reconnect after pg_terminate_backend mid-run and nothing is lost", async () => {
    // Our own application_name, so only this test's connections are killed (other files run in parallel).
    const app = `nc_q_${randomBytes(4).toString("hex")}`;
    const url = `${pgUrl}${pgUrl!.includes("?") ? "&" : "?"}application_name=${app}`;
    const h = await start({
      openStore: () => postgresFactory(url).make({ freeCredits: 0 }),
      env: { DATABASE_TYPE: "postgres", DATABASE_URL: url, WORKER_CONCURRENCY: "3", JOB_MAX_ATTEMPTS: "10" },
      kie: { scenario: { outcome: "success", polls: 3 } },
    });
    const { jobs, userIds } = await createJobs(h, 10, 3);
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    let killedTotal = 0;
    try {
      for (let round = 0; round < 3; round++) {
        await new Promise((r) => setTimeout(r, 150));
        const r = await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()",
          [app],
        );
        killedTotal += r.rowCount ?? 0;
      }
    } finally {
      await admin.end();
    }
    expect(killedTotal).toBeGreaterThan(0);
    const done = await allFinished(h, jobs, 60_000);
    expect(done.filter((j) => j.status === "succeeded")).toHaveLength(30);
    expect(h.tg.callsTo("sendVideo")).toHaveLength(30);
    // Every job rendered from its own first task (a second task would be a second payment).
    expect(new Set(done.map((j) => j.providerTaskId)).size).toBe(30);
    expect(h.kie.created).toBe(30);
    await expectBalanced(h, userIds, 3);
    // The workers' loops survived and report what happened.
    expect(h.queue.workers().every((w) => w.state === "active")).toBe(true);
  }, 120_000);
});

describe.skipIf(!pgUrl)("queue on Postgres across processes", () => {
  it("a job created in one process wakes an idle worker of another at once (LISTEN/NOTIFY)", async () => {
    const shared = await postgresFactory(pgUrl!).makeShared(2, { freeCredits: 0 });
    const env = { DATABASE_TYPE: "postgres", DATABASE_URL: pgUrl! };
    // The bot process: creates jobs, runs no workers. The worker process: idle for a minute unless woken.
    const bot = await startHarness({ store: shared.stores[0]!, env, queue: { concurrency: 0 } });
    const worker = await startHarness({
      store: shared.stores[1]!,
      env,
      fakes: { tg: bot.tg, kie: bot.kie, openai: bot.openai },
      queue: { idleMs: 60_000 },
    });
    try {
      await new Promise((r) => setTimeout(r, 1000)); // both LISTEN connections up, workers asleep
      const u = await bot.user(12_001);
      const job = await bot.job(u.id, u.tgId);
      const done = await bot.waitFor(job.id, ["succeeded", "failed"], 10_000);
      expect(done.status).toBe("succeeded");
      expect(done.leaseOwner).toBeNull();
      expect(worker.queue.workers().some((w) => w.jobsRun > 0)).toBe(true);
    } finally {
      await worker.close();
      await bot.close();
      await shared.close();
    }
  });
});
