// Promo codes in the database (src/db/ops/promo.ts) and the owner's operations on them
// (src/promo/operations.ts), on both engines: a code gives its credits once per seller, in the
// ledger, and never more often than it may — also when sellers redeem it at the same moment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { all, type Driver, first, sql } from "../src/db/driver/index.ts";
import { type PromoRepo, promoRepo } from "../src/db/ops/promo.ts";
import { createPromoOperations, type PromoOperations } from "../src/promo/index.ts";
import { driverFactories, silentLogger } from "./helpers/stores.ts";

const NOW = new Date("2026-12-01T10:00:00.000Z");
const DAY = 86_400_000;
let nextTgId = 1000;

async function newUser(driver: Driver, credits = 0): Promise<number> {
  const tgId = nextTgId++;
  const u = await driver.run(function* () {
    return yield* first(
      sql`insert into users (tg_id, referral_code, blocked, credits, created_at, updated_at)
        values (${tgId}, ${`r${tgId}`}, ${false}, ${credits}, ${NOW}, ${NOW}) returning *`,
      "users",
    );
  });
  if (!u) throw new Error("user not created");
  return u.id;
}

const ledgerOf = (driver: Driver, userId: number) =>
  driver.run(function* () {
    return yield* all(
      sql`select * from credit_ledger where user_id = ${userId} order by id`,
      "credit_ledger",
    );
  });

const balanceOf = async (driver: Driver, userId: number) =>
  (
    await driver.run(function* () {
      return yield* first(sql`select * from users where id = ${userId}`, "users");
    })
  )?.credits;

for (const factory of driverFactories()) {
  describe(`promo codes: ${factory.name}`, () => {
    let driver: Driver;
    let repo: PromoRepo;
    let ops: PromoOperations;
    const owner = { via: "cli" } as const;
    beforeAll(async () => {
      driver = await factory.make();
      repo = promoRepo(driver);
      ops = createPromoOperations({ repo, logger: silentLogger(), now: () => NOW });
    });
    afterAll(async () => driver?.close());

    const create = async (
      code: string,
      credits: number,
      maxUses: number | null,
      days: number | null = null,
    ) => {
      const r = await ops.create({ code, credits, maxUses, days }, owner);
      if (!r.ok) throw new Error(`not created: ${r.field}`);
      return r.promo;
    };

    it("gives a seller the code's credits once, as a `promo` ledger row with the balance after it", async () => {
      await create("welcome5", 5, null);
      const user = await newUser(driver, 1);
      const r = await repo.redeem("WELCOME5", user, NOW);
      expect(r).toMatchObject({
        status: "redeemed",
        credits: 5,
        balance: 6,
        promo: { code: "WELCOME5", uses: 1 },
      });
      const again = await repo.redeem("WELCOME5", user, NOW);
      expect(again).toMatchObject({ status: "already_used", redemption: { credits: 5, createdAt: NOW } });
      const ledger = await ledgerOf(driver, user);
      expect(ledger).toHaveLength(1);
      expect(ledger[0]).toMatchObject({ delta: 5, balanceAfter: 6, reason: "promo", note: "WELCOME5" });
      expect(await balanceOf(driver, user)).toBe(6);
    });

    it("tells why a code gives nothing: unknown, switched off, expired, run out", async () => {
      const user = await newUser(driver);
      expect(await repo.redeem("NOSUCH", user, NOW)).toEqual({ status: "unknown" });

      await create("OFF1", 2, null);
      await ops.disable("off1", owner);
      expect(await repo.redeem("OFF1", user, NOW)).toMatchObject({ status: "disabled" });
      await ops.enable("OFF1", owner);
      expect(await repo.redeem("OFF1", user, NOW)).toMatchObject({ status: "redeemed" });

      await create("WEEK", 2, null, 7);
      const later = new Date(NOW.getTime() + 7 * DAY);
      expect(await repo.redeem("WEEK", user, later)).toMatchObject({
        status: "expired",
        promo: { expiresAt: later },
      });

      await create("ONCE", 3, 1);
      expect(await repo.redeem("ONCE", await newUser(driver), NOW)).toMatchObject({ status: "redeemed" });
      expect(await repo.redeem("ONCE", user, NOW)).toMatchObject({ status: "used_up", promo: { uses: 1 } });
      // Nothing was written for the refusals.
      expect((await ledgerOf(driver, user)).map((e) => e.note)).toEqual(["OFF1"]);
    });

    it("checks a code without redeeming it", async () => {
      await create("PEEK", 4, 1);
      const user = await newUser(driver);
      expect(await repo.inspect("PEEK", user, NOW)).toMatchObject({ status: "valid", promo: { uses: 0 } });
      expect(await repo.inspect("PEEK", user, NOW)).toMatchObject({ status: "valid" });
      expect(await ledgerOf(driver, user)).toEqual([]);
    });

    it("refuses a second code of the same name and keeps the first", async () => {
      await create("TWIN", 1, null);
      const r = await ops.create({ code: "twin", credits: 9, maxUses: 1 }, owner);
      expect(r).toMatchObject({ ok: false, field: "exists", existing: { code: "TWIN", credits: 1 } });
    });

    it("names the field an owner's draft is refused for", async () => {
      const draft = { code: "GOOD", credits: 1, maxUses: null };
      expect(await ops.create({ ...draft, code: "a b" }, owner)).toEqual({ ok: false, field: "code" });
      expect(await ops.create({ ...draft, code: "AB" }, owner)).toEqual({ ok: false, field: "code" });
      expect(await ops.create({ ...draft, credits: 0 }, owner)).toEqual({ ok: false, field: "credits" });
      expect(await ops.create({ ...draft, credits: 1.5 }, owner)).toEqual({ ok: false, field: "credits" });
      expect(await ops.create({ ...draft, maxUses: 0 }, owner)).toEqual({ ok: false, field: "uses" });
      expect(await ops.create({ ...draft, days: 0 }, owner)).toEqual({ ok: false, field: "expiry" });
      expect(await ops.create({ ...draft, expiresAt: new Date(NOW.getTime() - 1) }, owner)).toEqual({
        ok: false,
        field: "expiry",
      });
      expect(await ops.create({ ...draft, note: "x".repeat(201) }, owner)).toEqual({
        ok: false,
        field: "note",
      });
      expect(await ops.get("GOOD")).toBeNull();
    });

    it("lists the newest codes first, and only the active ones when asked", async () => {
      const codes = (await ops.list({ limit: 100 })).map((p) => p.code);
      expect(codes.indexOf("TWIN")).toBeLessThan(codes.indexOf("WELCOME5"));
      await ops.disable("TWIN", owner);
      expect((await ops.list({ limit: 100, activeOnly: true })).map((p) => p.code)).not.toContain("TWIN");
      const p = await ops.get("twin");
      expect(p?.createdBy).toBe("cli");
      expect(p?.disabledAt).toEqual(NOW);
      expect(await ops.disable("NOPE", owner)).toBeNull();
    });
  });

  describe(`promo codes under concurrent redemption: ${factory.name}`, () => {
    it("gives the one use of a code to exactly one of 8 sellers redeeming it at once", async () => {
      const { drivers, close } = await factory.makeShared(4);
      try {
        const [d0] = drivers as [Driver];
        const repos = drivers.map(promoRepo);
        await repos[0]?.create({ code: "LAST1", credits: 3, maxUses: 1, expiresAt: null, createdBy: "test" });
        const users = await Promise.all(Array.from({ length: 8 }, () => newUser(d0)));
        const results = await Promise.all(
          users.map((u, i) => (repos[i % repos.length] as PromoRepo).redeem("LAST1", u, NOW)),
        );
        expect(results.filter((r) => r.status === "redeemed")).toHaveLength(1);
        expect(results.filter((r) => r.status === "used_up")).toHaveLength(7);
        const rows = await d0.run(function* () {
          return yield* all(sql`select * from credit_ledger where reason = 'promo'`, "credit_ledger");
        });
        expect(rows).toHaveLength(1);
        expect(await repos[0]?.get("LAST1")).toMatchObject({ uses: 1 });
      } finally {
        await close();
      }
    });

    it("credits a seller who redeems the same code twice at once one time, with one ledger row", async () => {
      const { drivers, close } = await factory.makeShared(4);
      try {
        const [d0] = drivers as [Driver];
        const repos = drivers.map(promoRepo);
        await repos[0]?.create({
          code: "DOUBLE",
          credits: 2,
          maxUses: 100,
          expiresAt: null,
          createdBy: "test",
        });
        const user = await newUser(d0);
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (repos[i % repos.length] as PromoRepo).redeem("DOUBLE", user, NOW),
          ),
        );
        expect(results.filter((r) => r.status === "redeemed")).toHaveLength(1);
        expect(results.filter((r) => r.status === "already_used")).toHaveLength(5);
        expect(await ledgerOf(d0, user)).toHaveLength(1);
        expect(await balanceOf(d0, user)).toBe(2);
        expect(await repos[0]?.get("DOUBLE")).toMatchObject({ uses: 1 });
      } finally {
        await close();
      }
    });
  });
}
