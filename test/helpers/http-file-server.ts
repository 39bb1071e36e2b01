// A file server in its own process, so a test can watch the server's memory alone (the test
// process's own garbage would blur it). Usage: node --import tsx http-file-server.ts <storage dir>;
// prints the port on stdout and serves until killed.

import type { Store } from "../../src/db/store.ts";
import { createHttpServer } from "../../src/http/index.ts";
import { createMetrics } from "../../src/metrics.ts";
import { createStorage } from "../../src/storage/index.ts";
import { silentLogger, testConfig } from "./http.ts";

const config = testConfig(process.argv[2]!);
const server = createHttpServer({
  config,
  store: {} as Store,
  storage: createStorage(config, silentLogger()),
  metrics: createMetrics(),
  logger: silentLogger(),
  health: { database: () => true, storage: () => true, polling: () => true },
  onKieCallback: () => {},
});
const { port } = await server.listen();
process.stdout.write(`${port}\n`);
