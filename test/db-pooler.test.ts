// Postgres behind a transaction-mode pooler (Supabase's on port 6543, PgBouncer pool_mode=transaction):
// Debian's PgBouncer is started in front of the test server on a free loopback port, with a pool
// of two server connections, and the real program runs through it.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPooler } from "../src/cli/checks.ts";
import { runCli } from "../src/cli/index.ts";
import type { CliIo } from "../src/cli/io.ts";
import { parseConfig } from "../src/config/index.ts";
import { createStore, migrateDatabase } from "../src/db/index.ts";
import type { Store } from "../src/db/store.ts";
import { createLogger } from "../src/logger.ts";
import { POLLING_NOTE } from "../src/queue/listen.ts";
import { TINY_PNG } from "./fakes/telegram-server.ts";
import { hasPgbouncer, type Pgbouncer, startPgbouncer } from "./helpers/pgbouncer.ts";
import { createJobAndConsumeCredit } from "./helpers/store-ops.ts";
import { type Fakes, startFakes } from "./smoke/fakes.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";
const url = process.env.TEST_DATABASE_URL;
if (!url) console.warn("⚠ TEST_DATABASE_URL is not set: the transaction-pooler tests are SKIPPED");
else if (!hasPgbouncer())
  console.warn(
    "⚠ pgbouncer is not installed (apt-get install pgbouncer): the transaction-pooler tests are SKIPPED",
  );

describe("pooler mode in the configuration", () => {
  const pgEnv = (extra: Record<string, string>) =>
    parseConfig({ BOT_TOKEN: TOKEN, DATABASE_TYPE: "postgres", ...extra }).database;

  it("treats Supabase's pooler port 6543 as a transaction pooler, and a direct 5432 as not", () => {
    expect(
      pgEnv({ DATABASE_URL: "postgres://u:p@aws-0-eu.pooler.supabase.com:6543/postgres" }),
    ).toMatchObject({
      transactionPooler: true,
    });
    expect(pgEnv({ DATABASE_URL: "postgres://u:p@db.x.supabase.co:5432/postgres" })).toMatchObject({
      transactionPooler: false,
    });
  });

  it("lets DATABASE_POOLER override the port either way and keeps DATABASE_DIRECT_URL", () => {
    expect(
      pgEnv({ DATABASE_URL: "postgres://u:p@pgbouncer:6432/db", DATABASE_POOLER: "transaction" }),
    ).toMatchObject({ transactionPooler: true });
    expect(
      pgEnv({
        DATABASE_URL: "postgres://u:p@h:6543/db",
        DATABASE_POOLER: "none",
        DATABASE_DIRECT_URL: "postgres://u:p@h:5432/db",
      }),
    ).toMatchObject({ transactionPooler: false, directUrl: "postgres://u:p@h:5432/db" });
  });

  it("doctor says wake-ups fall back to polling when no direct URL is given", async () => {
    const config = parseConfig({
      BOT_TOKEN: TOKEN,
      DATABASE_TYPE: "postgres",
      DATABASE_URL: "postgres://u:p@h:6543/db",
    });
    expect(await checkPooler(config, {})).toMatchObject({
      status: "note",
      detail: POLLING_NOTE,
      fix: expect.stringContaining("DATABASE_DIRECT_URL"),
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

const waitFor = async (what: string, ok: () => Promise<boolean>, ms = 20_000) => {
  for (const end = Date.now() + ms; !(await ok()); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe.skipIf(!url || !hasPgbouncer())("Postgres through a transaction-mode pooler (PgBouncer)", () => {
  // A database of its own: a pooler passes no per-connection search_path, so no test schema.
  const dbName = `nc_pooler_${randomBytes(5).toString("hex")}`;
  let admin: pg.Client;
  let bouncer: Pgbouncer;
  let pooled: string;
  let direct: string;
  let fakes: Fakes;
  let dir: string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    const d = new URL(url as string);
    d.pathname = `/${dbName}`;
    direct = d.toString();
    bouncer = await startPgbouncer(direct);
    pooled = bouncer.urlFor(direct);
    fakes = await startFakes({ kieScenario: { outcome: "success", afterMs: 300 } });
    dir = mkdtempSync(join(tmpdir(), "nc-pooler-"));
  });
  afterAll(async () => {
    await fakes?.close();
    await bouncer?.stop();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const envFor = (port: number, extra: Record<string, string> = {}) => ({
    ...fakes.env,
    DATABASE_TYPE: "postgres",
    DATABASE_URL: pooled,
    DATABASE_POOLER: "transaction",
    STORAGE_PATH: join(dir, "files"),
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    SEND_RATE_PER_SECOND: "0",
    ...extra,
  });

  function startWorker(env: Record<string, string>) {
    let signal: (s: NodeJS.Signals) => void = () => {};
    const logs: string[] = [];
    const io: CliIo = {
      out: (l) => logs.push(l),
      err: (l) => logs.push(l),
      env: { ...env },
      cwd: dir,
      execPath: join(dir, "neurocards"),
      isTTY: false,
      logDestination: { write: (l) => logs.push(l) },
      waitForSignal: () =>
        new Promise((resolve) => {
          signal = resolve;
        }),
    };
    const exit = runCli(["worker"], io);
    return { logs, exit, stop: () => signal("SIGTERM") };
  }

  let order = 0;
  const PAGE = { limit: 50, offset: 0 };
  async function placeOrder(store: Store, tgId: number) {
    const { user } = await store.getOrCreateUser({ tgId, firstName: "Seller" });
    const { file: photo } = fakes.telegram.user({ id: tgId }).photo({ bytes: TINY_PNG });
    const created = await createJobAndConsumeCredit(store, user.id, {
      chatId: tgId,
      template: "broll",
      model: "sora-2-image-to-video",
      language: "en",
      photoFileId: photo.fileId,
      productText: "Matte black ceramic mug, 350 ml, keeps coffee hot for an hour.",
      cost: 1,
      idempotencyKey: `pooler-${dbName}-${order++}`,
    });
    if (!created.ok) throw new Error(`job not created: ${created.reason}`);
    return created.job.id;
  }

  it("applies the migrations through the pooler, two starts at once, and a third finds nothing to do", async () => {
    const config = parseConfig(envFor(await freePort()));
    const logger = createLogger({ level: "silent" });
    const [a, b] = await Promise.all([migrateDatabase(config, logger), migrateDatabase(config, logger)]);
    expect(a.applied.length + b.applied.length).toBeGreaterThan(0);
    expect(Math.min(a.applied.length, b.applied.length)).toBe(0);
    expect((await migrateDatabase(config, logger)).applied).toEqual([]);
  });

  it("doctor confirms LISTEN on DATABASE_DIRECT_URL, and fails with its fix when that URL does not answer", async () => {
    const port = await freePort();
    const good = await checkPooler(parseConfig(envFor(port, { DATABASE_DIRECT_URL: direct })), {});
    expect(good).toMatchObject({
      status: "ok",
      detail: expect.stringContaining("LISTEN through DATABASE_DIRECT_URL"),
    });
    const closed = new URL(direct);
    closed.port = String(await freePort());
    const bad = await checkPooler(parseConfig(envFor(port, { DATABASE_DIRECT_URL: closed.toString() })), {});
    expect(bad).toMatchObject({ status: "fail", fix: expect.stringContaining("DATABASE_DIRECT_URL") });
  });

  it("with named statements, pooled clients collide on one server connection — the reason they are off here", async () => {
    const a = new pg.Client({ connectionString: pooled });
    const b = new pg.Client({ connectionString: pooled });
    await a.connect();
    await b.connect();
    try {
      const named = { name: "nc_pooler_probe", text: "select 1 as one" };
      await a.query(named);
      // b never prepared it, but lands on the server connection where a did.
      await expect(b.query(named)).rejects.toMatchObject({ code: "42P05" });
      expect((await b.query({ text: named.text })).rows).toEqual([{ one: 1 }]);
    } finally {
      await a.end();
      await b.end();
    }
  });

  it("an order through the pooler becomes one charge and one delivered video, woken by polling", async () => {
    const env = envFor(await freePort());
    const worker = startWorker(env);
    const store = await createStore(parseConfig(env), createLogger({ level: "silent" }));
    try {
      const tgId = 7070;
      const jobId = await placeOrder(store, tgId);
      await waitFor("the video", async () => (await store.getJobById(jobId))?.status === "succeeded");
      const user = await store.getUserByTgId(tgId);
      const charges = (await store.getLedger(user!.id, PAGE)).filter((l) => l.reason === "job_charge");
      expect(charges).toHaveLength(1);
      expect(fakes.telegram.calls.filter((c) => c.method === "sendVideo" && c.chatId === tgId)).toHaveLength(
        1,
      );
      // Said once at start, in the log.
      expect(worker.logs.filter((l) => l.includes(POLLING_NOTE))).toHaveLength(1);
    } finally {
      await store.close();
      worker.stop();
      expect(await worker.exit).toBe(0);
    }
  });

  it("two instances share the queue: one LISTENs on DATABASE_DIRECT_URL, the other polls", async () => {
    const listening = startWorker(envFor(await freePort(), { DATABASE_DIRECT_URL: direct }));
    const polling = startWorker(envFor(await freePort()));
    const env = envFor(await freePort());
    const store = await createStore(parseConfig(env), createLogger({ level: "silent" }));
    try {
      // The listening instance holds one session on the server itself, not through the pooler.
      await waitFor("the LISTEN session", async () => {
        const r = await admin.query(
          "select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = 'neurocards-listen' and query ilike 'listen%'",
          [dbName],
        );
        return r.rows[0].n === 1;
      });
      expect(listening.logs.some((l) => l.includes(POLLING_NOTE))).toBe(false);
      expect(polling.logs.filter((l) => l.includes(POLLING_NOTE))).toHaveLength(1);

      const kieBefore = fakes.kie.created;
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) ids.push(await placeOrder(store, 8000 + i));
      await waitFor("six videos", async () => {
        const jobs = await Promise.all(ids.map((id) => store.getJobById(id)));
        return jobs.every((j) => j?.status === "succeeded");
      });
      for (let i = 0; i < 6; i++) {
        const user = await store.getUserByTgId(8000 + i);
        expect((await store.getLedger(user!.id, PAGE)).filter((l) => l.reason === "job_charge")).toHaveLength(
          1,
        );
        expect(
          fakes.telegram.calls.filter((c) => c.method === "sendVideo" && c.chatId === 8000 + i),
        ).toHaveLength(1);
      }
      // One render task per order: no job was claimed by both instances.
      expect(fakes.kie.created - kieBefore).toBe(ids.length);
    } finally {
      await store.close();
      listening.stop();
      polling.stop();
      expect(await listening.exit).toBe(0);
      expect(await polling.exit).toBe(0);
    }
  });
});
