// Postgres mode: new jobs wake workers in every process through LISTEN/NOTIFY on one dedicated
// connection (pool connections cannot LISTEN: they are handed to other queries). The connection is
// re-opened with backoff when it drops (server restart, pg_terminate_backend); notifications sent
// while it was down are covered by the workers' short idle polling.
import type pg from "pg";
import { JOBS_CHANNEL } from "../db/ops/createJobs.ts";
import type { Logger } from "../logger.ts";
import { backoff, QUEUE_DEFAULTS } from "../timing/index.ts";

/**
 * Where LISTEN can run. A transaction-mode pooler hands each transaction to any server connection,
 * so a LISTEN through it is lost: DATABASE_DIRECT_URL (a session) is used when given; without it
 * there is no listener and other processes' workers find new jobs by their idle polling.
 * (NOTIFY itself is fine through the pooler: createJobs sends pg_notify inside its statement.)
 */
export function listenUrl(db: {
  url: string;
  transactionPooler: boolean;
  directUrl?: string;
}): string | null {
  return db.directUrl ?? (db.transactionPooler ? null : db.url);
}

/** Said once at start (log) and by doctor when a transaction pooler runs without a direct URL. */
export const POLLING_NOTE = `DATABASE_URL is a transaction-mode pooler and DATABASE_DIRECT_URL is unset: workers in other processes find new jobs by polling every ${QUEUE_DEFAULTS.idleMs.postgres / 1000} s instead of LISTEN/NOTIFY`;

export interface Listener {
  /** Tells every process (this one included) that jobs are waiting. */
  notify(): void;
  close(): Promise<void>;
  readonly connected: boolean;
}

export function createListener(url: string, onNotify: () => void, logger: Logger): Listener {
  let client: pg.Client | null = null;
  let connected = false;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | null = null;
  let sending = false;
  let again = false;

  async function connect(): Promise<void> {
    if (closed) return;
    // Loaded here, not at the top: a SQLite install builds the queue too and never needs pg.
    const { postgresClient } = await import("../db/driver/postgres.ts");
    if (closed) return;
    const c = postgresClient({ url, applicationName: "neurocards-listen" });
    c.on("notification", () => onNotify());
    c.on("error", (e) => {
      logger.warn({ err: e }, "LISTEN connection lost; reconnecting");
      drop(c);
    });
    c.on("end", () => drop(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${JOBS_CHANNEL}`);
      if (closed) {
        await c.end();
        return;
      }
      client = c;
      connected = true;
      failures = 0;
      // Jobs created while we were away never sent us a notification: look now.
      onNotify();
    } catch (e) {
      logger.warn({ err: e }, "LISTEN connection failed");
      drop(c);
    }
  }

  function drop(c: pg.Client): void {
    c.removeAllListeners("end");
    c.end().catch(() => {});
    if (client === c) {
      client = null;
      connected = false;
    }
    if (closed || retry) return;
    failures += 1;
    retry = setTimeout(
      () => {
        retry = null;
        void connect();
      },
      backoff(failures, QUEUE_DEFAULTS.listenBackoffMs.base, QUEUE_DEFAULTS.listenBackoffMs.max, "full"),
    );
  }

  // One NOTIFY in flight at a time (pg deprecates overlapping queries on one client); wake-ups
  // asked for meanwhile are folded into one more after it: a wake-up carries no payload.
  function notify(): void {
    if (sending) {
      again = true;
      return;
    }
    const c = client;
    if (!c) return;
    sending = true;
    c.query(`NOTIFY ${JOBS_CHANNEL}`)
      .catch((e: unknown) => logger.debug({ err: e }, "NOTIFY failed"))
      .finally(() => {
        sending = false;
        if (again) {
          again = false;
          notify();
        }
      });
  }

  void connect();

  return {
    get connected() {
      return connected;
    },
    notify,
    async close(): Promise<void> {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      connected = false;
      if (c) {
        c.removeAllListeners("end");
        await c.end().catch(() => {});
      }
    },
  };
}
