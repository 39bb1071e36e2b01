// npm run bench:scale — workers on several hosts (issue 15): jobs/s with 1, 2 and 3 `neurocards
// worker` processes sharing one Postgres queue, the 1-process run as the baseline in the same run.
// Each worker is the real program (src/main.ts via tsx, with the executable's V8 flags; or the
// built file with BENCH_BIN) in a process of its own, with the default WORKER_CONCURRENCY unless
// BENCH_SLOTS says otherwise. The fake Bot API, kie.ai and OpenAI run in this process. Each run of
// BENCH_RENDER_MS (default "0,1000") is a mode of its own: 0 answers at once (a render is done when
// its task is created and kie.ai's callback reaches the worker's HTTP server right away: the bench
// measures the CPU each job costs); otherwise kie.ai's task succeeds (status and callback) that many
// ms after its creation. Waiting for a render holds no worker slot (a release with a later run_at),
// so render time alone still leaves a big backlog CPU-bound; BENCH_PROMPT_MS (default "0,1000": a
// render mode each) makes OpenAI take that long per completion, a step that holds a slot as in real
// use (the prompt, the downloads and sendVideo take seconds), so a process is bound by its slots,
// not its CPU.
// Files live in one local STORAGE_PATH (the processes share the machine).
// For each run a fresh database gets BENCH_JOBS jobs (default 600 instant, 450 with renders,
// 90 000 / BENCH_PROMPT_MS with a prompt latency) in one go once the workers are up;
// jobs/s is from the orders' creation until the last one is delivered (photo download, prompt,
// render, callback, result download, sendVideo). CPU per process from /proc, load average beside.
//
//   BENCH_RENDER_MS (0,1000)  BENCH_PROMPT_MS (0,1000)
//   BENCH_JOBS (by mode)  BENCH_PROCS (1,2,3)  BENCH_SLOTS (WORKER_CONCURRENCY, default 3)  BENCH_ROUNDS (1)
//   BENCH_BIN (the built executable)  BENCH_PROFILE=dir (--cpu-prof of each worker into dir)
//   TEST_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test)
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import NODE_FLAGS from "../build/node-flags.json" with { type: "json" };
import { parseConfig } from "../src/config/index.ts";
import { createStore } from "../src/db/index.ts";
import type { NewJob } from "../src/db/store.ts";
import { createLogger } from "../src/logger.ts";
import { createCatalogue, defaultChoice, priceOf } from "../src/templates/index.ts";
import { TINY_PNG } from "../test/fakes/telegram-server.ts";
import { startFakes } from "../test/smoke/fakes.ts";

const env = process.env;
const RENDER_MS = (env.BENCH_RENDER_MS ?? "0,1000").split(",").map(Number);
const PROMPT_MS = (env.BENCH_PROMPT_MS ?? "0,1000").split(",").map(Number);
/** The modes: instant fakes, and each render time with each prompt latency. */
const MODES = RENDER_MS.flatMap((renderMs) =>
  renderMs ? PROMPT_MS.map((promptMs) => ({ renderMs, promptMs })) : [{ renderMs, promptMs: 0 }],
);
/** Jobs per run, by mode: sized so a run lasts ~10–30 s on this 2-core machine. */
const jobsFor = (renderMs: number, promptMs: number) =>
  Number(env.BENCH_JOBS ?? (promptMs ? Math.round(90_000 / promptMs) : renderMs ? 450 : 600));
const PROCS = (env.BENCH_PROCS ?? "1,2,3").split(",").map(Number);
const SLOTS = env.BENCH_SLOTS;
const PG_URL = env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const ROOT = resolve(import.meta.dirname, "..");
const USERS = 20;
const TICKS = 100; // /proc times are in clock ticks (USER_HZ)
const catalogue = createCatalogue();
const logger = createLogger({ level: "silent", pretty: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/** CPU seconds a process has used (user + system). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** CPU seconds so far of each Postgres backend serving `database` (the server is shared with others). */
async function backendsCpu(admin: pg.Client, database: string): Promise<Map<number, number>> {
  const { rows } = await admin.query("select pid from pg_stat_activity where datname = $1", [database]);
  const out = new Map<number, number>();
  for (const r of rows as Array<{ pid: number }>) {
    try {
      out.set(r.pid, cpuOf(r.pid));
    } catch {
      // A backend that ended meanwhile.
    }
  }
  return out;
}

/** CPU the backends used between two readings (a backend that came or went counts from zero or not at all). */
const cpuBetween = (a: Map<number, number>, b: Map<number, number>) =>
  [...b].reduce((sum, [pid, t]) => sum + t - (a.get(pid) ?? 0), 0);

/**
 * The main thread's (where the JavaScript runs) time on a CPU and waiting in the run queue for
 * one, in seconds (/proc/<pid>/schedstat). The rest of the wall time it slept: waiting for
 * Postgres, the fakes or the disk.
 */
function schedOf(pid: number): { run: number; queued: number } {
  const [run, queued] = readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ").map(Number);
  return { run: run! / 1e9, queued: queued! / 1e9 };
}

interface Run {
  procs: number;
  renderMs: number;
  promptMs: number;
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  workerCpu: number[];
  /** Summed over the workers' main threads: share of (wall time × processes) running, queued for a CPU. */
  mainRunning: number;
  mainQueued: number;
  fakesCpu: number;
  postgresCpu: number;
  load: number[];
}

async function run(procs: number, renderMs: number, promptMs: number, JOBS: number): Promise<Run> {
  // A database of its own, so its backends' CPU can be told apart from other users of the server.
  const database = `bench_scale_${randomBytes(4).toString("hex")}`;
  const server = new pg.Client({ connectionString: PG_URL });
  await server.connect();
  await server.query(`create database ${database}`);
  const dbUrl = new URL(PG_URL);
  dbUrl.pathname = `/${database}`;
  const admin = new pg.Client({ connectionString: dbUrl.toString() });
  await admin.connect();
  const dir = mkdtempSync(join(tmpdir(), "nc-bench-scale-"));
  const fakes = await startFakes({
    kieScenario: { outcome: "success", afterMs: renderMs, resultBytes: 100_000 },
    openAiLatencyMs: promptMs,
  });
  const base = {
    PATH: env.PATH ?? "",
    HOME: dir,
    ...fakes.env,
    DATABASE_TYPE: "postgres",
    DATABASE_URL: dbUrl.toString(),
    STORAGE_PATH: join(dir, "files"),
    SEND_RATE_PER_SECOND: "0",
    FREE_CREDITS: "0",
    LOG_LEVEL: "warn",
    ...(SLOTS ? { WORKER_CONCURRENCY: SLOTS } : {}),
  };
  const children: Array<{ child: ChildProcess; log: string[]; ready: boolean }> = [];
  try {
    // The schema is migrated once, by the first process, before the others start.
    for (let i = 0; i < procs; i++) {
      const port = await freePort();
      const command = env.BENCH_BIN
        ? [resolve(env.BENCH_BIN), "worker"]
        : [
            process.execPath,
            ...NODE_FLAGS,
            ...(env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${resolve(env.BENCH_PROFILE)}`] : []),
            "--import",
            "tsx",
            join(ROOT, "src/main.ts"),
            "worker",
          ];
      const child = spawn(command[0]!, command.slice(1), {
        cwd: ROOT,
        env: {
          ...base,
          // Its own HTTP server, where kie.ai's callbacks and photo fetches for its renders go.
          HTTP_HOST: "127.0.0.1",
          HTTP_PORT: String(port),
          PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
          LOG_LEVEL: "info",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const c = { child, log: [] as string[], ready: false };
      const onData = (d: Buffer) => {
        c.log.push(d.toString());
        if (!c.ready && d.toString().includes("queue started")) c.ready = true;
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      children.push(c);
      const deadline = Date.now() + 60_000;
      while (!c.ready) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`worker ${i + 1} did not start:\n${c.log.join("")}`);
        await sleep(50);
      }
    }

    // Sellers with credits, their chats and photos at the fake Bot API, and the orders.
    const store = await createStore(parseConfig({ ...base, BOT_TOKEN: fakes.env.BOT_TOKEN! }), logger);
    const batches: Array<{ userId: number; jobs: NewJob[] }> = [];
    for (let u = 0; u < USERS; u++) {
      const tgId = 80_000 + u;
      fakes.telegram.user({ id: tgId, language_code: "en" });
      const { user } = await store.getOrCreateUser({ tgId, firstName: `S${u}`, languageCode: "en" });
      await store.addCredits({
        userId: user.id,
        amount: JOBS * 10,
        reason: "admin_grant",
        reference: `b:${u}`,
      });
      const jobs: NewJob[] = [];
      for (let i = u; i < JOBS; i += USERS) {
        const t = catalogue.get(i % 2 ? "broll" : "ugc")!;
        const photo = fakes.telegram.registerFile({ bytes: TINY_PNG, mimeType: "image/png", dir: "photos" });
        jobs.push({
          chatId: tgId,
          template: t.id,
          model: t.model,
          language: "en",
          photoFileId: photo.fileId,
          productText: "Ceramic mug 350 ml, matte black, keeps coffee hot for an hour",
          cost: priceOf(t, defaultChoice(t).seconds) ?? 1,
          idempotencyKey: `scale:${tgId}:${i}`,
        });
      }
      batches.push({ userId: user.id, jobs });
    }

    const cpu0 = children.map((c) => cpuOf(c.child.pid!));
    const sched0 = children.map((c) => schedOf(c.child.pid!));
    const fakes0 = process.cpuUsage();
    const pg0 = await backendsCpu(admin, database);
    const t0 = performance.now();
    for (const b of batches) {
      const r = await store.createJobsAndConsumeCredits(b.userId, b.jobs);
      if (!r.ok) throw new Error(`jobs not created: ${r.reason}`);
    }
    // As the bot's queue.wake() does after an order: the workers' LISTEN connections hear it.
    await admin.query("select pg_notify('neurocards_jobs', '')");
    const load: number[] = [];
    let lastLoad = 0;
    for (;;) {
      const { rows } = await admin.query(
        "select count(*) filter (where status = 'succeeded') as ok, count(*) filter (where status = 'failed') as failed from jobs",
      );
      const ok = Number(rows[0].ok);
      const failed = Number(rows[0].failed);
      if (failed)
        throw new Error(`${failed} jobs failed:\n${children.map((c) => c.log.join("")).join("\n")}`);
      if (ok >= JOBS) break;
      if (performance.now() - lastLoad > 1000) {
        lastLoad = performance.now();
        load.push(loadavg()[0]!);
      }
      if (performance.now() - t0 > 600_000) throw new Error(`only ${ok} of ${JOBS} jobs done in 10 min`);
      await sleep(50);
    }
    const seconds = (performance.now() - t0) / 1000;
    const sched = children.map((c, i) => {
      const s = schedOf(c.child.pid!);
      return { run: s.run - sched0[i]!.run, queued: s.queued - sched0[i]!.queued };
    });
    const fakesUsage = process.cpuUsage(fakes0);
    const result: Run = {
      procs,
      renderMs,
      promptMs,
      jobs: JOBS,
      seconds,
      jobsPerSecond: JOBS / seconds,
      workerCpu: children.map((c, i) => cpuOf(c.child.pid!) - cpu0[i]!),
      mainRunning: sched.reduce((a, s) => a + s.run, 0) / (seconds * procs),
      mainQueued: sched.reduce((a, s) => a + s.queued, 0) / (seconds * procs),
      fakesCpu: (fakesUsage.user + fakesUsage.system) / 1e6,
      postgresCpu: cpuBetween(pg0, await backendsCpu(admin, database)),
      load: [Math.min(...load, loadavg()[0]!), Math.max(...load, loadavg()[0]!)],
    };
    await store.close();
    return result;
  } finally {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((r) => {
            if (c.child.exitCode !== null) return r();
            const late = setTimeout(() => c.child.kill("SIGKILL"), 10_000);
            c.child.once("exit", () => {
              clearTimeout(late);
              r();
            });
            c.child.kill("SIGTERM");
          }),
      ),
    );
    await fakes.close();
    await admin.end();
    await server.query(`drop database if exists ${database} with (force)`);
    await server.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ROUNDS = Number(env.BENCH_ROUNDS ?? 1);
const results: Array<Run & { round: number }> = [];
// Rounds interleave the process counts (1, 2, 3, 1, 2, 3…) so a change in the machine's other load
// hits every count alike; each ratio is to the same round's single process.
for (const { renderMs, promptMs } of MODES) {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const procs of PROCS) {
      const jobs = jobsFor(renderMs, promptMs);
      process.stderr.write(
        `[scale] render ${renderMs} ms, prompt ${promptMs} ms, round ${round}: ${procs} worker process(es), ${jobs} jobs…\n`,
      );
      results.push({ ...(await run(procs, renderMs, promptMs, jobs)), round });
    }
  }
}
const f = (n: number, d = 1) => n.toFixed(d);
const pct = (n: number) => `${Math.round(n * 100)}%`;
process.stdout.write(
  `\nWORKER_CONCURRENCY ${SLOTS ?? "default (3)"} per process, ${
    env.BENCH_BIN ? "built executable" : "src via tsx"
  }, ${cpus().length} cores; render: 0 = instant fakes, else kie.ai's task succeeds that many ms after its creation (and OpenAI answers after BENCH_PROMPT_MS)\n\n| render | jobs | round | processes | jobs/s | × one | workers' CPU (cores each) | main thread running / queued for a CPU | fakes / Postgres CPU (cores) | the run's CPU, all parties | per job: workers / all | load avg (1 min) |\n|---:|---:|---:|---:|---:|---:|---|---|---|---:|---|---|\n`,
);
for (const r of results) {
  const one = results.find(
    (x) => x.renderMs === r.renderMs && x.promptMs === r.promptMs && x.round === r.round && x.procs === 1,
  );
  const app = r.workerCpu.reduce((a, b) => a + b, 0);
  const all = app + r.fakesCpu + r.postgresCpu;
  const cores = r.workerCpu.map((c) => f(c / r.seconds, 2)).join(" / ");
  process.stdout.write(
    `| ${r.renderMs} ms${r.promptMs ? `, prompt ${r.promptMs} ms` : ""} | ${r.jobs} | ${r.round} | ${r.procs} | ${f(r.jobsPerSecond)} | ${one ? f(r.jobsPerSecond / one.jobsPerSecond, 2) : "–"} | ${cores} | ${pct(r.mainRunning)} / ${pct(r.mainQueued)} | ${f(r.fakesCpu / r.seconds, 2)} / ${f(r.postgresCpu / r.seconds, 2)} | ${f(all / r.seconds, 2)} cores | ${f((app / r.jobs) * 1000)} / ${f((all / r.jobs) * 1000)} ms | ${f(r.load[0]!)}–${f(r.load[1]!)} |\n`,
  );
}
