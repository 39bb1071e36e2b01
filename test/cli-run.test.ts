// `neurocards run` stopped at any moment of its start-up: what has started is stopped and the
// process exits 0, as systemd's stop and Ctrl+C expect, even while Telegram does not answer.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.ts";

const NODE = join(process.cwd(), "node_modules/.bin/node");
const MAIN = join(process.cwd(), "src/main.ts");
const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";

let dir: string;
let telegram: Server | undefined;
const calls: string[] = [];

/** A Bot API server that takes every request and never answers it. */
async function silentTelegram(): Promise<string> {
  telegram = createServer((req) => {
    calls.push(req.url?.split("/").at(-1) ?? "");
    req.resume();
  });
  await new Promise<void>((r) => telegram?.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(telegram.address() as AddressInfo).port}`;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neurocards-run-"));
  calls.length = 0;
});
afterEach(async () => {
  telegram?.closeAllConnections();
  await new Promise((r) => telegram?.close(r));
  telegram = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const env = (apiRoot: string) => ({
  BOT_TOKEN: TOKEN,
  TELEGRAM_API_ROOT: apiRoot,
  DATABASE_TYPE: "sqlite",
  DATABASE_PATH: join(dir, "data", "neurocards.db"),
  STORAGE_PATH: join(dir, "data", "files"),
  HTTP_HOST: "127.0.0.1",
  HTTP_PORT: "0",
  LOG_LEVEL: "info",
});

async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("neurocards run stopped during start-up", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "%s while Telegram does not answer at start stops cleanly and exits 0",
    async (signal) => {
      const apiRoot = await silentTelegram();
      const child = spawn(NODE, ["--import", "tsx", MAIN, "run"], {
        env: { ...process.env, ...env(apiRoot) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        out += d.toString();
      });
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.once("exit", (code, sig) => resolve({ code, signal: sig })),
      );
      try {
        // Start-up is under way: the HTTP server listens and the bot waits for its getMe.
        await until(() => out.includes("HTTP server listening") && calls.includes("getMe"), "start-up");
        const t0 = Date.now();
        child.kill(signal);
        expect(await exited).toEqual({ code: 0, signal: null });
        expect(Date.now() - t0).toBeLessThan(10_000);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
      const lines = out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { msg: string; level: number; reason?: string });
      expect(lines).toContainEqual(expect.objectContaining({ msg: "shutting down", reason: signal }));
      expect(lines.at(-1)?.msg).toBe("stopped");
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    },
    60_000,
  );

  it("a stop asked for before the app exists starts nothing: no HTTP server, no call to Telegram", async () => {
    const apiRoot = await silentTelegram();
    const logs: string[] = [];
    const code = await runCli(["run"], {
      out: (l) => logs.push(l),
      err: (l) => logs.push(l),
      env: env(apiRoot),
      cwd: dir,
      execPath: join(dir, "neurocards"),
      isTTY: false,
      logDestination: { write: (l) => logs.push(l) },
      waitForSignal: () => Promise.resolve("SIGTERM"),
    });
    expect(code).toBe(0);
    const text = logs.join("\n");
    expect(text).toMatch(/"msg":"shutting down"/);
    expect(text).toMatch(/"msg":"stopped"/);
    expect(text).not.toMatch(/HTTP server listening/);
    expect(calls).toEqual([]);
  });
});
