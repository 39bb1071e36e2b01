// `npm run chaos`: the money-is-never-lost soak (issue 11). Simulated sellers order, pay and
// re-tap against the fake Telegram, kie.ai and OpenAI while the bot — the real program, as a child
// process — is killed with SIGKILL at random moments and restarted, Postgres is taken away behind
// a proxy, and Telegram and the providers fail. Then the chaos stops, the bot is given time to
// settle, and the invariants are checked (invariants.ts). Prints a table; exits 1 on any violation.
//
//   CHAOS_SECONDS  load phase per database (default 180)      CHAOS_SEED  replay a run's choices
//   CHAOS_DB       sqlite,postgres (default both)              CHAOS_SELLERS  (default 10)
//   CHAOS_BIN      run the built executable instead of src/main.ts via tsx
//   CHAOS_DRAIN_SECONDS  settling gives up after this long without progress (default 150)  CHAOS_KEEP  keep run folders
//   TEST_DATABASE_URL (or CHAOS_DATABASE_URL) the Postgres server (default postgres://postgres@127.0.0.1:5432/test)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startFakes } from "../../test/smoke/fakes.ts";
import { botProcess } from "./bot-process.ts";
import { type ChaosDb, openPostgres, openSqlite, type Snapshot } from "./database.ts";
import { type FaultStats, runFaults } from "./faults.ts";
import { type Charge, checkInvariants, type Violation } from "./invariants.ts";
import { seeded } from "./random.ts";
import { emptySellerStats, runSeller, type SellerStats, sentVideos } from "./seller.ts";

const env = process.env;
const SECONDS = Number(env.CHAOS_SECONDS ?? 180);
const SELLERS = Number(env.CHAOS_SELLERS ?? 10);
const DRAIN_SECONDS = Number(env.CHAOS_DRAIN_SECONDS ?? 150);
const SEED = Number(env.CHAOS_SEED ?? Math.floor(Math.random() * 1e9));
const DATABASES = (env.CHAOS_DB ?? "sqlite,postgres").split(",").map((s) => s.trim());
const PG_URL = env.CHAOS_DATABASE_URL ?? env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const ROOT = resolve(import.meta.dirname, "../..");
/** The refund sweep leaves a failed job alone this long (queue/index.ts refundSweepGraceMs). */
const SWEEP_GRACE_MS = 60_000;

interface Result {
  database: string;
  faults: FaultStats;
  sellers: SellerStats;
  selfExits: number;
  charges: number;
  jobs: Record<string, number>;
  settleSeconds: number;
  settled: boolean;
  violations: Violation[];
  dir: string;
}

const log = (s: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function soak(database: string): Promise<Result> {
  const random = seeded(SEED);
  const dir = mkdtempSync(join(tmpdir(), `neurocards-chaos-${database}-`));
  const fakes = await startFakes();
  const db: ChaosDb =
    database === "postgres"
      ? await openPostgres(PG_URL, `chaos_${SEED}_${process.pid}`)
      : await openSqlite(dir);
  const command = env.CHAOS_BIN
    ? [resolve(env.CHAOS_BIN), "run"]
    : [process.execPath, "--import", "tsx", join(ROOT, "src/main.ts"), "run"];
  const bot = botProcess({
    command,
    cwd: env.CHAOS_BIN ? dir : ROOT,
    log: join(dir, "bot.log"),
    env: {
      PATH: env.PATH ?? "",
      HOME: dir,
      ...fakes.env,
      ...db.env,
      STORAGE_PATH: join(dir, "files"),
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      FREE_CREDITS: "1",
      // Small packages so sellers run short and pay often.
      CREDIT_PACKAGES: "1:10,3:25",
      LOG_LEVEL: "info",
    },
  });
  const tg = fakes.telegram;
  const charges: Charge[] = [];
  const sellers = emptySellerStats();
  try {
    bot.start();
    await tg.waitForCall("getUpdates", () => true, 60_000);
    log(`${database}: bot polling; ${SELLERS} sellers for ${SECONDS} s, seed ${SEED}, logs in ${dir}`);

    const until = Date.now() + SECONDS * 1000;
    const faults = runFaults({ bot, db, tg, kie: fakes.kie, openai: fakes.openai }, random.fork(0), until);
    await Promise.all([
      faults.done,
      ...Array.from({ length: SELLERS }, (_, i) =>
        runSeller({ tg, id: 500_000 + i, random: random.fork(i + 1), stats: sellers, charges, until }),
      ),
    ]);
    log(`${database}: chaos over (${faults.stats.kills} kills); letting the bot settle`);
    const t0 = Date.now();
    const settled = await settle(bot, db, tg.pendingUpdates.bind(tg));
    const settleSeconds = Math.round((Date.now() - t0) / 1000);
    await bot.stop();
    const snap = await db.snapshot();
    const violations = checkInvariants(snap, charges, sentVideos(tg));
    return {
      database,
      faults: faults.stats,
      sellers,
      selfExits: bot.selfExits,
      charges: charges.length,
      jobs: jobCounts(snap),
      settleSeconds,
      settled,
      violations,
      dir,
    };
  } finally {
    await bot.close();
    await db.close();
    await fakes.close();
  }
}

/**
 * Waits until the system is at rest: no update waiting at Telegram, no job queued or running, no
 * failed job waiting for its refund. Gives up only when nothing moved for CHAOS_DRAIN_SECONDS (a
 * backlog that drains slowly on a loaded machine is not a violation; one that stops is). A failed
 * job whose refund a kill cut off is healed by the refund sweep, which runs at start for failures
 * older than its grace: the bot is restarted cleanly once such a failure is old enough, as the
 * owner's next deploy would.
 */
async function settle(
  bot: ReturnType<typeof botProcess>,
  db: ChaosDb,
  pending: () => number,
): Promise<boolean> {
  const hardDeadline = Date.now() + 15 * 60_000;
  let lastMove = Date.now();
  let lastState = "";
  let lastRestart = 0;
  let lastLog = 0;
  while (Date.now() - lastMove < DRAIN_SECONDS * 1000 && Date.now() < hardDeadline) {
    const snap = await db.snapshot().catch(() => null);
    if (snap) {
      const busy = snap.jobs.filter((j) => j.status === "queued" || j.status === "processing").length;
      const unrefunded = snap.jobs.filter(
        (j) => j.status === "failed" && j.creditsCharged > 0 && !j.refunded,
      );
      if (busy === 0 && pending() === 0 && unrefunded.length === 0) return true;
      const state = `${busy} jobs queued or running, ${pending()} updates waiting, ${unrefunded.length} refunds due`;
      if (state !== lastState) {
        lastState = state;
        lastMove = Date.now();
      }
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        log(`settling: ${state}`);
      }
      const oldest = Math.min(...unrefunded.map((j) => j.finishedAt ?? Date.now()));
      if (
        unrefunded.length &&
        Date.now() - oldest > SWEEP_GRACE_MS + 2000 &&
        Date.now() - lastRestart > SWEEP_GRACE_MS
      ) {
        log(`${unrefunded.length} failed job(s) without refund: restarting the bot for its refund sweep`);
        lastRestart = Date.now();
        await bot.stop();
        bot.start();
      }
    }
    await sleep(1000);
  }
  return false;
}

function jobCounts(snap: Snapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const j of snap.jobs) out[j.status] = (out[j.status] ?? 0) + 1;
  return out;
}

function table(results: Result[]): string {
  const rows: string[][] = [
    [
      "database",
      "kills",
      "crashes",
      "db outages",
      "db resets",
      "tg faults",
      "provider faults",
      "orders",
      "jobs",
      "delivered",
      "refunded",
      "payments",
      "declined",
      "settle s",
      "violations",
    ],
  ];
  for (const r of results) {
    rows.push(
      [
        r.database,
        r.faults.kills,
        r.selfExits,
        r.faults.dbOutages,
        r.faults.dbResets,
        r.faults.telegramFaults,
        r.faults.providerFaults,
        r.sellers.orders,
        Object.values(r.jobs).reduce((a, b) => a + b, 0),
        r.jobs.succeeded ?? 0,
        r.jobs.failed ?? 0,
        r.charges,
        r.sellers.declined,
        r.settled ? r.settleSeconds : `>${r.settleSeconds}`,
        r.violations.length,
      ].map(String),
    );
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.slice(1).map(line),
  ].join("\n");
}

const results: Result[] = [];
for (const database of DATABASES) {
  if (database !== "sqlite" && database !== "postgres")
    throw new Error(`CHAOS_DB: unknown database ${database}`);
  results.push(await soak(database));
}

process.stdout.write(`\nchaos soak: seed ${SEED}, ${SECONDS} s of load per database, ${SELLERS} sellers\n\n`);
process.stdout.write(`${table(results)}\n`);
for (const r of results) {
  const s = r.sellers;
  process.stdout.write(
    `\n${r.database}: ${s.accepted} orders accepted (${s.outcomesSeen} videos or apologies awaited and seen), ${s.shortOfCredits} short of credits, ${s.preCheckouts} pre-checkouts, ` +
      `${s.doubleTaps} double taps, ${s.staleTaps} stale taps, ${s.paymentReplays} payment replays, ` +
      `started over: ${JSON.stringify(s.startedOver)}; jobs ${JSON.stringify(r.jobs)}\n`,
  );
  if (!r.settled)
    process.stdout.write(`  did not settle (nothing moved for ${DRAIN_SECONDS} s, or 15 min passed)\n`);
  for (const v of r.violations) process.stdout.write(`  VIOLATION ${v.kind}: ${v.detail}\n`);
  if (r.violations.length || env.CHAOS_KEEP) process.stdout.write(`  run folder (bot.log): ${r.dir}\n`);
  else rmSync(r.dir, { recursive: true, force: true });
}
const failed = results.some((r) => r.violations.length > 0);
if (failed) process.stdout.write(`\nreplay with CHAOS_SEED=${SEED}\n`);
process.exit(failed ? 1 : 0);
