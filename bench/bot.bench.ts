// `npm run bench:bot`: the full bot (all middleware, users and sessions on SQLite, i18n, runner)
// against the fake Bot API, side by side with a bare grammY runner echo bot on the same fake in
// the same run. Send pacing is off so the bot's own ceiling shows.
//
// The fake server and the simulated users run in this process; each bot runs in a child process
// (bench/bot-children/, each bundled on its own), the way it would face a remote Bot API, so its
// resident memory is its own. Reports, for rounds of bursts alternating between the two bots,
// updates/s and the bot process's CPU time per update (and instructions per update under
// BENCH_CALLGRIND), each round's ratios and their medians, the load average around them, reply
// latency at a steady 500 updates/s, and the bot process's peak RSS. Targets: issue 3, ≥ 50% of
// the echo bot's updates/s, p99 < 50 ms, RSS < 150 MB; issue 12, ≥ 75% of its updates/s.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import NODE_FLAGS from "../build/node-flags.json" with { type: "json" };
import { encode } from "../src/bot/callbacks.ts";
import { parseConfig } from "../src/config/index.ts";
import { createStore } from "../src/db/index.ts";
import { createLogger } from "../src/logger.ts";
import {
  type CallRecord,
  type FakeTelegram,
  type FakeUser,
  startFakeTelegram,
} from "../test/fakes/telegram-server.ts";
import { seedUsers } from "./bot-children/users.ts";
import { childBundleOptions } from "./child-bundle.ts";

const USERS = Number(process.env.BENCH_USERS ?? 500);
const BURST = Number(process.env.BENCH_BURST ?? 3000);
const STEADY_RATE = Number(process.env.BENCH_RATE ?? 500);
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

// ---------------------------------------------------------------- parent: fake, users, measurement

const REPLY_METHODS = new Set(["sendMessage", "editMessageText"]);

/**
 * The bot processes run bundled by esbuild, like the single executable does, each from its own
 * entry so the echo bot carries grammY alone. Unbundled, Node's ESM loader peaks at ~230 MB RSS
 * just loading drizzle-orm's hundreds of files (and tsx adds its compiler), which would measure
 * the loader instead of the bot.
 */
async function bundleChildren(): Promise<Record<string, string>> {
  // Per run: other work trees share node_modules (and so this cache) and may bench at the same time.
  const dir = join(process.cwd(), "node_modules", ".cache", "neurocards-bench", `bot-${process.pid}`);
  process.once("exit", () => {
    // The bundles and their maps stay with the profiles, which name positions in them.
    if (process.env.BENCH_PROFILE) cpSync(dir, process.env.BENCH_PROFILE, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
  });
  const kinds = ["neurocards", "echo"];
  await build({
    entryPoints: kinds.map((k) => fileURLToPath(new URL(`./bot-children/${k}.ts`, import.meta.url))),
    // The executable's own esbuild options (build/bundle.ts): minified, without dead weight.
    ...childBundleOptions,
    // With BENCH_PROFILE, a source map beside each bundle (not linked: the code stays byte for
    // byte what is measured) maps the profile's minified positions back to the sources.
    sourcemap: process.env.BENCH_PROFILE ? "external" : false,
    outdir: dir,
    outExtension: { ".js": ".mjs" },
    logLevel: "warning",
  });
  return Object.fromEntries(kinds.map((k) => [k, join(dir, `${k}.mjs`)]));
}

let childScripts: Promise<Record<string, string>> | undefined;

/**
 * BENCH_BOT_BIN=build/neurocards: "neurocards" is the built single executable itself, the whole
 * program (HTTP server and idle queue workers too) with its own V8 flags, instead of the bot alone
 * bundled from bench/bot-children/. Ready once it polls the fake.
 */
async function spawnExecutable(bin: string, tg: FakeTelegram, db: string): Promise<ChildProcess> {
  const dir = dirname(db);
  const proc = spawn(bin, [], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      DATABASE_PATH: db,
      STORAGE_PATH: join(dir, "files"),
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      SEND_RATE_PER_SECOND: "0",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const polled = (c: CallRecord) => {
      if (c.method !== "getUpdates") return;
      tg.off("call", polled);
      resolve(proc);
    };
    tg.on("call", polled);
    proc.once("exit", (code) => reject(new Error(`${bin} exited with ${code}`)));
  });
}

async function spawnBot(kind: string, tg: FakeTelegram, db = ""): Promise<ChildProcess> {
  if (kind === "neurocards" && process.env.BENCH_BOT_BIN)
    return spawnExecutable(process.env.BENCH_BOT_BIN, tg, db);
  childScripts ??= bundleChildren();
  const script = (await childScripts)[kind] ?? "";
  const prof = process.env.BENCH_PROFILE
    ? [process.env.BENCH_HEAP ? "--heap-prof" : "--cpu-prof", `--diagnostic-dir=${process.env.BENCH_PROFILE}`]
    : [];
  // Both bots run with the executable's V8 flags (build/node-flags.json) unless BENCH_NODE_FLAGS
  // says otherwise, e.g. "--max-old-space-size=96" to see memory under a cap.
  const flags = process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? NODE_FLAGS;
  const [cmd, ...args] = [
    ...(CALLGRIND ? callgrindArgs(kind) : []),
    process.execPath,
    ...flags,
    ...prof,
    script,
  ];
  const proc = spawn(cmd as string, args, {
    env: {
      ...process.env,
      BENCH_API_ROOT: tg.apiRoot,
      BENCH_TOKEN: tg.token,
      BENCH_DB: db,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    proc.stdout?.on("data", (d: Buffer) => {
      const text = d.toString();
      if (text.includes("ready")) resolve(proc);
      else process.stderr.write(`[${kind}] ${text}`);
    });
    proc.once("exit", (code) => reject(new Error(`${kind} bot exited with ${code}`)));
  });
}

/**
 * BENCH_CALLGRIND=<dir>: both bots run under valgrind's callgrind, and each burst reports the
 * instructions the bot executed per update. Slow (~50×), but a count of instructions is the same
 * on an idle machine and a loaded one, where wall-clock rates and even CPU time are not.
 */
const CALLGRIND = process.env.BENCH_CALLGRIND;
/** Timeouts stretch under callgrind. */
const SLOW = CALLGRIND ? 20 : 1;

function callgrindArgs(kind: string): string[] {
  return [
    "valgrind",
    "--tool=callgrind",
    // Counting starts with the first burst (callgrind_control -z); start-up runs uninstrumented.
    "--instr-atstart=no",
    `--callgrind-out-file=${join(CALLGRIND ?? "", `${kind}.%p`)}`,
  ];
}

/** Instructions the process executed since the last call (callgrind_control zeroes and dumps). */
function callgrindCount(pid: number, kind: string, first: boolean): number {
  if (first) {
    execFileSync("callgrind_control", ["--instr=on", String(pid)], { stdio: "ignore" });
    execFileSync("callgrind_control", ["-z", String(pid)], { stdio: "ignore" });
    return 0;
  }
  execFileSync("callgrind_control", ["-d", String(pid)], { stdio: "ignore" });
  const dumps = readdirSync(CALLGRIND ?? "")
    .filter((f) => f.startsWith(`${kind}.${pid}`))
    .map((f) => join(CALLGRIND ?? "", f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const text = readFileSync(dumps[0] ?? "", "utf8");
  return Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) / 1024;
}

async function stopBot(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  await exited;
}

/** Each user cycles: a text (a new reply), then two taps on the reply (answer + edit in place). */
function driver(tg: FakeTelegram, taps: [string, string]) {
  const turn = new Map<number, number>();
  return (u: FakeUser) => {
    const n = turn.get(u.id) ?? 0;
    turn.set(u.id, n + 1);
    const last = tg.messages(u.id).at(-1);
    if (n % 3 === 0 || !last) u.send("/menu");
    else tg.callbackQuery(u.profile, last, taps[(n % 3) - 1] as string);
  };
}

interface Target {
  name: string;
  tg: FakeTelegram;
  users: FakeUser[];
  pid: number;
  /** Pushes one update and remembers when, for the latency of its reply. */
  push(u: FakeUser): void;
  /** Replies seen so far, and latencies (ms) of replies to updates pushed with `track` on. */
  replies: number;
  latencies: number[];
  track: boolean;
  /** Bot API calls by method, to check both bots make the same calls per update. */
  calls: Map<string, number>;
  close(): Promise<void>;
}

function target(
  name: string,
  tg: FakeTelegram,
  users: FakeUser[],
  proc: ChildProcess,
  push1: (u: FakeUser) => void,
  cleanup: () => Promise<void>,
): Target {
  const pending = new Map<number, number[]>();
  const t: Target = {
    name,
    tg,
    users,
    pid: proc.pid ?? 0,
    replies: 0,
    latencies: [],
    track: false,
    calls: new Map(),
    push(u) {
      const q = pending.get(u.id) ?? [];
      q.push(performance.now());
      pending.set(u.id, q);
      push1(u);
    },
    async close() {
      await stopBot(proc);
      await tg.close();
      await cleanup();
    },
  };
  tg.on("call", (c: CallRecord) => {
    t.calls.set(c.method, (t.calls.get(c.method) ?? 0) + 1);
    // An edit that changes nothing (400 "message is not modified": the simulated users tap without
    // waiting for the previous edit) is still the bot's answer to the update.
    if (!REPLY_METHODS.has(c.method) || c.chatId === undefined || (c.status !== 200 && c.status !== 400))
      return;
    t.replies++;
    const t0 = pending.get(c.chatId)?.shift();
    if (t0 !== undefined && t.track) t.latencies.push(c.hr - t0);
  });
  return t;
}

async function waitReplies(t: Target, n: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (t.replies < n && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

/**
 * Pushes `count` updates at once; returns replies per second until all are answered, and the bot
 * process's CPU time per update. On a shared machine the CPU time is the steadier of the two:
 * other programs' load stretches the wall clock, not the work one update takes.
 */
async function burst(
  t: Target,
  count: number,
): Promise<{ rate: number; cpuMs: number; instructions: number }> {
  const base = t.replies;
  if (CALLGRIND) callgrindCount(t.pid, t.name, true);
  const cpu0 = cpuMs(t.pid);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) t.push(t.users[i % t.users.length] as FakeUser);
  await waitReplies(t, base + count, 120_000 * SLOW);
  const replies = Math.max(1, t.replies - base);
  return {
    rate: (replies / (performance.now() - t0)) * 1000,
    cpuMs: (cpuMs(t.pid) - cpu0) / replies,
    instructions: CALLGRIND ? callgrindCount(t.pid, t.name, false) / replies : Number.NaN,
  };
}

/** Pushes updates at a steady rate; returns latency percentiles of the replies. */
async function steady(t: Target, rate: number, seconds: number) {
  t.latencies = [];
  t.track = true;
  const base = t.replies;
  const total = rate * seconds;
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (sent < due) t.push(t.users[sent++ % t.users.length] as FakeUser);
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 2);
  });
  await waitReplies(t, base + total, 30_000);
  t.track = false;
  const l = [...t.latencies].sort((a, b) => a - b);
  const pct = (p: number) => l[Math.min(l.length - 1, Math.floor((p / 100) * l.length))] ?? Number.NaN;
  return {
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: l.at(-1) ?? Number.NaN,
    replies: t.replies - base,
    total,
  };
}

async function startOurs(): Promise<Target> {
  const tg = await startFakeTelegram({ recordCalls: false, keepAliveTimeoutMs: 10 * 60_000 });
  const dir = mkdtempSync(join(tmpdir(), "nc-bench-bot-"));
  const db = join(dir, "bench.db");
  const config = parseConfig({ BOT_TOKEN: tg.token, DATABASE_PATH: db });
  const store = await createStore(config, createLogger({ level: "warn", pretty: false }));
  const users: FakeUser[] = await seedUsers(store, tg, USERS, new Date());
  await store.close();
  const proc = await spawnBot("neurocards", tg, db);
  const push = driver(tg, [encode({ a: "help" }), encode({ a: "menu" })]);
  return target("neurocards", tg, users, proc, push, async () =>
    rmSync(dir, { recursive: true, force: true }),
  );
}

async function startEcho(): Promise<Target> {
  const tg = await startFakeTelegram({ recordCalls: false, keepAliveTimeoutMs: 10 * 60_000 });
  const users = Array.from({ length: USERS }, (_, i) => tg.user({ id: 10_000 + i }));
  const proc = await spawnBot("echo", tg);
  return target("echo", tg, users, proc, driver(tg, ["help", "menu"]), async () => {});
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const ours = await startOurs();
const echo = await startEcho();
for (const t of [ours, echo]) {
  for (const u of t.users) t.push(u);
  await waitReplies(t, t.users.length, 60_000 * SLOW);
}
// And one unmeasured burst each: V8 still compiles through the first thousands of updates (the
// first measured round of the neurocards bot used to take ~1.5× the CPU per update of the later ones).
for (const t of [ours, echo]) await burst(t, BURST);
const load0 = loadavg();
// The machine is shared: bursts alternate between the two bots so both see the same load, and
// each round's ratios compare bursts a few seconds apart.
type Burst = Awaited<ReturnType<typeof burst>>;
const rounds: Array<{ ours: Burst; echo: Burst }> = [];
for (let r = 0; r < ROUNDS; r++)
  rounds.push({ ours: await burst(ours, BURST), echo: await burst(echo, BURST) });
const load1 = loadavg();
const steadySeconds = CALLGRIND ? 0 : STEADY_SECONDS;
const oursSteady = await steady(ours, STEADY_RATE, steadySeconds);
const echoSteady = await steady(echo, STEADY_RATE, steadySeconds);
const rss = { ours: peakRssMb(ours.pid), echo: peakRssMb(echo.pid) };
await ours.close();
await echo.close();

const f = (n: number) => n.toFixed(1);
const pc = (n: number) => `${(n * 100).toFixed(0)}%`;
const of = (pick: (r: { ours: Burst; echo: Burst }) => number) => median(rounds.map(pick));
const oursRate = of((r) => r.ours.rate);
const echoRate = of((r) => r.echo.rate);
const oursCpu = of((r) => r.ours.cpuMs);
const echoCpu = of((r) => r.echo.cpuMs);
console.log(
  `bot bench: ${USERS} users (each: /menu, tap, tap); ${ROUNDS} rounds of alternating bursts of ${BURST} updates; steady ${STEADY_RATE}/s for ${steadySeconds} s`,
);
console.log(
  `load average ${load0.map((x) => x.toFixed(2)).join(" ")} before the bursts, ${load1.map((x) => x.toFixed(2)).join(" ")} after (${cpus().length} CPUs)`,
);
console.log(
  "round  neurocards upd/s  echo upd/s  ratio   CPU µs/update ours/echo  ratio" +
    (CALLGRIND ? "   instructions/update ours/echo  ratio" : ""),
);
for (const [i, r] of rounds.entries()) {
  console.log(
    `${String(i + 1).padStart(5)}  ${r.ours.rate.toFixed(0).padStart(16)}  ${r.echo.rate.toFixed(0).padStart(10)}  ${pc(r.ours.rate / r.echo.rate).padStart(5)}` +
      `   ${`${(r.ours.cpuMs * 1000).toFixed(0)} / ${(r.echo.cpuMs * 1000).toFixed(0)}`.padStart(23)}  ${pc(r.echo.cpuMs / r.ours.cpuMs).padStart(5)}` +
      (CALLGRIND
        ? `   ${`${(r.ours.instructions / 1e3).toFixed(0)}k / ${(r.echo.instructions / 1e3).toFixed(0)}k`.padStart(29)}  ${pc(r.echo.instructions / r.ours.instructions).padStart(5)}`
        : ""),
  );
}
const rateRatio = of((r) => r.ours.rate / r.echo.rate);
const cpuRatio = of((r) => r.echo.cpuMs / r.ours.cpuMs);
console.log(
  `median ${oursRate.toFixed(0).padStart(16)}  ${echoRate.toFixed(0).padStart(10)}  ${pc(rateRatio).padStart(5)}` +
    `   ${`${(oursCpu * 1000).toFixed(0)} / ${(echoCpu * 1000).toFixed(0)}`.padStart(23)}  ${pc(cpuRatio).padStart(5)}` +
    (CALLGRIND
      ? `   ${`${(of((r) => r.ours.instructions) / 1e3).toFixed(0)}k / ${(of((r) => r.echo.instructions) / 1e3).toFixed(0)}k`.padStart(29)}  ${pc(of((r) => r.echo.instructions / r.ours.instructions)).padStart(5)}`
      : ""),
);
console.log(
  "(ratios: per round, then their median; the CPU ratio, echo's CPU time per update over ours, is what updates/s would show with both bots CPU-bound, and the steadier figure on a loaded machine)",
);
for (const [name, st, mem] of [
  ["neurocards", oursSteady, rss.ours],
  ["echo", echoSteady, rss.echo],
] as const) {
  console.log(
    `${name.padEnd(10)} at ${STEADY_RATE}/s: p50 ${f(st.p50)} p90 ${f(st.p90)} p99 ${f(st.p99)} max ${f(st.max)} ms` +
      `, replies ${st.replies}/${st.total}  peak RSS ${mem.toFixed(0)} MB`,
  );
}
for (const t of [ours, echo])
  console.log(`${t.name.padEnd(10)} Bot API calls: ${[...t.calls].map(([m, n]) => `${m} ${n}`).join(", ")}`);
const checks = [
  [`updates/s ≥ 50% of echo, issue 3 (${pc(rateRatio)})`, rateRatio >= 0.5],
  [`updates/s ≥ 75% of echo, issue 12 (${pc(rateRatio)}; by CPU time ${pc(cpuRatio)})`, rateRatio >= 0.75],
  [`p99 < 50 ms at ${STEADY_RATE}/s (${f(oursSteady.p99)} ms)`, CALLGRIND ? true : oursSteady.p99 < 50],
  [`bot process peak RSS < 150 MB (${rss.ours.toFixed(0)} MB)`, rss.ours < 150],
] as const;
for (const [what, ok] of checks) console.log(`${ok ? "PASS" : "FAIL"} ${what}`);
process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
