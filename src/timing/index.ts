// Timings and retry pacing in one place: the one backoff every retry loop uses, the queue's
// production timings (each can be overridden through createJobQueue's options; tests and the
// bench shrink them) and the shutdown budget the app and the queue share.

/**
 * Exponential backoff: `attempt` 1 → about base, doubling up to max. `jitter` is "full" (anywhere
 * in 0..delay, so processes that failed together do not retry in lockstep) or a fraction (±20 %
 * is 0.2; 0 for none).
 */
export function backoff(attempt: number, base: number, max: number, jitter: "full" | number): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  if (jitter === "full") return Math.round(Math.random() * exp);
  return Math.round(exp * (1 - jitter + Math.random() * 2 * jitter));
}

/**
 * The shutdown budget, all within the 10 s a service manager waits after SIGTERM: running steps
 * get `graceMs` to reach a safe point, then `hardStopMs` after their abort, then the last progress
 * edits get `flushMs` (one Bot API call each; a Bot API that does not answer must not hold it).
 */
export const SHUTDOWN = {
  graceMs: 6_000,
  hardStopMs: 2_000,
  flushMs: 1_000,
} as const;

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
  /** Reconnecting the LISTEN connection after it dropped: base doubling to max, full jitter. */
  listenBackoffMs: { base: 200, max: 10_000 },
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
  /** A failed job younger than this is left to the runner's own refund. */
  refundSweepGraceMs: 60_000,
  /** How often the "position N" notices of waiting orders are brought up to date. */
  positionsEveryMs: 15_000,
  /** Render time assumed before any job finished in this process. */
  renderMinutes: 4,
} as const;

/**
 * The photo check before an order (src/photo-check): the seller waits for it, so it gets one quick
 * retry and a hard deadline; past it the photo is taken as it is (the check fails open).
 */
export const PHOTO_CHECK = {
  timeoutMs: 15_000,
  maxRetries: 1,
} as const;
