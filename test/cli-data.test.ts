import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../src/cli/index.ts";
import type { CliIo } from "../src/cli/io.ts";
import { parseConfig } from "../src/config/index.ts";
import { createStore } from "../src/db/index.ts";
import { createLogger } from "../src/logger.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";
const fixtures = new URL("./fixtures/old-bot/", import.meta.url).pathname;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neurocards-cli-data-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const site = (name: string) => ({
  BOT_TOKEN: TOKEN,
  DATABASE_PATH: join(dir, name, "neurocards.db"),
  STORAGE_PATH: join(dir, name, "files"),
});

async function cli(args: string[], env: Record<string, string>, tty?: { screen: string[] }) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => {
      out.push(l);
      tty?.screen.push(`${l}\n`);
    },
    err: (l) => err.push(l),
    env: { ...env },
    cwd: dir,
    execPath: join(dir, "neurocards"),
    isTTY: Boolean(tty),
    waitForSignal: () => new Promise(() => {}),
  };
  const code = await runCli(args, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("neurocards backup, restore and import-supabase", () => {
  it("backs up one install and restores it into a fresh one, refusing to overwrite without --force", async () => {
    const a = site("a");
    const store = await createStore(parseConfig(a), createLogger({ level: "silent" }));
    const { user } = await store.getOrCreateUser({ tgId: 5151, username: "keeper" });
    await store.addCredits({ userId: user.id, amount: 4, reason: "admin_grant", reference: "t:1" });
    await store.close();
    mkdirSync(join(dir, "a", "files", "results"), { recursive: true });
    writeFileSync(join(dir, "a", "files", "results", "clip.mp4"), "video bytes");

    const backup = await cli(["backup", "--out", "backups", "--keep", "3"], a);
    expect(backup.code, backup.err).toBe(0);
    expect(backup.out).toMatch(/backup written: .*\.tar\.gz/);
    expect(backup.out).toMatch(/1 users, 0 jobs, 2 ledger rows, 0 payments, 1 files/);
    expect(backup.err).toMatch(/\d+%/); // plain progress lines when not on a terminal
    const [archive] = readdirSync(join(dir, "backups")).filter((f) => f.endsWith(".tar.gz"));
    expect(archive).toBeDefined();

    const b = site("b");
    const restore = await cli(["restore", join("backups", archive!)], b);
    expect(restore.code, restore.err).toBe(0);
    expect(restore.out).toMatch(/restored 1 users.* into sqlite/);
    expect(readFileSync(join(dir, "b", "files", "results", "clip.mp4"), "utf8")).toBe("video bytes");
    expect((await cli(["users", "show", "@keeper"], b)).out).toMatch(/5151\t@keeper\t5 cr/);

    const again = await cli(["restore", join("backups", archive!)], b);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/--force/);
    expect((await cli(["restore", "--force", join("backups", archive!)], b)).code).toBe(0);
  });

  it("on a terminal, restore's progress bar ends its line before the summary is printed", async () => {
    const a = site("a");
    const store = await createStore(parseConfig(a), createLogger({ level: "silent" }));
    await store.getOrCreateUser({ tgId: 5252 });
    await store.close();
    expect((await cli(["backup", "--out", "backups"], a)).code).toBe(0);
    const [archive] = readdirSync(join(dir, "backups"));

    // The bar draws on stderr, the summary goes to stdout: one terminal shows both.
    const screen: string[] = [];
    const draw = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
      screen.push(String(s));
      return true;
    });
    try {
      const r = await cli(["restore", join("backups", archive!)], site("b"), { screen });
      expect(r.code, r.err).toBe(0);
    } finally {
      draw.mockRestore();
    }
    const text = screen.join("");
    expect(text).toMatch(/\r[^\n]*\] 100%[^\n]*\nrestored 1 users/);
    expect(text.endsWith("\n")).toBe(true);
  });

  it("refuses a corrupted archive", async () => {
    const bad = join(dir, "broken.tar.gz");
    writeFileSync(bad, Buffer.from("this is not a backup at all"));
    const r = await cli(["restore", bad], site("c"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: the archive cannot be used: .*nothing was changed$/m);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("imports the old bot's CSV exports and reports rejected rows; a second run changes nothing", async () => {
    const env = site("d");
    const args = [
      "import-supabase",
      "--users",
      join(fixtures, "users.csv"),
      "--jobs",
      join(fixtures, "jobs.csv"),
      "--credits-history",
      join(fixtures, "credits_history.csv"),
    ];
    const first = await cli(args, env);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/^users: \d+ read, [1-9]\d* created/m);
    expect(first.out).toMatch(/rejected rows:\n\s+(users|jobs)\.csv line \d+: /);
    // Progress on a long import instead of silence (plain lines when not on a terminal).
    expect(first.err).toMatch(/^import users: 100% /m);
    expect(first.err).toMatch(/^import jobs: 100% /m);
    const second = await cli(args, env);
    expect(second.out).toMatch(/users: \d+ read, 0 created/);
    expect(second.out).toMatch(/jobs: \d+ read, 0 imported/);
    expect((await cli(["users", "show", "100001"], env)).out).toMatch(/@alice_shop\t5 cr/);
  });

  it("requires both CSV files for import-supabase (usage error)", async () => {
    const r = await cli(["import-supabase", "--users", "users.csv"], site("e"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--jobs/);
  });
});
