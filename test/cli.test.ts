import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildProgram } from "../src/cli/index.ts";
import type { CliIo } from "../src/cli/io.ts";
import { parseConfig } from "../src/config/index.ts";
import { createStore } from "../src/db/index.ts";
import { keyHash } from "../src/generation/keys.ts";
import { createLogger } from "../src/logger.ts";
import { recordingIo, runCliIn } from "./helpers/cli.ts";
import { type Fakes, KIE_KEY, startFakes } from "./smoke/fakes.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";
let dir: string;

const io = (env: Record<string, string>, over: Partial<CliIo> = {}) => recordingIo(dir, env, over);
const cli = (args: string[], env: Record<string, string> = {}, over: Partial<CliIo> = {}) =>
  runCliIn(dir, args, env, over);

/** A valid SQLite configuration in the test's own folder. */
const base = () => ({
  BOT_TOKEN: TOKEN,
  DATABASE_PATH: join(dir, "data", "neurocards.db"),
  STORAGE_PATH: join(dir, "data", "files"),
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neurocards-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("neurocards command line", () => {
  it("prints its version and exits 0", async () => {
    const r = await cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("has --help on every command, each exiting 0", async () => {
    const names: string[][] = [];
    const walk = (c: Command, path: string[]) => {
      for (const sub of c.commands) {
        if (sub.name() === "help") continue;
        names.push([...path, sub.name()]);
        walk(sub, [...path, sub.name()]);
      }
    };
    walk(buildProgram(io({}).io), []);
    expect(names.map((n) => n.join(" "))).toEqual(
      expect.arrayContaining([
        "run",
        "worker",
        "migrate",
        "doctor",
        "users grant",
        "jobs refund",
        "service install",
      ]),
    );
    for (const n of names) {
      const r = await cli([...n, "--help"]);
      expect(r.code, n.join(" ")).toBe(0);
      expect(r.out, n.join(" ")).toContain(`Usage: neurocards ${n.join(" ")}`);
    }
  });

  it("answers `help <command>` like `<command> --help`", async () => {
    const r = await cli(["help", "users"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Usage: neurocards users");
  });

  it("exits 2 with the command list on an unknown command", async () => {
    const r = await cli(["dcotor"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'dcotor'");
    expect(r.err).toContain("doctor");
  });

  it("exits 2 on a malformed argument or a missing one", async () => {
    expect((await cli(["users", "grant", "@bob", "lots"], base())).code).toBe(2);
    expect((await cli(["users", "show"], base())).code).toBe(2);
    expect((await cli(["jobs", "list", "--status", "exploded"], base())).code).toBe(2);
  });

  it("prints one line per configuration problem and exits 1, without a stack trace", async () => {
    const r = await cli(["users", "list"], { DATABASE_TYPE: "postgres", HTTP_PORT: "http" });
    expect(r.code).toBe(1);
    const problems = r.err.split("\n").filter((l) => l.includes("✗"));
    expect(problems).toHaveLength(3);
    expect(r.err).toMatch(/✗ BOT_TOKEN is required/);
    expect(r.err).toMatch(/✗ DATABASE_URL is required \(example: DATABASE_URL=postgres:/);
    expect(r.err).toMatch(/✗ HTTP_PORT is not valid/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("never prints a secret from a bad configuration", async () => {
    const r = await cli(["doctor"], {
      BOT_TOKEN: "999:short-secret-token",
      DATABASE_TYPE: "postgres",
      DATABASE_URL: "mysql://owner:hunter2-very-secret@db/neurocards",
    });
    expect(r.code).toBe(1);
    expect(`${r.out}${r.err}`).not.toMatch(/hunter2|short-secret-token/);
    expect(r.out).toMatch(/✗ config: DATABASE_URL is not valid/);
  });

  it("refuses `worker` on SQLite and says why", async () => {
    const r = await cli(["worker"], base());
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/needs DATABASE_TYPE=postgres/);
  });

  it("refuses `worker` with WORKER_CONCURRENCY=0, which would render nothing", async () => {
    const r = await cli(["worker"], {
      BOT_TOKEN: TOKEN,
      DATABASE_TYPE: "postgres",
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      WORKER_CONCURRENCY: "0",
    });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/WORKER_CONCURRENCY=0 would render nothing/);
  });

  it("reads --env-file, then .env next to the executable; a missing --env-file exits 2", async () => {
    writeFileSync(join(dir, "custom.env"), `BOT_TOKEN=${TOKEN}\nDATABASE_PATH=${join(dir, "a.db")}\n`);
    const r = await cli(["--env-file", "custom.env", "migrate"]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "a.db")).length).toBeGreaterThan(0);

    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin", ".env"), `BOT_TOKEN=${TOKEN}\nDATABASE_PATH=${join(dir, "b.db")}\n`);
    writeFileSync(join(dir, ".env"), "BOT_TOKEN=not-this-one\n");
    expect((await cli(["migrate"])).code).toBe(0);
    expect(readFileSync(join(dir, "b.db")).length).toBeGreaterThan(0);

    const missing = await cli(["--env-file", "nope.env", "doctor"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("env file not found");
  });

  it("writes a systemd unit that runs this executable from its folder", async () => {
    const r = await cli(["service", "install", "--unit-dir", dir, "--user", "neurocards"]);
    expect(r.code).toBe(0);
    const unit = readFileSync(join(dir, "neurocards.service"), "utf8");
    expect(unit).toContain(`ExecStart=${join(dir, "bin", "neurocards")} run`);
    expect(unit).toContain(`WorkingDirectory=${join(dir, "bin")}`);
    expect(unit).toContain("User=neurocards");
    expect(unit).toContain("KillSignal=SIGTERM");
    const worker = await cli(["service", "install", "--print", "--command", "worker"]);
    expect(worker.out).toMatch(/ExecStart=\S+ worker/);
    const denied = await cli(["service", "install", "--unit-dir", "/proc/no-such-dir"]);
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/run it with sudo, or use --print/);
  });
});

describe("neurocards users and jobs", () => {
  it("grants, deducts, shows, blocks and unblocks a user by Telegram id or @username", async () => {
    const env = base();
    const store = await createStore(parseConfig(env), createLogger({ level: "silent" }));
    const { user } = await store.getOrCreateUser({ tgId: 4242, username: "seller", firstName: "Ann" });
    await store.close();

    const grant = await cli(
      ["users", "grant", "4242", "5", "--reason", "welcome gift", "--ref", "gift-1"],
      env,
    );
    expect(grant.code).toBe(0);
    expect(grant.out).toMatch(/now has 6/);
    const again = await cli(["users", "grant", "4242", "5", "--ref", "gift-1"], env);
    expect(again.out).toMatch(/nothing changed: --ref gift-1 was already applied; #\d+ has 6/);
    const deduct = await cli(["users", "deduct", "@seller", "2"], env);
    expect(deduct.out).toMatch(/now has 4/);
    const tooMuch = await cli(["users", "deduct", "@seller", "9"], env);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.err).toMatch(/not deducted: #\d+ has only 4 \(--allow-negative/);
    const show = await cli(["users", "show", `#${user.id}`], env);
    expect(show.out).toMatch(/4242\t@seller\t4 cr/);
    expect(show.out).toMatch(/\+5\t= 6\tadmin_grant\twelcome gift/);
    expect((await cli(["users", "block", "@seller"], env)).out).toMatch(/blocked/);
    expect((await cli(["users", "list"], env)).out).toMatch(/@seller\t4 cr.*blocked/);
    await cli(["users", "unblock", "@seller"], env);
    expect((await cli(["users", "list"], env)).out).not.toMatch(/blocked/);
    const nobody = await cli(["users", "show", "@nobody"], env);
    expect(nobody.code).toBe(1);
    expect(nobody.err).toContain("no user @nobody");
  });

  it("refuses to retry or refund a job that does not exist", async () => {
    const env = base();
    const retry = await cli(["jobs", "retry", "77"], env);
    expect(retry.code).toBe(1);
    expect(retry.err).toMatch(/job 77 cannot be retried/);
    const refund = await cli(["jobs", "refund", "77"], env);
    expect(refund.code).toBe(1);
    expect(refund.err).toMatch(/job 77 not refunded: not found/);
  });
});

describe("neurocards doctor", () => {
  let fakes: Fakes;
  beforeAll(async () => {
    fakes = await startFakes();
  });
  afterAll(() => fakes.close());

  it("passes against working providers on a fresh data directory", async () => {
    const r = await cli(["doctor"], { ...base(), ...fakes.env, HTTP_HOST: "127.0.0.1", HTTP_PORT: "0" });
    expect(r.out).toMatch(/✓ config: valid/);
    expect(r.out).toMatch(/! database: SQLite .* does not exist yet/);
    expect(r.out).toMatch(/✓ storage: .* writable, \d+ MB free/);
    expect(r.out).toMatch(/✓ http port/);
    expect(r.out).toMatch(/✓ telegram: token valid: @neurocards_test_bot/);
    expect(r.out).toMatch(/✓ kie\.ai key …-key: accepted, 1000 credits left/);
    expect(r.out).toMatch(/✓ openai: key accepted, model gpt-4o-mini/);
    expect(r.out).toMatch(/! admins: ADMIN_IDS is empty: nobody can use \/admin or \/console/);
    expect(r.code).toBe(0);
  });

  it("marks each broken part with ✗ and what to do, and exits 1", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await cli(["doctor"], {
        ...base(),
        ...fakes.env,
        BOT_TOKEN: "111:wrong-token-wrong-token-wrong",
        KIE_API_KEYS: "revoked-key",
        OPENAI_API_KEY: "sk-wrong",
        HTTP_HOST: "127.0.0.1",
        HTTP_PORT: String(port),
      });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(
        /✗ telegram: BOT_TOKEN was rejected by Telegram\n\s+→ copy the token again from @BotFather/,
      );
      expect(r.out).toMatch(/✗ kie\.ai key …-key: rejected \(401\)/);
      expect(r.out).toMatch(/✗ openai: key rejected \(401\)/);
      expect(r.out).toMatch(
        /✗ http port: 127\.0\.0\.1:\d+ is not available \(EADDRINUSE\)\n\s+→ another program/,
      );
      expect(r.out).not.toMatch(/wrong-token|revoked-key|sk-wrong/);
    } finally {
      busy.close();
    }
  });

  it("with only BOT_TOKEN (the README's first run): kie.ai is ✗ with where to get a key, and doctor exits 1", async () => {
    const { KIE_API_KEYS: _, ...env } = fakes.env;
    const r = await cli(["doctor"], { ...base(), ...env, HTTP_HOST: "127.0.0.1", HTTP_PORT: "0" });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /✗ kie\.ai: KIE_API_KEYS is empty: no video can be rendered\n\s+→ add a key from https:\/\/kie\.ai\/api-key/,
    );
    expect(r.out.split("\n").filter((l) => l.startsWith("✗"))).toHaveLength(1);
  });

  it("shows a key the bot rests in the database, and says until when orders are refused when every key rests", async () => {
    const env = { ...base(), ...fakes.env, HTTP_HOST: "127.0.0.1", HTTP_PORT: "0" };
    const store = await createStore(parseConfig(env), createLogger({ level: "silent" }));
    const until = new Date(Date.now() + 25 * 60_000);
    await store.restProviderKey(keyHash(KIE_KEY), "kie key #1", until, "402: no balance");
    await store.close();
    const at = `${until.toISOString().slice(0, 16).replace("T", " ")} UTC`;

    const r = await cli(["doctor"], env);
    expect(r.out).toContain(
      `! kie.ai key …-key: accepted, 1000 credits left; the bot rests it until ${at} (402: no balance)`,
    );
    expect(r.out).toContain(`! kie.ai: every key is resting: new orders are refused until ${at}`);
    expect(r.code).toBe(0);

    const two = await cli(["doctor"], { ...env, KIE_API_KEYS: `${KIE_KEY},spare-0002` });
    expect(two.out).toMatch(/✗ kie\.ai key …0002: rejected \(401\)/);
    expect(two.out).not.toMatch(/every key is resting/);
  });

  it("says when a provider cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const dead = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise((r) => closed.close(r));
    const r = await cli(["doctor"], {
      ...base(),
      TELEGRAM_API_ROOT: dead,
      KIE_API_KEYS: "k1",
      KIE_BASE_URL: dead,
      HTTP_PORT: "0",
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`✗ telegram: cannot reach ${dead}: fetch failed (ECONNREFUSED)`);
    expect(r.out).toMatch(/✗ kie\.ai key …k1: cannot reach/);
    expect(r.out).toMatch(/! openai: OPENAI_API_KEY is not set/);
  });
});
