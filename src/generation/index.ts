// The generation rules the queue's workers run: the kie.ai key pool and client, the prompt writer,
// delivery, the pipeline, the runner that decides what an error means for a job, the queue
// position notices and the refund sweep. One factory; the app hands its runner to the lease
// engine (../queue/) and wires the two together.

import type { Config } from "../config/index.ts";
import type { Store } from "../db/store.ts";
import type { Job } from "../db/types.ts";
import { kieCallbackUrl } from "../http/paths.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { JobRunner, KeyAvailability } from "../queue/types.ts";
import type { Storage } from "../storage/types.ts";
import type { Telegram } from "../telegram/types.ts";
import type { Catalogue } from "../templates/index.ts";
import { QUEUE_DEFAULTS } from "../timing/index.ts";
import { createDelivery, PROGRESS_EVERY_MS } from "./deliver.ts";
import { GenerationError } from "./errors.ts";
import { createKeyPool } from "./keys.ts";
import { createKieClient } from "./kie.ts";
import { createPipeline, DEFAULT_TIMING, type PipelineTiming } from "./pipeline.ts";
import { createPositionNotifier } from "./positions.ts";
import { createPromptWriter } from "./prompt.ts";
import { createRefundSweep } from "./refund-sweep.ts";
import { createJobRunner } from "./run-job.ts";
import { openSentJournal, sentJournalPath } from "./sent-journal.ts";

export interface GenerationOptions {
  /** Workers in this process (default WORKER_CONCURRENCY), for the wait estimates. */
  concurrency: number;
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
  /** How often the "position N" notices of waiting orders are brought up to date. */
  positionsEveryMs: number;
  /** Minimum time between two edits of a job's progress message; 0 shows every state as it comes. */
  progressEveryMs: number;
}

export interface GenerationDeps {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  telegram: Telegram;
  storage: Storage;
  catalogue: Catalogue;
  /** A job was given back to run at `runAt`: the engine wakes a worker then. */
  onReleased: (runAt: Date) => void;
  options?: Partial<GenerationOptions>;
}

export function createGeneration(deps: GenerationDeps) {
  const { config, store, logger: log, metrics, telegram, storage, catalogue } = deps;
  const o: GenerationOptions = {
    concurrency: config.queue.concurrency,
    retryBackoffMs: QUEUE_DEFAULTS.retryBackoffMs,
    providerWaitMs: QUEUE_DEFAULTS.providerWaitMs,
    kieRequestTimeoutMs: QUEUE_DEFAULTS.kieRequestTimeoutMs,
    openaiMaxRetries: QUEUE_DEFAULTS.openaiMaxRetries,
    adminAlertEveryMs: QUEUE_DEFAULTS.adminAlertEveryMs,
    refundSweepEveryMs: QUEUE_DEFAULTS.refundSweepEveryMs,
    refundSweepGraceMs: QUEUE_DEFAULTS.refundSweepGraceMs,
    timing: DEFAULT_TIMING,
    callbackUrl: kieCallbackUrl(config),
    positionsEveryMs: QUEUE_DEFAULTS.positionsEveryMs,
    progressEveryMs: PROGRESS_EVERY_MS,
    ...deps.options,
  };

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
  // Beside the stored files, on this machine's disk: the bridge over a database outage (see there).
  const sent = openSentJournal(sentJournalPath(config.storage.path));
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
    sent,
  });
  const runner = createJobRunner({
    config,
    store,
    pipeline,
    delivery,
    telegram,
    catalogue,
    logger: log,
    metrics,
    retryBackoffMs: o.retryBackoffMs,
    providerWaitMs: o.providerWaitMs,
    adminAlertEveryMs: o.adminAlertEveryMs,
    onReleased: deps.onReleased,
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
  const sweep = createRefundSweep({
    store,
    delivery,
    logger: log,
    metrics,
    everyMs: o.refundSweepEveryMs,
    graceMs: o.refundSweepGraceMs,
  });

  return {
    // A claim moves the orders behind it up, and may hand the order's notice to the job as its
    // progress message before the first step shows anything.
    runner: {
      run: async (job, ctx) => runner.run(await positions.claimed(job, ctx.owner), ctx),
    } satisfies JobRunner,
    estimateMinutes,
    availability: (): Promise<KeyAvailability> => keys.availability(),
    /** Remaining kie.ai credit per key (doctor, admin panel). */
    providerCredits: () => kie.credits(),
    callbackUrl: o.callbackUrl,
    /** What a step still running when the shutdown's grace period is over is aborted with. */
    shutdownError: () => new GenerationError("transient", "shutdown", "shutting down"),
    start(): void {
      positions.start();
      sweep.start();
    },
    /** Stops the notices and the sweep; the workers are stopped by the engine after this. */
    async stop(): Promise<void> {
      sweep.stop();
      await positions.stop();
    },
    /** Sends progress edits still waiting for their interval (often the final "Done"). */
    flush: () => delivery.flush(),
  };
}

export type Generation = ReturnType<typeof createGeneration>;
