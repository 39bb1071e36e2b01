// Our bot as bench:bot measures it: all the middleware, users and sessions on SQLite, i18n and the
// runner; no queue and no generation; send pacing off so the bot's own ceiling shows. Bundled on
// its own like the executable. Started by bench/bot.bench.ts; prints "ready" once polling.
import { createBot } from "../../src/bot/index.ts";
import { parseConfig } from "../../src/config/index.ts";
import { createStore } from "../../src/db/index.ts";
import { createLogger } from "../../src/logger.ts";
import { createMetrics } from "../../src/metrics.ts";
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
const bot = createBot({
  config,
  store,
  logger,
  metrics,
  telegram: createTelegram({ config, store, logger }),
  catalogue: createCatalogue(),
  queue: {
    wake() {},
    async checkProviderTask() {},
    estimateMinutes: (p) => p * 2,
    availability: async () => ({ ok: true }),
  },
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
