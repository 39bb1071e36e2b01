// The soak's database, fresh for every run: a SQLite file in the run folder, or a database of its
// own on the Postgres server reached by the bot through the outage proxy (the driver itself talks
// to Postgres directly, so it can read the truth while the bot cannot).
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { type PgProxy, startPgProxy } from "./pg-proxy.ts";

export interface Snapshot {
  users: Array<{ id: number; tgId: number; credits: number }>;
  ledger: Array<{
    userId: number;
    delta: number;
    reason: string;
    jobId: number | null;
    reference: string | null;
  }>;
  jobs: Array<{
    id: number;
    userId: number;
    status: string;
    creditsCharged: number;
    refunded: boolean;
    finishedAt: number | null;
  }>;
  payments: Array<{ userId: number; telegramChargeId: string; credits: number; status: string }>;
}

export interface ChaosDb {
  readonly kind: "sqlite" | "postgres";
  /** What the bot's environment needs to use this database. */
  readonly env: Record<string, string>;
  /** Postgres only: the proxy the bot connects through. */
  readonly proxy: PgProxy | null;
  /**
   * Expires the poller and job leases a killed process held. The driver knows the process is
   * dead, so this only skips the waiting (30 s poller lease, 60 s job lease) that would otherwise
   * fill most of a short soak; nothing else about recovery changes.
   */
  expireLeasesOf(pid: number): Promise<void>;
  snapshot(): Promise<Snapshot>;
  close(): Promise<void>;
}

const num = (v: unknown) => Number(v);
const orNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function openSqlite(dir: string): Promise<ChaosDb> {
  const path = join(dir, "neurocards.db");
  let db: Database.Database | null = null;
  // Opened on first use: the bot creates the file and runs its migrations.
  const conn = () => {
    if (!db) {
      db = new Database(path);
      db.pragma("busy_timeout = 10000");
    }
    return db;
  };
  return {
    kind: "sqlite",
    env: { DATABASE_TYPE: "sqlite", DATABASE_PATH: path },
    proxy: null,
    async expireLeasesOf(pid) {
      const past = Date.now() - 1000;
      const like = `%:${pid}:%`;
      try {
        conn().prepare("update instance_leases set expires_at = ? where owner like ?").run(past, like);
        conn().prepare("update jobs set lease_expires_at = ? where lease_owner like ?").run(past, like);
      } catch (e) {
        // Killed before its migrations created the tables: it held no lease.
        if (!/no such table/.test(String(e))) throw e;
      }
    },
    async snapshot() {
      const c = conn();
      const rows = (q: string) => c.prepare(q).all() as Array<Record<string, unknown>>;
      return toSnapshot(rows);
    },
    async close() {
      db?.close();
    },
  };
}

export async function openPostgres(serverUrl: string, name: string): Promise<ChaosDb> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const server = new URL(serverUrl);
  const proxy = await startPgProxy({ host: server.hostname, port: Number(server.port || 5432) });
  const direct = new URL(serverUrl);
  direct.pathname = `/${name}`;
  const viaProxy = new URL(direct);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  const pool = new pg.Pool({ connectionString: direct.toString(), max: 2 });
  return {
    kind: "postgres",
    env: { DATABASE_TYPE: "postgres", DATABASE_URL: viaProxy.toString() },
    proxy,
    async expireLeasesOf(pid) {
      const like = `%:${pid}:%`;
      // Before the migrations ran (killed at start-up) there is nothing to expire.
      await pool
        .query("update instance_leases set expires_at = now() - interval '1 second' where owner like $1", [
          like,
        ])
        .catch(() => {});
      await pool
        .query("update jobs set lease_expires_at = now() - interval '1 second' where lease_owner like $1", [
          like,
        ])
        .catch(() => {});
    },
    async snapshot() {
      return toSnapshot(async (q) => (await pool.query(q)).rows as Array<Record<string, unknown>>);
    },
    async close() {
      await pool.end();
      await proxy.close();
      if (process.env.CHAOS_KEEP) return;
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

type Rows = (q: string) => Array<Record<string, unknown>> | Promise<Array<Record<string, unknown>>>;

async function toSnapshot(rows: Rows): Promise<Snapshot> {
  const [users, ledger, jobs, payments] = await Promise.all([
    rows("select id, tg_id, credits from users order by id"),
    rows("select user_id, delta, reason, job_id, reference from credit_ledger order by id"),
    rows("select id, user_id, status, credits_charged, refunded_at, finished_at from jobs order by id"),
    rows("select user_id, telegram_charge_id, credits, status from payments order by id"),
  ]);
  return {
    users: users.map((r) => ({ id: num(r.id), tgId: num(r.tg_id), credits: num(r.credits) })),
    ledger: ledger.map((r) => ({
      userId: num(r.user_id),
      delta: num(r.delta),
      reason: String(r.reason),
      jobId: orNull(r.job_id),
      reference: r.reference === null ? null : String(r.reference),
    })),
    jobs: jobs.map((r) => ({
      id: num(r.id),
      userId: num(r.user_id),
      status: String(r.status),
      creditsCharged: num(r.credits_charged),
      refunded: r.refunded_at !== null,
      finishedAt: r.finished_at === null ? null : new Date(r.finished_at as string | number).getTime(),
    })),
    payments: payments.map((r) => ({
      userId: num(r.user_id),
      telegramChargeId: String(r.telegram_charge_id),
      credits: num(r.credits),
      status: String(r.status),
    })),
  };
}
