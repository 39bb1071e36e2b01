// The real bot with the payments and admin features against the fake Bot API and a fresh SQLite
// store, as the CLI wires it; `restart()` replaces the bot and the broadcast sender on the same
// database like a process restart.
import { createAdminFeature, createBroadcasts } from "../src/admin/index.ts";
import { createBot } from "../src/bot/index.ts";
import { parseConfig } from "../src/config/index.ts";
import type { Store } from "../src/db/store.ts";
import type { User } from "../src/db/types.ts";
import { createMetrics } from "../src/metrics.ts";
import { createPaymentsFeature, createPaymentsGate, createStarsReconciler } from "../src/payments/index.ts";
import type { QueueHandle } from "../src/queue/types.ts";
import { createTelegram } from "../src/telegram/index.ts";
import { createCatalogue } from "../src/templates/index.ts";
import {
  FAKE_BOT_TOKEN,
  type FakeUser,
  startFakeTelegram,
  type UserProfile,
} from "./fakes/telegram-server.ts";
import { silentLogger, storeFactories, switchableStore } from "./helpers/stores.ts";

export const ADMIN_ID = 777;

export interface HarnessOptions {
  /** What the payments feature sees instead of the store (to inject database failures). */
  paymentsStore?: (store: Store) => Store;
  /** Waits between attempts to record a payment (default 20 ms doubling to 100 ms in tests). */
  paymentRetryMs?: { base: number; max: number };
  /** Webhook mode: how long a request waits for a payment to be saved. */
  webhookSaveDeadlineMs?: number;
}

export async function startPaymentsBot(env: Record<string, string> = {}, opts: HarnessOptions = {}) {
  const tg = await startFakeTelegram();
  const real = await storeFactories()[0]!.make({ freeCredits: 1 });
  // What the bot's process sees; `database.down()` takes it away from the whole bot.
  const database = switchableStore(real);
  const store = database.store;
  const config = parseConfig({
    BOT_TOKEN: FAKE_BOT_TOKEN,
    TELEGRAM_API_ROOT: tg.apiRoot,
    ADMIN_IDS: String(ADMIN_ID),
    FREE_CREDITS: "1",
    SEND_RATE_PER_SECOND: "1000",
    ...env,
  });
  const logger = silentLogger();
  const metrics = createMetrics();
  const wakes = { count: 0 };
  const queue: QueueHandle = {
    wake: () => {
      wakes.count++;
    },
    checkProviderTask: async () => {},
    estimateMinutes: () => 1,
    availability: async () => ({ ok: true }),
  };

  function build() {
    const telegram = createTelegram({ config, store, logger });
    const deps = { config, store, logger, metrics, telegram, catalogue: createCatalogue(), queue };
    const broadcasts = createBroadcasts({ store, telegram, logger });
    const paymentsStore = opts.paymentsStore ? opts.paymentsStore(store) : store;
    const gate = createPaymentsGate({
      ...deps,
      store: paymentsStore,
      retryMs: opts.paymentRetryMs ?? { base: 20, max: 100 },
    });
    const reconciler = createStarsReconciler({
      telegram,
      store: paymentsStore,
      service: gate.service,
      receipts: gate.receipts,
      logger,
    });
    const bot = createBot({
      ...deps,
      early: [gate.composer],
      webhookSaveDeadlineMs: opts.webhookSaveDeadlineMs,
      ingest: (updates, o) => gate.intake.save(updates, o),
      // As src/app.ts wires them: the admin panel does not wait for the sellers' terms.
      ungated: [createAdminFeature({ ...deps, broadcasts })],
      features: [createPaymentsFeature({ ...deps, store: paymentsStore, service: gate.service })],
      polling: { pollTimeoutSeconds: 1, leaseTtlMs: 3000, backoffMs: { first: 50, max: 200 } },
    });
    return { bot, broadcasts, reconciler };
  }

  let current = build();
  await current.bot.start();

  return {
    tg,
    /** The database as the test sees it: always up. */
    store: real,
    database,
    config,
    metrics,
    wakes,
    get broadcasts() {
      return current.broadcasts;
    },
    get bot() {
      return current.bot;
    },
    /** One pass of the Stars reconciliation, as the app runs it on start and every hour. */
    reconcile() {
      return current.reconciler.run();
    },
    /** A user who has accepted the terms (the bot's own /start flow is tested by the bot's tests). */
    async member(profile: UserProfile): Promise<{ u: FakeUser; user: User }> {
      const u = tg.user(profile);
      const { user } = await store.getOrCreateUser({
        tgId: profile.id,
        username: profile.username ?? null,
        firstName: profile.first_name ?? `User${profile.id}`,
        languageCode: profile.language_code ?? "en",
      });
      await store.setConsent(user.id, new Date());
      return { u, user: (await store.getUserById(user.id)) ?? user };
    },
    async restart(): Promise<void> {
      await current.bot.stop();
      await current.broadcasts.stop();
      current = build();
      await current.bot.start();
      await current.broadcasts.resumeBroadcasts();
    },
    /** Stops polling and sending, like a process going down (the database stays). */
    async stopProcess(): Promise<void> {
      await current.bot.stop();
      await current.broadcasts.stop();
    },
    async close(): Promise<void> {
      await current.bot.stop();
      await current.broadcasts.stop();
      await real.close();
      await tg.close();
    },
  };
}

export type PaymentsBot = Awaited<ReturnType<typeof startPaymentsBot>>;
