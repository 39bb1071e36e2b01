// Backup and restore of a big SQLite database: 100,000 users and 1,000,000 jobs (+ a ledger row per
// user and 50 stored files of 1 MB). `npm run bench:backup`.
//
// Each operation runs in a child process of its own so its peak RSS is its own. While the backup
// runs, the "bot" answers: a second process does getUserByTgId + a small write (touchUser) every
// 10 ms on the same file, and the backup process itself does the same on its own connection (the
// automatic-backup case, where the backup shares the bot's event loop). Reported: time and peak RSS
// of backup and restore, p50/p99/max of those probe round trips during the backup (target p99 <
// 100 ms).
//
//   BENCH_USERS, BENCH_JOBS   sizes (default 100000, 1000000)
//   BENCH_KEEP=1              keep the temp folder for inspection
//   BENCH_DATABASE_URL / TEST_DATABASE_URL   also restore into Postgres (a schema of its own)

import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { createBackup, restoreBackup } from "../src/backup/index.ts";
import { parseConfig } from "../src/config/index.ts";
import { migrateDatabase, openSqliteStore } from "../src/db/index.ts";
import { createLogger } from "../src/logger.ts";

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const JOBS = Number(process.env.BENCH_JOBS ?? 1_000_000);
const PROBE_EVERY_MS = 10;
const logger = createLogger({ level: "silent", pretty: false });
const self = fileURLToPath(import.meta.url);

const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;

const configFor = (dir: string, pgSchema?: string) => {
  const env: Record<string, string> = {
    BOT_TOKEN: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    DATABASE_PATH: join(dir, "neurocards.db"),
    STORAGE_PATH: join(dir, "files"),
    BACKUP_DIR: join(dir, "backups"),
  };
  if (pgSchema && PG_URL) {
    const url = new URL(PG_URL);
    url.searchParams.set("options", `-c search_path=${pgSchema}`);
    env.DATABASE_TYPE = "postgres";
    env.DATABASE_URL = url.toString();
  }
  return parseConfig(env);
};

async function pgAdmin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return {
    n: s.length,
    p50: +at(0.5).toFixed(2),
    p99: +at(0.99).toFixed(2),
    max: +(s.at(-1) ?? 0).toFixed(2),
  };
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** A "bot" on its own connection: every 10 ms a read and a small write; latency includes event-loop lag. */
async function startProbe(dbPath: string) {
  const store = await openSqliteStore({ path: dbPath, freeCredits: 0, logger });
  const samples: Array<{ at: number; ms: number }> = [];
  let next = performance.now();
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      next += PROBE_EVERY_MS;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // Measured from when the tick was due, so time the event loop was blocked counts.
      const due = next;
      const user = await store.getUserByTgId(1_000_000 + Math.floor(Math.random() * USERS));
      if (user) await store.touchUser(user.id, new Date());
      samples.push({ at: Date.now(), ms: performance.now() - Math.min(due, performance.now()) });
    }
  };
  const running = loop();
  return {
    async stop() {
      stopped = true;
      await running;
      await store.close();
      return samples;
    },
  };
}

function generate(dir: string): void {
  const db = new Database(join(dir, "neurocards.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const now = Date.now();
  const insertUser = db.prepare(
    "insert into users (id, tg_id, username, first_name, credits, referral_code, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const insertLedger = db.prepare(
    "insert into credit_ledger (user_id, delta, balance_after, reason, reference, created_at) values (?, 3, 3, 'signup_bonus', ?, ?)",
  );
  const insertJob = db.prepare(
    `insert into jobs (user_id, chat_id, template, model, language, product_text, wishes, generated_prompt, provider,
       provider_task_id, status, attempts, run_at, result_file_id, credits_charged, idempotency_key, created_at, finished_at, updated_at)
     values (?, ?, 'ugc', 'sora-2-image-to-video', 'ru', ?, null, ?, 'kie', ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const prompt =
    "Vertical 9:16 handheld UGC video. An invented presenter holds the product close to the camera, turns it to show details and explains why they love it.";
  db.transaction(() => {
    for (let u = 1; u <= USERS; u++) {
      const t = now - (USERS - u) * 60_000;
      insertUser.run(
        u,
        1_000_000 + u,
        `user${u}`,
        `Имя ${u}`,
        3,
        `r${u.toString(36).padStart(7, "0")}`,
        t,
        t,
      );
      insertLedger.run(u, `signup:${u}`, t);
    }
    for (let j = 1; j <= JOBS; j++) {
      const u = 1 + (j % USERS);
      const t = now - (JOBS - j) * 1000;
      const ok = j % 10 !== 0;
      insertJob.run(
        u,
        1_000_000 + u,
        `Товар номер ${j}: керамическая кружка 350 мл с крышкой`,
        prompt,
        `task-${j}`,
        ok ? "succeeded" : "failed",
        t,
        ok ? `BAACAgIAAxkBAAI${j}` : null,
        ok ? 1 : 0,
        `bench-${j}`,
        t,
        t + 300_000,
        t + 300_000,
      );
    }
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  const files = join(dir, "files", "results", "2026", "11", "25");
  mkdirSync(files, { recursive: true });
  for (let i = 0; i < 50; i++)
    writeFileSync(join(files, `${randomBytes(16).toString("hex")}.mp4`), randomBytes(1 << 20));
}

type ChildResult = Record<string, unknown>;

function child(args: string[]): { done: Promise<ChildResult>; send(m: unknown): void } {
  const p = fork(self, args, { stdio: "inherit" });
  const done = new Promise<ChildResult>((resolve, reject) => {
    p.on("message", (m: { result?: ChildResult }) => m.result && resolve(m.result));
    p.on("exit", (code) => code !== 0 && reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return { done, send: (m) => p.send(m as object) };
}

async function childMain(
  mode: string,
  dir: string,
  extra: string | undefined,
  schema?: string,
): Promise<void> {
  const reply = (result: ChildResult) => process.send?.({ result });
  if (mode === "probe") {
    const probe = await startProbe(join(dir, "neurocards.db"));
    process.send?.({ ready: true });
    process.once("message", async (w: { from: number; to: number }) => {
      const samples = await probe.stop();
      reply({ probe: stats(samples.filter((x) => x.at >= w.from && x.at <= w.to).map((x) => x.ms)) });
      process.exit(0);
    });
    return;
  }
  if (mode === "backup") {
    const inProcess = await startProbe(join(dir, "neurocards.db"));
    const rssBeforeMb = peakRssMb();
    const from = Date.now();
    const t0 = performance.now();
    const res = await createBackup({ config: configFor(dir), logger });
    const seconds = (performance.now() - t0) / 1000;
    const to = Date.now();
    const samples = await inProcess.stop();
    reply({
      seconds,
      from,
      to,
      rssBeforeMb,
      peakRssMb: peakRssMb(),
      path: res.path,
      archiveMb: Math.round(res.bytes / 2 ** 20),
      inProcess: stats(samples.map((x) => x.ms)),
    });
    process.exit(0);
  }
  if (mode === "restore") {
    const rssBeforeMb = peakRssMb();
    const t0 = performance.now();
    const res = await restoreBackup({ config: configFor(dir, schema), logger, archive: extra! });
    reply({
      seconds: (performance.now() - t0) / 1000,
      rssBeforeMb,
      peakRssMb: peakRssMb(),
      jobs: res.tables.jobs,
      users: res.tables.users,
    });
    process.exit(0);
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "nc-bench-backup-"));
  const src = join(root, "src");
  const dst = join(root, "dst");
  try {
    mkdirSync(src);
    await migrateDatabase(configFor(src), logger);
    const t0 = performance.now();
    generate(src);
    const dbMb = Math.round(statSync(join(src, "neurocards.db")).size / 2 ** 20);
    console.log(
      `generated ${USERS} users, ${JOBS} jobs (${dbMb} MB) + 50 MB of files in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const probe = fork(self, ["probe", src], { stdio: "inherit" });
    const probeResult = new Promise<ChildResult>((resolve) =>
      probe.on("message", (m: { result?: ChildResult }) => m.result && resolve(m.result)),
    );
    await new Promise<void>((resolve) => probe.once("message", () => resolve()));
    // The machine's own noise, for comparison: the same probe with nothing else of ours running.
    const quiet = await startProbe(join(src, "neurocards.db"));
    await new Promise((r) => setTimeout(r, 5000));
    const baseline = stats((await quiet.stop()).map((x) => x.ms));
    const backup = await child(["backup", src]).done;
    probe.send({ from: backup.from, to: backup.to });
    const bot = (await probeResult).probe;

    const restore = await child(["restore", dst, String(backup.path)]).done;
    let restorePg: ChildResult | null = null;
    if (PG_URL) {
      const schema = `bench_${randomBytes(4).toString("hex")}`;
      await pgAdmin(`create schema ${schema}`);
      try {
        restorePg = await child(["restore", join(root, "dst-pg"), String(backup.path), schema]).done;
      } finally {
        await pgAdmin(`drop schema ${schema} cascade`);
      }
    }

    const rows = [
      {
        step: "backup",
        seconds: +(backup.seconds as number).toFixed(1),
        rssAtStartMb: backup.rssBeforeMb,
        peakRssMb: backup.peakRssMb,
        archiveMb: backup.archiveMb,
      },
      {
        step: "restore → fresh SQLite",
        seconds: +(restore.seconds as number).toFixed(1),
        rssAtStartMb: restore.rssBeforeMb,
        peakRssMb: restore.peakRssMb,
        archiveMb: "",
      },
      ...(restorePg
        ? [
            {
              step: "restore → fresh Postgres",
              seconds: +(restorePg.seconds as number).toFixed(1),
              rssAtStartMb: restorePg.rssBeforeMb,
              peakRssMb: restorePg.peakRssMb,
              archiveMb: "",
            },
          ]
        : []),
    ];
    console.table(rows);
    console.log("store read+write every 10 ms during the backup (ms):");
    console.table([
      { probe: "baseline: no backup running", ...baseline },
      { probe: "bot in a second process", ...(bot as object) },
      { probe: "same process as the backup", ...(backup.inProcess as object) },
    ]);
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(root, { recursive: true, force: true });
    else console.log(`kept ${root}`);
  }
}

const [mode, dir, extra, schema] = process.argv.slice(2);
if (mode && dir) await childMain(mode, dir, extra, schema);
else await main();
