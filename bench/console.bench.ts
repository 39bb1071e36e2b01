// The owner's console: `npm run bench:console`.
//
//   1. The overview's aggregates (src/db/ops/stats.ts) over a large history — 100,000 jobs, 20,000
//      users and 8,000 payments spread over 90 days — for a 30- and a 90-day range, beside the
//      least any overview must do: one count of the range's jobs. SQLite always; Postgres when
//      BENCH_DATABASE_URL or TEST_DATABASE_URL is set (in a schema of its own).
//   2. The built executable's resident memory (build/neurocards, or BENCH_EXE: several paths
//      separated by ":" are measured in turn, e.g. a build of the commit before the console) polling
//      and idle, then after the console's first pages and assets were served: what loading it
//      lazily saves. BENCH_CONSOLE_JOBS=0 measures only this.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { type Driver, join as joinSql, one, run, sql } from "../src/db/driver/index.ts";
import { openPostgresDriver } from "../src/db/driver/postgres.ts";
import { openSqliteDriver } from "../src/db/driver/sqlite.ts";
import { dayRange, localDay, nextDay, overviewStats } from "../src/db/ops/stats.ts";
import { createLogger } from "../src/logger.ts";
import { startFakes } from "../test/smoke/fakes.ts";

const JOBS = Number(process.env.BENCH_CONSOLE_JOBS ?? 100_000);
const USERS = 20_000;
const PAYMENTS = 8_000;
const DAYS = 90;
const RUNS = 7;
const TZ = "Europe/Moscow";
const logger = createLogger({ level: "silent", pretty: false });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function seed(d: Driver, now: number): Promise<void> {
  const span = DAYS * 24 * 3600_000;
  const at = (i: number, n: number) => new Date(now - span + Math.floor(((i * 7919) % n) * (span / n)));
  const batch = async (
    n: number,
    row: (i: number) => unknown[],
    insert: (values: ReturnType<typeof sql>) => ReturnType<typeof sql>,
  ) => {
    for (let start = 0; start < n; start += 500) {
      const values: ReturnType<typeof sql>[] = [];
      for (let i = start; i < Math.min(n, start + 500); i++) values.push(sql`(${joinSql(row(i))})`);
      await d.transaction(function* () {
        return yield* run(insert(joinSql(values)));
      });
    }
  };
  const sources = ["ads_vk", "ads_tg", "blogger", null, null];
  await batch(
    USERS,
    (i) => [i + 1, `b${i}`, at(i, USERS), at(i, USERS), i % 4 ? at(i, USERS) : null, sources[i % 5] ?? null],
    (v) =>
      sql`insert into users (tg_id, referral_code, created_at, updated_at, consent_at, referral_source) values ${v}`,
  );
  const statuses = ["succeeded", "succeeded", "succeeded", "succeeded", "failed"];
  await batch(
    JOBS,
    (i) => {
      const created = at(i, JOBS);
      const status = statuses[i % 5]!;
      return [
        (i % USERS) + 1,
        1,
        ["ugc", "broll", "own"][i % 3],
        "veo3_fast",
        status,
        status === "failed" ? ["transient:deadline", "content_refused:kie_422"][i % 2] : null,
        1,
        `bench:${i}`,
        created,
        new Date(created.getTime() + 60_000 + (i % 300) * 1000),
        created,
        created,
      ];
    },
    (
      v,
    ) => sql`insert into jobs (user_id, chat_id, template, model, status, error_code, credits_charged, idempotency_key,
      created_at, started_at, updated_at, run_at) values ${v}`,
  );
  await batch(
    PAYMENTS,
    (i) => [
      (i % USERS) + 1,
      `bench-${i}`,
      i % 3 ? "XTR" : "RUB",
      i % 3 ? 450 : 49_000,
      10,
      "p10",
      "paid",
      at(i, PAYMENTS),
    ],
    (v) =>
      sql`insert into payments (user_id, telegram_charge_id, currency, amount, credits, package_id, status, created_at) values ${v}`,
  );
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function queries(name: string, d: Driver): Promise<string[]> {
  const now = Date.now();
  await seed(d, now);
  const today = localDay(new Date(now), TZ);
  const lines: string[] = [];
  for (const days of [30, 90]) {
    const range = dayRange(nextDay(today, -(days - 1)), today, TZ);
    const overview: number[] = [];
    const count: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      overview.push(await time(() => d.run(() => overviewStats(range))));
      count.push(
        await time(() =>
          d.run(function* () {
            return yield* one(
              sql`select count(*) as n from jobs where created_at >= ${range.from} and created_at < ${range.to}`,
            );
          }),
        ),
      );
    }
    lines.push(
      `| ${name} | ${days} days | ${median(overview).toFixed(1)} ms (max ${Math.max(...overview).toFixed(1)}) | ${median(count).toFixed(1)} ms |`,
    );
  }
  return lines;
}

async function sqliteQueries(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "nc-bench-console-"));
  const d = openSqliteDriver({ path: join(dir, "bench.db") });
  try {
    return await queries("SQLite", d);
  } finally {
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresQueries(url: string): Promise<string[]> {
  const schema = `bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const d = await openPostgresDriver({ url, schema, poolSize: 4, logger });
  try {
    return await queries("Postgres", d);
  } finally {
    await d.close();
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

async function executableMemory(exe: string): Promise<{ idle: number; after: number }> {
  const fakes = await startFakes();
  const idle: number[] = [];
  const after: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const dir = mkdtempSync(join(tmpdir(), "nc-bench-console-exe-"));
      const port = await freePort();
      const seen = fakes.telegram.calls.filter((c) => c.method === "getUpdates").length;
      const child = spawn(exe, ["run"], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          ...fakes.env,
          HTTP_HOST: "127.0.0.1",
          HTTP_PORT: String(port),
          PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
          LOG_LEVEL: "warn",
        },
        stdio: "ignore",
      });
      while (fakes.telegram.calls.filter((c) => c.method === "getUpdates").length === seen)
        await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 3000));
      idle.push(rssOf(child.pid!));
      // The sign-in page and the four assets: everything the console loads on its first request.
      const base = `http://127.0.0.1:${port}`;
      const page = await (await fetch(`${base}/console/login/${"A".repeat(43)}`)).text();
      for (const m of page.matchAll(/(?:href|src)="(\/console\/assets\/[^"]+)"/g))
        await (await fetch(`${base}${m[1]}`)).arrayBuffer();
      await (await fetch(`${base}/console`)).text();
      await new Promise((r) => setTimeout(r, 2000));
      after.push(rssOf(child.pid!));
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await fakes.close();
  }
  return { idle: median(idle), after: median(after) };
}

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const lines: string[] = [];
if (JOBS > 0)
  lines.push(
    `overview of ${JOBS} jobs, ${USERS} users, ${PAYMENTS} payments over ${DAYS} days (median of ${RUNS}):`,
    "| database | range | overview (all its queries) | baseline: count the range's jobs |",
    "|---|---|---|---|",
    ...(await sqliteQueries()),
    ...(url ? await postgresQueries(url) : []),
    "",
  );
lines.push(
  "resident memory (median of 3):",
  "| executable | polling, idle (console never opened) | after the console's first pages and assets |",
  "|---|---|---|",
);
for (const path of (process.env.BENCH_EXE ?? "build/neurocards").split(":")) {
  const exe = resolve(path);
  if (!existsSync(exe)) {
    lines.push(`| ${exe} | not built (npm run build) | |`);
    continue;
  }
  const m = await executableMemory(exe);
  lines.push(`| ${exe} | ${m.idle.toFixed(0)} MB | ${m.after.toFixed(0)} MB |`);
}
lines.push(
  "",
  `load average: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")} on ${navigator.hardwareConcurrency} cores`,
);
process.stdout.write(`${lines.join("\n")}\n`);
