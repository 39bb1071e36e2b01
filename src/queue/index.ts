// The in-process lease engine: WORKER_CONCURRENCY job slots filled by claim loops with
// leases, wake-ups (in-process, plus LISTEN/NOTIFY across processes on Postgres) and kie.ai
// callback pokes. What a claimed job means is the runner's business (../generation/ builds it);
// the app wires the two once.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Config } from "../config/index.ts";
import type { Store } from "../db/store.ts";
import type { Logger } from "../logger.ts";
import { QUEUE_DEFAULTS, SHUTDOWN } from "../timing/index.ts";
import { createListener, type Listener, listenUrl, POLLING_NOTE } from "./listen.ts";
import type { JobRunner } from "./types.ts";
import { createWaker } from "./waker.ts";
import { createWorkers, type WorkerInfo } from "./worker.ts";

export interface QueueOptions {
  /** Workers in this process (default WORKER_CONCURRENCY). */
  concurrency: number;
  leaseMs: number;
  idleMs: number;
  fetchBackoffMs: { base: number; max: number };
  /** LISTEN/NOTIFY on Postgres (default on in Postgres mode). */
  listen: boolean;
}

export interface QueueDeps {
  config: Config;
  store: Store;
  logger: Logger;
  runner: JobRunner;
  /** What a job still running when the grace period is over is aborted with. */
  hardStopReason: () => unknown;
  options?: Partial<QueueOptions>;
}

export type Queue = ReturnType<typeof createQueue>;

export function createQueue(deps: QueueDeps) {
  const { config, store, logger: log } = deps;
  const pg = config.database.type === "postgres";
  const o: QueueOptions = {
    concurrency: config.queue.concurrency,
    leaseMs: QUEUE_DEFAULTS.leaseMs,
    idleMs: pg ? QUEUE_DEFAULTS.idleMs.postgres : QUEUE_DEFAULTS.idleMs.sqlite,
    fetchBackoffMs: QUEUE_DEFAULTS.fetchBackoffMs,
    listen: pg,
    ...deps.options,
  };

  const waker = createWaker();
  const hardStop = new AbortController();
  const prefix = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const workers = createWorkers({
    prefix,
    slots: o.concurrency,
    store,
    runner: deps.runner,
    waker,
    logger: log,
    leaseMs: o.leaseMs,
    heartbeatMs: Math.max(50, Math.floor(o.leaseMs * QUEUE_DEFAULTS.heartbeatEveryLease)),
    idleMs: o.idleMs,
    fetchBackoffMs: o.fetchBackoffMs,
    hardStop: hardStop.signal,
  });
  let listener: Listener | null = null;
  let started = false;

  return {
    concurrency: o.concurrency,

    /** New jobs were created: wake an idle worker here and, through NOTIFY, in other processes. */
    wake(o: { order?: boolean } = {}): void {
      if (o.order && listener?.connected) return;
      waker.notify();
      listener?.notify();
    },

    /** A job was given back to run at `at`: a worker wakes for it then. */
    wakeAt(at: Date): void {
      waker.wakeAt(at);
    },

    async checkProviderTask(taskId: string): Promise<void> {
      const job = await store.getJobByProviderTaskId(taskId);
      if (job?.status !== "processing") return;
      const now = new Date();
      // A worker holding the lease is looking at it right now; a due job is about to be claimed.
      if (job.leaseOwner && job.leaseExpiresAt && job.leaseExpiresAt > now) return;
      if (job.runAt > now) await store.patchJob(job.id, { runAt: now });
      waker.notify();
      listener?.notify();
    },

    start(): void {
      if (started) return;
      started = true;
      if (o.listen && config.database.type === "postgres") {
        const url = listenUrl(config.database);
        if (url) listener = createListener(url, () => waker.notify(), log);
        else log.warn(POLLING_NOTE);
      }
      workers.start();
    },

    /** Stops claiming, waits up to `graceMs` for running steps to reach a safe point, leaves the rest to leases. */
    async stop(graceMs: number = SHUTDOWN.graceMs): Promise<void> {
      if (!started) return;
      started = false;
      const done = workers.stop();
      waker.close();
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        done.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (!inTime) {
        log.warn({ graceMs }, "jobs did not reach a safe point in time; leaving them to their leases");
        hardStop.abort(deps.hardStopReason());
        await Promise.race([done, new Promise((r) => setTimeout(r, SHUTDOWN.hardStopMs).unref())]);
      }
      await listener?.close();
      listener = null;
    },

    /** Worker states for health and the admin panel. */
    workers: (): WorkerInfo[] => workers.infos.map((w) => ({ ...w })),
  };
}

export type { QueueHandle } from "./types.ts";
