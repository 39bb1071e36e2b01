// `neurocards users list`: the owner sees who joined last at the top.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.ts";
import { parseConfig } from "../src/config/index.ts";
import { createStore } from "../src/db/index.ts";
import { createLogger } from "../src/logger.ts";
import { storeFactories } from "./helpers/stores.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neurocards-users-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function usersList(env: Record<string, string>, ...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const code = await runCli(["users", "list", ...args], {
    out: (l) => out.push(l),
    err: () => {},
    env: { ...env },
    cwd: dir,
    execPath: join(dir, "neurocards"),
    isTTY: false,
    waitForSignal: () => new Promise(() => {}),
  });
  expect(code).toBe(0);
  return out;
}

describe("neurocards users list", () => {
  it("shows the newest users first, and --offset pages back to older ones", async () => {
    const env = { BOT_TOKEN: TOKEN, DATABASE_PATH: join(dir, "nc.db"), STORAGE_PATH: join(dir, "files") };
    const store = await createStore(parseConfig(env), createLogger({ level: "silent" }));
    for (const [i, username] of ["first", "second", "third"].entries()) {
      await store.getOrCreateUser({ tgId: 7000 + i, username, firstName: username });
    }
    await store.close();

    const names = (lines: string[]) => lines.slice(1).map((l) => l.split("\t")[2]);
    const top = await usersList(env, "--limit", "2");
    expect(top[0]).toBe("3 users");
    expect(names(top)).toEqual(["@third", "@second"]);
    expect(names(await usersList(env, "--limit", "2", "--offset", "2"))).toEqual(["@first"]);
  });
});

describe.each(storeFactories())("listUsers ($name)", (factory) => {
  it("pages users newest first", async () => {
    const store = await factory.make();
    try {
      for (const tgId of [101, 102, 103, 104]) await store.getOrCreateUser({ tgId });
      expect((await store.listUsers({ limit: 3 })).map((u) => u.tgId)).toEqual([104, 103, 102]);
      expect((await store.listUsers({ limit: 3, offset: 3 })).map((u) => u.tgId)).toEqual([101]);
    } finally {
      await store.close();
    }
  });
});
