// The built-in HTTP server (node:http): signed file links, health, metrics, kie.ai callbacks,
// optionally the Telegram webhook, and the owner's console (/console), on one port. Routing is by exact patterns on the raw path; the
// path is never decoded, so encoded slashes, dots and NULs simply match nothing and get 404.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "../config/index.ts";
import type { Store } from "../db/store.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { createLinkSigner } from "../storage/links.ts";
import type { Storage } from "../storage/types.ts";
import { createFileHandler } from "./files.ts";
import { createHealth, type HealthSources } from "./health.ts";
import { createKieCallbackHandler } from "./kie.ts";
import * as limits from "./limits.ts";
import { createMetricsHandler } from "./metrics.ts";
import { kieCallbackSecret, telegramWebhookPath } from "./paths.ts";
import { notFound, sendText } from "./reply.ts";
import { createWebhookHandler, type UpdateDispatch } from "./webhook.ts";

export type { HealthCheck, HealthReport, HealthSources } from "./health.ts";
export {
  kieCallbackPath,
  kieCallbackSecret,
  kieCallbackUrl,
  telegramWebhookPath,
  telegramWebhookUrl,
} from "./paths.ts";
export type { UpdateDispatch } from "./webhook.ts";

export interface HttpServerDeps {
  config: Config;
  store: Store;
  storage: Storage;
  metrics: Metrics;
  logger: Logger;
  health: HealthSources;
  /** kie.ai reported a finished task: check it now. Not awaited; errors are logged. */
  onKieCallback(taskId: string): unknown;
  /**
   * Webhook mode: handles one parsed Telegram update (`bot.handleWebhookUpdate`); the route answers
   * 200 when it resolves and 503 when it throws. The route exists only with it.
   */
  webhook?: UpdateDispatch | undefined;
  /** The owner's console: every request under /console (src/console, loaded on first use). */
  console?: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  /** For tests: how long /healthz results are shared (default limits.HEALTH_CACHE_MS). */
  healthCacheMs?: number;
  /** For tests: shorter slow-client timeouts than the defaults in ./limits.ts. */
  timeouts?: Partial<Timeouts>;
  /** For tests: a lower cap than limits.MAX_CONNECTIONS, so a flood is a few dozen sockets. */
  maxConnections?: number;
}

export interface Timeouts {
  requestMs: number;
  headersMs: number;
  socketIdleMs: number;
  /** How often Node looks for requests past their header/request deadline. */
  checkIntervalMs: number;
}

const FILE_ROUTE = /^\/f\/([^/?#]{1,512})$/;
const KIE_ROUTE = /^\/kie\/callback\/([^/?#]{1,128})$/;

export function createHttpServer(deps: HttpServerDeps) {
  const { config, logger } = deps;
  const log = logger.child({ module: "http" });
  const t: Timeouts = {
    requestMs: limits.REQUEST_TIMEOUT_MS,
    headersMs: limits.HEADERS_TIMEOUT_MS,
    socketIdleMs: limits.SOCKET_IDLE_TIMEOUT_MS,
    checkIntervalMs: limits.TIMEOUT_CHECK_INTERVAL_MS,
    ...deps.timeouts,
  };
  const serveFile = createFileHandler({
    storage: deps.storage,
    signer: createLinkSigner(config.http.linkSecret),
    logger: log,
    idleMs: t.socketIdleMs,
  });
  const health = createHealth(deps.health, log, deps.healthCacheMs);
  const serveMetrics = createMetricsHandler({
    store: deps.store,
    metrics: deps.metrics,
    logger: log,
    token: config.http.metricsToken,
  });
  const kie = createKieCallbackHandler({
    secret: kieCallbackSecret(config),
    onKieCallback: deps.onKieCallback,
    logger: log,
  });
  const webhookPath = telegramWebhookPath(config);
  const webhookSecret = config.telegram.webhook?.secret;
  const webhook =
    deps.webhook && webhookSecret
      ? createWebhookHandler({ secret: webhookSecret, dispatch: deps.webhook, logger: log })
      : undefined;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? "";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method ?? "GET";
    const read = method === "GET" || method === "HEAD";

    const file = FILE_ROUTE.exec(path);
    if (file && read) return serveFile(req, res, file[1]!);
    if (path === "/healthz" && read) return health.handle(req, res);
    if (path === "/metrics" && method === "GET") return serveMetrics(req, res);
    const callback = KIE_ROUTE.exec(path);
    if (callback && method === "POST") return kie(req, res, callback[1]!);
    if (webhook && path === webhookPath && method === "POST") return webhook(req, res);
    if (deps.console && (path === "/console" || path.startsWith("/console/"))) return deps.console(req, res);
    notFound(res);
  }

  const server = createServer(
    {
      requestTimeout: t.requestMs,
      headersTimeout: t.headersMs,
      connectionsCheckingInterval: t.checkIntervalMs,
      keepAliveTimeout: limits.KEEP_ALIVE_TIMEOUT_MS,
      maxHeaderSize: limits.MAX_HEADER_BYTES,
    },
    (req, res) => {
      route(req, res).catch((err: unknown) => {
        log.error({ err, method: req.method }, "request failed");
        if (!res.headersSent) sendText(res, 500, "Internal error");
        else res.destroy();
      });
    },
  );
  server.maxConnections = deps.maxConnections ?? limits.MAX_CONNECTIONS;
  server.maxRequestsPerSocket = limits.MAX_REQUESTS_PER_SOCKET;
  server.timeout = t.socketIdleMs;
  // Malformed requests, oversized headers, timeouts: answer if the socket still can, never throw.
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    // Destroyed once the answer is out: http sockets allow half-open, so an ended socket whose
    // client never closes its side would keep its connection slot until the idle timeout.
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      () => socket.destroy(),
    );
  });

  return {
    /** Binds HTTP_HOST:HTTP_PORT (port 0 picks a free one, for tests). */
    listen(): Promise<{ port: number }> {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.http.port, config.http.host, () => {
          server.off("error", reject);
          server.on("error", (err) => log.error({ err }, "HTTP server error"));
          resolve({ port: (server.address() as AddressInfo).port });
        });
      });
    },
    /** Stops accepting, lets in-flight requests finish briefly, then drops what is left. */
    close(): Promise<void> {
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), 2_000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

export type HttpServer = ReturnType<typeof createHttpServer>;
