// Start-up time of the built executable: to `--version`, and from spawn to its first getUpdates
// against the fake Bot API (a fresh data directory every run, so migrations are included). Median
// and max of several runs, with the load average, because this machine is shared.
//   node --import tsx test/smoke/startup.ts build/neurocards
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startFakes } from "./fakes.ts";

const exe = resolve(process.argv[2] ?? "build/neurocards");
const RUNS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;

const version: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  spawnSync(exe, ["--version"]);
  version.push(performance.now() - t0);
}

// The same Node doing nothing, for scale on a loaded machine.
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  spawnSync(process.execPath, ["-e", "0"]);
  bare.push(performance.now() - t0);
}

const fakes = await startFakes();
const polling: number[] = [];
const rss: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = mkdtempSync(join(tmpdir(), "neurocards-startup-"));
  const seen = fakes.telegram.calls.filter((c) => c.method === "getUpdates").length;
  const t0 = performance.now();
  const child = spawn(exe, ["run"], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, ...fakes.env, HTTP_PORT: "0", LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
  while (fakes.telegram.calls.filter((c) => c.method === "getUpdates").length === seen) {
    await new Promise((r) => setTimeout(r, 2));
  }
  polling.push(performance.now() - t0);
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  rss.push(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  rmSync(dir, { recursive: true, force: true });
}
await fakes.close();

process.stdout.write(
  `executable: ${(statSync(exe).size / 1024 / 1024).toFixed(1)} MB\n` +
    `--version: ${fmt(version)} (node -e 0: ${fmt(bare)})\n` +
    `to polling (fresh data dir): ${fmt(polling)}\n` +
    `resident memory when polling: ${median(rss).toFixed(0)} MB\n` +
    `load average: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} on ${navigator.hardwareConcurrency} cores\n`,
);
