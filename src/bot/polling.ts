// Long polling that never becomes a crash loop: one poller per database (the instance lease), a
// 409 Conflict (another program polls this token, or a webhook is set) logged with its cause and
// retried with backoff while the rest of the process keeps running, and a stop that lets the
// updates in flight finish.
import { readlinkSync } from "node:fs";
import { hostname } from "node:os";
import {
  createConcurrentSink,
  createRunner,
  createSource,
  createUpdateFetcher,
  type RunnerHandle,
} from "@grammyjs/runner";
import { type Bot, type BotError, GrammyError } from "grammy";
import type { Update } from "grammy/types";
import type { LeasesRepository } from "../db/store.ts";
import type { Logger } from "../logger.ts";
import { TELEGRAM_TIMEOUTS } from "../telegram/timeouts.ts";
import { backoff } from "../timing/index.ts";
import type { BotContext } from "./context.ts";

export const ALLOWED_UPDATES = ["message", "callback_query", "pre_checkout_query", "my_chat_member"] as const;

export interface PollerOptions {
  bot: Bot<BotContext>;
  store: LeasesRepository;
  logger: Logger;
  /** Lease time to live; renewed every third of it (default 30 s). */
  leaseTtlMs?: number;
  /** First and longest wait after a failed poll (defaults 1 s and 60 s). */
  backoffMs?: { first: number; max: number };
  /** Long-poll timeout in seconds (default TELEGRAM_TIMEOUTS.pollSeconds). */
  pollTimeoutSeconds?: number;
  /** Updates handled at once (default 100; the runner's own default is 500). */
  concurrency?: number;
  /** Runs before each polling attempt (introducing the bot to Telegram until that succeeds). */
  beforePoll?: () => Promise<void>;
  /** Saves the money in a fetched batch; the batch's offset is confirmed only after it resolves. */
  ingest?: (updates: readonly Update[], o: { signal?: AbortSignal }) => Promise<void>;
}

export type PollerState = "idle" | "waiting_for_lease" | "polling" | "backing_off" | "stopped";

const LEASE = "telegram-poller";

export function createPoller(o: PollerOptions) {
  const { bot, store, logger } = o;
  const ttl = o.leaseTtlMs ?? 30_000;
  const pace = o.backoffMs ?? { first: 1000, max: 60_000 };
  const owner = leaseOwner(process.pid, Math.random().toString(36).slice(2, 8));
  let state: PollerState = "idle";
  let runner: RunnerHandle | null = null;
  let loop: Promise<void> | null = null;
  let stopping = false;
  let wake: (() => void) | null = null;
  let lastError: string | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wake = null;
        resolve();
      }
      wake = done;
    });

  async function acquire(): Promise<boolean> {
    try {
      let r = await store.acquireInstanceLease(LEASE, owner, ttl);
      if (r.acquired) return true;
      // A holder on this machine whose process is gone (kill -9, OOM, a crash systemd restarted)
      // would block polling until its lease ran out — half a minute of unanswered sellers.
      if (isDeadLocalHolder(r.holder)) {
        logger.warn(
          { holder: r.holder },
          "the previous poller on this machine is gone; taking over its lease",
        );
        await store.releaseInstanceLease(LEASE, r.holder);
        r = await store.acquireInstanceLease(LEASE, owner, ttl);
        if (r.acquired) return true;
      }
      if (state !== "waiting_for_lease") {
        logger.error(
          { holder: r.holder, since: r.since, expiresAt: r.expiresAt },
          "another neurocards process is already polling Telegram for this database; this one will not poll " +
            "(HTTP server and workers keep running) and takes over only if that process stops",
        );
      }
    } catch (e) {
      logger.warn({ err: e }, "could not check the poller lease; retrying");
    }
    return false;
  }

  /** One polling session: runs until stopped, the lease is lost, or Telegram refuses. */
  async function pollOnce(): Promise<void> {
    await o.beforePoll?.();
    await bot.api.deleteWebhook();
    // stop() may have come while the two calls above were in flight: no runner then, or one
    // would start that nothing stops.
    if (stopping) return;
    // The runner's run(), assembled by hand for one step in between: getUpdates confirms the
    // previous batch's offset, so a batch carrying money is saved (ingest) before the supplier
    // returns it and the next getUpdates can be sent. A process killed before that never
    // confirmed those updates, and Telegram delivers them again.
    const fetchUpdates = createUpdateFetcher(bot, {
      fetch: {
        allowed_updates: [...ALLOWED_UPDATES],
        timeout: o.pollTimeoutSeconds ?? TELEGRAM_TIMEOUTS.pollSeconds,
      },
      silent: true,
      // Transient failures are retried inside the runner for a few minutes, then surface here.
      maxRetryTime: 5 * 60_000,
      retryInterval: "exponential",
    });
    const source = createSource<Update>({
      async supply(batchSize, signal) {
        const updates = await fetchUpdates(batchSize, signal);
        // The runner's AbortSignal type is its own shim of the same global class.
        await o.ingest?.(updates, { signal: signal as unknown as AbortSignal });
        return updates;
      },
    });
    const sink = createConcurrentSink<Update, BotError<BotContext>>(
      { consume: (update) => bot.handleUpdate(update) },
      async (error) => {
        try {
          await bot.errorHandler(error);
        } catch (e) {
          logger.error({ err: e }, "the bot's error handler failed");
        }
      },
      // Handlers are short (no downloads or renders run in them) and the bot is bound by one CPU
      // core, so more updates in flight only hold more garbage under a burst, not more throughput:
      // in bench:bot, 30 at a time handle as many updates/s as 100 with a peak RSS ~20 MB lower
      // (BENCHMARKS.md). It is also about what Telegram lets a bot send per second.
      { concurrency: o.concurrency ?? 30 },
    );
    const handle = createRunner(source, sink);
    handle.start();
    runner = handle;
    state = "polling";
    const renew = setInterval(async () => {
      try {
        const r = await store.acquireInstanceLease(LEASE, owner, ttl);
        if (!r.acquired) {
          logger.error({ holder: r.holder }, "the poller lease was taken over; stopping polling");
          await handle.stop();
        }
      } catch (e) {
        logger.warn({ err: e }, "could not renew the poller lease");
      }
    }, ttl / 3);
    try {
      await handle.task();
    } finally {
      clearInterval(renew);
      runner = null;
    }
  }

  async function main(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      if (!(await acquire())) {
        state = "waiting_for_lease";
        await sleep(ttl / 3);
        continue;
      }
      try {
        await pollOnce();
        failures = 0;
      } catch (e) {
        if (stopping) break;
        lastError = describe(e);
        failures += 1;
        const delay = backoff(failures, pace.first, pace.max, 0);
        logger.error({ err: e, retryInMs: delay }, `polling Telegram failed: ${lastError}`);
        state = "backing_off";
        await sleep(delay);
      }
    }
    state = "stopped";
  }

  return {
    start(): void {
      if (loop) return;
      stopping = false;
      loop = main();
    },
    /** Stops fetching, waits (up to `graceMs`) for the updates in flight, releases the lease. */
    async stop(graceMs = 8000): Promise<void> {
      stopping = true;
      wake?.();
      const handle = runner;
      if (handle) {
        await handle.stop();
        // runner.stop() ends fetching; updates already handed to the sink are still running.
        const end = Date.now() + graceMs;
        while (handle.size() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      }
      await loop;
      loop = null;
      await store.releaseInstanceLease(LEASE, owner).catch(() => undefined);
    },
    isPolling: () => state === "polling" && (runner?.isRunning() ?? false),
    state: () => state,
    lastError: () => lastError,
  };
}

/** `host:pid:nonce` of a process on this host that no longer exists (a reused pid counts as alive). */
/**
 * The pid namespace this process lives in (Linux), so a pid is only compared within one: two
 * containers sharing a hostname (host networking) have separate pids. Empty elsewhere.
 */
const PID_NAMESPACE = (() => {
  try {
    return /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1] ?? "";
  } catch {
    return "";
  }
})();

/** `host:pid:namespace.nonce`: what the poller lease records about its holder. */
export function leaseOwner(pid: number, nonce: string): string {
  return `${hostname()}:${pid}:${PID_NAMESPACE}.${nonce}`;
}

/**
 * A holder in this host's and this pid namespace whose process no longer exists. A reused pid
 * counts as alive; without a known namespace nothing is ever taken over.
 */
function isDeadLocalHolder(holder: string): boolean {
  const [host, pid, tail] = holder.split(":");
  const ns = tail?.split(".")[0];
  if (!PID_NAMESPACE || ns !== PID_NAMESPACE || host !== hostname()) return false;
  if (!/^\d+$/.test(pid ?? "") || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function describe(e: unknown): string {
  if (e instanceof GrammyError) {
    if (e.error_code === 409) {
      return e.description.includes("webhook")
        ? "409 Conflict: a webhook is set for this token (it is deleted before the next attempt)"
        : "409 Conflict: another program is polling with this bot token (stop it or use another token)";
    }
    if (e.error_code === 401) return "401 Unauthorized: BOT_TOKEN is wrong or revoked";
    return `${e.error_code} ${e.description}`;
  }
  return e instanceof Error ? e.message : String(e);
}
