// The bot: one factory wiring grammY, the session on the store, i18n, the user flows and the
// features of other subsystems. Long polling with @grammyjs/runner lives in ./polling.ts.
import type { Composer } from "grammy";
import { Bot } from "grammy";
import type { Config } from "../config/index.ts";
import type { Store } from "../db/store.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { QueueHandle } from "../queue/types.ts";
import type { Telegram } from "../telegram/types.ts";
import type { Catalogue } from "../templates/index.ts";
import type { BotContext } from "./context.ts";

export interface BotDeps {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  telegram: Telegram;
  catalogue: Catalogue;
  queue: QueueHandle;
  /** Composers of other subsystems (payments, admin), installed before the "unhandled" fallback. */
  features?: Composer<BotContext>[];
}

export function createBot(deps: BotDeps) {
  const bot = new Bot<BotContext>(deps.config.botToken, {
    client: { apiRoot: deps.config.telegram.apiRoot },
  });
  for (const f of deps.features ?? []) bot.use(f);
  let polling = false;
  return {
    bot,
    async start(): Promise<void> {
      polling = true;
    },
    async stop(): Promise<void> {
      polling = false;
    },
    isPolling: () => polling,
    handleUpdate: (update: Parameters<typeof bot.handleUpdate>[0]) => bot.handleUpdate(update),
  };
}

export type NeurocardsBot = ReturnType<typeof createBot>;
