// What it costs the bot to see the owner's template edits at once (`npm run bench:templates`).
// Every update from a user calls catalogue.refresh() (src/templates/live.ts); measured here:
//
//   live refresh, nothing changed   the version query (count and sum of revisions), no parse
//   read and parse per use          the other design: every update reads every row and checks it
//   user lookup (baseline)          the read every update already makes (loadUser's getUserByTgId)
//   live refresh after an edit      one edit between two refreshes: version + rows + parse
//
// on SQLite (a file, WAL) and on Postgres when BENCH_DATABASE_URL or TEST_DATABASE_URL is set (a
// schema of its own). The templates are the built-in five; a longer list only makes the second
// design dearer.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Driver, first, sql } from "../src/db/driver/index.ts";
import { openPostgresDriver } from "../src/db/driver/postgres.ts";
import { openSqliteDriver } from "../src/db/driver/sqlite.ts";
import { templatesRepo } from "../src/db/ops/templates.ts";
import { createLogger } from "../src/logger.ts";
import { catalogueOf, type StoredTemplate } from "../src/templates/index.ts";
import { openLiveCatalogue } from "../src/templates/live.ts";
import { createTemplateOperations } from "../src/templates/operations.ts";
import { fromRow } from "../src/templates/rows.ts";

const logger = createLogger({ level: "silent", pretty: false });
const OPS = Number(process.env.BENCH_TEMPLATE_OPS ?? 5000);
const EDITS = Number(process.env.BENCH_TEMPLATE_EDITS ?? 300);

interface Row {
  engine: string;
  bench: string;
  ops: number;
  p50: number;
  p99: number;
  opsPerSec: number;
}
const rows: Row[] = [];

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

async function measure(engine: string, bench: string, ops: number, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < Math.min(200, ops); i++) await fn(i); // warm-up: statements prepared, JIT
  const lat: number[] = [];
  const start = performance.now();
  for (let i = 0; i < ops; i++) {
    const s = performance.now();
    await fn(i);
    lat.push(performance.now() - s);
  }
  const seconds = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  rows.push({
    engine,
    bench,
    ops,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    opsPerSec: Math.round(ops / seconds),
  });
}

async function run(engine: string, driver: Driver): Promise<void> {
  const repo = templatesRepo(driver);
  const live = await openLiveCatalogue({ repo, logger });
  const ops = createTemplateOperations({ repo, logger });
  const now = new Date();
  await driver.run(() =>
    first(
      sql`insert into users (tg_id, referral_code, blocked, created_at, updated_at) values (${424242}, ${"bench"}, ${false}, ${now}, ${now}) returning *`,
      "users",
    ),
  );

  await measure(engine, "user lookup (baseline: every update does it)", OPS, () =>
    driver.run(() => first(sql`select * from users where tg_id = ${424242}`, "users")),
  );
  await measure(engine, "live refresh, nothing changed", OPS, () => live.refresh());
  await measure(engine, "read and parse per use", OPS, async () => {
    const templates: StoredTemplate[] = [];
    for (const r of await repo.list()) {
      const t = fromRow(r);
      if (t.ok) templates.push(t.template);
    }
    return catalogueOf(templates);
  });
  // One edit before each refresh; only the refresh is timed.
  const prices = [
    [
      { seconds: 15, cost: 1 },
      { seconds: 10, cost: 1 },
    ],
    [
      { seconds: 15, cost: 2 },
      { seconds: 10, cost: 1 },
    ],
  ];
  const lat: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    await ops.update("ugc", { durations: prices[i % 2] }, { via: "cli" });
    const s = performance.now();
    await live.refresh();
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  rows.push({
    engine,
    bench: "live refresh after an edit",
    ops: EDITS,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    opsPerSec: Math.round(1000 / (lat.reduce((a, x) => a + x, 0) / EDITS)),
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "nc-templates-bench-"));
  const sqlite = openSqliteDriver({ path: join(dir, "bench.db"), logger });
  try {
    await run("SQLite", sqlite);
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (url) {
    const schema = `bench_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const driver = await openPostgresDriver({ url, schema, poolSize: 4, logger });
    try {
      await run("Postgres", driver);
    } finally {
      await driver.close();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  } else console.error("Postgres skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL");

  console.log("| engine | bench | ops | p50 ms | p99 ms | ops/s |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.engine} | ${r.bench} | ${r.ops} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.opsPerSec} |`,
    );
}

await main();
