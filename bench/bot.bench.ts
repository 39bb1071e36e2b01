// `npm run bench:bot`: the full bot (all middleware, users and sessions on SQLite, i18n, runner)
// against the fake Bot API, side by side with a bare grammY runner echo bot on the same fake in
// the same run. Send pacing is off so the bot's own ceiling shows.
//
// The fake server and the simulated users run in this process; each bot runs in a child process
// (this same file with BENCH_CHILD set), the way it would face a remote Bot API, so its resident
// memory is its own. Reports updates/s for a burst, reply latency at a steady 500 updates/s, and
// the bot process's peak RSS. Targets (issue 3): ≥ 50% of the echo bot's updates/s, p99 < 50 ms,
// RSS < 150 MB.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "@grammyjs/runner";
import { build } from "esbuild";
import { Bot } from "grammy";
import { encode } from "../src/bot/callbacks.ts";
import { createBot } from "../src/bot/index.ts";
import { parseConfig } from "../src/config/index.ts";
import { createStore } from "../src/db/index.ts";
import { createLogger } from "../src/logger.ts";
import { createMetrics } from "../src/metrics.ts";
import { createTelegram } from "../src/telegram/index.ts";
import { createCatalogue } from "../src/templates/index.ts";
import {
  type CallRecord,
  type FakeTelegram,
  type FakeUser,
  startFakeTelegram,
} from "../test/fakes/telegram-server.ts";

const USERS = Number(process.env.BENCH_USERS ?? 500);
const BURST = Number(process.env.BENCH_BURST ?? 4000);
const STEADY_RATE = Number(process.env.BENCH_RATE ?? 500);
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 8);

// ---------------------------------------------------------------- child: one bot process

async function child(kind: string): Promise<void> {
  const apiRoot = process.env.BENCH_API_ROOT ?? "";
  const token = process.env.BENCH_TOKEN ?? "";
  let stop: () => Promise<void>;
  if (kind === "echo") {
    const bot = new Bot(token, { client: { apiRoot } });
    bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));
    bot.on("callback_query:data", async (ctx) => {
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(ctx.callbackQuery.data);
    });
    const runner = run(bot, { runner: { silent: true } });
    stop = () => runner.stop();
  } else {
    const config = parseConfig({
      BOT_TOKEN: token,
      TELEGRAM_API_ROOT: apiRoot,
      DATABASE_PATH: process.env.BENCH_DB ?? "",
      SEND_RATE_PER_SECOND: "0",
    });
    const logger = createLogger({ level: "warn", pretty: false });
    const store = await createStore(config, logger);
    const metrics = createMetrics();
    const bot = createBot({
      config,
      store,
      logger,
      metrics,
      telegram: createTelegram({ config, store, logger }),
      catalogue: createCatalogue(),
      queue: { wake() {}, async checkProviderTask() {}, estimateMinutes: (p) => p * 2 },
    });
    await bot.start();
    while (!bot.isPolling()) await new Promise((r) => setTimeout(r, 10));
    if (process.env.BENCH_DEBUG) {
      setInterval(async () => {
        const m = await metrics.updatesHandled.get();
        process.stdout.write(
          `state ${bot.pollerState()} handled ${m.values.reduce((s, v) => s + v.value, 0)}\n`,
        );
      }, 1000).unref();
    }
    stop = async () => {
      await bot.stop();
      await store.close();
    };
  }
  if (process.env.BENCH_DEBUG)
    process.stderr.write(`[${kind}] ready, peak RSS so far ${peakRssMb(process.pid).toFixed(0)} MB\n`);
  process.stdout.write("ready\n");
  process.once("SIGTERM", () => void stop().then(() => process.exit(0)));
}

// ---------------------------------------------------------------- parent: fake, users, measurement

interface Result {
  burstPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  steadyReplies: number;
  steadyPushed: number;
  peakRssMb: number;
}

const REPLY_METHODS = new Set(["sendMessage", "editMessageText"]);

/**
 * The bot processes run this file bundled by esbuild, like the single executable does. Unbundled,
 * Node's ESM loader peaks at ~230 MB RSS just loading drizzle-orm's hundreds of files (and tsx
 * adds its compiler), which would measure the loader instead of the bot.
 */
async function bundleChild(): Promise<string> {
  const out = join(process.cwd(), "node_modules", ".cache", "neurocards-bench", "bot-child.mjs");
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    // Native addons and the bundler itself stay outside; the bundle is loaded from the repo so they resolve.
    external: ["better-sqlite3", "pg-native", "esbuild"],
    // CommonJS dependencies use require(), __filename and __dirname, which an ES module bundle must provide.
    banner: {
      js: [
        "import { createRequire as __cr } from 'node:module';",
        "const require = __cr(import.meta.url);",
        "const __filename = new URL(import.meta.url).pathname;",
        "const __dirname = new URL('.', import.meta.url).pathname;",
      ].join(" "),
    },
    outfile: out,
    logLevel: "warning",
  });
  return out;
}

let childScript: Promise<string> | undefined;

async function spawnBot(kind: string, tg: FakeTelegram, db = ""): Promise<ChildProcess> {
  childScript ??= bundleChild();
  const script = await childScript;
  const prof = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const proc = spawn(process.execPath, [...prof, script], {
    env: {
      ...process.env,
      BENCH_CHILD: kind,
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

async function measure(tg: FakeTelegram, users: FakeUser[], push1: (u: FakeUser) => void, pid: number) {
  const pending = new Map<number, number[]>();
  const latencies: number[] = [];
  let replies = 0;
  const onCall = (c: CallRecord) => {
    // An edit that changes nothing (400 "message is not modified": the simulated users tap without
    // waiting for the previous edit) is still the bot's answer to the update.
    if (!REPLY_METHODS.has(c.method) || c.chatId === undefined || (c.status !== 200 && c.status !== 400))
      return;
    replies++;
    const t0 = pending.get(c.chatId)?.shift();
    if (t0 !== undefined) latencies.push(c.hr - t0);
  };
  tg.on("call", onCall);
  const push = (u: FakeUser) => {
    const q = pending.get(u.id) ?? [];
    q.push(performance.now());
    pending.set(u.id, q);
    push1(u);
  };
  const waitReplies = async (n: number, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (replies < n && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  };

  // Warm-up: every user once (sessions, JIT).
  for (const u of users) push(u);
  await waitReplies(users.length, 60_000);

  // Burst: as fast as the bot takes them.
  replies = 0;
  const t0 = performance.now();
  for (let i = 0; i < BURST; i++) push(users[i % users.length] as FakeUser);
  await waitReplies(BURST, 120_000);
  const burstPerSecond = (replies / (performance.now() - t0)) * 1000;

  // Steady rate: latency from pushing the update to the reply reaching the API.
  await new Promise((r) => setTimeout(r, 500));
  replies = 0;
  latencies.length = 0;
  pending.clear();
  const total = STEADY_RATE * STEADY_SECONDS;
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * STEADY_RATE));
      while (sent < due) push(users[sent++ % users.length] as FakeUser);
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 2);
  });
  await waitReplies(total, 30_000);
  tg.off("call", onCall);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return {
    burstPerSecond,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: latencies.at(-1) ?? NaN,
    steadyReplies: replies,
    steadyPushed: total,
    peakRssMb: peakRssMb(pid),
  } satisfies Result;
}

async function benchOurs(): Promise<Result> {
  const tg = await startFakeTelegram({ recordCalls: false });
  const dir = mkdtempSync(join(tmpdir(), "nc-bench-bot-"));
  const db = join(dir, "bench.db");
  const config = parseConfig({ BOT_TOKEN: tg.token, DATABASE_PATH: db });
  const store = await createStore(config, createLogger({ level: "warn", pretty: false }));
  const users: FakeUser[] = [];
  for (let i = 0; i < USERS; i++) {
    const profile = { id: 10_000 + i, language_code: i % 2 ? "ru" : "en", first_name: `U${i}` };
    const { user } = await store.getOrCreateUser({
      tgId: profile.id,
      firstName: profile.first_name,
      languageCode: profile.language_code,
    });
    await store.setConsent(user.id, new Date());
    users.push(tg.user(profile));
  }
  await store.close();
  const proc = await spawnBot("ours", tg, db);
  const result = await measure(
    tg,
    users,
    driver(tg, [encode({ a: "help" }), encode({ a: "menu" })]),
    proc.pid ?? 0,
  );
  await stopBot(proc);
  await tg.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

async function benchEcho(): Promise<Result> {
  const tg = await startFakeTelegram({ recordCalls: false });
  const users = Array.from({ length: USERS }, (_, i) => tg.user({ id: 10_000 + i }));
  const proc = await spawnBot("echo", tg);
  const result = await measure(tg, users, driver(tg, ["help", "menu"]), proc.pid ?? 0);
  await stopBot(proc);
  await tg.close();
  return result;
}

function row(name: string, r: Result): string {
  return [
    name.padEnd(10),
    `${r.burstPerSecond.toFixed(0).padStart(6)} upd/s`,
    `p50 ${r.p50.toFixed(1)} ms`,
    `p90 ${r.p90.toFixed(1)} ms`,
    `p99 ${r.p99.toFixed(1)} ms`,
    `max ${r.max.toFixed(1)} ms`,
    `replies ${r.steadyReplies}/${r.steadyPushed}`,
    `peak RSS ${r.peakRssMb.toFixed(0)} MB`,
  ].join("  ");
}

if (process.env.BENCH_CHILD) {
  await child(process.env.BENCH_CHILD);
} else {
  const ours = await benchOurs();
  const echo = await benchEcho();
  console.log(
    `bot bench: ${USERS} users (each: /menu, tap, tap), burst ${BURST} updates, steady ${STEADY_RATE}/s for ${STEADY_SECONDS} s`,
  );
  console.log(row("neurocards", ours));
  console.log(row("echo", echo));
  const ratio = ours.burstPerSecond / echo.burstPerSecond;
  const checks = [
    [`updates/s ≥ 50% of echo (${(ratio * 100).toFixed(0)}%)`, ratio >= 0.5],
    [`p99 < 50 ms at ${STEADY_RATE}/s (${ours.p99.toFixed(1)} ms)`, ours.p99 < 50],
    [`bot process peak RSS < 150 MB (${ours.peakRssMb.toFixed(0)} MB)`, ours.peakRssMb < 150],
  ] as const;
  for (const [what, ok] of checks) console.log(`${ok ? "PASS" : "FAIL"} ${what}`);
  process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
}
