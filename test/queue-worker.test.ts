// The worker loop itself: it never dies when the database fails, it wakes at once for new work,
// and it stops at a safe point.
import { describe, expect, it } from "vitest";
import type { Store } from "../src/db/store.ts";
import { createWaker } from "../src/queue/waker.ts";
import { harnessPerTest } from "./helpers/harness-per-test.ts";
import { ledgerSum, safeGetBalance } from "./helpers/store-ops.ts";

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

describe("refund sweep", () => {
  it("gives back the credit of a job that failed without its refund (crash in between) and apologizes", async () => {
    const h = await start({
      noQueue: true,
      queue: { refundSweepGraceMs: 0, refundSweepEveryMs: 50 },
    });
    const { store } = h;
    const u = await h.user(6101, 1);
    const job = await h.job(u.id, u.tgId);
    await store.updateJobStatus(job.id, "failed", {
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
