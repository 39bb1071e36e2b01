// The bot as bench:bot's child and bench:bot-instructions run it: the composers src/app.ts installs
// for the process that polls (payments gate and feature, promo, support, the admin panel), users
// and sessions on SQLite, i18n; no queue and no generation; send pacing off.
import { createBroadcasts, createCostOperations } from "../../src/admin/index.ts";
import { createSellerBot } from "../../src/app.ts";
import { parseConfig } from "../../src/config/index.ts";
import { createConsoleLinks } from "../../src/console/login.ts";
import { createStore } from "../../src/db/index.ts";
import { costsRepo } from "../../src/db/ops/costs.ts";
import { promoRepo } from "../../src/db/ops/promo.ts";
import { createLogger } from "../../src/logger.ts";
import { createMetrics } from "../../src/metrics.ts";
import { createPaymentsGate, createPaymentsService } from "../../src/payments/index.ts";
import { createPromoOperations } from "../../src/promo/index.ts";
import { createTelegram } from "../../src/telegram/index.ts";
import { createCatalogue } from "../../src/templates/index.ts";

export async function wireBot(env: { apiRoot: string; token: string; db: string }) {
  const config = parseConfig({
    BOT_TOKEN: env.token,
    TELEGRAM_API_ROOT: env.apiRoot,
    DATABASE_PATH: env.db,
    SEND_RATE_PER_SECOND: "0",
  });
  const logger = createLogger({ level: "warn", pretty: false });
  const store = await createStore(config, logger);
  // As src/app.ts wires it without METRICS_TOKEN (the default): no process metrics, which sample
  // the event loop every 10 ms and watch every GC.
  const metrics = createMetrics({ processMetrics: false });
  const telegram = createTelegram({ config, store, logger });
  const catalogue = createCatalogue();
  const queue: Parameters<typeof createSellerBot>[0]["queue"] = {
    wake() {},
    async checkProviderTask() {},
    estimateMinutes: (p) => p * 2,
    availability: async () => ({ ok: true }),
  };
  // The bot src/app.ts builds for the process that polls (its createApp with mode "all").
  const base = { config, store, logger, metrics, telegram };
  const payments = createPaymentsService(base);
  const promos = promoRepo(store.driver);
  const bot = createSellerBot({
    ...base,
    catalogue,
    queue,
    gate: createPaymentsGate({ ...base, service: payments }),
    payments,
    broadcasts: createBroadcasts({ store, telegram, logger }),
    promos,
    promoOperations: createPromoOperations({ repo: promos, logger }),
    costs: createCostOperations({ repo: costsRepo(store.driver), logger }),
    consoleLink: createConsoleLinks({ config, driver: store.driver }).issue,
  });
  return { bot, store, metrics };
}
