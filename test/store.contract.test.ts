// The store contract: one suite, run against SQLite always and Postgres when TEST_DATABASE_URL is
// set. Both implementations must keep credits and jobs right under any concurrency.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { JobPatch, NewJob, Store } from "../src/db/store.ts";
import {
  claimNextJob,
  clearProviderKey,
  createJobAndConsumeCredit,
  getUserByReferralCode,
  ledgerSum,
  moveJob,
  newJob,
  safeGetBalance,
} from "./helpers/store-ops.ts";
import { type StoreFactory, storeFactories } from "./helpers/stores.ts";

const run = promisify(execFile);

if (!process.env.TEST_DATABASE_URL) {
  console.warn(
    "\n*** Postgres store contract tests are SKIPPED: TEST_DATABASE_URL is not set " +
      "(e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test) ***\n",
  );
  describe.skip("store contract: postgres (TEST_DATABASE_URL not set)", () => {
    it("runs the whole contract against Postgres", () => {});
  });
}

async function expectBalanceMatchesLedger(store: Store, userId: number): Promise<number> {
  const user = await store.getUserById(userId);
  expect(user).not.toBeNull();
  expect(await ledgerSum(store, userId)).toBe(user?.credits);
  return user?.credits ?? Number.NaN;
}

describe.each(storeFactories().map((f) => [f.name, f] as const))(
  "store contract: %s",
  (_name, factory: StoreFactory) => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      while (cleanups.length) await cleanups.pop()?.();
    });
    async function make(freeCredits = 1): Promise<Store> {
      const s = await factory.make({ freeCredits });
      cleanups.push(() => s.close());
      return s;
    }
    async function shared(n: number, freeCredits = 1) {
      const s = await factory.makeShared(n, { freeCredits });
      cleanups.push(() => s.close());
      return s;
    }
    /** A user holding exactly `credits`. */
    async function userWith(store: Store, credits: number, tgId = 1000 + Math.floor(Math.random() * 1e9)) {
      const { user } = await store.getOrCreateUser({ tgId, username: `u${tgId}` });
      const delta = credits - user.credits;
      if (delta !== 0) {
        const r = await store.addCredits({
          userId: user.id,
          amount: delta,
          reason: delta > 0 ? "admin_grant" : "admin_deduct",
          reference: `setup:${user.id}`,
        });
        expect(r).toEqual({ applied: true, balance: credits });
      }
      return user;
    }

    describe("users", () => {
      it("grants the free credits once, in the ledger, and refreshes the profile on later contact", async () => {
        const store = await make(3);
        const first = await store.getOrCreateUser({ tgId: 7, username: "anna", firstName: "Anna" });
        expect(first.created).toBe(true);
        expect(first.user.credits).toBe(3);
        const again = await store.getOrCreateUser({ tgId: 7, username: "anna_new", firstName: "Anna" });
        expect(again.created).toBe(false);
        expect(again.user).toMatchObject({ id: first.user.id, username: "anna_new", credits: 3 });
        const ledger = await store.getLedger(first.user.id, { limit: 10 });
        expect(ledger).toHaveLength(1);
        expect(ledger[0]).toMatchObject({ reason: "signup_bonus", delta: 3, balanceAfter: 3 });
        await expectBalanceMatchesLedger(store, first.user.id);
      });

      it("creates one user and one bonus when the first messages arrive at once", async () => {
        const { stores } = await shared(3, 2);
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => stores[i % stores.length]?.getOrCreateUser({ tgId: 99 })),
        );
        expect(results.filter((r) => r?.created)).toHaveLength(1);
        const store = stores[0] as Store;
        expect(await store.countUsers()).toBe(1);
        expect(await expectBalanceMatchesLedger(store, results[0]?.user.id ?? 0)).toBe(2);
      });

      it("gives every user a distinct short referral code and records who referred whom", async () => {
        const store = await make();
        const a = (await store.getOrCreateUser({ tgId: 1 })).user;
        const b = (
          await store.getOrCreateUser({ tgId: 2 }, { referralCode: a.referralCode, referralSource: "ad1" })
        ).user;
        expect(a.referralCode).toMatch(/^[a-z0-9]{6,10}$/);
        expect(b.referralCode).not.toBe(a.referralCode);
        expect(b).toMatchObject({ referredBy: a.id, referralSource: "ad1" });
        expect((await getUserByReferralCode(store, a.referralCode))?.id).toBe(a.id);
      });

      it("finds users by Telegram id, internal id and username prefix", async () => {
        const store = await make();
        const a = (await store.getOrCreateUser({ tgId: 555001, username: "Marina_shop" })).user;
        await store.getOrCreateUser({ tgId: 555002, username: "mark" });
        expect((await store.findUsers("555001", 10)).map((u) => u.id)).toEqual([a.id]);
        expect((await store.findUsers(String(a.id), 10)).map((u) => u.id)).toContain(a.id);
        expect((await store.findUsers("@mar", 10)).map((u) => u.username)).toEqual(["Marina_shop", "mark"]);
        expect(await store.findUsers("@zzz", 10)).toEqual([]);
        expect((await store.getUserByUsername("@MARK"))?.tgId).toBe(555002);
      });

      it("addCredits is idempotent by reference and never deducts below zero", async () => {
        const store = await make(0);
        const u = (await store.getOrCreateUser({ tgId: 3 })).user;
        expect(
          await store.addCredits({ userId: u.id, amount: 5, reason: "admin_grant", reference: "g1" }),
        ).toEqual({
          applied: true,
          balance: 5,
        });
        expect(
          await store.addCredits({ userId: u.id, amount: 5, reason: "admin_grant", reference: "g1" }),
        ).toEqual({
          applied: false,
          balance: 5,
        });
        expect(
          await store.addCredits({ userId: u.id, amount: -9, reason: "admin_deduct", reference: "d1" }),
        ).toEqual({
          applied: false,
          balance: 5,
        });
        expect(await safeGetBalance(store, u.id)).toBe(5);
        await expectBalanceMatchesLedger(store, u.id);
      });
    });

    describe("per-update reads", () => {
      it("load a user and a job exactly as the list queries do: dates, flags, nulls and referrer", async () => {
        const store = await make(2);
        const referrer = (await store.getOrCreateUser({ tgId: 10 })).user;
        const { user } = await store.getOrCreateUser(
          { tgId: 11, username: "kira", firstName: "Kira", languageCode: "ru" },
          { referralCode: referrer.referralCode, referralSource: "ad" },
        );
        await store.setConsent(user.id, new Date("2026-01-02T03:04:05.678Z"));
        await store.setBlocked(user.id, true);
        await store.setBotBlocked(user.id, new Date("2026-02-03T04:05:06.789Z"));
        await store.setUserLanguage(user.id, "en");
        await store.touchUser(user.id, new Date("2026-03-04T05:06:07.891Z"));
        const [listed] = await store.findUsers("@kira", 1);
        expect(listed).toMatchObject({ blocked: true, referredBy: referrer.id, language: "en" });
        expect(listed?.lastActiveAt?.toISOString()).toBe("2026-03-04T05:06:07.891Z");
        expect(await store.getUserByTgId(11)).toStrictEqual(listed);
        expect(await store.getUserById(user.id)).toStrictEqual(listed);
        expect(await store.getUserByTgId(12)).toBeNull();
        expect(await store.getUserById(999_999)).toBeNull();

        const r = await createJobAndConsumeCredit(store, user.id, newJob());
        if (!r.ok) throw new Error("setup");
        await store.patchJob(r.job.id, { providerTaskId: "t-9", progressMessageId: 5 });
        const [lastJob] = await store.listLastJobs({ limit: 1 });
        expect(await store.getJobById(r.job.id)).toStrictEqual(lastJob);
        expect(await store.getJobByProviderTaskId("t-9")).toStrictEqual(lastJob);
      });
    });

    describe("charging for jobs", () => {
      it("200 concurrent orders against 5 credits create exactly 5 jobs and leave 0", async () => {
        const { stores } = await shared(4);
        const store = stores[0] as Store;
        const user = await userWith(store, 5);
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            createJobAndConsumeCredit(stores[i % stores.length] as Store, user.id, newJob()),
          ),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(5);
        expect(results.filter((r) => !r.ok && r.reason === "insufficient_credits")).toHaveLength(195);
        expect(await store.countUserJobs(user.id)).toBe(5);
        expect(await expectBalanceMatchesLedger(store, user.id)).toBe(0);
      });

      it("50 concurrent orders with one idempotency key create one job and charge once", async () => {
        const { stores } = await shared(4);
        const store = stores[0] as Store;
        const user = await userWith(store, 10);
        const job = newJob();
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            createJobAndConsumeCredit(stores[i % stores.length] as Store, user.id, job),
          ),
        );
        const ok = results.filter((r) => r.ok);
        expect(ok).toHaveLength(50);
        expect(ok.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(ok.map((r) => r.job.id)).size).toBe(1);
        expect(await store.countUserJobs(user.id)).toBe(1);
        expect(await expectBalanceMatchesLedger(store, user.id)).toBe(9);
        const charges = (await store.getLedger(user.id, { limit: 100 })).filter(
          (l) => l.reason === "job_charge",
        );
        expect(charges).toHaveLength(1);
        expect(charges[0]?.reference).toBe(`job:${ok[0]?.job.id}:charge`);
      });

      it("refuses with a typed result when the balance is below the cost", async () => {
        const store = await make();
        const user = await userWith(store, 1);
        const r = await createJobAndConsumeCredit(store, user.id, newJob({ cost: 2 }));
        expect(r).toEqual({ ok: false, reason: "insufficient_credits", balance: 1, required: 2 });
        expect(await createJobAndConsumeCredit(store, 999_999, newJob())).toEqual({
          ok: false,
          reason: "user_not_found",
        });
        expect(await store.countUserJobs(user.id)).toBe(0);
      });

      it("creates a batch for the sum of its costs, all or none, and replays it without charging", async () => {
        const store = await make();
        const user = await userWith(store, 5);
        const batch = [1, 2, 3].map((i) => newJob({ cost: 2, batchKey: "b1", idempotencyKey: `b1:${i}` }));
        expect(await store.createJobsAndConsumeCredits(user.id, batch)).toMatchObject({
          ok: false,
          required: 6,
          balance: 5,
        });
        expect(await store.countUserJobs(user.id)).toBe(0);
        await store.addCredits({ userId: user.id, amount: 1, reason: "admin_grant", reference: "top-up" });
        const made = await store.createJobsAndConsumeCredits(user.id, batch);
        expect(made).toMatchObject({ ok: true, created: true, balance: 0 });
        const replay = await store.createJobsAndConsumeCredits(user.id, batch);
        expect(replay).toMatchObject({ ok: true, created: false, balance: 0 });
        if (made.ok && replay.ok) expect(replay.jobs.map((j) => j.id)).toEqual(made.jobs.map((j) => j.id));
        expect(await expectBalanceMatchesLedger(store, user.id)).toBe(0);
      });

      it("keeps the length and format the seller bought on each job, none when the order named none", async () => {
        const store = await make();
        const user = await userWith(store, 5);
        const made = await store.createJobsAndConsumeCredits(user.id, [
          newJob({ idempotencyKey: "d:0", durationSeconds: 15, aspectRatio: "16:9" }),
          newJob({ idempotencyKey: "d:1" }),
        ]);
        if (!made.ok) throw new Error("not created");
        expect(made.jobs.map((j) => [j.durationSeconds, j.aspectRatio])).toEqual([
          [15, "16:9"],
          [null, null],
        ]);
        const stored = await store.getJobById(made.jobs[0]!.id);
        expect([stored?.durationSeconds, stored?.aspectRatio]).toEqual([15, "16:9"]);
      });
    });

    describe("refunds", () => {
      it("20 concurrent refunds of one failed job give one credit back", async () => {
        const { stores } = await shared(4);
        const store = stores[0] as Store;
        const user = await userWith(store, 3);
        const created = await createJobAndConsumeCredit(store, user.id, newJob({ cost: 2 }));
        if (!created.ok) throw new Error("setup");
        const id = created.job.id;
        expect((await store.refundCredit(id)).refunded).toBe(false); // still queued
        expect(await moveJob(store, id, "failed", { errorCode: "provider_error" })).not.toBeNull();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (stores[i % stores.length] as Store).refundCredit(id)),
        );
        expect(results.filter((r) => r.refunded)).toHaveLength(1);
        expect(results.filter((r) => !r.refunded && r.reason === "already_refunded")).toHaveLength(19);
        expect(await expectBalanceMatchesLedger(store, user.id)).toBe(3);
        expect((await store.getJobById(id))?.refundedAt).toBeInstanceOf(Date);
      });
    });

    describe("job status", () => {
      it("refuses illegal transitions and stamps finished jobs", async () => {
        const store = await make();
        const user = await userWith(store, 5);
        const r = await createJobAndConsumeCredit(store, user.id, newJob());
        if (!r.ok) throw new Error("setup");
        const id = r.job.id;
        expect(await moveJob(store, id, "succeeded")).toBeNull();
        const claimed = await claimNextJob(store, "w1", 60_000);
        expect(claimed?.id).toBe(id);
        expect(await moveJob(store, id, "succeeded", { leaseOwner: "someone-else" })).toBeNull();
        const done = await moveJob(store, id, "succeeded", {
          leaseOwner: "w1",
          resultFileId: "file-1",
        });
        expect(done).toMatchObject({ status: "succeeded", resultFileId: "file-1", leaseOwner: null });
        expect(done?.finishedAt).toBeInstanceOf(Date);
        for (const to of ["queued", "processing", "failed", "succeeded"] as const) {
          expect(await moveJob(store, id, to)).toBeNull();
        }
        const other = await createJobAndConsumeCredit(store, user.id, newJob());
        if (!other.ok) throw new Error("setup");
        expect(await moveJob(store, other.job.id, "failed")).toMatchObject({ status: "failed" });
        expect(await moveJob(store, other.job.id, "processing")).toBeNull();
        const again = await store.requeueJob(other.job.id);
        expect(again).toMatchObject({ status: "queued", finishedAt: null, errorCode: null });
      });

      it("puts a claimed job back in the queue only for its lease holder, with the lease dropped so any worker takes it at once", async () => {
        const store = await make();
        const user = await userWith(store, 5);
        const r = await createJobAndConsumeCredit(store, user.id, newJob());
        if (!r.ok) throw new Error("setup");
        const claimed = await claimNextJob(store, "w1", 60_000);
        expect(claimed).toMatchObject({ id: r.job.id, status: "processing", leaseOwner: "w1" });
        expect(await moveJob(store, r.job.id, "queued", { leaseOwner: "w2" })).toBeNull();
        const back = await moveJob(store, r.job.id, "queued", { leaseOwner: "w1", step: "prompt" });
        expect(back).toMatchObject({
          status: "queued",
          step: "prompt",
          leaseOwner: null,
          leaseExpiresAt: null,
          finishedAt: null,
        });
        expect((await claimNextJob(store, "w2", 60_000))?.id).toBe(r.job.id);
      });
    });

    describe("provider tasks", () => {
      it("finds the job a provider callback names by its task id, the newest when two share it", async () => {
        const store = await make();
        const user = await userWith(store, 3);
        const a = await createJobAndConsumeCredit(store, user.id, newJob());
        const b = await createJobAndConsumeCredit(store, user.id, newJob());
        if (!a.ok || !b.ok) throw new Error("setup");
        expect(await store.getJobByProviderTaskId("task-1")).toBeNull();
        await store.patchJob(a.job.id, { providerTaskId: "task-1" });
        expect((await store.getJobByProviderTaskId("task-1"))?.id).toBe(a.job.id);
        await store.patchJob(b.job.id, { providerTaskId: "task-1" });
        expect(await store.getJobByProviderTaskId("task-1")).toMatchObject({
          id: b.job.id,
          providerTaskId: "task-1",
        });
        expect(await store.getJobByProviderTaskId("task-2")).toBeNull();
      });
    });

    describe("retention", () => {
      it("lists old jobs that still hold a file, in id pages, and drops them once their paths are forgotten", async () => {
        const store = await make();
        const user = await userWith(store, 10);
        const at = async (iso: string, over: Partial<NewJob>, result?: string) => {
          vi.useFakeTimers({ toFake: ["Date"], now: new Date(iso) });
          try {
            const r = await createJobAndConsumeCredit(store, user.id, newJob(over));
            if (!r.ok) throw new Error("setup");
            if (result) await store.patchJob(r.job.id, { resultPath: result });
            return r.job.id;
          } finally {
            vi.useRealTimers();
          }
        };
        const photoOnly = await at("2026-01-01T10:00:00Z", { photoPath: "inputs/2026/01/01/a.jpg" });
        await at("2026-01-01T11:00:00Z", {}); // no stored file: nothing to sweep
        const resultOnly = await at("2026-01-02T09:00:00Z", {}, "results/2026/01/02/b.mp4");
        const both = await at(
          "2026-01-03T23:59:59Z",
          { photoPath: "inputs/2026/01/03/c.jpg" },
          "results/x.mp4",
        );
        await at("2026-01-04T00:00:00Z", { photoPath: "inputs/2026/01/04/d.jpg" }); // not before
        const before = new Date("2026-01-04T00:00:00Z");
        const ids = async (limit: number, afterId?: number) =>
          (await store.listJobsWithFilesBefore(before, limit, afterId)).map((j) => j.id);

        expect(await ids(10)).toEqual([photoOnly, resultOnly, both]);
        expect(await ids(2)).toEqual([photoOnly, resultOnly]);
        expect(await ids(2, resultOnly)).toEqual([both]);
        const [first] = await store.listJobsWithFilesBefore(before, 1);
        expect(first).toMatchObject({
          id: photoOnly,
          photoPath: "inputs/2026/01/01/a.jpg",
          resultPath: null,
        });
        expect(first?.createdAt.toISOString()).toBe("2026-01-01T10:00:00.000Z");
        await store.patchJob(photoOnly, { photoPath: null });
        await store.patchJob(both, { resultPath: null });
        expect(await ids(10)).toEqual([resultOnly, both]);
      });
    });

    describe("admin retry", () => {
      it("puts a failed job back in the queue, but not one imported from the old bot or without a photo", async () => {
        const store = await make();
        const user = await userWith(store, 5);
        const failed = async (over: Partial<NewJob>) => {
          const r = await createJobAndConsumeCredit(store, user.id, newJob(over));
          if (!r.ok) throw new Error("setup");
          expect(await moveJob(store, r.job.id, "failed")).not.toBeNull();
          return r.job.id;
        };
        const imported = await failed({ idempotencyKey: "import:old-bot-42" });
        const noPhoto = await failed({ photoFileId: null, photoPath: null });
        const storedPhoto = await failed({ photoFileId: null, photoPath: "inputs/2026/11/25/a.jpg" });
        const normal = await failed({});
        expect(await store.requeueJob(imported)).toBeNull();
        expect(await store.requeueJob(noPhoto)).toBeNull();
        expect((await store.getJobById(imported))?.status).toBe("failed");
        expect((await store.getJobById(noPhoto))?.status).toBe("failed");
        expect(await store.requeueJob(storedPhoto)).toMatchObject({ status: "queued" });
        expect(await store.requeueJob(normal)).toMatchObject({ status: "queued", errorCode: null });
      });

      it("starts a retried job over, and a retry after the refund is free and never refunded twice", async () => {
        const store = await make();
        const user = await userWith(store, 1);
        const r = await createJobAndConsumeCredit(store, user.id, newJob());
        if (!r.ok) throw new Error("setup");
        await moveJob(store, r.job.id, "processing", {
          step: "poll@1",
          provider: "kie",
          providerTaskId: "task-1",
          attempts: 3,
        });
        await moveJob(store, r.job.id, "failed", { errorCode: "content_refused" });
        expect(await store.refundCredit(r.job.id)).toMatchObject({ refunded: true, balance: 1 });

        const retried = await store.requeueJob(r.job.id);
        expect(retried).toMatchObject({
          status: "queued",
          step: null,
          providerTaskId: null,
          attempts: 0,
          creditsCharged: 0,
        });
        expect(await safeGetBalance(store, user.id)).toBe(1);

        await moveJob(store, r.job.id, "processing");
        await moveJob(store, r.job.id, "failed", { errorCode: "content_refused" });
        expect(await store.refundCredit(r.job.id)).toMatchObject({ refunded: false, balance: 1 });
        expect(await safeGetBalance(store, user.id)).toBe(1);
        expect(await ledgerSum(store, user.id)).toBe(1);
      });

      it("keeps the charge of a retried job whose credits were not refunded", async () => {
        const store = await make();
        const user = await userWith(store, 1);
        const r = await createJobAndConsumeCredit(store, user.id, newJob());
        if (!r.ok) throw new Error("setup");
        await moveJob(store, r.job.id, "failed");
        expect(await store.requeueJob(r.job.id)).toMatchObject({ status: "queued", creditsCharged: 1 });
        await moveJob(store, r.job.id, "processing");
        await moveJob(store, r.job.id, "failed");
        expect(await store.refundCredit(r.job.id)).toMatchObject({ refunded: true, balance: 1 });
        expect(await ledgerSum(store, user.id)).toBe(1);
      });
    });

    describe("queue", () => {
      it("4 concurrent claimers draining 2,000 jobs claim every job exactly once", async () => {
        const { stores } = await shared(4);
        const store = stores[0] as Store;
        const user = await userWith(store, 2000);
        const made = await store.createJobsAndConsumeCredits(
          user.id,
          Array.from({ length: 2000 }, () => newJob()),
        );
        expect(made.ok).toBe(true);
        // Claimed jobs keep a live lease, so nobody may take them again while the drain runs; every
        // tenth one is finished to mix completions into the claims.
        const claims: number[] = [];
        await Promise.all(
          stores.map(async (s, w) => {
            for (;;) {
              const batch = await s.claimJobs(`w${w}`, 600_000, 10);
              if (!batch.length) return;
              for (const job of batch) {
                claims.push(job.id);
                expect(job.leaseOwner).toBe(`w${w}`);
                if (job.id % 10 === 0)
                  expect(await moveJob(s, job.id, "succeeded", { leaseOwner: `w${w}` })).not.toBeNull();
              }
            }
          }),
        );
        expect(claims).toHaveLength(2000);
        expect(new Set(claims).size).toBe(2000);
        expect(await store.countJobsByStatus()).toEqual({
          queued: 0,
          processing: 1800,
          succeeded: 200,
          failed: 0,
        });
        expect(await expectBalanceMatchesLedger(store, user.id)).toBe(0);
      });

      it("claims oldest first, and re-claims a job whose lease expired with one more attempt", async () => {
        const store = await make();
        const user = await userWith(store, 5);
        const a = await createJobAndConsumeCredit(store, user.id, newJob());
        const b = await createJobAndConsumeCredit(store, user.id, newJob());
        if (!a.ok || !b.ok) throw new Error("setup");
        const t0 = new Date(Date.now() + 1000);
        const first = await claimNextJob(store, "w1", 5_000, t0);
        expect(first).toMatchObject({ id: a.job.id, status: "processing", leaseOwner: "w1", attempts: 0 });
        expect(first?.startedAt).toBeInstanceOf(Date);
        expect(first?.leaseExpiresAt?.getTime()).toBe(t0.getTime() + 5_000);
        expect((await claimNextJob(store, "w2", 5_000, new Date(t0.getTime() + 1_000)))?.id).toBe(b.job.id);
        expect(await claimNextJob(store, "w3", 5_000, new Date(t0.getTime() + 4_000))).toBeNull();
        expect(await store.heartbeat(a.job.id, "w1", 5_000, new Date(t0.getTime() + 4_000))).toBe(true);
        expect(await store.heartbeat(a.job.id, "w2", 5_000, new Date(t0.getTime() + 4_000))).toBe(false);
        // w1 dies: its lease (extended to t0+9s) runs out and w3 takes the job over.
        const retaken = await claimNextJob(store, "w3", 5_000, new Date(t0.getTime() + 9_500));
        expect(retaken).toMatchObject({ id: a.job.id, leaseOwner: "w3", attempts: 1 });
        expect(retaken?.startedAt?.getTime()).toBe(first?.startedAt?.getTime());
        expect(await store.heartbeat(a.job.id, "w1", 5_000)).toBe(false);
        expect(await moveJob(store, a.job.id, "succeeded", { leaseOwner: "w1" })).toBeNull();
      });

      it("never claims a finished job", async () => {
        const store = await make();
        const user = await userWith(store, 5);
        const a = await createJobAndConsumeCredit(store, user.id, newJob());
        if (!a.ok) throw new Error("setup");
        const c = await claimNextJob(store, "w1", 1_000);
        await moveJob(store, a.job.id, "failed", { leaseOwner: "w1", errorCode: "x" });
        expect(c?.id).toBe(a.job.id);
        expect(await claimNextJob(store, "w2", 1_000, new Date(Date.now() + 86_400_000))).toBeNull();
        expect(await store.nextRunAt()).toBeNull();
      });

      it("finishes jobs under their leases and claims the next waiting ones in the same step, oldest first", async () => {
        const store = await make();
        const user = await userWith(store, 6);
        const made = await store.createJobsAndConsumeCredits(
          user.id,
          Array.from({ length: 6 }, () => newJob()),
        );
        if (!made.ok) throw new Error("setup");
        const [a, b, c, d, e, f] = made.jobs.map((j) => j.id) as [
          number,
          number,
          number,
          number,
          number,
          number,
        ];
        expect((await store.claimJobs("w1", 60_000, 2)).map((j) => j.id)).toEqual([a, b]);
        const t = new Date(Date.now() + 1_000);
        const r = await store.finishJobs(
          [
            { jobId: b, to: "succeeded", leaseOwner: "w1", patch: { resultFileId: "video-b", step: "done" } },
            { jobId: a, to: "succeeded", leaseOwner: "w1", patch: { resultFileId: "video-a", step: "done" } },
          ],
          { owner: "w1:next", leaseMs: 5_000, limit: 3 },
          t,
        );
        expect(r.jobs.map((j) => [j?.id, j?.status, j?.resultFileId, j?.leaseOwner])).toEqual([
          [b, "succeeded", "video-b", null],
          [a, "succeeded", "video-a", null],
        ]);
        expect(r.jobs[0]?.finishedAt?.getTime()).toBe(t.getTime());
        expect(r.claimed.map((j) => j.id)).toEqual([c, d, e]);
        expect(r.claimed[0]).toMatchObject({ status: "processing", leaseOwner: "w1:next", attempts: 0 });
        expect(r.claimed[0]?.leaseExpiresAt?.getTime()).toBe(t.getTime() + 5_000);
        expect(await store.countJobsByStatus()).toEqual({
          queued: 1,
          processing: 3,
          succeeded: 2,
          failed: 0,
        });
        // Different patches in one call, with a claim: each job gets its own columns (a date and a
        // null through the same path as text, a text cut inside an emoji made whole), the claim
        // takes the next job, and a guard left in a patch is only a guard.
        const later = new Date(t.getTime() + 60_000);
        const mixed = await store.finishJobs(
          [
            {
              jobId: c,
              to: "failed",
              leaseOwner: "w1:next",
              patch: { errorCode: "x", attempts: 2, errorMessage: "broken 😀".slice(0, 8) },
            },
            { jobId: d, to: "succeeded", leaseOwner: "w1:next", patch: {} },
            {
              jobId: e,
              to: "failed",
              leaseOwner: "w1:next",
              patch: { errorCode: null, runAt: later, leaseOwner: "w1:next" } as JobPatch,
            },
          ],
          { owner: "w1:third", leaseMs: 5_000, limit: 3 },
          t,
        );
        expect(mixed.claimed.map((j) => [j.id, j.leaseOwner])).toEqual([[f, "w1:third"]]);
        expect(mixed.jobs.map((j) => [j?.id, j?.status, j?.errorCode, j?.attempts])).toEqual([
          [c, "failed", "x", 2],
          [d, "succeeded", null, 0],
          [e, "failed", null, 0],
        ]);
        expect(mixed.jobs[0]?.errorMessage).toBe("broken \uFFFD");
        expect(mixed.jobs[2]?.runAt.getTime()).toBe(later.getTime());
        // One finish per job and call; with none, a finish call is a claim.
        await expect(
          store.finishJobs(
            [
              { jobId: f, to: "succeeded", leaseOwner: "w1:third", patch: {} },
              { jobId: f, to: "failed", leaseOwner: "w1:third", patch: {} },
            ],
            null,
          ),
        ).rejects.toThrow(/appears twice/);
        const waiting = await store.createJobsAndConsumeCredits(user.id, [newJob({ cost: 0 })]);
        if (!waiting.ok) throw new Error("setup");
        const onlyClaim = await store.finishJobs([], { owner: "w9", leaseMs: 5_000, limit: 2 });
        expect(onlyClaim.jobs).toEqual([]);
        expect(onlyClaim.claimed.map((j) => [j.id, j.leaseOwner])).toEqual([[waiting.jobs[0]?.id, "w9"]]);
        expect((await store.getJobById(f))?.status).toBe("processing");
        expect(await expectBalanceMatchesLedger(store, user.id)).toBe(0);
      });

      it("a finish whose lease was lost writes nothing, yet still claims; a finish never claims its own job back", async () => {
        const store = await make();
        const user = await userWith(store, 5);
        const made = await store.createJobsAndConsumeCredits(user.id, [newJob(), newJob()]);
        if (!made.ok) throw new Error("setup");
        const [a, b] = made.jobs.map((j) => j.id) as [number, number];
        const t0 = new Date(Date.now() + 1_000);
        await claimNextJob(store, "w1", 1_000, t0);
        // w1's lease ran out and w2 took the job over: w1's finish is refused, its claim is not.
        const later = new Date(t0.getTime() + 2_000);
        expect((await claimNextJob(store, "w2", 1_000, later))?.id).toBe(a);
        const lost = await store.finishJobs(
          [{ jobId: a, to: "succeeded", leaseOwner: "w1", patch: {} }],
          { owner: "w1:next", leaseMs: 1_000, limit: 5 },
          later,
        );
        expect(lost.jobs).toEqual([null]);
        expect(lost.claimed.map((j) => j.id)).toEqual([b]);
        expect((await store.getJobById(a))?.status).toBe("processing");
        // w2's own lease has run out too when it finishes: the job is finished, not claimed again.
        const late = new Date(later.getTime() + 5_000);
        const mine = await store.finishJobs(
          [{ jobId: a, to: "succeeded", leaseOwner: "w2", patch: {} }],
          { owner: "w2:next", leaseMs: 1_000, limit: 5 },
          late,
        );
        expect(mine.jobs[0]).toMatchObject({ id: a, status: "succeeded" });
        expect(mine.claimed.map((j) => j.id)).toEqual([b]);
        expect(mine.claimed[0]).toMatchObject({ leaseOwner: "w2:next", attempts: 1 });
        expect(await expectBalanceMatchesLedger(store, user.id)).toBe(3);
      });

      it("a released job waits until its run_at, then is resumed without counting an attempt", async () => {
        const store = await make();
        const user = await userWith(store, 5);
        const a = await createJobAndConsumeCredit(store, user.id, newJob());
        if (!a.ok) throw new Error("setup");
        await claimNextJob(store, "w1", 60_000);
        const later = new Date(Date.now() + 30_000);
        expect(await store.releaseJob(a.job.id, "w2", later)).toBe(false);
        expect(
          await store.releaseJob(a.job.id, "w1", later, { step: "poll", providerTaskId: "task-1" }),
        ).toBe(true);
        expect(await store.getQueuePosition(a.job.id)).toBe(0);
        expect((await store.nextRunAt())?.getTime()).toBe(later.getTime());
        expect(await claimNextJob(store, "w2", 60_000)).toBeNull();
        const resumed = await claimNextJob(store, "w2", 60_000, new Date(later.getTime() + 1));
        expect(resumed).toMatchObject({
          id: a.job.id,
          attempts: 0,
          step: "poll",
          providerTaskId: "task-1",
          leaseOwner: "w2",
        });
      });

      it("reports the queue position while jobs are claimed and finished", async () => {
        const store = await make();
        const user = await userWith(store, 10);
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) {
          const r = await createJobAndConsumeCredit(store, user.id, newJob());
          if (!r.ok) throw new Error("setup");
          ids.push(r.job.id);
        }
        const positions = () => Promise.all(ids.map((id) => store.getQueuePosition(id)));
        expect(await positions()).toEqual([1, 2, 3, 4, 5]);
        const [c1, c2] = await store.claimJobs("w1", 60_000, 2);
        expect([c1?.id, c2?.id]).toEqual([ids[0], ids[1]]);
        expect(await positions()).toEqual([0, 0, 1, 2, 3]);
        await moveJob(store, ids[0] as number, "succeeded");
        expect(await positions()).toEqual([0, 0, 1, 2, 3]);
        await claimNextJob(store, "w1", 60_000);
        expect(await positions()).toEqual([0, 0, 0, 1, 2]);
        expect(await store.getQueueStats()).toMatchObject({ queued: 2, processing: 2 });
        expect(await store.getQueuePosition(999_999)).toBe(0);
      });

      it("lists the batch keys of waiting jobs in the order workers will claim them", async () => {
        const store = await make();
        const user = await userWith(store, 10);
        const made = await store.createJobsAndConsumeCredits(user.id, [
          newJob({ batchKey: "first" }),
          newJob({ batchKey: "first" }),
          newJob(),
          newJob({ batchKey: "third" }),
          newJob({ batchKey: "fourth" }),
        ]);
        if (!made.ok) throw new Error("setup");
        expect(await store.listQueuedBatchKeys(10)).toEqual(["first", "first", null, "third", "fourth"]);
        expect(await store.listQueuedBatchKeys(2)).toEqual(["first", "first"]);

        // Claimed jobs no longer wait; one put back to run later waits behind the rest despite its
        // smaller id, and a finished job never waits.
        const [a, b] = await store.claimJobs("w1", 60_000, 2);
        expect(await store.listQueuedBatchKeys(10)).toEqual([null, "third", "fourth"]);
        await moveJob(store, a?.id ?? 0, "queued", { runAt: new Date(Date.now() + 60_000) });
        await moveJob(store, b?.id ?? 0, "succeeded");
        expect(await store.listQueuedBatchKeys(10)).toEqual([null, "third", "fourth", "first"]);
        expect(await store.listQueuedBatchKeys(3)).toEqual([null, "third", "fourth"]);
      });
    });

    describe("payments", () => {
      it("credits a payment once however often Telegram replays it, and takes it back once on refund", async () => {
        const { stores } = await shared(3);
        const store = stores[0] as Store;
        const user = await userWith(store, 1);
        const input = {
          userId: user.id,
          telegramChargeId: "tg-charge-1",
          currency: "XTR",
          amount: 250,
          credits: 10,
          packageId: "p10",
        };
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (stores[i % stores.length] as Store).recordPayment(input)),
        );
        expect(results.filter((r) => r.credited)).toHaveLength(1);
        expect(await expectBalanceMatchesLedger(store, user.id)).toBe(11);
        expect((await store.getPaymentByChargeId("tg-charge-1"))?.status).toBe("paid");
        const refunds = await Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            (stores[i % stores.length] as Store).refundPayment("tg-charge-1"),
          ),
        );
        const applied = refunds.filter((r) => r.ok && !r.alreadyRefunded);
        expect(applied).toHaveLength(1);
        expect(applied[0]).toMatchObject({ creditsTaken: 10, balance: 1, payment: { status: "refunded" } });
        expect(await expectBalanceMatchesLedger(store, user.id)).toBe(1);
        expect(await store.refundPayment("nope")).toEqual({ ok: false, reason: "not_found" });
        expect(await store.getAdminStats(new Date())).toMatchObject({ credits: { sold: 10 }, revenue: [] });
      });

      it("never takes a refund below zero unless allowed", async () => {
        const store = await make(0);
        const user = await userWith(store, 0);
        const pay = (id: string) =>
          store.recordPayment({
            userId: user.id,
            telegramChargeId: id,
            currency: "XTR",
            amount: 100,
            credits: 5,
            packageId: "p5",
          });
        await pay("c1");
        await pay("c2");
        await store.createJobsAndConsumeCredits(user.id, [newJob({ cost: 4 }), newJob({ cost: 4 })]);
        expect(await store.refundPayment("c1")).toMatchObject({ ok: true, creditsTaken: 2, balance: 0 });
        expect(await store.refundPayment("c2", { allowNegative: true })).toMatchObject({
          ok: true,
          creditsTaken: 5,
          balance: -5,
        });
        expect(await expectBalanceMatchesLedger(store, user.id)).toBe(-5);
      });
    });

    describe("instance lease", () => {
      it("is held by one instance, refused to another with holder and since, and taken over once expired", async () => {
        const store = await make();
        const t0 = new Date("2030-01-01T00:00:00Z");
        expect(await store.acquireInstanceLease("bot", "host-a", 10_000, t0)).toEqual({ acquired: true });
        expect(
          await store.acquireInstanceLease("bot", "host-a", 10_000, new Date(t0.getTime() + 5_000)),
        ).toEqual({ acquired: true });
        expect(
          await store.acquireInstanceLease("bot", "host-b", 10_000, new Date(t0.getTime() + 6_000)),
        ).toEqual({
          acquired: false,
          holder: "host-a",
          since: t0,
          expiresAt: new Date(t0.getTime() + 15_000),
        });
        expect(
          await store.acquireInstanceLease("bot", "host-b", 10_000, new Date(t0.getTime() + 16_000)),
        ).toEqual({ acquired: true });
        expect(
          await store.acquireInstanceLease("bot", "host-a", 10_000, new Date(t0.getTime() + 17_000)),
        ).toMatchObject({
          acquired: false,
          holder: "host-b",
          since: new Date(t0.getTime() + 16_000),
        });
        await store.releaseInstanceLease("bot", "host-b");
        expect(
          await store.acquireInstanceLease("bot", "host-a", 10_000, new Date(t0.getTime() + 18_000)),
        ).toEqual({ acquired: true });
      });
    });

    describe("broadcasts, sessions, provider keys", () => {
      it("snapshots the audience and counts each recipient once", async () => {
        const store = await make();
        const now = Date.now();
        const a = (await store.getOrCreateUser({ tgId: 11 })).user;
        const b = (await store.getOrCreateUser({ tgId: 12 })).user;
        const c = (await store.getOrCreateUser({ tgId: 13 })).user;
        const d = (await store.getOrCreateUser({ tgId: 14 })).user;
        await store.setBotBlocked(c.id, new Date());
        await store.setBlocked(d.id, true);
        await store.touchUser(b.id, new Date(now - 40 * 86_400_000));
        const all = await store.createBroadcast({
          adminTgId: 1,
          audience: "all",
          text: "hi",
          photoFileId: null,
          chatId: 1,
        });
        expect((await store.startBroadcast(all.id, new Date(now - 30 * 86_400_000)))?.total).toBe(2);
        const active = await store.createBroadcast({
          adminTgId: 1,
          audience: "active",
          text: "hi",
          photoFileId: null,
          chatId: 1,
        });
        expect((await store.startBroadcast(active.id, new Date(now - 30 * 86_400_000)))?.total).toBe(1);
        expect(await store.nextBroadcastRecipients(all.id, 10)).toEqual([
          { userId: a.id, tgId: 11 },
          { userId: b.id, tgId: 12 },
        ]);
        await store.markBroadcastRecipient(all.id, a.id, "sent");
        await store.markBroadcastRecipient(all.id, a.id, "sent");
        await store.markBroadcastRecipient(all.id, b.id, "blocked");
        expect(await store.getBroadcast(all.id)).toMatchObject({
          status: "running",
          sent: 1,
          blocked: 1,
          failed: 0,
        });
        expect(await store.nextBroadcastRecipients(all.id, 10)).toEqual([]);
        expect((await store.listRunningBroadcasts()).map((x) => x.id)).toEqual([all.id, active.id]);
        const fin = new Date();
        expect(await store.updateBroadcast(all.id, { status: "done", finishedAt: fin })).toMatchObject({
          status: "done",
          finishedAt: fin,
        });
      });

      it("stores sessions and provider key rests", async () => {
        const store = await make();
        expect(await store.readSession("s1")).toBeUndefined();
        await store.writeSession("s1", '{"a":1}');
        await store.writeSession("s1", '{"a":2}');
        expect(await store.readSession("s1")).toBe('{"a":2}');
        await store.deleteSession("s1");
        expect(await store.readSession("s1")).toBeUndefined();
        const until = new Date(Date.now() + 60_000);
        await store.restProviderKey("h1", "key 1", until, "402 no balance");
        expect(await store.getProviderKeys()).toMatchObject([
          { keyHash: "h1", label: "key 1", restedUntil: until, lastError: "402 no balance" },
        ]);
        await clearProviderKey(store, "h1");
        expect(await store.getProviderKeys()).toMatchObject([
          { keyHash: "h1", restedUntil: null, lastError: null },
        ]);
        expect(await store.ping()).toBe(true);
      });

      it("sums the admin statistics from users, jobs, ledger and payments", async () => {
        const store = await make(2);
        const user = await userWith(store, 2, 77);
        await store.recordPayment({
          userId: user.id,
          telegramChargeId: "c",
          currency: "XTR",
          amount: 300,
          credits: 3,
          packageId: "p",
        });
        const j = await createJobAndConsumeCredit(store, user.id, newJob());
        if (!j.ok) throw new Error("setup");
        await moveJob(store, j.job.id, "failed", { errorCode: "content_policy" });
        await store.refundCredit(j.job.id);
        await createJobAndConsumeCredit(store, user.id, newJob());
        const stats = await store.getAdminStats(new Date());
        expect(stats).toMatchObject({
          users: { total: 1, newToday: 1, new7d: 1, active7d: 1 },
          jobs: { today: { queued: 1, processing: 0, succeeded: 0, failed: 1 } },
          failuresByErrorCode7d: [{ errorCode: "content_policy", count: 1 }],
          queue: { queued: 1, processing: 0 },
          credits: { sold: 3, spent: 2, refunded: 1 },
          revenue: [{ currency: "XTR", amount: 300 }],
        });
        expect(stats.queue.oldestQueuedAt).toBeInstanceOf(Date);
      });
    });

    it.runIf(factory.name === "postgres")(
      "survives the server killing its connections: operations are retried, the process does not crash",
      async () => {
        const { stores, target } = await shared(1);
        const store = stores[0] as Store;
        const user = await userWith(store, 3);
        const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await admin.connect();
        try {
          const kill = () =>
            admin.query(
              "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
              [target],
            );
          await kill();
          expect(await createJobAndConsumeCredit(store, user.id, newJob())).toMatchObject({
            ok: true,
            balance: 2,
          });
          await kill();
          const [a, b] = await Promise.all([claimNextJob(store, "w1", 60_000), store.getUserById(user.id)]);
          expect(a?.status).toBe("processing");
          expect(b?.credits).toBe(2);
          await kill();
          await new Promise((r) => setTimeout(r, 50)); // let the idle clients see their sockets close
          expect(await store.ping()).toBe(true);
          expect(await expectBalanceMatchesLedger(store, user.id)).toBe(2);
        } finally {
          await admin.end();
        }
      },
    );

    it.runIf(factory.name === "sqlite")(
      "two OS processes hammering one SQLite file never overspend and never see 'database is locked'",
      async () => {
        const { stores, target } = await shared(1);
        const store = stores[0] as Store;
        const user = await userWith(store, 150);
        const storeModule = fileURLToPath(new URL("../src/db/index.ts", import.meta.url));
        const script = `
        const { openSqliteStore } = await import(${JSON.stringify(storeModule)});
        const { pino } = await import("pino");
        const store = await openSqliteStore({ path: process.env.DB, freeCredits: 0, logger: pino({ level: "silent" }) });
        while (Date.now() < Number(process.env.START)) await new Promise((r) => setTimeout(r, 1));
        let ok = 0, refused = 0;
        for (let i = 0; i < 200; i++) {
          const job = { chatId: 1, template: "ugc", model: "m", language: "en", productText: "p", cost: 1,
            idempotencyKey: process.env.TAG + ":" + i };
          const r = await store.createJobsAndConsumeCredits(Number(process.env.USER_ID), [job]);
          if (r.ok) ok++; else refused++;
        }
        await store.close();
        console.log(JSON.stringify({ ok, refused }));`;
        const node = fileURLToPath(new URL("../node_modules/.bin/node", import.meta.url));
        const start = String(Date.now() + 1500);
        const children = ["a", "b"].map((tag) =>
          run(node, ["--import", "tsx", "--input-type=module", "-e", script], {
            env: { ...process.env, DB: target, START: start, TAG: tag, USER_ID: String(user.id) },
            cwd: fileURLToPath(new URL("..", import.meta.url)),
          }),
        );
        const outputs = (await Promise.all(children)).map(
          (c) => JSON.parse(c.stdout.trim()) as { ok: number; refused: number },
        );
        expect(outputs.reduce((s, o) => s + o.ok, 0)).toBe(150);
        expect(outputs.reduce((s, o) => s + o.refused, 0)).toBe(250);
        expect(await store.countUserJobs(user.id)).toBe(150);
        expect(await expectBalanceMatchesLedger(store, user.id)).toBe(0);
      },
    );
  },
);
