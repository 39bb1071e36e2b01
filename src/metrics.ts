// Prometheus metrics of one process. Created once in the wiring and passed to every subsystem
// that counts something; /metrics renders `registry`.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface MetricsOptions {
  /**
   * Process CPU, memory, heap, event loop lag, GC and open handles, under prom-client's usual
   * names (default true). The app asks for them only when /metrics is on (METRICS_TOKEN): they
   * sample the event loop every 10 ms and watch every GC, for a page nobody could read otherwise.
   */
  processMetrics?: boolean;
}

export function createMetrics({ processMetrics = true }: MetricsOptions = {}) {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const metrics = {
    registry,
    updatesHandled: new Counter({
      name: "neurocards_updates_handled_total",
      help: "Telegram updates handled, by update type",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    handlerErrors: new Counter({
      name: "neurocards_handler_errors_total",
      help: "Bot handler errors",
      registers: [registry],
    }),
    jobsByStatus: new Gauge({
      name: "neurocards_jobs",
      help: "Jobs by status (refreshed on scrape)",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "neurocards_queue_depth",
      help: "Jobs waiting to be claimed",
      registers: [registry],
    }),
    jobsFinished: new Counter({
      name: "neurocards_jobs_finished_total",
      help: "Jobs finished by outcome and error class",
      labelNames: ["outcome", "error_class"] as const,
      registers: [registry],
    }),
    providerLatency: new Histogram({
      name: "neurocards_provider_request_seconds",
      help: "Latency of calls to AI providers",
      labelNames: ["provider", "operation"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    photoChecks: new Counter({
      name: "neurocards_photo_checks_total",
      help: "Product photos checked before an order: ok, problems found, or skipped (no OpenAI, too large, an error)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    creditsCharged: new Counter({
      name: "neurocards_credits_charged_total",
      help: "Credits consumed by jobs",
      registers: [registry],
    }),
    creditsRefunded: new Counter({
      name: "neurocards_credits_refunded_total",
      help: "Credits given back for failed jobs",
      registers: [registry],
    }),
    payments: new Counter({
      name: "neurocards_payments_total",
      help: "Successful payments by currency",
      labelNames: ["currency"] as const,
      registers: [registry],
    }),
    paymentAmount: new Counter({
      name: "neurocards_payment_amount_total",
      help: "Paid amount in the currency's smallest unit",
      labelNames: ["currency"] as const,
      registers: [registry],
    }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
