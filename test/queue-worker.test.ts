// The worker loop itself: it never dies when the database fails, it wakes at once for new work,
// and it stops at a safe point.
import { afterEach, describe, expect, it } from "vitest";
import type { JobPatch, Store } from "../src/db/store.ts";
import type { Job } from "../src/db/types.ts";
import { createWaker } from "../src/queue/waker.ts";
import { createWorkers } from "../src/queue/worker.ts";
import { harnessPerTest } from "./helpers/harness-per-test.ts";
import { ledgerSum, moveJob, newJob, safeGetBalance } from "./helpers/store-ops.ts";
import { silentLogger, storeFactories } from "./helpers/stores.ts";

const start = harnessPerTest();

/** Claims that fail like a busy or lost database while `failing` is true; `wrap` applies it to a store. */
function flakyClaims() {
  const state = { failing: true, failures: 0 };
  const wrap = (inner: Store): Store => ({
    ...inner,
    async claimJobs(...args) {
      if (state.failing) {
        state.failures += 1;
        throw Object.assign(new Error("SQLITE_BUSY: database is locked"), { code: "SQLITE_BUSY" });
      }
      return inner.claimJobs(...args);
    },
  });
  return { state, wrap };
}

describe("queue workers", () => {
  it("keep running through a failing database, report the last error, and finish the job once it is back", async () => {
    const f = flakyClaims();
    const h = await start({
      wrapStore: f.wrap,
      queue: { fetchBackoffMs: { base: 10, max: 50 } },
    });
    const u = await h.user(6001);
    const job = await h.job(u.id, u.tgId);
    await new Promise((r) => setTimeout(r, 300));
    expect(f.state.failures).toBeGreaterThan(3);
    const workers = h.queue.workers();
    expect(workers.every((w) => w.state === "active")).toBe(true);
    expect(workers.some((w) => w.lastError?.includes("SQLITE_BUSY"))).toBe(true);
    f.state.failing = false;
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(h.kie.created).toBe(1);
  });

  it("pick up a new job at once after wake(), with no polling delay", async () => {
    // Idle workers would sleep a minute without a wake-up.
    const h = await start({ queue: { idleMs: 60_000 } });
    await new Promise((r) => setTimeout(r, 100));
    const u = await h.user(6002);
    const job = await h.job(u.id, u.tgId); // calls queue.wake()
    const done = await h.waitFor(job.id, ["succeeded", "failed"], 5000);
    expect(done.status).toBe("succeeded");
  });

  it("claim as many waiting jobs as they have free slots in one statement, and finish a burst", async () => {
    const claims: Array<{ limit: number; got: number }> = [];
    const h = await start({
      noQueue: true,
      wrapStore: (inner) => ({
        ...inner,
        async claimJobs(owner, leaseMs, limit, now) {
          const got = await inner.claimJobs(owner, leaseMs, limit, now);
          claims.push({ limit, got: got.length });
          return got;
        },
      }),
    });
    const u = await h.user(6003, 5);
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await h.job(u.id, u.tgId));
    h.queue.start();
    for (const job of jobs)
      expect((await h.waitFor(job.id, ["succeeded", "failed"])).status).toBe("succeeded");
    expect(claims[0]).toEqual({ limit: 3, got: 3 });
    expect(claims.every((c) => c.limit >= 1 && c.limit <= 3 && c.got <= c.limit)).toBe(true);
    expect(h.kie.created).toBe(5);
  });

  it("stop() lets idle and busy workers end and marks them stopped", async () => {
    const h = await start();
    await h.queue.stop(500);
    expect(h.queue.workers().map((w) => w.state)).toEqual(["stopped", "stopped", "stopped"]);
  });
});

describe.each(storeFactories().map((f) => [f.name, f] as const))("a busy slot on %s", (_name, factory) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()?.();
  });

  /** A fresh store holding `n` paid jobs in the queue. */
  async function waiting(n: number) {
    const store = await factory.make({ freeCredits: 0 });
    cleanups.push(() => store.close());
    const { user } = await store.getOrCreateUser({ tgId: 1 });
    await store.addCredits({ userId: user.id, amount: n, reason: "admin_grant", reference: "setup" });
    const made = await store.createJobsAndConsumeCredits(
      user.id,
      Array.from({ length: n }, () => newJob()),
    );
    if (!made.ok) throw new Error("setup");
    return { store, jobs: made.jobs };
  }

  /**
   * Three slots over `store` whose runner finishes each job through ctx.finish (with `patchFor`'s
   * patch); `onRun` sees each job start, `errors` what a finish threw.
   */
  function slots(
    store: Store,
    onRun: (job: Job, stop: () => Promise<void>) => Promise<void> = async () => {},
    patchFor: (job: Job) => JobPatch = () => ({}),
    /** False: the runner returns without waiting for its finish (breaking RunContext's contract). */
    awaitFinish = true,
  ) {
    const errors: unknown[] = [];
    const waker = createWaker();
    const counts = { claims: 0, fruitfulClaims: 0, claimed: 0, statements: 0, finishes: 0, handedOver: 0 };
    const counted: Store = {
      ...store,
      async claimJobs(...args) {
        const got = await store.claimJobs(...args);
        counts.claims += 1;
        if (got.length) counts.fruitfulClaims += 1;
        counts.claimed += got.length;
        return got;
      },
      async finishJobs(...args) {
        const r = await store.finishJobs(...args);
        counts.statements += 1;
        counts.finishes += r.jobs.length;
        counts.handedOver += r.claimed.length;
        return r;
      },
    };
    const ran: number[] = [];
    const workers = createWorkers({
      prefix: "t",
      slots: 3,
      store: counted,
      waker,
      logger: silentLogger(),
      leaseMs: 60_000,
      heartbeatMs: 20_000,
      idleMs: 60_000,
      fetchBackoffMs: { base: 10, max: 50 },
      hardStop: new AbortController().signal,
      runner: {
        async run(job, ctx) {
          ran.push(job.id);
          await onRun(job, stop);
          if (ctx.stopping())
            return (await store.releaseJob(job.id, ctx.owner, new Date())) ? "released" : "lost";
          if (!awaitFinish) {
            ctx.finish("succeeded", patchFor(job)).catch((e: unknown) => errors.push(e));
            return "succeeded";
          }
          try {
            return (await ctx.finish("succeeded", patchFor(job))) ? "succeeded" : "lost";
          } catch (e) {
            errors.push(e);
            throw e;
          }
        },
      },
    });
    const stop = async () => {
      const done = workers.stop();
      waker.close();
      await done;
    };
    cleanups.push(stop);
    return { workers, counts, ran, stop, errors };
  }

  it("takes its next job in the statement that finishes the last: 12 waiting jobs on 3 slots cost one claim, and fewer finishing statements than jobs", async () => {
    const { store, jobs } = await waiting(12);
    const s = slots(store);
    s.workers.start();
    const end = Date.now() + 10_000;
    const idle = () => s.workers.infos.every((i) => i.jobId === null);
    while (((await store.countJobsByStatus()).succeeded < 12 || !idle()) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    expect(await store.countJobsByStatus()).toEqual({ queued: 0, processing: 0, succeeded: 12, failed: 0 });
    // Each job ran once: three from the first claim, nine handed over by the finishes before them.
    expect([...s.ran].sort((a, b) => a - b)).toEqual(jobs.map((j) => j.id));
    expect(s.counts.handedOver).toBe(9);
    expect(s.counts.fruitfulClaims).toBe(1);
    expect(s.counts.claimed).toBe(3);
    expect(s.counts.finishes).toBe(12);
    // Jobs that started together ended together, and were finished in shared statements.
    expect(s.counts.statements).toBeLessThan(12);
    expect(s.workers.infos.every((i) => i.jobId === null && i.state === "active")).toBe(true);
    expect(s.workers.infos.reduce((n, i) => n + i.jobsRun, 0)).toBe(12);
    await s.stop();
    expect(s.workers.infos.map((i) => i.state)).toEqual(["stopped", "stopped", "stopped"]);
  });

  it("one finish the database refuses does not take the others in its statement down with it", async () => {
    const { store, jobs } = await waiting(3);
    const [bad, ...good] = jobs.map((j) => j.id) as [number, number, number];
    // The first job's patch breaks a NOT NULL column; it shares a statement with the second.
    const s = slots(
      store,
      async () => {},
      (job) => (job.id === bad ? { attempts: Number.NaN } : {}),
    );
    s.workers.start();
    const end = Date.now() + 10_000;
    while (((await store.countJobsByStatus()).succeeded < 2 || !s.errors.length) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    expect(s.errors).toHaveLength(1);
    for (const id of good) expect((await store.getJobById(id))?.status).toBe("succeeded");
    // The refused one is still under its lease, as a job whose worker lost the database is.
    expect(await store.getJobById(bad)).toMatchObject({ status: "processing", attempts: 0 });
  });

  it("a lost database fails the finishes of one statement together, without sending each again on its own", async () => {
    const { store } = await waiting(3);
    const sent: number[][] = [];
    const lost: Store = {
      ...store,
      async finishJobs(items) {
        sent.push(items.map((i) => i.jobId));
        // What the driver throws once its own retries are spent.
        throw Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" });
      },
    };
    const s = slots(lost);
    s.workers.start();
    const end = Date.now() + 10_000;
    while (s.errors.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(s.errors).toHaveLength(3);
    expect(sent.flat().sort((a, b) => a - b)).toEqual([...new Set(sent.flat())].sort((a, b) => a - b));
    // Still under their leases, as jobs whose worker lost the database are.
    expect(await store.countJobsByStatus()).toMatchObject({ processing: 3, succeeded: 0 });
  });

  it("a runner that returns before its finish answered never gets a second job in its slot: the job that finish claimed goes back and runs later", async () => {
    const { store } = await waiting(9);
    let now = 0;
    let most = 0;
    const s = slots(
      store,
      async () => {
        most = Math.max(most, ++now);
        await new Promise((r) => setTimeout(r, 20));
        now -= 1;
      },
      () => ({}),
      false,
    );
    s.workers.start();
    const end = Date.now() + 10_000;
    while ((await store.countJobsByStatus()).succeeded < 9 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    await s.stop();
    expect(s.errors).toEqual([]);
    expect(most).toBeLessThanOrEqual(3);
    expect(await store.countJobsByStatus()).toMatchObject({ succeeded: 9, queued: 0, processing: 0 });
    // The finishes' claims were given back rather than run: more claims than the first.
    expect(s.counts.handedOver).toBeGreaterThan(0);
  });

  it("stop() waits for the job a finishing slot was handed, which gives it back untouched", async () => {
    const { store, jobs } = await waiting(6);
    let stopped: Promise<void> | null = null;
    // The fourth job to start is one a finish handed over: stop the workers from inside it.
    const s = slots(store, async (_job, stop) => {
      if (s.ran.length === 4) stopped = stop();
    });
    s.workers.start();
    const end = Date.now() + 10_000;
    while (!stopped && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    await stopped;
    const counts = await store.countJobsByStatus();
    expect(counts.succeeded).toBe(3);
    expect(counts.queued + counts.processing).toBe(3);
    // Nothing is left under a lease: what did not finish is claimable again at once.
    const again = await store.claimJobs("next", 60_000, 10);
    // The three the first claim took were finished; the three handed over went back.
    expect(again.map((j) => j.id).sort((a, b) => a - b)).toEqual(jobs.slice(3).map((j) => j.id));
    expect(again.every((j) => j.attempts === 0)).toBe(true);
    expect(s.workers.infos.map((i) => i.state)).toEqual(["stopped", "stopped", "stopped"]);
  });
});

describe("refund sweep", () => {
  it("gives back the credit of a job that failed without its refund (crash in between) and apologizes", async () => {
    const h = await start({
      noQueue: true,
      queue: { refundSweepGraceMs: 0, refundSweepEveryMs: 50 },
    });
    const { store } = h;
    const u = await h.user(6101, 1);
    const job = await h.job(u.id, u.tgId);
    await moveJob(store, job.id, "failed", {
      errorCode: "transient:network",
      errorMessage: "fetch failed",
    });
    expect(await safeGetBalance(store, u.id)).toBe(0);
    h.queue.start();
    const end = Date.now() + 5000;
    while ((await safeGetBalance(store, u.id)) !== 1 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
    expect(await safeGetBalance(store, u.id)).toBe(1);
    expect(await ledgerSum(store, u.id)).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect((await store.getLedger(u.id, { limit: 10 })).filter((e) => e.reason === "refund")).toHaveLength(1);
  });
});

describe("waker", () => {
  it("remembers a notify that came while nobody was waiting", async () => {
    const w = createWaker();
    w.notify();
    const t = Date.now();
    await w.wait(10_000);
    expect(Date.now() - t).toBeLessThan(1000);
    w.close();
  });

  it("wakes a waiter at the moment asked for by wakeAt", async () => {
    const w = createWaker();
    const slept = w.wait(10_000).then(() => "woken");
    w.wakeAt(new Date(Date.now() + 20));
    expect(await Promise.race([slept, new Promise((r) => setTimeout(() => r("timeout"), 5000))])).toBe(
      "woken",
    );
    w.close();
  });
});
