// The bot: one factory wiring grammY, the session on the store, i18n, the user flows and the
// features of other subsystems. Long polling with @grammyjs/runner lives in ./polling.ts.
import { sequentialize } from "@grammyjs/runner";
import { Bot, type Composer, session } from "grammy";
import type { Update } from "grammy/types";
import type { Config } from "../config/index.ts";
import type { Store } from "../db/store.ts";
import { telegramWebhookUrl } from "../http/paths.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { PhotoCheck } from "../photo-check/index.ts";
import type { QueueHandle } from "../queue/types.ts";
import { pollingClient } from "../telegram/http-fetch.ts";
import { withRetry } from "../telegram/index.ts";
import type { Telegram } from "../telegram/types.ts";
import type { Catalogue } from "../templates/index.ts";
import { supportButton } from "./callbacks.ts";
import { FeatureComposer } from "./composer.ts";
import { type BotContext, initialSession } from "./context.ts";
import { createCabinetFeature } from "./features/cabinet.ts";
import { createCreateFeature } from "./features/create.ts";
import { createMenuFeature } from "./features/menu.ts";
import { createStartFeature } from "./features/start.ts";
import { createI18n, LANGUAGES } from "./i18n.ts";
import {
  blockedGate,
  chatMember,
  consentGate,
  errorBoundary,
  loadUser,
  privateChatsOnly,
  unhandled,
} from "./middleware.ts";
import { ALLOWED_UPDATES, createPoller } from "./polling.ts";
import { createSessionStorage } from "./session.ts";
import type { FeatureDeps } from "./ui.ts";

export type { BotContext } from "./context.ts";
export { ALLOWED_UPDATES } from "./polling.ts";

export interface BotDeps {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  telegram: Telegram;
  catalogue: Catalogue;
  queue: QueueHandle;
  /** The photo check before an order (src/photo-check); absent: photos are taken as they are. */
  photoCheck?: PhotoCheck;
  /** Composers of other subsystems (payments), installed after the consent gate, before the bot's own flows. */
  features?: Composer<BotContext>[];
  /**
   * Composers that must see their updates before anything that reads the database (session, user,
   * consent) and in any chat: the payment updates, which carry money already taken.
   */
  early?: Composer<BotContext>[];
  /**
   * Composers every user reaches, also one blocked by an admin or who has not accepted the terms
   * yet: support, and the admin panel (its own ADMIN_IDS filter is its gate; the terms are the
   * sellers'). Installed after the session and the user are loaded, before those gates.
   */
  ungated?: Composer<BotContext>[];
  /**
   * Composers that see /start and the consent button before the start feature does (a promo deep
   * link is checked and kept until the terms are accepted). Installed after the admin-block gate and
   * before the consent gate: users who have not accepted the terms reach them, and must be passed on.
   */
  beforeStart?: Composer<BotContext>[];
  /**
   * Saves what must not be lost (payments) from a batch of updates before Telegram is told they
   * arrived: the poller calls it before confirming the offset, the webhook before answering 200.
   * Rejects when it could not save by the deadline or the signal aborted.
   */
  ingest?: (updates: readonly Update[], o: { signal?: AbortSignal; deadlineMs?: number }) => Promise<void>;
  /** How long the webhook waits for a payment to be saved before failing the request (default 8 s). */
  webhookSaveDeadlineMs?: number;
  /** Poller tuning for tests (lease TTL, backoff, long-poll timeout). */
  polling?: { leaseTtlMs?: number; backoffMs?: { first: number; max: number }; pollTimeoutSeconds?: number };
}

/** A webhook request waits this long for a payment to be saved; after it, Telegram's retry takes over. */
const WEBHOOK_SAVE_DEADLINE_MS = 8_000;

const COMMANDS = [
  "start",
  "menu",
  "cancel",
  "help",
  "support",
  "promo",
  "lang",
  "terms",
  "paysupport",
] as const;
/** Telegram shows the command list by the client's language: the Russian list for these too. */
const RUSSIAN_CLIENTS = ["ru", "uk", "be", "kk"] as const;

export function createBot(deps: BotDeps) {
  const { config, logger } = deps;
  // Node's own HTTP client (../telegram/http-fetch.ts), neither grammY's node-fetch (the bot's
  // largest cost per update) nor the queue's undici (~15 MB more for a process that only polls).
  const bot = new Bot<BotContext>(config.botToken, { client: pollingClient(config.telegram.apiRoot) });
  withRetry(bot.api);
  const i18n = createI18n();
  const fd: FeatureDeps = {
    config,
    store: deps.store,
    logger,
    metrics: deps.metrics,
    catalogue: deps.catalogue,
    queue: deps.queue,
    photoCheck: deps.photoCheck,
  };

  // One flat list of layers (./composer.ts): grammY's `bot.use` nests a composer per call.
  const chain = new FeatureComposer<BotContext>();
  // Updates of one user in order, of different users in parallel (under the runner).
  chain.add(sequentialize((ctx: BotContext) => String(ctx.from?.id ?? ctx.chat?.id ?? "")));
  chain.add((ctx, next) => {
    deps.metrics.updatesHandled.inc({
      type: Object.keys(ctx.update).find((k) => k !== "update_id") ?? "unknown",
    });
    return next();
  });
  chain.add(errorBoundary(fd, i18n));
  chain.add(...(deps.early ?? []));
  chain.add(privateChatsOnly(i18n));
  chain.add(
    session({
      initial: initialSession,
      storage: createSessionStorage(deps.store),
      getSessionKey: (ctx) => (ctx.from ? `u${ctx.from.id}` : undefined),
    }),
  );
  chain.add(loadUser(fd));
  // The owner's template edits reach the next update: one small query when nothing changed.
  chain.add(async (_ctx, next) => {
    await deps.catalogue.refresh();
    await next();
  });
  chain.add(i18n.middleware());
  chain.add(chatMember(fd));
  chain.add(...(deps.ungated ?? []));
  chain.add(blockedGate(fd));
  chain.add(...(deps.beforeStart ?? []));
  chain.add(createStartFeature(fd));
  chain.add(consentGate(fd));
  // Features (payments) come before the bot's own flows: their commands see the update first, and
  // pass on what is not theirs. (The admin panel is ungated, earlier still: an admin typing an
  // amount is answered before any flow.)
  chain.add(...(deps.features ?? []));
  chain.add(createMenuFeature(fd));
  chain.add(createCabinetFeature(fd));
  chain.add(createCreateFeature(fd));
  chain.add(unhandled(fd));
  bot.use(chain);
  bot.catch((e) => logger.error({ err: e.error, updateId: e.ctx.update.update_id }, "unhandled bot error"));

  let announced = false;
  let stopAsked = false;
  async function announce(): Promise<void> {
    if (announced) return;
    // Not bot.init(): grammY retries its getMe on network errors for ever, so with Telegram
    // unreachable start() would never return (no log, no clean SIGTERM). Our Api's retries are
    // bounded; the poller calls announce() again before each attempt, with its own backoff.
    if (!bot.isInited()) bot.botInfo = await bot.api.getMe();
    logger.info(
      { username: bot.botInfo.username, id: bot.botInfo.id },
      `bot @${bot.botInfo.username} started`,
    );
    // /support is advertised when it leads somewhere (an admin to read it, or SUPPORT_URL).
    const offered = COMMANDS.filter((c) => c !== "support" || supportButton(config, c));
    const list = (lang: string, commands: readonly string[] = offered) =>
      commands.map((command) => ({ command, description: i18n.t(lang, `cmd-${command}`) }));
    await bot.api.setMyCommands(list("en"));
    for (const code of RUSSIAN_CLIENTS) await bot.api.setMyCommands(list("ru"), { language_code: code });
    // /admin and /console are advertised only in the admins' own chats (scope "chat"); everyone else's lists
    // above do not mention it.
    const withAdmin = [...offered, "admin", "console"];
    for (const adminId of config.admins) {
      const scope = { type: "chat" as const, chat_id: adminId };
      try {
        await bot.api.setMyCommands(list("en", withAdmin), { scope });
        for (const code of RUSSIAN_CLIENTS)
          await bot.api.setMyCommands(list("ru", withAdmin), { scope, language_code: code });
      } catch (e) {
        // Telegram knows a private chat only after the user opened the bot ("chat not found").
        logger.warn({ err: e, adminId }, "admin command list not set for this admin; set on the next start");
      }
    }
    announced = true;
  }

  const poller = createPoller({
    bot,
    store: deps.store,
    logger,
    beforePoll: announce,
    ingest: deps.ingest,
    ...deps.polling,
  });

  return {
    bot,
    /**
     * Starts long polling in the background (or, with WEBHOOK_URL, registers the webhook). Never
     * throws for Telegram trouble: it is logged and retried, so the HTTP server and workers keep running.
     */
    async start(): Promise<void> {
      stopAsked = false;
      await announce().catch((e: unknown) =>
        logger.error({ err: e }, "could not introduce the bot to Telegram yet"),
      );
      // A stop that came while Telegram was slow to answer wins: nothing starts after it.
      if (stopAsked) return;
      const hook = config.telegram.webhook;
      if (hook) {
        // WEBHOOK_URL is the public base of our HTTP server; updates arrive on its secret route.
        const url = telegramWebhookUrl(config) ?? hook.url;
        await bot.api
          .setWebhook(url, { secret_token: hook.secret, allowed_updates: [...ALLOWED_UPDATES] })
          .catch((e: unknown) => logger.error({ err: e }, "setWebhook failed"));
        return;
      }
      poller.start();
    },
    /** Stops fetching and waits for the updates in flight. */
    async stop(): Promise<void> {
      stopAsked = true;
      await poller.stop();
    },
    isPolling: () => poller.isPolling(),
    pollerState: () => poller.state(),
    /** Handles one update (tests). */
    handleUpdate: async (update: Parameters<typeof bot.handleUpdate>[0]) => {
      if (!bot.isInited()) await bot.init();
      await bot.handleUpdate(update);
    },
    /**
     * Webhook mode: handles one update the HTTP server has read, checked and parsed (src/http/webhook.ts).
     * Resolves only after the update was handled, and an update carrying money only after it was
     * saved; rejects when the database does not answer within WEBHOOK_SAVE_DEADLINE_MS, and then the
     * request fails and Telegram delivers the update again later.
     */
    handleWebhookUpdate: async (update: Update): Promise<void> => {
      await deps.ingest?.([update], { deadlineMs: deps.webhookSaveDeadlineMs ?? WEBHOOK_SAVE_DEADLINE_MS });
      if (!bot.isInited()) await bot.init();
      await bot.handleUpdate(update);
    },
    languages: LANGUAGES,
  };
}

export type NeurocardsBot = ReturnType<typeof createBot>;
