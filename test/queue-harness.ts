// Everything a queue end-to-end test needs: the fake Bot API, kie.ai and OpenAI servers, a real
// store, real storage, the real Telegram sender and (optionally) the real HTTP server under a
// PUBLIC_BASE_URL, with the queue's timings shrunk to milliseconds.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createJobQueue, type JobQueue, type JobQueueOptions } from "../src/app.ts";
import { type Config, parseConfig } from "../src/config/index.ts";
import type { NewJob, Store } from "../src/db/store.ts";
import type { Job, JobStatus } from "../src/db/types.ts";
import { createHttpServer } from "../src/http/index.ts";
import { createLogger } from "../src/logger.ts";
import { createMetrics, type Metrics } from "../src/metrics.ts";
import { createStorage } from "../src/storage/index.ts";
import type { Storage } from "../src/storage/types.ts";
import { createTelegram } from "../src/telegram/index.ts";
import type { Telegram } from "../src/telegram/types.ts";
import { createCatalogue, defaultChoice, priceOf } from "../src/templates/index.ts";
import { createKieServer, type FakeKie, type FakeKieOptions } from "./fakes/kie-server.ts";
import { createOpenAiServer, type FakeOpenAi } from "./fakes/openai-server.ts";
import { type FakeTelegram, startFakeTelegram, TINY_PNG } from "./fakes/telegram-server.ts";
import { ALL_HEALTHY } from "./helpers/http.ts";
import { createJobAndConsumeCredit } from "./helpers/store-ops.ts";

export const ADMIN_ID = 900_001;

/** Queue timings for tests: everything that waits in production waits milliseconds here. */
export const FAST: Partial<JobQueueOptions> = {
  leaseMs: 3000,
  idleMs: 200,
  fetchBackoffMs: { base: 20, max: 200 },
  retryBackoffMs: { base: 30, max: 100 },
  providerWaitMs: 300,
  kieRequestTimeoutMs: 5000,
  openaiMaxRetries: 0,
  adminAlertEveryMs: 0,
  timing: { firstPollMs: 10, pollMinMs: 20, pollMaxMs: 40 },
};

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface HarnessOptions {
  store: Store;
  /** Serve files and callbacks under PUBLIC_BASE_URL with the real HTTP server. */
  publicUrl?: boolean;
  kie?: FakeKieOptions;
  env?: Record<string, string>;
  queue?: Partial<JobQueueOptions>;
  /** Use these already running fakes (shared with a child process). */
  fakes?: { tg: FakeTelegram; kie: FakeKie; openai: FakeOpenAi };
  /** Do not create the queue (a child process runs it). */
  noQueue?: boolean;
  logLevel?: string;
  /** Collects every log line (as parsed JSON) at `logLevel`, default "debug". */
  logs?: Array<Record<string, unknown>>;
}

export interface Harness {
  config: Config;
  env: Record<string, string>;
  store: Store;
  storage: Storage;
  telegram: Telegram;
  metrics: Metrics;
  queue: JobQueue;
  tg: FakeTelegram;
  kie: FakeKie;
  openai: FakeOpenAi;
  /** A user with `credits` credits and a chat in the fake Bot API. */
  user(tgId: number, credits?: number, language?: "ru" | "en"): Promise<{ id: number; tgId: number }>;
  /** Creates a paid job with a fresh photo in the fake Bot API and wakes the queue. */
  job(userId: number, tgId: number, over?: Partial<NewJob>): Promise<Job>;
  waitFor(jobId: number, statuses: JobStatus[], timeoutMs?: number): Promise<Job>;
  close(): Promise<void>;
}

let seq = 0;

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const tg = o.fakes?.tg ?? (await startFakeTelegram());
  const kie = o.fakes?.kie ?? createKieServer(o.kie);
  const openai = o.fakes?.openai ?? createOpenAiServer();
  if (!o.fakes) {
    await kie.start();
    await openai.start();
  }
  const dir = mkdtempSync(join(tmpdir(), "nc-queue-"));
  const port = o.publicUrl ? await freePort() : 0;
  const env: Record<string, string> = {
    BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    KIE_API_KEYS: Object.keys(o.kie?.keys ?? { "test-key": true }).join(","),
    KIE_BASE_URL: kie.url,
    KIE_UPLOAD_BASE_URL: kie.url,
    OPENAI_API_KEY: openai.apiKey,
    OPENAI_BASE_URL: openai.url,
    OPENAI_TIMEOUT_SECONDS: "2",
    STORAGE_PATH: dir,
    SEND_RATE_PER_SECOND: "0",
    ADMIN_IDS: String(ADMIN_ID),
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: String(port),
    LINK_SECRET: "test-link-secret-0123456789abcdef",
    ...(o.publicUrl ? { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } : {}),
    ...o.env,
  };
  const config = parseConfig(env);
  const logs = o.logs;
  const logger = logs
    ? createLogger({
        level: o.logLevel ?? "debug",
        pretty: false,
        destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
      })
    : createLogger({ level: o.logLevel ?? "silent", pretty: false });
  const metrics = createMetrics();
  const storage = createStorage(config, logger);
  const telegram = createTelegram({ config, store: o.store, logger });
  const catalogue = createCatalogue();
  const queue = createJobQueue({
    config,
    store: o.store,
    logger,
    metrics,
    telegram,
    storage,
    catalogue,
    options: { ...FAST, ...o.queue },
  });
  const http = o.publicUrl
    ? createHttpServer({
        config,
        store: o.store,
        storage,
        metrics,
        logger,
        health: ALL_HEALTHY,
        onKieCallback: (taskId) => queue.checkProviderTask(taskId),
      })
    : null;
  await http?.listen();
  if (!o.noQueue) queue.start();
  tg.addChat(ADMIN_ID, "group", "admin");

  return {
    config,
    env,
    store: o.store,
    storage,
    telegram,
    metrics,
    queue,
    tg,
    kie,
    openai,
    async user(tgId, credits = 1, language = "en") {
      tg.user({ id: tgId, language_code: language });
      const { user } = await o.store.getOrCreateUser({ tgId, firstName: `U${tgId}`, languageCode: language });
      if (credits > user.credits) {
        await o.store.addCredits({
          userId: user.id,
          amount: credits - user.credits,
          reason: "admin_grant",
          reference: `grant:${tgId}:${++seq}`,
        });
      }
      return { id: user.id, tgId };
    },
    async job(userId, tgId, over = {}) {
      const template = catalogue.get(over.template ?? "ugc")!;
      const photo = tg.registerFile({
        bytes: TINY_PNG,
        mimeType: "image/png",
        dir: "photos",
        fileName: "p.png",
      });
      const r = await createJobAndConsumeCredit(o.store, userId, {
        chatId: tgId,
        template: template.id,
        model: template.model,
        language: "en",
        photoFileId: photo.fileId,
        productText: "Ceramic mug 350 ml, matte black, dishwasher safe",
        wishes: null,
        cost: priceOf(template, defaultChoice(template).seconds) ?? 1,
        idempotencyKey: `job:${tgId}:${++seq}:${Math.random()}`,
        ...over,
      });
      if (!r.ok) throw new Error(`job not created: ${r.reason}`);
      queue.wake();
      return r.job;
    },
    async waitFor(jobId, statuses, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const job = await o.store.getJobById(jobId).catch(() => null);
        if (job && statuses.includes(job.status)) return job;
        if (Date.now() > until) {
          throw new Error(
            `job ${jobId} is ${job?.status}/${job?.step} (${job?.errorCode}), not ${statuses.join("|")}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await queue.stop(1000);
      await http?.close();
      if (!o.fakes) {
        await kie.close();
        await openai.close();
        await tg.close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
