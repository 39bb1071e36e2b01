// A worker process for the crash tests: the real queue on the database and fakes named in the
// environment (the config env plus QUEUE_TEST_OPTIONS, JSON of queue options). It prints "ready"
// once workers run and stops gracefully on SIGTERM; the tests kill it with SIGKILL mid-render.

import { createJobQueue } from "../src/app.ts";
import { parseConfig } from "../src/config/index.ts";
import { createStore } from "../src/db/index.ts";
import { createLogger } from "../src/logger.ts";
import { createMetrics } from "../src/metrics.ts";
import { createStorage } from "../src/storage/index.ts";
import { createTelegram } from "../src/telegram/index.ts";
import { createCatalogue } from "../src/templates/index.ts";

const config = parseConfig(process.env);
const logger = createLogger({
  level: process.env.LOG_LEVEL ?? "warn",
  pretty: false,
  destination: process.stderr,
});
const store = await createStore(config, logger);
const telegram = createTelegram({ config, store, logger });
const queue = createJobQueue({
  config,
  store,
  logger,
  metrics: createMetrics(),
  telegram,
  storage: createStorage(config, logger),
  catalogue: createCatalogue(),
  options: JSON.parse(process.env.QUEUE_TEST_OPTIONS ?? "{}"),
});
queue.start();
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void queue
    .stop(2000)
    .then(() => store.close())
    .then(() => process.exit(0));
});
