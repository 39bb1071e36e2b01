// The one place where the subsystems are wired together. Every factory gets its dependencies
// passed in; nothing else in the program creates a subsystem.
//
// Start order: database (migrations) → HTTP server (health, files and callbacks must answer before
// anything points at them) → workers → Telegram polling last (users' taps need all of the above).
// Stop order is the reverse where it matters: polling stops first so no new jobs arrive, workers
// get a grace period to reach a safe point, then the HTTP server and the database close.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createAdminFeature, createBroadcasts, createCostOperations } from "./admin/index.ts";
import { createAdminOperations } from "./admin/operations.ts";
import { startBackupSchedule } from "./backup/schedule.ts";
import { type BotDeps, createBot } from "./bot/index.ts";
import type { Config } from "./config/index.ts";
import type { ConsoleDeps, ConsoleHandler } from "./console/index.ts";
import { createConsoleLinks } from "./console/login.ts";
import { createStore } from "./db/index.ts";
import { costsRepo } from "./db/ops/costs.ts";
import { promoRepo } from "./db/ops/promo.ts";
import { supportRepo } from "./db/ops/support.ts";
import { templatesRepo } from "./db/ops/templates.ts";
import type { Store } from "./db/store.ts";
import { createGeneration, type GenerationDeps, type GenerationOptions } from "./generation/index.ts";
import { reportProviders } from "./generation/readiness.ts";
import { createHttpServer } from "./http/index.ts";
import type { Logger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";
import {
  createPaymentsFeature,
  createPaymentsGate,
  createPaymentsService,
  createStarsReconciler,
  type PaymentsService,
} from "./payments/index.ts";
import { createPhotoCheck } from "./photo-check/index.ts";
import { createPromoFeature, createPromoOperations } from "./promo/index.ts";
import { createQueue, type QueueOptions } from "./queue/index.ts";
import type { QueueHandle } from "./queue/types.ts";
import type { WorkerInfo } from "./queue/worker.ts";
import { createStorage } from "./storage/index.ts";
import { createRetentionSweeper } from "./storage/retention.ts";
import { createSupportFeature } from "./support/index.ts";
import { createTelegram } from "./telegram/index.ts";
import { openLiveCatalogue } from "./templates/live.ts";
import { createTemplateOperations } from "./templates/operations.ts";
import { SHUTDOWN } from "./timing/index.ts";

export interface AppOptions {
  /** "all": bot + HTTP + workers; "worker": workers and the HTTP server only (Postgres). */
  mode?: "all" | "worker";
  /** better-sqlite3's addon when running as a single executable. */
  nativeBinding?: object;
  /** Grace period for running pipeline steps on shutdown (default SHUTDOWN.graceMs). */
  stopGraceMs?: number;
}

export interface App {
  readonly store: Store;
  /** The HTTP server's port once started (tests bind port 0). */
  readonly port: number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type JobQueueOptions = QueueOptions & GenerationOptions;

/**
 * One full, memory-reducing collection once everything runs. Start-up allocates fast and keeps
 * much of it (every module's objects), so V8 grows the young generation to its maximum (16 MB
 * under --max-semi-space-size=8) and promotes start-up's garbage; a bot then waiting for orders
 * allocates so little that no collection comes to shrink it again — a browser would get an idle
 * notification for that, a Node process none. ~11 MB of idle RSS for one pause of ~10–20 ms.
 * The single executable runs with --expose-gc (build/node-flags.json); elsewhere (tests,
 * `npm start`) `gc` is undefined and V8 decides alone. Load resizes the heap again as before.
 */
function collectStartupGarbage(logger: Logger): void {
  if (!globalThis.gc) return;
  const t0 = performance.now();
  globalThis.gc({ type: "major", execution: "sync", flavor: "last-resort" });
  logger.debug({ ms: Math.round(performance.now() - t0) }, "start-up garbage collected");
}

/** What the generation rules need, less what the engine supplies (onReleased), with both sides' options. */
export type JobQueueDeps = Omit<GenerationDeps, "onReleased" | "options"> & {
  options?: Partial<JobQueueOptions>;
};

export type JobQueue = QueueHandle & {
  start(): void;
  /** Stops claiming, waits up to `graceMs` for running steps to reach a safe point, leaves the rest to leases. */
  stop(graceMs?: number): Promise<void>;
  /** Worker states for health and the admin panel. */
  workers(): WorkerInfo[];
  /** Remaining kie.ai credit per key (doctor, admin panel). */
  providerCredits(): Promise<Array<{ label: string; credits: number | null; error?: string }>>;
};

/** The job queue: the generic lease engine (queue/) running the generation rules (generation/). */
export function createJobQueue(deps: JobQueueDeps): JobQueue {
  const log = deps.logger.child({ module: "queue" });
  // The runner is built first and handed to the engine; a job it gives back wakes the engine, which
  // exists by the time any job runs.
  const generation = createGeneration({ ...deps, logger: log, onReleased: (at) => engine.wakeAt(at) });
  const engine = createQueue({
    ...deps,
    logger: log,
    runner: generation.runner,
    hardStopReason: generation.shutdownError,
  });
  let started = false;
  return {
    wake: engine.wake,
    checkProviderTask: engine.checkProviderTask,
    estimateMinutes: generation.estimateMinutes,
    availability: generation.availability,
    workers: engine.workers,
    providerCredits: generation.providerCredits,
    start(): void {
      if (started) return;
      started = true;
      engine.start();
      generation.start();
      log.info({ workers: engine.concurrency, callback: Boolean(generation.callbackUrl) }, "queue started");
      if (engine.concurrency === 0)
        log.info("WORKER_CONCURRENCY=0: this process renders nothing; `neurocards worker` machines do");
    },
    async stop(graceMs = SHUTDOWN.graceMs): Promise<void> {
      if (!started) return;
      started = false;
      await generation.stop();
      await engine.stop(graceMs);
      // Progress edits still waiting for their interval (often the final "Done") would die with
      // the process; a Bot API that does not answer must not hold the shutdown, though.
      await Promise.race([generation.flush(), new Promise((r) => setTimeout(r, SHUTDOWN.flushMs).unref())]);
      log.info("queue stopped");
    },
  };
}

/**
 * The console is loaded on its first request: a bot whose owner never opens it does not hold its
 * pages, texts and chart assets in memory.
 */
function lazyConsole(deps: ConsoleDeps) {
  let handler: Promise<ConsoleHandler> | undefined;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    handler ??= import("./console/index.ts").then((m) => m.createConsole(deps));
    await (await handler)(req, res);
  };
}

export type SellerBotDeps = Omit<BotDeps, "early" | "beforeStart" | "ingest" | "ungated" | "features"> & {
  gate: ReturnType<typeof createPaymentsGate>;
  payments: PaymentsService;
  broadcasts: ReturnType<typeof createBroadcasts>;
  promos: ReturnType<typeof promoRepo>;
  promoOperations: ReturnType<typeof createPromoOperations>;
  costs: ReturnType<typeof createCostOperations>;
  consoleLink: ReturnType<typeof createConsoleLinks>["issue"];
};

/**
 * The bot of the process that polls: the sellers' features behind the payments gate, promo codes,
 * support and the admins' panel. bench:bot builds its bot here too, so it measures what users run.
 */
export function createSellerBot(d: SellerBotDeps) {
  const { gate, payments, broadcasts, promos, promoOperations, costs, consoleLink, ...deps } = d;
  const base = {
    config: d.config,
    store: d.store,
    logger: d.logger,
    metrics: d.metrics,
    telegram: d.telegram,
  };
  return createBot({
    ...deps,
    early: [gate.composer],
    beforeStart: [createPromoFeature({ config: d.config, repo: promos, logger: d.logger })],
    ingest: (updates, o) => gate.intake.save(updates, o),
    // The terms are the sellers' (before an order); the admins' panel and console do not wait
    // for them, nor does support. Both pass on whatever is not theirs.
    ungated: [
      createSupportFeature({ ...base, catalogue: d.catalogue, repo: supportRepo(d.store.driver) }),
      createAdminFeature({
        ...base,
        queue: d.queue,
        broadcasts,
        payments,
        promos: promoOperations,
        costs,
        consoleLink,
      }),
    ],
    features: [createPaymentsFeature({ ...base, service: payments })],
  });
}

export async function createApp(config: Config, logger: Logger, opts: AppOptions = {}): Promise<App> {
  const mode = opts.mode ?? "all";
  const store = await createStore(config, logger, { nativeBinding: opts.nativeBinding });
  const metrics = createMetrics({ processMetrics: Boolean(config.http.metricsToken) });
  // Seeded from the built-in catalogue on the first start, then the owner's (src/templates).
  const templates = templatesRepo(store.driver);
  const catalogue = await openLiveCatalogue({ repo: templates, logger }).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const storage = createStorage(config, logger);
  const telegram = createTelegram({ config, store, logger });
  const queue = createJobQueue({ config, store, logger, metrics, telegram, storage, catalogue });
  // Broadcasts are sent by the process that polls (the admin starts them there); worker
  // processes only render videos.
  const broadcasts = mode === "all" ? createBroadcasts({ store, telegram, logger }) : undefined;
  const payments = createPaymentsService({ config, store, logger, metrics });
  const base = { config, store, logger, metrics, telegram };
  const gate = createPaymentsGate({ ...base, service: payments });
  // Telegram's record of Stars payments against ours, by the process that receives the updates.
  const reconciler =
    mode === "all"
      ? createStarsReconciler({ telegram, store, service: payments, receipts: gate.receipts, logger })
      : undefined;
  const promos = promoRepo(store.driver);
  const promoOperations = createPromoOperations({ repo: promos, logger });
  const costs = createCostOperations({ repo: costsRepo(store.driver), logger });
  const consoleLinks = createConsoleLinks({ config, driver: store.driver });
  const bot = broadcasts
    ? createSellerBot({
        ...base,
        catalogue,
        queue,
        photoCheck: createPhotoCheck({ config, api: telegram.api, logger, metrics }),
        gate,
        payments,
        broadcasts,
        promos,
        promoOperations,
        costs,
        consoleLink: consoleLinks.issue,
      })
    : undefined;
  const http = createHttpServer({
    config,
    store,
    storage,
    metrics,
    logger,
    health: {
      database: () => store.ping(),
      storage: () => storage.healthy(),
      // Updates flow when polling runs; in webhook mode Telegram pushes them, and a worker has none.
      polling: () => !bot || Boolean(config.telegram.webhook) || bot.isPolling(),
    },
    onKieCallback: (taskId) => {
      queue
        .checkProviderTask(taskId)
        .catch((err) => logger.warn({ err, taskId }, "kie.ai callback check failed"));
    },
    // Webhook mode (WEBHOOK_URL) instead of polling: the route exists only then.
    webhook: bot && config.telegram.webhook ? bot.handleWebhookUpdate : undefined,
    // Served by the process that polls, where its links point and broadcasts are sent.
    console: broadcasts
      ? lazyConsole({
          config,
          store,
          logger,
          catalogue,
          storage,
          ops: createAdminOperations({ ...base, queue, payments, api: telegram.api, broadcasts }),
          templates: createTemplateOperations({ repo: templates, logger, catalogue }),
          promos: promoOperations,
          costs,
          botUsername: async () => {
            // Known once the bot introduced itself to Telegram; asked for when it has not yet.
            if (bot?.bot.isInited()) return bot.bot.botInfo.username;
            return (await telegram.api.getMe().catch(() => null))?.username ?? null;
          },
        })
      : undefined,
  });
  const sweeper = createRetentionSweeper({ config, store, storage, logger, telegram });

  let stopBackups: (() => Promise<void>) | undefined;
  let port: number | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;

  async function stop(): Promise<void> {
    // Each step is attempted even when an earlier one fails: a stuck poller must not keep the
    // database open.
    const step = async (name: string, fn: () => Promise<unknown> | unknown) => {
      try {
        await fn();
      } catch (err) {
        logger.error({ err }, `shutdown: ${name} failed`);
      }
    };
    await step("polling", () => bot?.stop());
    await step("reconciliation", () => reconciler?.stop());
    await step("broadcasts", () => broadcasts?.stop());
    await step("retention", () => sweeper.stop());
    await step("backups", () => stopBackups?.());
    await step("workers", () => queue.stop(opts.stopGraceMs));
    await step("http", () => http.close());
    await step("storage", () => storage.close());
    await step("database", () => store.close());
  }

  return {
    store,
    get port() {
      return port;
    },
    async start() {
      if (started) return;
      started = true;
      ({ port } = await http.listen());
      logger.info({ port, mode }, "HTTP server listening");
      // A stop (SIGTERM) during start-up wins: what started is stopped by it, nothing starts after.
      if (stopping) return;
      queue.start();
      // Not awaited: an admin notice through a slow Bot API must not hold the start. Told by the
      // process that serves the sellers; extra workers would repeat the same alert.
      if (mode === "all")
        void reportProviders({ config, telegram, logger }).catch((err: unknown) =>
          logger.warn({ err }, "could not tell the admins about the providers"),
        );
      sweeper.start();
      // Automatic backups (BACKUP_INTERVAL_HOURS) are taken by the polling process only, so
      // extra workers on other machines do not each write one.
      if (mode === "all")
        stopBackups = startBackupSchedule({ config, logger, nativeBinding: opts.nativeBinding });
      if (bot) await bot.start();
      if (stopping) return;
      reconciler?.start();
      const resumed = await broadcasts?.resumeBroadcasts();
      if (resumed) logger.info({ broadcasts: resumed }, "resumed interrupted broadcasts");
      if (!stopping) collectStartupGarbage(logger);
    },
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}
