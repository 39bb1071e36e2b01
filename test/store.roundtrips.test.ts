// Round trips to Postgres are a property of the code, not a timing: every query a pg client sends
// is counted (node-postgres sends the next one only after the previous one's answer).
import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JOBS_CHANNEL } from "../src/db/ops/createJobs.ts";
import type { NewJob, Store } from "../src/db/store.ts";
import { ledgerSum, safeGetBalance } from "./helpers/store-ops.ts";
import { postgresFactory } from "./helpers/stores.ts";

const url = process.env.TEST_DATABASE_URL;

function order(key: string, cost = 1): NewJob {
  return {
    chatId: 1,
    template: "ugc",
    model: "veo3_fast",
    language: "en",
    productText: "A ceramic mug",
    photoFileId: "photo-1",
    cost,
    idempotencyKey: key,
    batchKey: "batch",
  };
}

/** What `fn` returns and how many queries the store's clients sent meanwhile. */
async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; roundTrips: number }> {
  const spy = vi.spyOn(pg.Client.prototype, "query");
  try {
    const result = await fn();
    return { result, roundTrips: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

describe.runIf(url)("ordering on Postgres", () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it("an order of three videos is created and charged in one round trip, and a double tap costs one more", async () => {
    store = await postgresFactory(url as string).make({ freeCredits: 5 });
    const s = store;
    const { user } = await s.getOrCreateUser({ tgId: 77 });
    const batch = [1, 2, 3].map((i) => order(`rt:${i}`));
    const made = await counted(() => s.createJobsAndConsumeCredits(user.id, batch));
    expect(made).toMatchObject({ roundTrips: 1, result: { ok: true, created: true, balance: 2 } });
    const replay = await counted(() => s.createJobsAndConsumeCredits(user.id, batch));
    expect(replay).toMatchObject({ roundTrips: 1, result: { ok: true, created: false, balance: 2 } });
    const refused = await counted(() => s.createJobsAndConsumeCredits(user.id, [order("rt:big", 3)]));
    expect(refused).toEqual({
      roundTrips: 1,
      result: { ok: false, reason: "insufficient_credits", balance: 2, required: 3 },
    });
    expect(await ledgerSum(s, user.id)).toBe(2);
  });

  it("a new order wakes the workers listening in other processes by itself; a replay or a refusal does not", async () => {
    const shared = await postgresFactory(url as string).makeShared(1, { freeCredits: 1 });
    const s = shared.stores[0] as Store;
    const { user } = await s.getOrCreateUser({ tgId: 79 });
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    try {
      // The channel is the database's: other test files' orders, in schemas of their own, are
      // heard too. Only this store's connections (named after its schema) count.
      const heard: number[] = [];
      listener.on("notification", (n) => heard.push(n.processId));
      await listener.query(`LISTEN ${JOBS_CHANNEL}`);
      const ours = async () =>
        new Set(
          (
            await listener.query<{ pid: number }>(
              "select pid from pg_stat_activity where application_name = $1",
              [shared.target],
            )
          ).rows.map((r) => r.pid),
        );
      const settle = async () => {
        // A notification is delivered right after its commit; one query's round trip later it has arrived.
        const pids = await ours();
        const mine = () => heard.filter((pid) => pids.has(pid)).length;
        for (let i = 0; i < 50 && !mine(); i++) await new Promise((r) => setTimeout(r, 10));
        const n = mine();
        heard.splice(0);
        return n;
      };
      expect(await s.createJobsAndConsumeCredits(user.id, [order("wake:1")])).toMatchObject({
        created: true,
      });
      expect(await settle()).toBe(1);
      expect(await s.createJobsAndConsumeCredits(user.id, [order("wake:1")])).toMatchObject({
        created: false,
      });
      expect(await s.createJobsAndConsumeCredits(user.id, [order("wake:2")])).toMatchObject({ ok: false });
      expect(await settle()).toBe(0);
    } finally {
      await listener.end();
      await shared.close();
    }
  });

  it("overlapping batches tapped at once from four processes: each is made whole or not at all, and charged only when made", async () => {
    const shared = await postgresFactory(url as string).makeShared(4, { freeCredits: 100 });
    try {
      const [first] = shared.stores as [Store];
      const { user } = await first.getOrCreateUser({ tgId: 78 });
      // Every batch shares a key with the next one: whichever wins, the others must not make the rest of theirs.
      const batches = Array.from({ length: 20 }, (_, i) => [order(`ov:${i}`), order(`ov:${i + 1}`)]);
      const results = await Promise.all(
        batches.map((b, i) => (shared.stores[i % 4] as Store).createJobsAndConsumeCredits(user.id, b)),
      );
      const made = results.filter((r) => r.ok && r.created);
      const jobs = await first.getUserJobs(user.id, { limit: 100 });
      expect(jobs.length).toBe(2 * made.length);
      expect(await safeGetBalance(first, user.id)).toBe(100 - jobs.length);
      expect(await ledgerSum(first, user.id)).toBe(100 - jobs.length);
      for (const r of results) {
        expect(r.ok).toBe(true);
        if (r.ok && !r.created) expect(r.jobs.length).toBeGreaterThan(0);
      }
    } finally {
      await shared.close();
    }
  });
});
