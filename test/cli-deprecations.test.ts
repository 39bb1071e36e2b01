// An owner upgrading from the previous bot keeps their old .env: every command says, once per old
// name, what to rename — and never shows the key it read.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCliIn } from "./helpers/cli.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neurocards-old-env-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string>) => runCliIn(dir, args, env);

describe("old .env names", () => {
  it("a command run with the old bot's names works and warns once per old name, without the key", async () => {
    const r = await cli(["users", "list"], {
      BOT_TOKEN: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef",
      DATABASE_PATH: join(dir, "data", "neurocards.db"),
      STORAGE_BASE_PATH: join(dir, "data", "files"),
      KIE_API_KEY: "very-secret-old-key",
      KIE_MODEL: "veo3",
    });
    expect(r.code).toBe(0);
    const warnings = r.err.split("\n").filter((l) => /deprecated|ignored/.test(l));
    expect(warnings).toHaveLength(3);
    expect(r.err).toMatch(/KIE_API_KEY is deprecated: read into KIE_API_KEYS/);
    expect(r.err).toMatch(/STORAGE_BASE_PATH is deprecated: read into STORAGE_PATH/);
    expect(r.err).toMatch(/KIE_MODEL is ignored/);
    expect(`${r.out}${r.err}`).not.toContain("very-secret-old-key");
  });
});
