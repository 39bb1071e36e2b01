// `neurocards promo …`: the owner creates, lists and switches promo codes from the shell, and a
// refused value is named with what would be accepted.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCliIn } from "./helpers/cli.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";
let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neurocards-promo-"));
  env = { BOT_TOKEN: TOKEN, DATABASE_PATH: join(dir, "nc.db"), STORAGE_PATH: join(dir, "files") };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCliIn(dir, ["promo", ...args], env);

describe("neurocards promo", () => {
  it("creates a code, lists it newest first, turns it off and on", async () => {
    const made = await cli(
      "create",
      "spring25",
      "--credits",
      "5",
      "--uses",
      "100",
      "--days",
      "30",
      "--note",
      "VK post",
    );
    expect(made).toMatchObject({ code: 0, err: "" });
    expect(made.out).toMatch(
      /^created SPRING25\t5 cr\t0\/100 used\tuntil \d{4}-\d\d-\d\d \d\d:\d\d\tactive\tby cli\tVK post/,
    );
    expect(made.out).toContain("?start=promo_SPRING25");
    expect((await cli("create", "forever", "--credits", "1")).code).toBe(0);

    const list = await cli("list");
    expect(list.out.split("\n").map((l) => l.split("\t")[0])).toEqual(["FOREVER", "SPRING25"]);
    expect(list.out).toContain("FOREVER\t1 cr\t0/any used\tuntil -\tactive");

    expect(await cli("disable", "spring25")).toMatchObject({ code: 0, out: "SPRING25 disabled" });
    expect((await cli("list", "--active")).out).not.toContain("SPRING25");
    expect((await cli("list")).out).toMatch(/SPRING25\t.*\tdisabled/);
    expect(await cli("enable", "SPRING25")).toMatchObject({ code: 0, out: "SPRING25 enabled" });
  });

  it("refuses what cannot be a code, naming the value and what is allowed", async () => {
    expect(await cli("create", "a b", "--credits", "5")).toMatchObject({
      code: 2,
      err: 'error: not created: the code must be 3-32 Latin letters, digits, "-" or "_"',
    });
    expect(await cli("create", "BIG", "--credits", "5000")).toMatchObject({
      code: 2,
      err: "error: not created: --credits must be a whole number from 1 to 1000",
    });
    expect((await cli("create", "NOCREDITS")).code).toBe(2);
    expect((await cli("create", "BADDATE", "--credits", "1", "--expires", "2030-01-01")).err).toContain(
      "must be an ISO-8601 instant with an offset",
    );
    expect(
      (await cli("create", "BOTH", "--credits", "1", "--days", "3", "--expires", "2030-01-01T00:00:00Z")).err,
    ).toBe("error: give --days or --expires, not both");
    await cli("create", "TWICE", "--credits", "1");
    expect(await cli("create", "twice", "--credits", "2")).toMatchObject({
      code: 1,
      err: "error: code TWICE already exists",
    });
    expect(await cli("disable", "NOSUCH")).toMatchObject({ code: 1, err: "error: no promo code NOSUCH" });
    expect((await cli("list")).out).toBe("TWICE\t1 cr\t0/any used\tuntil -\tactive\tby cli");
  });
});
