// npm run bench:queue — the generation queue end to end on SQLite against the fake Bot API, kie.ai
// and OpenAI servers on loopback. The fakes run in a child process of their own, and each phase
// runs in a child started with the executable's V8 flags, so the measured process is the program:
// 1. throughput: providers answer at once, 100 KB results, the send pacer off, without and with
//    PUBLIC_BASE_URL (kie.ai upload vs. kie.ai fetching from our HTTP server); jobs/s from the
//    moment the workers start until every job is delivered (photo download, prompt, upload to
//    kie.ai, render, poll, result download, progress edits, sendVideo multipart). Target ≥ 100/s.
// 2. 200 jobs in flight on a slow provider: resident memory (target < 200 MB) and how fast the bot
//    answers menu taps meanwhile (target p99 < 100 ms).
// Knobs: BENCH_JOBS (default 1000), BENCH_WORKERS (default 3,16: one run per value),
// BENCH_ONLY=throughput|inflight, BENCH_MODES=upload,public (how the photo reaches kie.ai),
// BENCH_NODE_FLAGS (V8 flags instead of build/node-flags.json).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import NODE_FLAGS from "../build/node-flags.json" with { type: "json" };
import {
  createJobQueue as createQueue,
  type JobQueue as Queue,
  type JobQueueOptions as QueueOptions,
} from "../src/app.ts";
import { encode } from "../src/bot/callbacks.ts";
import { createBot } from "../src/bot/index.ts";
import { parseConfig } from "../src/config/index.ts";
import { createStore } from "../src/db/index.ts";
import type { NewJob, Store } from "../src/db/store.ts";
import { createHttpServer } from "../src/http/index.ts";
import { createLogger } from "../src/logger.ts";
import { createMetrics } from "../src/metrics.ts";
import { createStorage } from "../src/storage/index.ts";
import { createTelegram } from "../src/telegram/index.ts";
import { createCatalogue, defaultChoice, priceOf } from "../src/templates/index.ts";
import { createKieServer, type TaskScenario } from "../test/fakes/kie-server.ts";
import { createOpenAiServer } from "../test/fakes/openai-server.ts";
import { type FakeTelegram, startFakeTelegram, TINY_PNG } from "../test/fakes/telegram-server.ts";
import { ALL_HEALTHY } from "../test/helpers/http.ts";
import { freePort } from "../test/queue-harness.ts";

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
/** The V8 flags the measured process runs with: the executable's (build/node-flags.json) unless BENCH_NODE_FLAGS says otherwise. */
const APP_FLAGS = process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? NODE_FLAGS;
const WORKERS = (process.env.BENCH_WORKERS ?? "3,16").split(",").map(Number);
const USERS = 20;
const logger = createLogger({ level: "silent", pretty: false });
const catalogue = createCatalogue();
const MB = 1024 * 1024;

interface Env {
  /** The fake Bot API when it runs in this process (the memory run taps through it). */
  tg: FakeTelegram | null;
  store: Store;
  queue: Queue;
  /** The provider fakes' process (CPU time is read from /proc). */
  fakesPid: number;
  env: Record<string, string>;
  users: Array<{ id: number; tgId: number }>;
  close(): Promise<void>;
}

async function setup(
  scenario: TaskScenario,
  workers: number,
  options: Partial<QueueOptions>,
  localTelegram: boolean,
  publicUrl = false,
): Promise<Env> {
  const tg = localTelegram ? await startFakeTelegram({ recordCalls: false }) : null;
  const providers = await startProviders(scenario, !localTelegram);
  const dir = mkdtempSync(join(tmpdir(), "nc-bench-queue-"));
  const port = publicUrl ? await freePort() : 0;
  const env: Record<string, string> = {
    ...(publicUrl
      ? { PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, HTTP_PORT: String(port), HTTP_HOST: "127.0.0.1" }
      : {}),
    BOT_TOKEN: tg?.token ?? providers.tgToken!,
    TELEGRAM_API_ROOT: tg?.apiRoot ?? providers.tgApiRoot!,
    KIE_API_KEYS: "test-key",
    KIE_BASE_URL: providers.kie,
    KIE_UPLOAD_BASE_URL: providers.kie,
    OPENAI_API_KEY: providers.openaiKey,
    OPENAI_BASE_URL: providers.openai,
    STORAGE_PATH: join(dir, "files"),
    DATABASE_PATH: join(dir, "bench.db"),
    SEND_RATE_PER_SECOND: "0",
    WORKER_CONCURRENCY: String(workers),
    FREE_CREDITS: "0",
  };
  const config = parseConfig(env);
  const store = await createStore(config, logger);
  const telegram = createTelegram({ config, store, logger });
  const metrics = createMetrics();
  const storage = createStorage(config, logger);
  const queue = createQueue({ config, store, logger, metrics, telegram, storage, catalogue, options });
  // With PUBLIC_BASE_URL kie.ai fetches the photo from our own HTTP server instead of an upload.
  const http = publicUrl
    ? createHttpServer({
        config,
        store,
        storage,
        metrics,
        logger,
        health: ALL_HEALTHY,
        onKieCallback: (taskId) => queue.checkProviderTask(taskId),
      })
    : null;
  await http?.listen();
  const users: Array<{ id: number; tgId: number }> = [];
  for (let i = 0; i < USERS; i++) {
    const tgId = 70_000 + i;
    tg?.user({ id: tgId, language_code: "en" });
    const { user } = await store.getOrCreateUser({ tgId, firstName: `B${i}`, languageCode: "en" });
    await store.addCredits({ userId: user.id, amount: JOBS, reason: "admin_grant", reference: `bench:${i}` });
    users.push({ id: user.id, tgId });
  }
  return {
    tg,
    store,
    queue,
    fakesPid: providers.child.pid ?? 0,
    env,
    users,
    async close() {
      await queue.stop(2000);
      await store.close();
      providers.child.kill();
      await http?.close();
      await tg?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Providers {
  kie: string;
  openai: string;
  openaiKey: string;
  tgApiRoot?: string;
  tgToken?: string;
}

/**
 * The kie.ai and OpenAI fakes (and, for the throughput run, the fake Bot API with every user and
 * photo registered) run in a child process, so the measured process is the program itself.
 */
async function startProviders(
  scenario: TaskScenario,
  telegram: boolean,
): Promise<Providers & { child: ChildProcess }> {
  // The fakes are not the program: they run without its V8 flags.
  const execArgv = process.execArgv.filter((a) => !APP_FLAGS.includes(a));
  const child = spawn(process.execPath, [...execArgv, fileURLToPath(import.meta.url)], {
    env: {
      ...process.env,
      BENCH_PHASE: "providers",
      BENCH_SCENARIO: JSON.stringify(scenario),
      BENCH_TELEGRAM: telegram ? "1" : "",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
    });
    child.once("exit", (code) => reject(new Error(`provider fakes exited with ${code}`)));
  });
  return { ...(JSON.parse(line) as Providers), child };
}

async function createJobs(e: Env, n: number): Promise<void> {
  const per = Math.ceil(n / e.users.length);
  let made = 0;
  for (const u of e.users) {
    const batch: NewJob[] = [];
    for (let i = 0; i < per && made < n; i++, made++) {
      const t = catalogue.get(made % 2 ? "broll" : "ugc")!;
      const photo = e.tg?.registerFile({ bytes: TINY_PNG, mimeType: "image/png", dir: "photos" });
      batch.push({
        chatId: u.tgId,
        template: t.id,
        model: t.model,
        language: "en",
        photoFileId: photo?.fileId ?? `bench-photo-${made}`,
        productText: "Ceramic mug 350 ml, matte black",
        cost: priceOf(t, defaultChoice(t).seconds) ?? 1,
        idempotencyKey: `bench:${u.tgId}:${i}:${Math.random()}`,
      });
    }
    const r = await e.store.createJobsAndConsumeCredits(u.id, batch);
    if (!r.ok) throw new Error(`jobs not created: ${r.reason}`);
  }
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs: number, every = 25): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, every));
  }
}

async function throughput(workers: number, publicUrl: boolean): Promise<void> {
  const e = await setup(
    { outcome: "success", polls: 0, resultBytes: 100 * 1024 },
    workers,
    { timing: { firstPollMs: 0, pollMinMs: 0, pollMaxMs: 0 }, idleMs: 1000 },
    false,
    publicUrl,
  );
  try {
    await createJobs(e, JOBS);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const fakes0 = cpuMsOf(e.fakesPid);
    e.queue.start();
    await waitFor(
      async () => {
        const c = await e.store.countJobsByStatus();
        return c.succeeded + c.failed === JOBS;
      },
      600_000,
      100,
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuPerJob = (cpu.user + cpu.system) / 1000 / JOBS;
    const fakesPerJob = (cpuMsOf(e.fakesPid) - fakes0) / JOBS;
    const c = await e.store.countJobsByStatus();
    console.log(
      `throughput  ${publicUrl ? "PUBLIC_BASE_URL" : "kie upload    "}  workers=${workers}  jobs=${JOBS}  ${(JOBS / secs).toFixed(1)} jobs/s  ` +
        `(${secs.toFixed(2)} s, succeeded ${c.succeeded}, failed ${c.failed}); ` +
        `CPU ${cpuPerJob.toFixed(2)} ms/job in the app process (user ${(cpu.user / 1000 / JOBS).toFixed(2)}, ` +
        `system ${(cpu.system / 1000 / JOBS).toFixed(2)}) ≈ ${(1000 / cpuPerJob).toFixed(0)} jobs/s per core; ` +
        `the fakes' process ${fakesPerJob.toFixed(2)} ms/job`,
    );
  } finally {
    await e.close();
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

async function inFlight(): Promise<void> {
  const IN_FLIGHT = 200;
  // A slow provider: renders never finish during the run; status checks every 2 s.
  const e = await setup(
    { outcome: "hang" },
    3,
    { timing: { firstPollMs: 2000, pollMinMs: 2000, pollMaxMs: 2000 } },
    true,
  );
  const tg = e.tg!;
  const config = parseConfig({ ...e.env });
  const telegram = createTelegram({ config, store: e.store, logger });
  const bot = createBot({
    config,
    store: e.store,
    logger,
    metrics: createMetrics(),
    telegram,
    catalogue,
    queue: e.queue,
    polling: { pollTimeoutSeconds: 1 },
  });
  try {
    const rssIdle = process.memoryUsage().rss / MB;
    await createJobs(e, IN_FLIGHT);
    e.queue.start();
    await waitFor(
      async () =>
        (await e.store.listLastJobs({ status: "processing", limit: 1000 })).filter((j) => j.providerTaskId)
          .length === IN_FLIGHT,
      120_000,
      200,
    );
    const rssInFlight = process.memoryUsage().rss / MB;
    await bot.start();
    await waitFor(async () => bot.isPolling(), 10_000);
    // A consented user on the main menu.
    const u = tg.user({ id: 99_001, language_code: "en" });
    u.command("start");
    const terms = await u.next();
    u.tap(terms, encode({ a: "consent" }));
    const menu = await u.next((m) => m.reply_markup !== undefined && m.message_id > terms.message_id);
    const latencies: number[] = [];
    const TAPS = 300;
    for (let i = 0; i < TAPS; i++) {
      const t = performance.now();
      const id = u.forgeTap(menu.message_id, encode({ a: "menu" }));
      await tg.callbackAnswer(id, 5000);
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
    const rssEnd = process.memoryUsage().rss / MB;
    // Live heap (after a full collection) tells retained memory from garbage not yet collected.
    (globalThis as { gc?: () => void }).gc?.();
    const liveHeap = process.memoryUsage().heapUsed / MB;
    const polls = (await e.store.listLastJobs({ status: "processing", limit: 1000 })).length;
    console.log(
      `in flight   ${IN_FLIGHT} renders waiting (still processing: ${polls}), 3 workers, polls every 2 s\n` +
        `            RSS ${rssIdle.toFixed(0)} MB idle, ${rssInFlight.toFixed(0)} MB with all in flight, ${rssEnd.toFixed(0)} MB after ${TAPS} taps ` +
        `(live heap ${liveHeap.toFixed(0)} MB; process: queue + bot + store + fake Bot API)\n` +
        `            menu tap → answerCallbackQuery: p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
    );
  } finally {
    await bot.stop();
    await e.close();
  }
}

// The memory runs happen in fresh processes (no garbage of the throughput runs counts): once with
// Node's default heap sizing and once with an 8 MB semi-space (16 MB young generation). Node 24 sizes the young
// generation from the machine's memory (128 MB here), which alone is most of the resident set.
if (process.env.BENCH_PHASE === "providers") {
  const kie = createKieServer({ scenario: JSON.parse(process.env.BENCH_SCENARIO ?? "{}") as TaskScenario });
  const openai = createOpenAiServer();
  const out: Providers = { kie: await kie.start(), openai: await openai.start(), openaiKey: openai.apiKey };
  if (process.env.BENCH_TELEGRAM) {
    const tg = await startFakeTelegram({ recordCalls: false });
    for (let i = 0; i < USERS; i++) tg.user({ id: 70_000 + i, language_code: "en" });
    for (let i = 0; i < JOBS; i++) {
      tg.registerFile({ fileId: `bench-photo-${i}`, bytes: TINY_PNG, mimeType: "image/png", dir: "photos" });
    }
    Object.assign(out, { tgApiRoot: tg.apiRoot, tgToken: tg.token });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  // A clean exit on SIGTERM, so a --cpu-prof run writes this process's profile too.
  process.once("SIGTERM", () => process.exit(0));
  await new Promise(() => {});
}
/** Runs one phase of this bench in a child process started with `flags` (V8 and Node options). */
async function phase(name: string, flags: string[]): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, ...flags, fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_PHASE: name },
    stdio: "inherit",
  });
  const code = await new Promise((r) => child.once("exit", r));
  if (code !== 0) throw new Error(`bench phase ${name} exited with ${String(code)}`);
}

if (process.env.BENCH_PHASE === "inflight") {
  await inFlight();
  process.exit(0);
}
if (process.env.BENCH_PHASE === "throughput") {
  const modes = (process.env.BENCH_MODES ?? "upload,public").split(",");
  for (const publicUrl of [false, true]) {
    if (!modes.includes(publicUrl ? "public" : "upload")) continue;
    for (const w of WORKERS) await throughput(w, publicUrl);
  }
  process.exit(0);
}
if (process.env.BENCH_ONLY !== "throughput") {
  // With Node's defaults too, to show what the flags buy.
  for (const flags of [[], APP_FLAGS]) {
    console.log(`in flight   node flags: ${flags.join(" ") || "(defaults)"}`);
    // --expose-gc: the phase reads the live heap after a full collection.
    await phase("inflight", ["--expose-gc", ...flags]);
  }
}
if (process.env.BENCH_ONLY !== "inflight") {
  console.log(`throughput  node flags: ${APP_FLAGS.join(" ") || "(defaults)"}`);
  await phase("throughput", APP_FLAGS);
}
