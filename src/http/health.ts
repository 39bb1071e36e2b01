// /healthz: every source is asked (each with a timeout, a throw counts as down); 200 when all are
// up, 503 otherwise. Results are shared for HEALTH_CACHE_MS and concurrent probes share one round,
// so a probe storm costs the database at most a few pings per second.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.ts";
import { HEALTH_CACHE_MS, HEALTH_CHECK_TIMEOUT_MS } from "./limits.ts";
import { sendJson } from "./reply.ts";

export type HealthCheck = () => boolean | Promise<boolean>;

/** What /healthz reports; extra named sources may be added and are reported the same way. */
export interface HealthSources {
  /** The store answers a round trip (store.ping()). */
  database: HealthCheck;
  /** The file storage is usable (e.g. free bytes > 0). */
  storage: HealthCheck;
  /** Telegram updates are flowing: polling runs, or webhook mode. */
  polling: HealthCheck;
  [name: string]: HealthCheck;
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, boolean>;
  uptimeSeconds: number;
}

export function createHealth(sources: HealthSources, logger: Logger, cacheMs = HEALTH_CACHE_MS) {
  const startedAt = Date.now();
  let cached: { at: number; report: Promise<HealthReport> } | undefined;

  async function probe(name: string, check: HealthCheck): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), HEALTH_CHECK_TIMEOUT_MS);
      });
      return (await Promise.race([Promise.resolve().then(check), timeout])) === true;
    } catch (err) {
      logger.warn({ err, source: name }, "health check failed");
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async function run(): Promise<HealthReport> {
    const names = Object.keys(sources);
    const results = await Promise.all(names.map((n) => probe(n, sources[n]!)));
    const checks = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
    return { ok: results.every(Boolean), checks, uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000) };
  }

  function report(): Promise<HealthReport> {
    const now = Date.now();
    if (!cached || now - cached.at >= cacheMs) cached = { at: now, report: run() };
    return cached.report;
  }

  return {
    report,
    async handle(_req: IncomingMessage, res: ServerResponse): Promise<void> {
      const r = await report();
      sendJson(res, r.ok ? 200 : 503, {
        status: r.ok ? "ok" : "down",
        ...r.checks,
        uptimeSeconds: r.uptimeSeconds,
      });
    },
  };
}
