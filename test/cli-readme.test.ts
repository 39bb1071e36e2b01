import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildProgram, runCli } from "../src/cli/index.ts";
import type { CliIo } from "../src/cli/io.ts";
import { parseConfig } from "../src/config/index.ts";
import { envSchema } from "../src/config/schema.ts";
import { createStore } from "../src/db/index.ts";
import { createLogger } from "../src/logger.ts";
import { PG_URL, pgNotice, type Sandbox, sandbox } from "./fixtures/ops.ts";
import { type Fakes, startFakes } from "./smoke/fakes.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** Every variable the config schema reads, from both halves of the intersection. */
function variables(): string[] {
  const { left, right } = envSchema.def;
  const names = new Set(Object.keys(left.shape));
  for (const option of right.def.options) for (const k of Object.keys(option.shape)) names.add(k);
  return [...names];
}

describe("README for self-hosters", () => {
  it("documents every configuration variable in the table and in the .env example", () => {
    const table = readme.slice(readme.indexOf("| Variable |"));
    const example = readme.slice(readme.indexOf("### 2. Write `.env`"), readme.indexOf("### 3."));
    const names = variables();
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) {
      expect(table, name).toMatch(new RegExp(`^\\| \`${name}\``, "m"));
      expect(example, name).toMatch(new RegExp(`^${name}=`, "m"));
    }
  });

  it("keeps the newcomer's test command", () => {
    expect(readme).toContain("```sh\nnpm ci && npm test\n```");
  });
});

/** The lines of the first ```sh block after `heading`. */
function shBlock(heading: string): string[] {
  const from = readme.indexOf(heading);
  expect(from, heading).toBeGreaterThan(0);
  const start = readme.indexOf("```sh\n", from) + 6;
  return readme.slice(start, readme.indexOf("```", start)).trim().split("\n");
}

/** `./neurocards a b --c "d e" # note` → ["a", "b", "--c", "d e"]. */
function words(command: string): string[] {
  const bare = command.replace(/\s+#.*$/, "").trim();
  return [...bare.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** Every `./neurocards …` of a README line; `users list | show @x | …` is one group's commands. */
function invocations(line: string): string[][] {
  return line
    .split(/&&/)
    .map((part) => part.trim())
    .filter((part) => part.startsWith("./neurocards "))
    .flatMap((part) => {
      const [first, ...rest] = part.replace(/\s+#.*$/, "").split(" | ");
      const head = words(first!.slice("./neurocards ".length));
      return [head, ...rest.map((r) => [head[0]!, ...words(r)])];
    });
}

const noIo: CliIo = {
  out: () => {},
  err: () => {},
  env: {},
  cwd: tmpdir(),
  execPath: join(tmpdir(), "neurocards"),
  isTTY: false,
  waitForSignal: () => new Promise(() => {}),
};

describe("README commands (§6 to §8 and admin from the shell) exist as written", () => {
  const program = buildProgram(noIo);
  const sections = [
    "### 6. Back up and restore",
    "### 7. Move to PostgreSQL",
    "### 8. Extra workers",
    "### 9. Files in object storage",
    "### Admin from the shell",
  ];
  const commands = sections.flatMap((s) => shBlock(s).flatMap(invocations));

  it("finds the commands to check", () => {
    expect(commands.map((c) => c.slice(0, 2).join(" "))).toEqual(
      expect.arrayContaining([
        "backup --out",
        "restore /backups/neurocards-….tar.gz",
        "worker",
        "storage migrate",
        "users grant",
        "jobs refund",
        "import-supabase --users",
      ]),
    );
  });

  for (const argv of commands) {
    it(`neurocards ${argv.join(" ")}`, () => {
      let cmd: Command = program;
      const rest = [...argv];
      while (rest[0] && !rest[0].startsWith("-")) {
        const sub = cmd.commands.find((c) => c.name() === rest[0]);
        if (!sub) break;
        cmd = sub;
        rest.shift();
      }
      expect(cmd, argv.join(" ")).not.toBe(program);
      const positional = rest.filter(
        (w, i) => !w.startsWith("-") && !cmd.options.find((o) => o.long === rest[i - 1])?.required,
      );
      const options = rest.filter((w) => w.startsWith("--"));
      for (const o of options)
        expect(
          cmd.options.map((x) => x.long),
          `${argv.join(" ")}: ${o}`,
        ).toContain(o);
      // `…` stands for "the same arguments as before" in the README.
      if (!positional.includes("…")) {
        const required = cmd.registeredArguments.filter((a) => a.required).length;
        expect(positional.length, argv.join(" ")).toBeGreaterThanOrEqual(required);
        expect(positional.length, argv.join(" ")).toBeLessThanOrEqual(cmd.registeredArguments.length);
      }
    });
  }
});

pgNotice("README §7");
describe("README §7 (move to PostgreSQL), followed to the letter", () => {
  let fakes: Fakes;
  let dir: string;
  const boxes: Sandbox[] = [];
  beforeAll(async () => {
    fakes = await startFakes();
  });
  afterAll(async () => {
    await fakes.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "neurocards-readme-"));
  });
  afterEach(async () => {
    for (const b of boxes.splice(0)) await b.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!PG_URL)(
    "backs up the SQLite install, switches .env to Postgres and restores into the same files folder",
    async () => {
      // The SQLite install: .env next to the executable, data/ in its folder.
      const home = join(dir, "opt");
      mkdirSync(home);
      const env: Record<string, string> = {
        ...fakes.env,
        HTTP_HOST: "127.0.0.1",
        HTTP_PORT: "0",
        DATABASE_PATH: join(home, "data", "neurocards.db"),
        STORAGE_PATH: join(home, "data", "files"),
      };
      const sqlite = await createStore(parseConfig(env), createLogger({ level: "silent" }));
      const { user } = await sqlite.getOrCreateUser({ tgId: 7007, username: "mover" });
      await sqlite.addCredits({ userId: user.id, amount: 12, reason: "admin_grant", reference: "t:7" });
      await sqlite.close();
      mkdirSync(join(home, "data", "files", "results"), { recursive: true });
      writeFileSync(join(home, "data", "files", "results", "clip.mp4"), "the video");

      const pg = await sandbox({ postgres: true });
      boxes.push(pg);
      const pgUrl = (pg.config.database as { url: string }).url;
      const backups = join(dir, "backups");
      const run = async (argv: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCli(argv, {
          ...noIo,
          env: { ...env },
          cwd: home,
          execPath: join(home, "neurocards"),
          out: (l) => out.push(l),
          err: (l) => err.push(l),
        });
        return { code, out: out.join("\n"), err: err.join("\n") };
      };

      const steps = shBlock("### 7. Move to PostgreSQL");
      const done: string[] = [];
      for (const line of steps) {
        if (line.startsWith("sudo systemctl stop neurocards")) {
          done.push("stop"); // no bot runs in this test
          continue;
        }
        if (line.startsWith("# in .env:")) {
          expect(line).toMatch(/DATABASE_TYPE=postgres, DATABASE_URL=postgres:\/\//);
          env.DATABASE_TYPE = "postgres";
          env.DATABASE_URL = pgUrl;
          done.push("switch");
          continue;
        }
        for (const argv of invocations(line)) {
          const archive = () => readdirSync(backups).find((f) => f.endsWith(".tar.gz"))!;
          const real = argv.map((w) =>
            w === "/backups" ? backups : w === "/backups/neurocards-….tar.gz" ? join(backups, archive()) : w,
          );
          const r = await run(real);
          expect(r.code, `${argv.join(" ")}\n${r.out}\n${r.err}`).toBe(0);
          done.push(argv[0]!);
        }
      }
      expect(done).toEqual(["stop", "backup", "switch", "restore", "doctor"]);

      const shown = await run(["users", "show", "7007"]);
      expect(shown.out).toMatch(/7007\t@mover\t13 cr/);
      expect(readFileSync(join(home, "data", "files", "results", "clip.mp4"), "utf8")).toBe("the video");
    },
  );
});
