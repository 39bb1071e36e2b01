// The console's database operations, on both engines: login links that work once, sessions that
// end, the overview's figures put into days of the configured time zone, and the lists behind the
// Jobs and Payments pages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Driver, first, run, sql } from "../src/db/driver/index.ts";
import { adminLists } from "../src/db/ops/admin.ts";
import { consoleRepo } from "../src/db/ops/console.ts";
import { dayRange, dayStart, localDay, overviewStats } from "../src/db/ops/stats.ts";
import { driverFactories } from "./helpers/stores.ts";

describe("local days of a time zone", () => {
  it("start at local midnight, also on the days clocks change and at quarter-hour offsets", () => {
    expect(dayStart("2026-03-01", "Europe/Moscow").toISOString()).toBe("2026-02-28T21:00:00.000Z");
    // Berlin springs forward on 29 March 2026 (at 02:00) and falls back on 25 October.
    expect(dayStart("2026-03-29", "Europe/Berlin").toISOString()).toBe("2026-03-28T23:00:00.000Z");
    expect(dayStart("2026-03-30", "Europe/Berlin").toISOString()).toBe("2026-03-29T22:00:00.000Z");
    expect(dayStart("2026-10-26", "Europe/Berlin").toISOString()).toBe("2026-10-25T23:00:00.000Z");
    expect(dayStart("2026-05-01", "Asia/Kathmandu").toISOString()).toBe("2026-04-30T18:15:00.000Z");
    expect(dayStart("2026-05-01", "UTC").toISOString()).toBe("2026-05-01T00:00:00.000Z");
  });

  it("name the calendar day an instant falls on there", () => {
    expect(localDay(new Date("2026-02-28T21:00:00.000Z"), "Europe/Moscow")).toBe("2026-03-01");
    expect(localDay(new Date("2026-02-28T20:59:59.999Z"), "Europe/Moscow")).toBe("2026-02-28");
  });

  it("a range lists every day from the first to the last, 23- and 25-hour days included", () => {
    const r = dayRange("2026-03-28", "2026-03-30", "Europe/Berlin");
    expect(r.days).toEqual(["2026-03-28", "2026-03-29", "2026-03-30"]);
    expect(r.from.toISOString()).toBe("2026-03-27T23:00:00.000Z");
    expect(r.to.toISOString()).toBe("2026-03-30T22:00:00.000Z");
  });
});

for (const factory of driverFactories()) {
  describe(`console operations (${factory.name})`, () => {
    let driver: Driver;
    beforeAll(async () => {
      driver = await factory.make();
    });
    afterAll(async () => driver?.close());

    let seq = 0;
    async function user(o: {
      createdAt: Date;
      consent?: boolean;
      source?: string | null;
      referredBy?: number | null;
    }): Promise<number> {
      seq++;
      const u = await driver.run(function* () {
        return yield* first(
          sql`insert into users (tg_id, referral_code, created_at, updated_at, consent_at, referral_source, referred_by)
            values (${1000 + seq}, ${`rc${seq}`}, ${o.createdAt}, ${o.createdAt}, ${o.consent ? o.createdAt : null},
              ${o.source ?? null}, ${o.referredBy ?? null}) returning *`,
          "users",
        );
      });
      return u!.id;
    }
    async function job(o: {
      userId: number;
      createdAt: Date;
      status: "queued" | "succeeded" | "failed";
      template?: string;
      errorCode?: string | null;
      waitMs?: number;
    }): Promise<number> {
      seq++;
      const started = o.waitMs === undefined ? null : new Date(o.createdAt.getTime() + o.waitMs);
      const j = await driver.run(function* () {
        return yield* first(
          sql`insert into jobs (user_id, chat_id, template, model, status, error_code, credits_charged, idempotency_key,
              created_at, started_at, updated_at, run_at)
            values (${o.userId}, ${1}, ${o.template ?? "ugc"}, ${"veo3_fast"}, ${o.status}, ${o.errorCode ?? null}, ${1},
              ${`k${seq}`}, ${o.createdAt}, ${started}, ${o.createdAt}, ${o.createdAt}) returning *`,
          "jobs",
        );
      });
      return j!.id;
    }
    async function payment(o: {
      userId: number;
      createdAt: Date;
      currency: string;
      amount: number;
      status?: "paid" | "refunded";
    }) {
      seq++;
      await driver.run(function* () {
        return yield* run(sql`insert into payments (user_id, telegram_charge_id, currency, amount, credits, package_id, status, created_at)
          values (${o.userId}, ${`ch${seq}`}, ${o.currency}, ${o.amount}, ${5}, ${"p5"}, ${o.status ?? "paid"}, ${o.createdAt})`);
      });
    }

    describe("login links", () => {
      const at = new Date("2026-06-01T10:00:00.000Z");
      let now = at;
      let repo: ReturnType<typeof consoleRepo>;
      beforeAll(() => {
        repo = consoleRepo(driver, () => now);
      });
      const later = (ms: number) => new Date(at.getTime() + ms);

      it("open a session for the admin they were made for, in the admin's language, once", async () => {
        await repo.issue({ tokenHash: "t1", adminTgId: 777, language: "ru", expiresAt: later(600_000) });
        const r = await repo.redeem("t1", { idHash: "s1", expiresAt: later(3600_000) });
        expect(r).toMatchObject({ ok: true, session: { adminTgId: 777, language: "ru", idHash: "s1" } });
        expect(await repo.redeem("t1", { idHash: "s2", expiresAt: later(3600_000) })).toEqual({
          ok: false,
          reason: "used",
        });
        expect(await repo.session("s2")).toBeNull();
        expect(await repo.session("s1")).toMatchObject({ adminTgId: 777 });
      });

      it("are refused after ten minutes and when nobody made them", async () => {
        await repo.issue({ tokenHash: "t2", adminTgId: 777, language: "en", expiresAt: later(600_000) });
        now = later(600_001);
        expect(await repo.redeem("t2", { idHash: "s3", expiresAt: later(9_000_000) })).toEqual({
          ok: false,
          reason: "expired",
        });
        expect(await repo.redeem("nope", { idHash: "s4", expiresAt: later(9_000_000) })).toEqual({
          ok: false,
          reason: "unknown",
        });
        now = at;
      });

      it("two clicks racing for one link: exactly one session opens", async () => {
        await repo.issue({ tokenHash: "t3", adminTgId: 777, language: "en", expiresAt: later(600_000) });
        const results = await Promise.all(
          ["a", "b", "c", "d"].map((s) =>
            repo.redeem("t3", { idHash: `race-${s}`, expiresAt: later(3600_000) }),
          ),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
      });

      it("a session ends at its expiry, on logout, and the language can change", async () => {
        await repo.issue({ tokenHash: "t4", adminTgId: 778, language: "en", expiresAt: later(600_000) });
        await repo.redeem("t4", { idHash: "s5", expiresAt: later(3600_000) });
        await repo.setLanguage("s5", "ru");
        expect((await repo.session("s5"))?.language).toBe("ru");
        now = later(3600_000);
        expect(await repo.session("s5")).toBeNull();
        now = at;
        await repo.end("s5");
        expect(await repo.session("s5")).toBeNull();
      });
    });

    describe("the overview", () => {
      // Days in Moscow (UTC+3): 1 March starts at 28 Feb 21:00 UTC.
      const msk = (s: string) => new Date(`${s}+03:00`);
      let range: ReturnType<typeof dayRange>;
      beforeAll(async () => {
        range = dayRange("2026-03-01", "2026-03-03", "Europe/Moscow");
        const early = await user({ createdAt: msk("2026-02-27T12:00:00"), consent: true });
        const a = await user({ createdAt: msk("2026-03-01T00:10:00"), consent: true, source: "ads_vk" });
        const b = await user({ createdAt: msk("2026-03-01T23:50:00"), consent: true, source: "ads_vk" });
        await user({ createdAt: msk("2026-03-02T12:00:00"), consent: false, source: null });
        await user({ createdAt: msk("2026-03-03T12:00:00"), consent: true, referredBy: a });
        // Outside the range on both sides: 28 Feb 23:59 and 4 Mar 00:00 Moscow time.
        await payment({ userId: early, createdAt: msk("2026-02-28T23:59:00"), currency: "XTR", amount: 999 });
        await payment({ userId: early, createdAt: msk("2026-03-04T00:00:00"), currency: "XTR", amount: 999 });
        // 00:30 on 1 March in Moscow is still 28 February in UTC.
        await payment({ userId: a, createdAt: msk("2026-03-01T00:30:00"), currency: "XTR", amount: 250 });
        await payment({ userId: b, createdAt: msk("2026-03-01T23:59:00"), currency: "XTR", amount: 450 });
        await payment({ userId: a, createdAt: msk("2026-03-03T09:00:00"), currency: "RUB", amount: 49_000 });
        await payment({
          userId: a,
          createdAt: msk("2026-03-02T09:00:00"),
          currency: "XTR",
          amount: 100,
          status: "refunded",
        });
        await job({ userId: a, createdAt: msk("2026-03-01T00:20:00"), status: "succeeded", waitMs: 60_000 });
        await job({
          userId: a,
          createdAt: msk("2026-03-01T10:00:00"),
          status: "failed",
          errorCode: "content_refused:kie_422",
          waitMs: 180_000,
        });
        await job({
          userId: b,
          createdAt: msk("2026-03-02T10:00:00"),
          status: "failed",
          errorCode: "transient:deadline",
          template: "broll",
        });
        await job({
          userId: b,
          createdAt: msk("2026-03-02T11:00:00"),
          status: "failed",
          errorCode: "transient:http_503",
          template: "broll",
        });
        await job({ userId: b, createdAt: msk("2026-03-03T11:00:00"), status: "queued" });
        await job({ userId: early, createdAt: msk("2026-02-28T23:00:00"), status: "succeeded" });
      });

      it("adds revenue per day and currency in the owner's time zone, paid payments only", async () => {
        const s = await driver.run(() => overviewStats(range));
        expect(s.revenue).toEqual([
          { currency: "RUB", daily: [0, 0, 49_000], total: 49_000, payments: 1 },
          { currency: "XTR", daily: [700, 0, 0], total: 700, payments: 2 },
        ]);
      });

      it("counts orders and their outcomes per day, failures by class, and the wait for a worker", async () => {
        const s = await driver.run(() => overviewStats(range));
        expect(s.orders).toEqual({ ordered: [2, 2, 1], succeeded: [1, 0, 0], failed: [1, 2, 0] });
        expect(s.failures).toEqual([
          {
            errorClass: "transient",
            count: 2,
            codes: [
              { code: "transient:deadline", count: 1 },
              { code: "transient:http_503", count: 1 },
            ],
          },
          { errorClass: "content_refused", count: 1, codes: [{ code: "content_refused:kie_422", count: 1 }] },
        ]);
        expect(s.waitMs).toEqual([120_000, null, null]);
        expect(s.templates).toEqual([
          { template: "ugc", ordered: 3, succeeded: 1, failed: 1, credits: 3 },
          { template: "broll", ordered: 2, succeeded: 0, failed: 2, credits: 2 },
        ]);
      });

      it("follows the users who joined from start to first payment, by where they came from", async () => {
        const s = await driver.run(() => overviewStats(range));
        expect(s.funnel).toEqual({ started: 4, consented: 3, ordered: 2, paid: 2 });
        expect(s.sources).toEqual([
          { source: "ads_vk", referral: false, users: 2, paid: 2 },
          { source: null, referral: false, users: 1, paid: 0 },
          { source: null, referral: true, users: 1, paid: 0 },
        ]);
      });

      it("lists jobs by status, template and date, newest first, page by page", async () => {
        const lists = adminLists(driver);
        const failed = await lists.jobs({ status: "failed", limit: 10 });
        expect(failed.map((j) => j.errorCode)).toEqual([
          "transient:http_503",
          "transient:deadline",
          "content_refused:kie_422",
        ]);
        const broll = await lists.jobs({ template: "broll", limit: 1 });
        expect(broll).toHaveLength(1);
        const next = await lists.jobs({ template: "broll", limit: 5, beforeId: broll[0]!.id });
        expect(next.map((j) => j.template)).toEqual(["broll"]);
        const day2 = dayRange("2026-03-02", "2026-03-02", "Europe/Moscow");
        expect(await lists.jobs({ from: day2.from, to: day2.to, limit: 10 })).toHaveLength(2);
        const paid = await lists.payments({ status: "paid", limit: 10 });
        expect(paid.map((p) => p.amount)).toEqual([49_000, 450, 250, 999, 999]);
        expect(await lists.payment(paid[0]!.id)).toMatchObject({ currency: "RUB" });
        const users = await lists.usersByIds([paid[0]!.userId, paid[0]!.userId]);
        expect(users).toHaveLength(1);
      });
    });
  });
}
