// Runs one claimed job through the pipeline until it finishes or is given back, and decides what
// an error means for it (see ../generation/errors.ts for the classes):
// - content refused, or the render deadline passed → failed now, credit back, user and admins told;
// - provider unavailable → back in line for later, no attempt counted (the user paid; we wait);
// - transient / unknown → one more attempt, retried with backoff; past JOB_MAX_ATTEMPTS → failed.
// A job ends `failed` only together with its refund; a crash between the two is healed by the
// refund sweep (./refund-sweep.ts), because refundCredit pays back exactly once whenever it runs.

import { InlineKeyboard } from "grammy";
import { alertJobData } from "../admin/callbacks.ts";
import type { Config } from "../config/index.ts";
import type { JobPatch, JobsRepository, QueueRepository } from "../db/store.ts";
import type { Job, Language } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { JobRunner, RunContext, RunResult } from "../queue/types.ts";
import type { AdminText, Telegram } from "../telegram/types.ts";
import type { Catalogue } from "../templates/index.ts";
import { backoff } from "../timing/index.ts";
import type { Delivery } from "./deliver.ts";
import { classify, type ErrorClass, GenerationError, TaskFailedError } from "./errors.ts";
import { failureText, messages } from "./messages.ts";
import { LeaseLostError, type Pipeline } from "./pipeline.ts";

/** The admins' alert's button: one tap to the job's card in the admin panel (its error, Retry, Refund credits). */
export function openJobButton(locale: Language, id: number): InlineKeyboard {
  return new InlineKeyboard().text(messages(locale)("gen-admin-open-job", { id }), alertJobData(id));
}

export interface RunnerDeps {
  config: Config;
  store: JobsRepository & Pick<QueueRepository, "releaseJob">;
  pipeline: Pipeline;
  delivery: Delivery;
  telegram: Pick<Telegram, "notifyAdmins">;
  /** Names the job's template in each admin's language. */
  catalogue: Pick<Catalogue, "get" | "name">;
  logger: Logger;
  metrics: Pick<Metrics, "jobsFinished" | "creditsRefunded">;
  retryBackoffMs: { base: number; max: number };
  providerWaitMs: number;
  adminAlertEveryMs: number;
  /** A job was given back to run at `runAt` (so the pool can wake for it). */
  onReleased: (runAt: Date) => void;
  /** A job reached `succeeded`: how long it took from creation, for the estimates. */
  onSucceeded: (job: Job) => void;
}

export function createJobRunner(d: RunnerDeps): JobRunner {
  const lastAlert = new Map<string, number>();

  async function release(job: Job, ctx: RunContext, runAt: Date, patch?: JobPatch): Promise<RunResult> {
    const ok = await d.store.releaseJob(job.id, ctx.owner, runAt, patch);
    if (!ok) return "lost";
    d.onReleased(runAt);
    return "released";
  }

  async function alertOnce(code: string, text: AdminText): Promise<void> {
    const last = lastAlert.get(code) ?? 0;
    if (Date.now() - last < d.adminAlertEveryMs) return;
    lastAlert.set(code, Date.now());
    await d.telegram.notifyAdmins(text);
  }

  async function fail(job: Job, err: GenerationError, ctx: RunContext): Promise<RunResult> {
    const failed = await ctx.finish("failed", {
      attempts: job.attempts,
      errorCode: `${err.errorClass}:${err.code}`.slice(0, 100),
      errorMessage: err.message.slice(0, 1000),
    });
    if (!failed) return "lost";
    const refund = await d.store.refundCredit(job.id);
    if (refund.refunded) d.metrics.creditsRefunded.inc(failed.creditsCharged);
    d.metrics.jobsFinished.inc({ outcome: "failed", error_class: err.errorClass });
    d.logger.warn(
      { jobId: job.id, errorClass: err.errorClass, code: err.code, err: err.message },
      "job failed",
    );
    await d.delivery.apologize(failed, failureText(failed, err.errorClass, err.code));
    const template = d.catalogue.get(job.template);
    await d.telegram.notifyAdmins(
      (l) => {
        const t = messages(l);
        return t("gen-admin-job-failed", {
          id: job.id,
          errorClass: err.errorClass,
          code: err.code,
          // A template deleted since the order is still named by its id.
          template: template ? d.catalogue.name(template, l) : job.template,
          userId: job.userId,
          attempts: job.attempts,
          refund: refund.refunded
            ? t("gen-admin-refunded", { credits: failed.creditsCharged })
            : t(`gen-admin-refund-${refund.reason}`),
          message: err.message.slice(0, 300),
        });
      },
      {
        buttons: (l) => openJobButton(l, job.id),
      },
    );
    return "failed";
  }

  async function handle(job: Job, err: GenerationError, ctx: RunContext): Promise<RunResult> {
    const cls: ErrorClass = err.errorClass;
    // `attempts` counts the tries that failed (a retry adds one, an expired lease adds one): the
    // try that just ended is one of them, so the stored row and the admins' alert count it.
    if (cls === "content_refused" || err.code === "deadline")
      return fail({ ...job, attempts: job.attempts + 1 }, err, ctx);
    if (cls === "provider_unavailable") {
      const runAt = err.retryAt ?? new Date(Date.now() + d.providerWaitMs);
      d.logger.warn({ jobId: job.id, code: err.code, runAt }, "provider unavailable; job waits");
      // Rested keys were reported by the key pool; other outages are reported here, once in a while.
      if (err.code !== "keys_rested") {
        await alertOnce(err.code, (l) =>
          messages(l)("gen-admin-kie-unavailable", { code: err.code, message: err.message }),
        );
      }
      const p = await d.delivery.progress(job, messages(job.language)("gen-wait-provider"));
      return release(job, ctx, runAt, { errorCode: `${cls}:${err.code}`, ...(p ?? {}) });
    }
    const attempts = job.attempts + 1;
    if (attempts >= d.config.queue.maxAttempts) return fail({ ...job, attempts }, err, ctx);
    const wait = backoff(attempts, d.retryBackoffMs.base, d.retryBackoffMs.max, 0.2);
    d.logger.info({ jobId: job.id, attempts, code: err.code, waitMs: wait }, "job will be retried");
    // A render that failed is retried with a new task; a failed poll polls the same task again.
    const restart: JobPatch =
      err instanceof TaskFailedError
        ? { providerTaskId: null, providerKey: null, provider: null, step: "render" }
        : {};
    return release(job, ctx, new Date(Date.now() + wait), {
      // Keep what the steps already made (photo, result) for the retry.
      photoPath: job.photoPath,
      resultPath: job.resultPath,
      attempts,
      errorCode: `${cls}:${err.code}`.slice(0, 100),
      errorMessage: err.message.slice(0, 1000),
      ...restart,
    });
  }

  return {
    async run(claimed: Job, ctx: RunContext): Promise<RunResult> {
      let job = claimed;
      // Claims count an attempt when the previous holder's lease expired: a job that keeps
      // killing its worker stops here instead of looping forever.
      if (job.attempts >= d.config.queue.maxAttempts && !d.pipeline.alreadySent(job)) {
        return fail(
          job,
          new GenerationError("unknown", "worker_lost", "the job's worker stopped too many times"),
          ctx,
        );
      }
      try {
        for (;;) {
          if (ctx.stopping()) return await release(job, ctx, new Date());
          const out = await d.pipeline.step(job, ctx);
          if (out.kind === "next") {
            job = out.job;
            continue;
          }
          if (out.kind === "release") {
            // Due at once (a provider answering immediately): keep the lease instead of giving
            // the job back and claiming it again.
            if (out.runAt.getTime() <= Date.now() && !out.patch?.progressMessageId) {
              job = { ...out.job, ...out.patch };
              continue;
            }
            return await release(job, ctx, out.runAt, out.patch);
          }
          d.metrics.jobsFinished.inc({ outcome: "succeeded", error_class: "none" });
          d.onSucceeded(out.job);
          return "succeeded";
        }
      } catch (e) {
        if (e instanceof LeaseLostError) return "lost";
        if (ctx.signal.aborted) {
          // Shutdown cut the step short: give the job back untouched (no attempt), if the DB still answers.
          return release(job, ctx, new Date()).catch(() => "stopped" as const);
        }
        const err = classify(e);
        // The job as the step left it may be older than the row (progress ids); the row's counters win.
        const fresh = (await d.store.getJobById(job.id).catch(() => null)) ?? job;
        return handle(
          { ...job, attempts: fresh.attempts, progressMessageId: fresh.progressMessageId },
          err,
          ctx,
        );
      }
    },
  };
}
