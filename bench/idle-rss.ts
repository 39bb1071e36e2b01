// `npm run bench:idle` (after `npm run build`): the resident memory of the built executable once it
// polls and has nothing to do, beside two baselines measured in the same run — a bare Node 24
// single executable made the same way (same Node, stripped, same V8 flags, a script that only
// waits) and `node -e` on the same Node. Target (issue 12): the executable's median ≤ 80 MB.
//
// The executable runs `run` (bot, HTTP server, workers, SQLite) against the fake Bot API, kie.ai and
// OpenAI of the smoke test, in a fresh data directory each run; its memory is read from
// /proc/<pid>/status BENCH_IDLE_SECONDS (default 10) after its first getUpdates, the baselines'
// as long after their start. The three run side by side, BENCH_RUNS rounds (default 5); medians.
//
// Both executables are copied before they run: pages of a file written moments ago (as
// `npm run build` just did) sit in the page cache in larger pieces, and the kernel maps them in
// whole — 15–20 MB more resident memory that a copy, a reboot or a dropped cache does not show.
import { type ChildProcess, spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import NODE_FLAGS from "../build/node-flags.json" with { type: "json" };
import { makeSea } from "../build/sea.ts";
import { startFakes } from "../test/smoke/fakes.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const TARGET_MB = 80;
const root = fileURLToPath(new URL("..", import.meta.url));
const exe = resolve(process.env.BENCH_IDLE_BIN ?? join(root, "build", "neurocards"));

/** The newest modification time under a folder, to tell a build older than its sources. */
function newestUnder(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newestUnder(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

let built: number;
try {
  built = statSync(exe).mtimeMs;
} catch {
  throw new Error(`${exe} is missing: run npm run build first`);
}
if (!process.env.BENCH_IDLE_BIN && newestUnder(join(root, "src")) > built) {
  console.warn("bench:idle: src/ changed after the last build; the figures are those of the older build");
}

// The Node of `npm run` (node_modules/.bin/node, the one the executable was built from).
const nodeBin = process.execPath;
if (!process.versions.node.startsWith("24.")) throw new Error("run it with Node 24: npm run bench:idle");

const dir = mkdtempSync(join(tmpdir(), "nc-bench-idle-"));
const bins = join(dir, "bin");
mkdirSync(bins);

/** The baseline executable: this Node, made a single executable by build/sea.ts, waiting. */
function makeBareSea(): string {
  const work = join(dir, "bare");
  mkdirSync(work);
  const main = join(work, "main.cjs");
  writeFileSync(main, "setInterval(() => {}, 1 << 30);\n");
  const out = join(work, "bare-sea");
  makeSea({ nodeBin, main, work, out, execArgv: NODE_FLAGS, strip: "strip" });
  return out;
}

const copies = {
  neurocards: join(bins, "neurocards"),
  bareSea: join(bins, "bare-sea"),
};
copyFileSync(exe, copies.neurocards);
copyFileSync(makeBareSea(), copies.bareSea);

interface Memory {
  rss: number;
  anon: number;
  file: number;
}

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile") };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fakes = await startFakes();

/** The executable polling the fake Bot API from a fresh data directory. */
async function idleNeurocards(): Promise<Memory> {
  const data = mkdtempSync(join(dir, "data-"));
  const polls = () => fakes.telegram.calls.filter((c) => c.method === "getUpdates").length;
  const seen = polls();
  const child = spawn(copies.neurocards, ["run"], {
    cwd: data,
    env: { PATH: process.env.PATH, HOME: data, ...fakes.env, HTTP_PORT: "0" },
    stdio: "ignore",
  });
  const deadline = Date.now() + 30_000;
  while (polls() === seen) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error("neurocards did not start polling");
    await sleep(5);
  }
  await sleep(IDLE_SECONDS * 1000);
  const m = memoryOf(child.pid ?? 0);
  await stop(child);
  rmSync(data, { recursive: true, force: true });
  return m;
}

async function idleBaseline(cmd: string, args: string[]): Promise<Memory> {
  const child = spawn(cmd, args, { stdio: "ignore" });
  await sleep(IDLE_SECONDS * 1000);
  const m = memoryOf(child.pid ?? 0);
  await stop(child);
  return m;
}

const runs: Record<string, Memory[]> = { neurocards: [], bareSea: [], nodeE: [] };
try {
  // The three side by side: a process's resident memory does not depend on the others'.
  for (let i = 0; i < RUNS; i++) {
    const [ours, bare, nodeE] = await Promise.all([
      idleNeurocards(),
      idleBaseline(copies.bareSea, []),
      idleBaseline(nodeBin, [...NODE_FLAGS, "-e", "setInterval(() => {}, 1 << 30)"]),
    ]);
    runs.neurocards?.push(ours);
    runs.bareSea?.push(bare);
    runs.nodeE?.push(nodeE);
  }
} finally {
  await fakes.close();
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const f = (n: number) => n.toFixed(1);
console.log(
  `idle RSS: ${RUNS} runs each, read ${IDLE_SECONDS} s after start (neurocards: after its first getUpdates); ` +
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
);
const medians: Record<string, number> = {};
for (const [name, label] of [
  ["neurocards", "neurocards run (SQLite, fakes)"],
  ["bareSea", "bare Node 24 single executable"],
  ["nodeE", "node -e (same Node and flags)"],
] as const) {
  const ms = runs[name] ?? [];
  medians[name] = median(ms.map((m) => m.rss));
  console.log(
    `${label.padEnd(32)} RSS ${f(medians[name] ?? 0).padStart(6)} MB (anon ${f(median(ms.map((m) => m.anon)))}, ` +
      `file ${f(median(ms.map((m) => m.file)))}; runs ${ms.map((m) => f(m.rss)).join(" / ")})`,
  );
}
const ours = medians.neurocards ?? Number.NaN;
const ok = ours <= TARGET_MB;
console.log(
  `${ok ? "PASS" : "FAIL"} idle RSS ≤ ${TARGET_MB} MB (${f(ours)} MB; ${f(ours - (medians.bareSea ?? 0))} MB above the bare executable)`,
);
process.exitCode = ok ? 0 : 1;
