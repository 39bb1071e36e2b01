// Starts the real bot (grammY's real HTTP client, the runner, a SQLite store) against the fake Bot
// API, so an e2e test is a few lines:
//
//   const h = await startBotHarness();
//   const u = await h.consentedUser({ id: 1, language_code: "ru" });
//   u.tap(u.last()!, "🎬 Создать видео");
//   await u.next(/Шаг 1/);
//   await h.close();
import type { Composer } from "grammy";
import { encode } from "../../src/bot/callbacks.ts";
import type { BotContext } from "../../src/bot/context.ts";
import { type BotDeps, createBot, type NeurocardsBot } from "../../src/bot/index.ts";
import { parseConfig } from "../../src/config/index.ts";
import type { Store } from "../../src/db/store.ts";
import { createLogger } from "../../src/logger.ts";
import { createMetrics, type Metrics } from "../../src/metrics.ts";
import { createPhotoCheck } from "../../src/photo-check/index.ts";
import type { QueueHandle } from "../../src/queue/types.ts";
import { createTelegram } from "../../src/telegram/index.ts";
import { type Catalogue, createCatalogue } from "../../src/templates/index.ts";
import {
  type FakeTelegram,
  type FakeUser,
  startFakeTelegram,
  type UserProfile,
} from "../fakes/telegram-server.ts";
import { sqliteFactory } from "./stores.ts";

/** A queue stand-in that records wakes; position N waits about 2·N minutes; kie.ai is always ready. */
export function recordingQueue(): QueueHandle & { wakes: number } {
  const q = {
    wakes: 0,
    wake() {
      q.wakes++;
    },
    async checkProviderTask() {},
    estimateMinutes: (position: number) => Math.max(1, position) * 2,
    availability: async () => ({ ok: true }) as const,
  };
  return q;
}

/** What the bot gets from the harness (everything but its features and poller tuning). */
export type HarnessDeps = Omit<BotDeps, "features" | "beforeStart" | "ungated" | "polling">;

export interface BotHarnessOptions {
  /** Extra environment for parseConfig (FREE_CREDITS, WELCOME_VIDEO_FILE_IDS, ...). */
  env?: Record<string, string>;
  /** Other subsystems' features, built from the same dependencies the bot gets. */
  features?: (deps: HarnessDeps) => Composer<BotContext>[];
  /** Composers that see /start and the consent first (createBot's `beforeStart`). */
  beforeStart?: (deps: HarnessDeps) => Composer<BotContext>[];
  /** Features every user reaches, before the block and consent gates (support). */
  ungated?: (deps: HarnessDeps) => Composer<BotContext>[];
  queue?: QueueHandle;
  /** The templates (default: the built-in catalogue, fixed); a live one to test the owner's edits. */
  catalogue?: Catalogue;
  /** Reuse a fake / store (e.g. a second bot process on the same database). */
  tg?: FakeTelegram;
  store?: Store;
  /** Wait until the bot polls (default true). */
  waitForPolling?: boolean;
  /** The photo check's deadline and retries (it is on when env has OPENAI_API_KEY, as in the app). */
  photoCheck?: { timeoutMs?: number; maxRetries?: number };
}

export interface BotHarness extends HarnessDeps {
  tg: FakeTelegram;
  bot: NeurocardsBot;
  metrics: Metrics;
  /** Every log line as parsed JSON. */
  logs: Array<Record<string, unknown>>;
  user(profile: UserProfile): FakeUser;
  /** A user who sent /start and accepted the terms; the cursor is after the welcome. */
  consentedUser(profile: UserProfile): Promise<FakeUser>;
  /** Stops this bot process and starts a new one on the same store and fake (a restart). */
  restart(): Promise<void>;
  /** Stops the bot only (the store and the fake stay open). */
  stopBot(): Promise<void>;
  close(): Promise<void>;
}

export async function waitUntil(cond: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function startBotHarness(opts: BotHarnessOptions = {}): Promise<BotHarness> {
  const tg = opts.tg ?? (await startFakeTelegram());
  const ownsTg = !opts.tg;
  const config = parseConfig({
    BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    SEND_RATE_PER_SECOND: "0",
    LOG_LEVEL: "debug",
    ...opts.env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: "debug",
    pretty: false,
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const store = opts.store ?? (await sqliteFactory().make({ freeCredits: config.freeCredits, logger }));
  const ownsStore = !opts.store;
  const metrics = createMetrics();
  const telegram = createTelegram({ config, store, logger });
  const queue = opts.queue ?? recordingQueue();
  const photoCheck = createPhotoCheck({ config, api: telegram.api, logger, metrics, ...opts.photoCheck });
  const deps: HarnessDeps = {
    config,
    store,
    logger,
    metrics,
    telegram,
    catalogue: opts.catalogue ?? createCatalogue(),
    queue,
    photoCheck,
  };

  const launch = async () => {
    const bot = createBot({
      ...deps,
      features: opts.features?.(deps),
      beforeStart: opts.beforeStart?.(deps),
      ungated: opts.ungated?.(deps),
      polling: { leaseTtlMs: 3000, backoffMs: { first: 50, max: 500 } },
    });
    await bot.start();
    if (opts.waitForPolling !== false) await waitUntil(() => bot.isPolling(), 5000, "the bot to poll");
    return bot;
  };

  const h: BotHarness = {
    ...deps,
    tg,
    logs,
    bot: await launch(),
    user: (profile) => tg.user(profile),
    async consentedUser(profile) {
      const u = tg.user(profile);
      u.command("start");
      const terms = await u.next();
      u.tap(terms, encode({ a: "consent" }));
      await u.next((m) => m.reply_markup !== undefined && m.message_id > terms.message_id);
      return u;
    },
    async restart() {
      await h.bot.stop();
      h.bot = await launch();
    },
    stopBot: () => h.bot.stop(),
    async close() {
      await h.bot.stop();
      if (ownsStore) await store.close();
      if (ownsTg) await tg.close();
    },
  };
  return h;
}
