// The real bot with the payments and admin features against the fake Bot API and a fresh SQLite
// store, as the CLI wires it; `restart()` replaces the bot and the broadcast sender on the same
// database like a process restart.
import { createAdminFeature } from "../src/admin/index.ts";
import { createBot } from "../src/bot/index.ts";
import { createBroadcasts } from "../src/broadcast/index.ts";
import { parseConfig } from "../src/config/index.ts";
import type { Store } from "../src/db/store.ts";
import type { User } from "../src/db/types.ts";
import { createMetrics } from "../src/metrics.ts";
import { createPaymentsFeature } from "../src/payments/index.ts";
import type { QueueHandle } from "../src/queue/types.ts";
import { createTelegram } from "../src/telegram/index.ts";
import { createCatalogue } from "../src/templates/index.ts";
import {
  FAKE_BOT_TOKEN,
  type FakeUser,
  startFakeTelegram,
  type UserProfile,
} from "./fakes/telegram-server.ts";
import { silentLogger, storeFactories } from "./helpers/stores.ts";

export const ADMIN_ID = 777;

export interface HarnessOptions {
  /** What the payments feature sees instead of the store (to inject database failures). */
  paymentsStore?: (store: Store) => Store;
  paymentRetryDelaysMs?: number[];
}

export async function startPaymentsBot(env: Record<string, string> = {}, opts: HarnessOptions = {}) {
  const tg = await startFakeTelegram();
  const store = await storeFactories()[0]!.make({ freeCredits: 1 });
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
    const bot = createBot({
      ...deps,
      features: [
        createPaymentsFeature({
          ...deps,
          store: opts.paymentsStore ? opts.paymentsStore(store) : store,
          retryDelaysMs: opts.paymentRetryDelaysMs,
        }),
        createAdminFeature({ ...deps, broadcasts }),
      ],
      polling: { pollTimeoutSeconds: 1, leaseTtlMs: 3000, backoffMs: { first: 50, max: 200 } },
    });
    return { bot, broadcasts };
  }

  let current = build();
  await current.bot.start();

  return {
    tg,
    store,
    config,
    metrics,
    wakes,
    get broadcasts() {
      return current.broadcasts;
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
      await store.close();
      await tg.close();
    },
  };
}

export type PaymentsBot = Awaited<ReturnType<typeof startPaymentsBot>>;
