// The queue's timings in one place. Every one can be overridden through createQueue's options
// (tests and the bench shrink them); these are the production values.
export const QUEUE_DEFAULTS = {
  /** A claimed job's lease; a worker that dies loses the job to another after this long. */
  leaseMs: 60_000,
  /** Heartbeats extend the lease this often (a third of it, so two may be missed). */
  heartbeatEveryLease: 1 / 3,
  /**
   * Longest idle sleep. wake() and a timer to the store's nextRunAt wake workers exactly when
   * work appears; this only bounds how late a lease expired by a dead process is noticed.
   */
  idleMs: { sqlite: 5_000, postgres: 2_000 },
  /** Backoff after a failed claim (database down): base doubling to max, with full jitter. */
  fetchBackoffMs: { base: 200, max: 15_000 },
  /** Retry of a transient or unknown failure: base doubling to max, ±20 % jitter. */
  retryBackoffMs: { base: 30_000, max: 10 * 60_000 },
  /** A job waiting for a provider that is down (maintenance, no keys) looks again after this. */
  providerWaitMs: 5 * 60_000,
  /** Per HTTP request to kie.ai; a hanging request becomes a transient timeout. */
  kieRequestTimeoutMs: 30_000,
  /** OpenAI SDK retries before the template's fallback prompt is used. */
  openaiMaxRetries: 2,
  /** The same admin alert (by error code) at most this often. */
  adminAlertEveryMs: 30 * 60_000,
  /** Failed jobs re-checked for a missed refund (crash between fail and refund). */
  refundSweepEveryMs: 10 * 60_000,
  /** Render time assumed before any job finished in this process. */
  renderMinutes: 4,
} as const;

/** Exponential backoff with jitter: `attempt` 1 → about base. */
export function backoff(attempt: number, base: number, max: number, jitter: "full" | number): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  if (jitter === "full") return Math.round(Math.random() * exp);
  return Math.round(exp * (1 - jitter + Math.random() * 2 * jitter));
}
