// /metrics: Prometheus text from the shared registry. It shows revenue, so it is private: only
// with METRICS_TOKEN set, and only to `Authorization: Bearer <token>` (401 otherwise); without the
// setting the route does not exist (404). Job gauges are recounted from the store on scrape, at most
// every METRICS_REFRESH_MS, and a failing store never fails the scrape.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { QueueRepository } from "../db/store.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { sameSecret } from "./kie.ts";
import { METRICS_REFRESH_MS } from "./limits.ts";
import { notFound, sendText } from "./reply.ts";

export function createMetricsHandler(deps: {
  store: QueueRepository;
  metrics: Metrics;
  logger: Logger;
  token: string | undefined;
}) {
  const { store, metrics, logger, token } = deps;
  let refreshedAt = 0;
  let refreshing: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    const [byStatus, stats] = await Promise.all([store.countJobsByStatus(), store.getQueueStats()]);
    for (const [status, n] of Object.entries(byStatus)) metrics.jobsByStatus.set({ status }, n);
    metrics.queueDepth.set(stats.queued);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!token) {
      notFound(res);
      return;
    }
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!given || !sameSecret(given, token)) {
      sendText(res, 401, "Unauthorized", { "WWW-Authenticate": 'Bearer realm="metrics"' });
      return;
    }
    if (Date.now() - refreshedAt >= METRICS_REFRESH_MS) {
      refreshing ??= refresh()
        .then(() => {
          refreshedAt = Date.now();
        })
        .catch((err: unknown) => logger.warn({ err }, "could not refresh job gauges"))
        .finally(() => {
          refreshing = undefined;
        });
      await refreshing;
    }
    const body = await metrics.registry.metrics();
    res.writeHead(200, {
      "Content-Type": metrics.registry.contentType,
      "Content-Length": Buffer.byteLength(body),
      "Cache-Control": "no-store",
    });
    res.end(body);
  };
}
