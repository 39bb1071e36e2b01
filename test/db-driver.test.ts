// The driver layer: one operation, written once, runs on both engines with the same result.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { all, type Driver, first, rows, sql } from "../src/db/driver/index.ts";
import { openSqliteDriver } from "../src/db/driver/sqlite.ts";
import { addCredits } from "../src/db/ops/ledger.ts";
import { driverFactories } from "./helpers/stores.ts";

for (const factory of driverFactories()) {
  describe(`driver: ${factory.name}`, () => {
    let driver: Driver;
    beforeAll(async () => {
      driver = await factory.make();
    });
    afterAll(async () => driver?.close());

    it("runs an operation written once and decodes rows by the table's column types", async () => {
      const now = new Date("2026-12-01T10:00:00.000Z");
      const user = await driver.run(function* () {
        return yield* first(
          sql`insert into users (tg_id, referral_code, blocked, created_at, updated_at) values (${42}, ${"r42"}, ${false}, ${now}, ${now}) returning *`,
          "users",
        );
      });
      expect(user).toMatchObject({ tgId: 42, blocked: false, credits: 0, createdAt: now });
      const r = await driver.transaction(() =>
        addCredits({ userId: user?.id ?? 0, amount: 5, reason: "admin_grant", reference: "t:1" }, now),
      );
      expect(r).toEqual({ applied: true, balance: 5 });
      const again = await driver.transaction(() =>
        addCredits({ userId: user?.id ?? 0, amount: 5, reason: "admin_grant", reference: "t:1" }, now),
      );
      expect(again).toEqual({ applied: false, balance: 5 });
      const ledger = await driver.run(function* () {
        return yield* all(sql`select * from credit_ledger where user_id = ${user?.id}`, "credit_ledger");
      });
      expect(ledger).toHaveLength(1);
      expect(ledger[0]).toMatchObject({ delta: 5, balanceAfter: 5, reason: "admin_grant", createdAt: now });
    });

    it("rolls the whole transaction back when a statement fails", async () => {
      await expect(
        driver.transaction(function* () {
          yield* rows(sql`update users set credits = 100 where tg_id = ${42}`);
          yield* rows(sql`select * from no_such_table`);
          return 1;
        }),
      ).rejects.toThrow();
      const credits = await driver.run(function* () {
        return (yield* first(sql`select * from users where tg_id = ${42}`, "users"))?.credits;
      });
      expect(credits).toBe(5);
    });
  });
}

describe("opening a database", () => {
  it("happens only in src/db/driver: the store, backups, the import, doctor and LISTEN all go through it", () => {
    const root = fileURLToPath(new URL("../src", import.meta.url));
    const opening = /new (pg\.(Pool|Client)|Database)\(/;
    const offenders = readdirSync(root, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts") && !f.startsWith(join("db", "driver")))
      .filter((f) => opening.test(readFileSync(join(root, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});

describe("driver: sqlite without a file", () => {
  it("works in memory", async () => {
    const d = openSqliteDriver({ path: ":memory:" });
    expect(await d.ping()).toBe(true);
    await d.close();
    expect(await d.ping()).toBe(false);
  });
});
