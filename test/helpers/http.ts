// Shared by the storage and HTTP tests: a config pointing at a fresh temp folder, a silent logger,
// and a raw HTTP client that sends the request path byte for byte (fetch would normalise `..`).
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, parseConfig } from "../../src/config/index.ts";
import type { Store } from "../../src/db/store.ts";
import { createHttpServer, type HttpServerDeps } from "../../src/http/index.ts";
import { createLogger } from "../../src/logger.ts";
import { createMetrics } from "../../src/metrics.ts";
import { createStorage } from "../../src/storage/index.ts";

export const silentLogger = () => createLogger({ level: "silent", destination: { write() {} } });

export function tempDir(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), "neurocards-"));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** LINK_SECRET of testConfig: 32+ characters, as the config demands. */
export const TEST_LINK_SECRET = "test-link-secret-0123456789abcdef";

export function testConfig(storagePath: string, env: Record<string, string> = {}): Config {
  return parseConfig({
    BOT_TOKEN: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef",
    STORAGE_PATH: storagePath,
    PUBLIC_BASE_URL: "https://bot.example.com",
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: "0",
    LINK_SECRET: TEST_LINK_SECRET,
    ...env,
  });
}

/** Every health source up: for tests and benches that are not about /healthz. */
export const ALL_HEALTHY: HttpServerDeps["health"] = {
  database: () => true,
  storage: () => true,
  polling: () => true,
};

/**
 * The real HTTP server with stand-ins for what a test does not exercise: no database (only
 * /metrics and /healthz would touch it), healthy sources, a silent logger, callbacks ignored.
 */
export function testHttpServer(config: Config, overrides: Partial<HttpServerDeps> = {}) {
  const logger = overrides.logger ?? silentLogger();
  return createHttpServer({
    config,
    store: {} as Store,
    storage: createStorage(config, logger),
    metrics: createMetrics(),
    logger,
    health: ALL_HEALTHY,
    onKieCallback: () => {},
    ...overrides,
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request with the path sent exactly as given. */
export function raw(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}
