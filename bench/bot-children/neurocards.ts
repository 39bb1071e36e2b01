// Our bot as bench:bot measures it: all the middleware and the same composers src/app.ts installs
// (payments gate and feature, promo, support, the admin panel), users and sessions on SQLite, i18n
// and the runner; no queue and no generation; send pacing off so the bot's own ceiling shows.
// Bundled on its own like the executable. Started by bench/bot.bench.ts; prints "ready" once polling.
import { createAdminFeature, createBroadcasts, createCostOperations } from "../../src/admin/index.ts";
import { createBot } from "../../src/bot/index.ts";
import { parseConfig } from "../../src/config/index.ts";
import { createConsoleLinks } from "../../src/console/login.ts";
import { createStore } from "../../src/db/index.ts";
import { costsRepo } from "../../src/db/ops/costs.ts";
import { promoRepo } from "../../src/db/ops/promo.ts";
import { supportRepo } from "../../src/db/ops/support.ts";
import { createLogger } from "../../src/logger.ts";
import { createMetrics } from "../../src/metrics.ts";
import {
  createPaymentsFeature,
  createPaymentsGate,
  createPaymentsService,
} from "../../src/payments/index.ts";
import { createPromoFeature, createPromoOperations } from "../../src/promo/index.ts";
import { createSupportFeature } from "../../src/support/index.ts";
import { createTelegram } from "../../src/telegram/index.ts";
import { createCatalogue } from "../../src/templates/index.ts";
import { childEnv, signalReady } from "./env.ts";

const env = childEnv();
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
const queue: Parameters<typeof createBot>[0]["queue"] = {
  wake() {},
  async checkProviderTask() {},
  estimateMinutes: (p) => p * 2,
  availability: async () => ({ ok: true }),
};
// The rest as src/app.ts wires it for the process that polls (its createApp with mode "all").
const base = { config, store, logger, metrics, telegram };
const payments = createPaymentsService(base);
const gate = createPaymentsGate({ ...base, service: payments });
const promos = promoRepo(store.driver);
const bot = createBot({
  ...base,
  catalogue,
  queue,
  early: [gate.composer],
  beforeStart: [createPromoFeature({ config, repo: promos, logger })],
  ingest: (updates, o) => gate.intake.save(updates, o),
  ungated: [
    createSupportFeature({ ...base, catalogue, repo: supportRepo(store.driver) }),
    createAdminFeature({
      ...base,
      queue,
      broadcasts: createBroadcasts({ store, telegram, logger }),
      payments,
      promos: createPromoOperations({ repo: promos, logger }),
      costs: createCostOperations({ repo: costsRepo(store.driver), logger }),
      consoleLink: createConsoleLinks({ config, driver: store.driver }).issue,
    }),
  ],
  features: [createPaymentsFeature({ ...base, service: payments })],
});
await bot.start();
while (!bot.isPolling()) await new Promise((r) => setTimeout(r, 10));
if (env.debug) {
  // Once a second: what the bot has handled and where its memory is.
  setInterval(async () => {
    const m = await metrics.updatesHandled.get();
    const mem = process.memoryUsage();
    const mb = (n: number) => (n / 1048576).toFixed(0);
    const handled = m.values.reduce((s, v) => s + v.value, 0);
    process.stdout.write(
      `${bot.pollerState()} handled ${handled} rss ${mb(mem.rss)} heap ${mb(mem.heapUsed)}/${mb(mem.heapTotal)} ab ${mb(mem.arrayBuffers)}\n`,
    );
  }, 1000).unref();
}
signalReady(async () => {
  await bot.stop();
  await store.close();
});
