// What the bot and the HTTP server need from the job queue, and what the lease engine needs from
// the rules that run a claimed job (the generation pipeline, see ../generation/run-job.ts).
import type { JobPatch } from "../db/store.ts";
import type { Job } from "../db/types.ts";

/**
 * Whether a new order could be rendered now, from the configuration and the keys' state in the
 * store (no network call): Confirm asks this before charging.
 */
export type KeyAvailability =
  | { ok: true }
  | { ok: false; reason: "no_keys" }
  /** `until`: when the first configured key's rest ends. */
  | { ok: false; reason: "keys_rested"; until: Date };

export interface QueueHandle {
  /**
   * New jobs were created: wake an idle worker at once. `order`: they came from
   * createJobsAndConsumeCredits, whose statement NOTIFYs every listening process on Postgres (this
   * one included) at commit, so a process whose listener is connected sends no second NOTIFY —
   * it only woke a second claim loop to claim nothing.
   */
  wake(o?: { order?: boolean }): void;
  /** kie.ai called back for this task: check its status now instead of at the next scheduled poll. */
  checkProviderTask(taskId: string): Promise<void>;
  /** Rough wait for a new job in the queue at `position`, in minutes. */
  estimateMinutes(position: number): number;
  /**
   * Whether a new order can be rendered: kie.ai keys configured and not all resting. Reads the
   * keys' state every process shares in the store (briefly cached), never the network, so Confirm
   * can ask it before charging.
   */
  availability(): Promise<KeyAvailability>;
}

export type RunResult = "succeeded" | "failed" | "released" | "stopped" | "lost";

export interface RunContext {
  owner: string;
  /**
   * The job's final status, written under the lease (`owner`), in one atomic step (store.finishJobs)
   * with the finishes of other slots that end at the same moment (up to half the slots per step).
   * When the queue has more work, that step also claims this slot's next job, which starts at
   * once: whatever the runner still does after this call (telling the user) must not need the slot,
   * and the runner must await this call before it returns. Null: the lease was lost, or the job
   * had already been finished (a retry after an answer that never arrived). Throws when the
   * database did not answer; calling again is safe.
   */
  finish(to: "succeeded" | "failed", patch?: JobPatch): Promise<Job | null>;
  /** Hard abort: the grace period of a shutdown ran out. */
  signal: AbortSignal;
  /** Soft stop: finish the current step, then give the job back. */
  stopping: () => boolean;
}

/**
 * Runs one claimed job under its lease until it finishes or is given back.
 *
 * Contract: before any effect that must not happen twice (a paid render, a delivered video, a
 * refund), the runner has made at least one write under the lease and awaited it. A job's first
 * claim may not be on disk yet when the runner gets it (src/db/ops/claimJobs.ts, "Durability of a
 * first claim"); the first awaited write makes it so, or fails because the claim was lost.
 */
export interface JobRunner {
  run(job: Job, ctx: RunContext): Promise<RunResult>;
}
