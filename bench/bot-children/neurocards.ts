// Our bot as bench:bot measures it (./wiring.ts: the composers src/app.ts installs, users and
// sessions on SQLite, i18n) and the runner; send pacing off so the bot's own ceiling shows.
// Bundled on its own like the executable. Started by bench/bot.bench.ts; prints "ready" once polling.
import { childEnv, signalReady } from "./env.ts";
import { wireBot } from "./wiring.ts";

const env = childEnv();
const { bot, store, metrics } = await wireBot(env);
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
