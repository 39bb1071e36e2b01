// Connection trouble is retried, never fatal: a restarted Postgres, a dropped TCP connection or a
// failover shows up as one of these errors, and the same whole operation (one statement or one
// whole transaction — never half of one) is simply run again on a fresh connection after a
// jittered backoff. Serialization failures and deadlocks are retried for the same reason.
// Re-running is safe because every money-moving operation is idempotent by construction
// (idempotency key, guarded UPDATE, unique ledger reference), so a COMMIT whose reply was lost
// cannot apply twice.
import type { Logger } from "../../logger.ts";
import { backoff } from "../../timing/index.ts";
import { errorCode } from "../util.ts";

const RETRYABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);
const RETRYABLE_SQLSTATE = /^(08|57P0[123]|40001|40P01|53300)/;

export function isRetryable(err: unknown): boolean {
  const code = errorCode(err);
  if (code && (RETRYABLE_CODES.has(code) || RETRYABLE_SQLSTATE.test(code))) return true;
  const messages: string[] = [];
  for (let e = err as { message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (typeof e.message === "string") messages.push(e.message);
    e = e.cause as typeof e;
  }
  return messages.some((m) =>
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(
      m,
    ),
  );
}

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 6, baseDelayMs: 50, maxDelayMs: 2_000 };

export function createRetry(logger: Logger, o: RetryOptions = DEFAULT_RETRY) {
  return async function withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= o.attempts || !isRetryable(err)) throw err;
        // Full jitter: N processes that lost the database together do not return in lockstep.
        const delay = backoff(attempt + 1, o.baseDelayMs, o.maxDelayMs, "full");
        logger.warn(
          { err, attempt, what, delayMs: Math.round(delay) },
          "database operation failed, retrying",
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };
}
