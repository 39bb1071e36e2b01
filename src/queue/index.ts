// The in-process job queue: WORKER_CONCURRENCY job slots fed by claim loops with leases,
// the generation pipeline they run, wake-ups (in-process, plus LISTEN/NOTIFY across processes on
// Postgres), kie.ai callbacks, and the refund sweep. One factory; the app wires it once.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Config } from "../config/index.ts";
import type { Store } from "../db/store.ts";
import type { Job } from "../db/types.ts";
import { createDelivery, PROGRESS_EVERY_MS } from "../generation/deliver.ts";
import { type ErrorClass, GenerationError } from "../generation/errors.ts";
import { createKeyPool } from "../generation/keys.ts";
import { createKieClient } from "../generation/kie.ts";
import { failureText } from "../generation/messages.ts";
import { createPipeline, DEFAULT_TIMING, type PipelineTiming } from "../generation/pipeline.ts";
import { createPromptWriter } from "../generation/prompt.ts";
import { kieCallbackUrl } from "../http/paths.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { Storage } from "../storage/types.ts";
import type { Telegram } from "../telegram/types.ts";
import type { Catalogue } from "../templates/index.ts";
import { QUEUE_DEFAULTS } from "./limits.ts";
import { createListener, type Listener } from "./listen.ts";
import { createPositionNotifier } from "./positions.ts";
import { createJobRunner, type JobRunner } from "./run-job.ts";
import type { QueueHandle } from "./types.ts";
import { createWaker } from "./waker.ts";
import { createWorkers, type WorkerInfo } from "./worker.ts";

export interface QueueOptions {
  /** Workers in this process (default WORKER_CONCURRENCY). */
  concurrency: number;
  leaseMs: number;
  idleMs: number;
  fetchBackoffMs: { base: number; max: number };
  retryBackoffMs: { base: number; max: number };
  providerWaitMs: number;
  kieRequestTimeoutMs: number;
  openaiMaxRetries: number;
  adminAlertEveryMs: number;
  refundSweepEveryMs: number;
  /** A failed job younger than this is left to the runner's own refund. */
  refundSweepGraceMs: number;
  timing: PipelineTiming;
  /** kie.ai callback URL (default: PUBLIC_BASE_URL + /kie/callback/<secret>, none without a public URL). */
  callbackUrl: string | undefined;
  /** LISTEN/NOTIFY on Postgres (default on in Postgres mode). */
  listen: boolean;
  /** How often the "position N" notices of waiting orders are brought up to date. */
  positionsEveryMs: number;
  /** Minimum time between two edits of a job's progress message; 0 shows every state as it comes. */
  progressEveryMs: number;
}

export interface QueueDeps {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  telegram: Telegram;
  storage: Storage;
  catalogue: Catalogue;
  options?: Partial<QueueOptions>;
}

export type Queue = QueueHandle & {
  start(): void;
  /** Stops claiming, waits up to `graceMs` for running steps to reach a safe point, leaves the rest to leases. */
  stop(graceMs?: number): Promise<void>;
  /** Worker states for health and the admin panel. */
  workers(): WorkerInfo[];
  /** Remaining kie.ai credit per key (doctor, admin panel). */
  providerCredits(): Promise<Array<{ label: string; credits: number | null; error?: string }>>;
};

/**
 * The longest a stop waits for the last progress edits to go out: one Bot API call each, and the
 * whole shutdown (grace 6 s + hard stop 2 s in the app) must stay within SIGTERM's 10 s.
 */
const FLUSH_MS = 1_000;

export function createQueue(deps: QueueDeps): Queue {
  const { config, store, logger, metrics, telegram, storage, catalogue } = deps;
  const log = logger.child({ module: "queue" });
  const pg = config.database.type === "postgres";
  const o: QueueOptions = {
    concurrency: config.queue.concurrency,
    leaseMs: QUEUE_DEFAULTS.leaseMs,
    idleMs: pg ? QUEUE_DEFAULTS.idleMs.postgres : QUEUE_DEFAULTS.idleMs.sqlite,
    fetchBackoffMs: QUEUE_DEFAULTS.fetchBackoffMs,
    retryBackoffMs: QUEUE_DEFAULTS.retryBackoffMs,
    providerWaitMs: QUEUE_DEFAULTS.providerWaitMs,
    kieRequestTimeoutMs: QUEUE_DEFAULTS.kieRequestTimeoutMs,
    openaiMaxRetries: QUEUE_DEFAULTS.openaiMaxRetries,
    adminAlertEveryMs: QUEUE_DEFAULTS.adminAlertEveryMs,
    refundSweepEveryMs: QUEUE_DEFAULTS.refundSweepEveryMs,
    refundSweepGraceMs: 60_000,
    timing: DEFAULT_TIMING,
    callbackUrl: kieCallbackUrl(config),
    listen: pg,
    positionsEveryMs: 15_000,
    progressEveryMs: PROGRESS_EVERY_MS,
    ...deps.options,
  };

  const waker = createWaker();
  let renderMinutes: number = QUEUE_DEFAULTS.renderMinutes;
  const keys = createKeyPool({ keys: config.kie.apiKeys, store, telegram, logger: log });
  const kie = createKieClient({
    baseUrl: config.kie.baseUrl,
    uploadBaseUrl: config.kie.uploadBaseUrl,
    keys,
    logger: log,
    metrics,
    requestTimeoutMs: o.kieRequestTimeoutMs,
  });
  const prompts = createPromptWriter({
    openai: config.openai,
    logger: log,
    metrics,
    maxRetries: o.openaiMaxRetries,
  });
  const delivery = createDelivery({
    config,
    telegram,
    storage,
    logger: log,
    progressEveryMs: o.progressEveryMs,
  });
  const pipeline = createPipeline({
    config,
    store,
    storage,
    telegram,
    catalogue,
    logger: log,
    kie,
    keys,
    prompts,
    delivery,
    timing: o.timing,
    renderMinutes: () => Math.max(1, Math.round(renderMinutes)),
    callbackUrl: o.callbackUrl,
  });
  const runner = createJobRunner({
    config,
    store,
    pipeline,
    delivery,
    telegram,
    logger: log,
    metrics,
    retryBackoffMs: o.retryBackoffMs,
    providerWaitMs: o.providerWaitMs,
    adminAlertEveryMs: o.adminAlertEveryMs,
    onReleased: (at) => waker.wakeAt(at),
    onSucceeded: (job: Job) => {
      // A moving average of creation → delivery, for "about N minutes".
      const minutes = (Date.now() - job.createdAt.getTime()) / 60_000;
      renderMinutes = renderMinutes * 0.8 + Math.min(minutes, 60) * 0.2;
    },
  });

  const estimateMinutes = (position: number): number => {
    const perSlot = Math.ceil(Math.max(0, position - 1) / Math.max(1, o.concurrency));
    return Math.max(1, Math.round(renderMinutes + perSlot * 0.5));
  };
  const positions = createPositionNotifier({
    store,
    telegram,
    logger: log,
    estimateMinutes,
    everyMs: o.positionsEveryMs,
  });
  // A claim moves the orders behind it up, and may hand the order's notice to the job as its
  // progress message before the first step shows anything.
  const claimAware: JobRunner = {
    run: async (job, ctx) => runner.run(await positions.claimed(job, ctx.owner), ctx),
  };

  const hardStop = new AbortController();
  const prefix = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const workers = createWorkers({
    prefix,
    slots: o.concurrency,
    store,
    runner: claimAware,
    waker,
    logger: log,
    leaseMs: o.leaseMs,
    heartbeatMs: Math.max(50, Math.floor(o.leaseMs * QUEUE_DEFAULTS.heartbeatEveryLease)),
    idleMs: o.idleMs,
    fetchBackoffMs: o.fetchBackoffMs,
    hardStop: hardStop.signal,
  });
  let listener: Listener | null = null;
  let sweepTimer: NodeJS.Timeout | null = null;
  let started = false;

  // Gives back credits of failed jobs whose refund was cut off (crash or lost database between
  // marking failed and refunding). refundCredit pays back at most once, so racing the runner is safe.
  async function refundSweep(): Promise<void> {
    try {
      const failed = await store.listLastJobs({ status: "failed", limit: 500 });
      for (const job of failed) {
        if (job.refundedAt || job.creditsCharged <= 0 || !job.finishedAt) continue;
        // Only our own recent failures (errorCode "class:code"): the runner refunds them itself
        // within a minute, and old or imported failed jobs are the admins' call, not ours.
        const age = Date.now() - job.finishedAt.getTime();
        if (age < o.refundSweepGraceMs || age > 24 * 3600_000 || !job.errorCode?.includes(":")) continue;
        const r = await store.refundCredit(job.id);
        if (!r.refunded) continue;
        metrics.creditsRefunded.inc(job.creditsCharged);
        const cls = (job.errorCode?.split(":")[0] ?? "unknown") as ErrorClass;
        log.warn({ jobId: job.id }, "refunded a failed job the sweep found unrefunded");
        await delivery.apologize(job, failureText(job.language, cls, job.errorCode?.split(":")[1] ?? ""));
      }
    } catch (e) {
      log.warn({ err: e }, "refund sweep failed");
    }
  }

  return {
    wake(): void {
      waker.notify();
      listener?.notify();
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

    estimateMinutes,
    availability: () => keys.availability(),

    start(): void {
      if (started) return;
      started = true;
      if (o.listen && config.database.type === "postgres") {
        listener = createListener(config.database.url, () => waker.notify(), log);
      }
      workers.start();
      positions.start();
      void refundSweep();
      sweepTimer = setInterval(() => void refundSweep(), o.refundSweepEveryMs);
      sweepTimer.unref();
      log.info({ workers: o.concurrency, callback: Boolean(o.callbackUrl) }, "queue started");
    },

    async stop(graceMs = 30_000): Promise<void> {
      if (!started) return;
      started = false;
      if (sweepTimer) clearInterval(sweepTimer);
      await positions.stop();
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
        hardStop.abort(new GenerationError("transient", "shutdown", "shutting down"));
        await Promise.race([done, new Promise((r) => setTimeout(r, 2000).unref())]);
      }
      // Progress edits still waiting for their interval (often the final "Done") would die with
      // the process; a Bot API that does not answer must not hold the shutdown, though.
      await Promise.race([delivery.flush(), new Promise((r) => setTimeout(r, FLUSH_MS).unref())]);
      await listener?.close();
      listener = null;
      log.info("queue stopped");
    },

    workers: () => workers.infos.map((w) => ({ ...w })),
    providerCredits: () => kie.credits(),
  };
}

export type { QueueHandle } from "./types.ts";
