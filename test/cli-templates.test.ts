// `neurocards templates …`: the owner exports the offer to a file, edits it and imports it back;
// a file with mistakes is refused whole, each problem on its own line with the field it is about.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCliIn } from "./helpers/cli.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";
let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neurocards-templates-"));
  env = { BOT_TOKEN: TOKEN, DATABASE_PATH: join(dir, "nc.db"), STORAGE_PATH: join(dir, "files") };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCliIn(dir, ["templates", ...args], env);

type File = {
  templates: Array<
    { id: string; durations: Array<{ seconds: number; cost: number }> } & Record<string, unknown>
  >;
};

describe("neurocards templates", () => {
  it("exports the built-in offer on a new database, imports an edited file and lists the result", async () => {
    expect(await cli("export", "offer.json")).toMatchObject({
      code: 0,
      out: `wrote 5 templates to ${join(dir, "offer.json")}`,
    });
    const file = JSON.parse(readFileSync(join(dir, "offer.json"), "utf8")) as File;
    expect(file.templates.map((t) => t.id)).toEqual(["ugc", "ad", "broll", "motion", "own"]);
    const [ugc] = file.templates;
    if (!ugc) throw new Error("no ugc");
    ugc.durations = [{ seconds: 15, cost: 2 }];
    writeFileSync(
      join(dir, "offer.json"),
      JSON.stringify({ templates: [ugc, ...file.templates.slice(1, 4)] }),
    );

    expect(await cli("import", "offer.json")).toMatchObject({
      code: 0,
      out: "imported: 0 created, 4 replaced, 1 switched off",
    });
    const list = (await cli("list")).out.split("\n");
    expect(list[0]).toBe("ugc\ton\tsora-2-image-to-video\t15s=2cr\t9:16\tUGC blogger");
    expect(list.at(-1)).toMatch(/^own\toff\t/);
    expect(await cli("enable", "own")).toMatchObject({ code: 0, out: "own enabled" });
    expect(await cli("disable", "nosuch")).toMatchObject({ code: 1, err: "error: no template nosuch" });
  });

  it("refuses a file with mistakes whole, one line per problem, and changes nothing", async () => {
    await cli("export", "offer.json");
    const file = JSON.parse(readFileSync(join(dir, "offer.json"), "utf8")) as File;
    const bad = structuredClone(file);
    if (bad.templates[1]) bad.templates[1].durations = [{ seconds: 15, cost: 0 }];
    if (bad.templates[2]) bad.templates[2].askWishes = "yes";
    writeFileSync(join(dir, "bad.json"), JSON.stringify(bad));
    expect(await cli("import", "bad.json")).toMatchObject({
      code: 1,
      err: [
        "bad.json: templates[1].durations[0].cost: Too small: expected number to be >=1",
        "bad.json: templates[2].askWishes: Invalid input: expected boolean, received string",
        "error: nothing imported: 2 problem(s) in bad.json",
      ].join("\n"),
    });
    expect((await cli("import", "missing.json")).err).toBe(
      `error: cannot read ${join(dir, "missing.json")}: ENOENT`,
    );
    await cli("export", "after.json");
    expect(readFileSync(join(dir, "after.json"), "utf8")).toBe(readFileSync(join(dir, "offer.json"), "utf8"));
  });
});
