// Gives back credits of failed jobs whose refund was cut off (crash or lost database between
// marking failed and refunding). refundCredit pays back at most once, so racing the runner is safe.
import type { JobsRepository } from "../db/store.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { Delivery } from "./deliver.ts";
import type { ErrorClass } from "./errors.ts";
import { failureText } from "./messages.ts";

export interface RefundSweepDeps {
  store: JobsRepository;
  delivery: Pick<Delivery, "apologize">;
  logger: Logger;
  metrics: Pick<Metrics, "creditsRefunded">;
  everyMs: number;
  /** A failed job younger than this is left to the runner's own refund. */
  graceMs: number;
}

export function createRefundSweep(d: RefundSweepDeps) {
  let timer: NodeJS.Timeout | null = null;

  async function sweep(): Promise<void> {
    try {
      const failed = await d.store.listLastJobs({ status: "failed", limit: 500 });
      for (const job of failed) {
        if (job.refundedAt || job.creditsCharged <= 0 || !job.finishedAt) continue;
        // Only our own recent failures (errorCode "class:code"): the runner refunds them itself
        // within a minute, and old or imported failed jobs are the admins' call, not ours.
        const age = Date.now() - job.finishedAt.getTime();
        if (age < d.graceMs || age > 24 * 3600_000 || !job.errorCode?.includes(":")) continue;
        const r = await d.store.refundCredit(job.id);
        if (!r.refunded) continue;
        d.metrics.creditsRefunded.inc(job.creditsCharged);
        const cls = (job.errorCode?.split(":")[0] ?? "unknown") as ErrorClass;
        d.logger.warn({ jobId: job.id }, "refunded a failed job the sweep found unrefunded");
        await d.delivery.apologize(job, failureText(job, cls, job.errorCode?.split(":")[1] ?? ""));
      }
    } catch (e) {
      d.logger.warn({ err: e }, "refund sweep failed");
    }
  }

  return {
    start(): void {
      if (timer) return;
      void sweep();
      timer = setInterval(() => void sweep(), d.everyMs);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
