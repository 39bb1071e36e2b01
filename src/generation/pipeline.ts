// The generation pipeline as resumable steps. Each step reads what earlier steps stored on the job
// and stores its own result (under the worker's lease) before the next one runs, so a job taken
// over after a crash continues where it stopped:
//
//   fetch_photo → prompt → render → poll@<ms> → deliver → done
//
// Cheap steps (photo download, result download) ride on the next write instead of their own, so
// a job costs three writes plus its claims; the price of a crash between them is one re-download.
// `render` stores the provider task id the moment kie.ai returns it; from then on the job only
// polls that task and never pays for a second one. `poll@<ms>` carries the time the render started
// (for the KIE_TIMEOUT_MINUTES deadline and the poll backoff) in the step itself, because the job
// row has no column for it. Waiting for the render is a release with a later run_at: no worker
// slot, connection or transaction is held meanwhile.
import { openAsBlob } from "node:fs";
import { extname } from "node:path";
import { buffer } from "node:stream/consumers";
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../config/index.ts";
import type { JobPatch, JobsRepository } from "../db/store.ts";
import type { Job } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import { apiOf, models, renderChoice } from "../models/index.ts";
import type { RunContext } from "../queue/types.ts";
import type { Storage } from "../storage/types.ts";
import { downloadTelegramFile } from "../telegram/download.ts";
import type { Telegram } from "../telegram/types.ts";
import type { Catalogue } from "../templates/index.ts";
import { backoff } from "../timing/index.ts";
import type { Delivery } from "./deliver.ts";
import { GenerationError } from "./errors.ts";
import type { KeyPool } from "./keys.ts";
import type { KieClient } from "./kie.ts";
import { messages } from "./messages.ts";
import type { PromptWriter } from "./prompt.ts";
import { downloadResult } from "./result.ts";
import type { SentJournal } from "./sent-journal.ts";

export interface PipelineTiming {
  /** First status check after the task is created (kie.ai renders take minutes). */
  firstPollMs: number;
  /** Poll backoff grows with the render's age between these bounds. */
  pollMinMs: number;
  pollMaxMs: number;
}

export const DEFAULT_TIMING: PipelineTiming = { firstPollMs: 5_000, pollMinMs: 5_000, pollMaxMs: 30_000 };

/** Photos up to this size go to OpenAI inline as a data URL when there is no public URL. */
const INLINE_IMAGE_MAX = 4 * 1024 * 1024;
const PHOTO_LINK_TTL_SECONDS = 24 * 3600;

/** A small stored file (a product photo) whole, or null when it is gone. */
async function readStored(storage: Storage, key: string): Promise<Buffer | null> {
  const stream = await storage.open(key);
  return stream && buffer(stream);
}

export class LeaseLostError extends Error {
  constructor(readonly jobId: number) {
    super(`lost the lease of job ${jobId}`);
    this.name = "LeaseLostError";
  }
}

export type StepOutcome =
  | { kind: "next"; job: Job }
  /** `job` is the job as the step left it, for a runner that continues at once instead. */
  | { kind: "release"; runAt: Date; patch?: JobPatch; job: Job }
  | { kind: "done"; job: Job };

export interface StepContext {
  owner: string;
  /** Aborted when the process gives up waiting for a safe point at shutdown. */
  signal: AbortSignal;
  /** The job's final status under the lease (RunContext.finish). */
  finish: RunContext["finish"];
}

export interface PipelineDeps {
  config: Config;
  store: JobsRepository;
  storage: Storage;
  telegram: Telegram;
  catalogue: Catalogue;
  logger: Logger;
  kie: KieClient;
  keys: KeyPool;
  prompts: PromptWriter;
  delivery: Delivery;
  timing: PipelineTiming;
  /** Expected render time in minutes, for the progress message. */
  renderMinutes: () => number;
  /** Where kie.ai posts completion hints; undefined without PUBLIC_BASE_URL. */
  callbackUrl: string | undefined;
  /** What this machine already handed to Telegram (./sent-journal.ts). */
  sent?: SentJournal;
}

export function parseStep(step: string | null): { name: string; since: number | null } {
  const [name = "fetch_photo", since] = (step ?? "fetch_photo").split("@");
  return { name, since: since ? Number(since) : null };
}

const MIME: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
};
const mimeOf = (key: string) => MIME[extname(key).slice(1).toLowerCase()] ?? "image/jpeg";

export function createPipeline(d: PipelineDeps) {
  const { store, storage, config } = d;

  async function patch(job: Job, p: JobPatch, ctx: StepContext): Promise<Job> {
    const updated = await store.patchJob(job.id, p, ctx.owner);
    if (!updated) throw new LeaseLostError(job.id);
    return updated;
  }

  /** Shows progress; a newly sent message's id is returned to go into the step's own write. */
  async function progress(job: Job, text: string): Promise<JobPatch> {
    return (await d.delivery.progress(job, text)) ?? {};
  }

  async function visionUrl(job: Job): Promise<string | null> {
    if (!job.photoPath) return null;
    const url = storage.publicUrl(job.photoPath, 3600);
    if (url) return url;
    const stat = await storage.stat(job.photoPath);
    if (!stat || stat.size > INLINE_IMAGE_MAX) return null;
    const bytes = await readStored(storage, job.photoPath);
    return bytes && `data:${mimeOf(job.photoPath)};base64,${bytes.toString("base64")}`;
  }

  async function providerImageUrl(job: Job, ctx: StepContext): Promise<string> {
    if (!job.photoPath) throw new GenerationError("unknown", "no_photo", "the job has no product photo");
    const url = storage.publicUrl(job.photoPath, PHOTO_LINK_TTL_SECONDS);
    if (url) return url;
    const type = mimeOf(job.photoPath);
    const path = storage.localPath(job.photoPath);
    // Object storage: the photo (at most Telegram's 20 MB download limit) is read into memory.
    const bytes = path ? null : await readStored(storage, job.photoPath);
    if (!path && !bytes) throw new GenerationError("unknown", "no_photo", "the product photo is gone");
    const file = path ? await openAsBlob(path, { type }) : new Blob([bytes!], { type });
    const ext = extname(job.photoPath) || ".jpg";
    return d.kie.uploadFile(file, `job-${job.id}${ext}`, ctx.signal);
  }

  const steps: Record<string, (job: Job, ctx: StepContext, since: number | null) => Promise<StepOutcome>> = {
    async fetch_photo(job, ctx) {
      if (job.photoPath && (await storage.stat(job.photoPath))) {
        return { kind: "next", job: { ...job, step: "prompt" } };
      }
      if (!job.photoFileId) throw new GenerationError("unknown", "no_photo", "the job has no product photo");
      const file = await downloadTelegramFile({
        api: d.telegram.api,
        apiRoot: config.telegram.apiRoot,
        token: config.botToken,
        storage,
        fileId: job.photoFileId,
        kind: "inputs",
        signal: ctx.signal,
      });
      // Written together with the prompt: a crash in between only costs a second download.
      return { kind: "next", job: { ...job, photoPath: file.key, step: "prompt" } };
    },

    async prompt(job, ctx) {
      if (job.generatedPrompt) {
        return { kind: "next", job: await patch(job, { photoPath: job.photoPath, step: "render" }, ctx) };
      }
      // The template as the owner keeps it now (instructions, fallback); the model, length,
      // format and price are the job's own, as bought.
      await d.catalogue.refresh();
      const template = d.catalogue.get(job.template);
      if (!template)
        throw new GenerationError(
          "unknown",
          "no_template",
          `template ${job.template} is not in the catalogue`,
        );
      const model = models.get(job.model);
      if (!model) throw new GenerationError("unknown", "no_model", `model ${job.model} is not known`);
      const shown = await progress(job, messages(job.language)("gen-script"));
      const own = template.kind === "own" || Boolean(job.ownPrompt);
      // What the seller bought (or, for a job from before the choice, what every job got then).
      const { seconds, format } = renderChoice(model, job.durationSeconds, job.aspectRatio);
      const written = await d.prompts.write(
        {
          template,
          productText: job.productText,
          wishes: job.wishes,
          ownPrompt: job.ownPrompt,
          language: job.language,
          imageUrl: own ? null : await visionUrl(job),
          seconds,
          format,
          maxChars: model.promptMax,
        },
        ctx.signal,
      );
      return {
        kind: "next",
        job: await patch(
          job,
          { ...shown, photoPath: job.photoPath, generatedPrompt: written.prompt, step: "render" },
          ctx,
        ),
      };
    },

    async render(job, ctx) {
      if (job.providerTaskId) {
        return { kind: "next", job: await patch(job, { step: `poll@${Date.now()}` }, ctx) };
      }
      const imageUrl = await providerImageUrl(job, ctx);
      const task = await d.kie.createTask(
        {
          model: job.model,
          prompt: job.generatedPrompt ?? "",
          imageUrl,
          seconds: job.durationSeconds,
          format: job.aspectRatio,
          callBackUrl: d.callbackUrl,
        },
        ctx.signal,
      );
      const startedAt = Date.now();
      try {
        job = await patch(
          job,
          {
            provider: `kie:${task.api}`,
            providerTaskId: task.taskId,
            providerKey: task.key.hash,
            step: `poll@${startedAt}`,
          },
          ctx,
        );
      } catch (e) {
        // The only window where a paid task can be forgotten: say which one, for the owner.
        d.logger.error(
          { err: e, jobId: job.id, taskId: task.taskId },
          "kie task created but not recorded on the job",
        );
        throw e;
      }
      const shown = await progress(job, messages(job.language)("gen-render", { minutes: d.renderMinutes() }));
      return { kind: "release", runAt: new Date(startedAt + d.timing.firstPollMs), patch: shown, job };
    },

    async poll(job, ctx, since) {
      // A delivery that failed after the download kept the file: no need to ask the provider again.
      if (job.resultPath && (await storage.stat(job.resultPath))) {
        return { kind: "next", job: { ...job, step: "deliver" } };
      }
      const started = since ?? job.startedAt?.getTime() ?? Date.now();
      const age = Date.now() - started;
      if (age > config.kie.timeoutMs) {
        throw new GenerationError("transient", "deadline", `no result after ${Math.round(age / 60_000)} min`);
      }
      const key = d.keys.get(job.providerKey) ?? (await d.keys.usable())[0]!;
      const status = await d.kie.getTask(apiOf(job.model), job.providerTaskId ?? "", key, ctx.signal);
      if (status.state === "pending") {
        const wait = Math.min(d.timing.pollMaxMs, Math.max(d.timing.pollMinMs, age / 10));
        return { kind: "release", runAt: new Date(Date.now() + wait), job };
      }
      if (status.state === "fail") throw status.error;
      const file = await downloadResult(status.urls[0]!, storage, ctx.signal);
      // Written with the final status: a crash before delivery re-polls the task and downloads again.
      return { kind: "next", job: { ...job, resultPath: file.key, step: "deliver" } };
    },

    async deliver(job, ctx) {
      const shown = await progress(job, messages(job.language)("gen-upload"));
      job = { ...job, ...shown };
      await d.delivery.uploading(job);
      // Sent before a crash that kept the database from hearing of it: finish without a second video.
      const before = d.sent?.lookup(job);
      const sent = before
        ? { fileId: before.fileId, via: "video" as const }
        : await d.delivery.deliver(job, async () => {
            const key = d.keys.get(job.providerKey);
            if (!key || !job.providerTaskId) return null;
            const s = await d.kie.getTask(apiOf(job.model), job.providerTaskId, key, ctx.signal);
            return s.state === "success" ? (s.urls[0] ?? null) : null;
          });
      if (before) d.logger.info({ jobId: job.id }, "the video was sent before a restart; recording it");
      else if (sent.via !== "blocked") d.sent?.record(job, sent.fileId);
      if (sent.via === "blocked")
        d.logger.info({ jobId: job.id }, "user blocked the bot; video kept in history");
      // The video is in the chat: from here on a failure must not run this step again (a second
      // video, or a refund of a delivered one). A database that does not answer is waited for,
      // for as long as this process runs; only a kill in this window can send the video twice.
      const final = {
        ...shown,
        step: "done",
        resultPath: job.resultPath,
        resultFileId: sent.fileId ?? job.resultFileId,
      };
      let done: Job | null = null;
      for (let attempt = 1; ; attempt++) {
        try {
          done = await ctx.finish("succeeded", final);
          break;
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          d.logger.warn({ err, jobId: job.id, attempt }, "delivered video not recorded yet; retrying");
          await sleep(backoff(attempt, 500, 15_000, 0.2), undefined, { signal: ctx.signal }).catch(
            () => undefined,
          );
        }
      }
      if (!done) throw new LeaseLostError(job.id);
      if (sent.via !== "blocked") await d.delivery.progress(done, messages(done.language)("gen-done"));
      return { kind: "done", job: done };
    },
  };

  const alreadySent = (job: Job) => d.sent?.lookup(job) !== undefined;

  return {
    /** Whether this machine already handed the job's result to Telegram (./sent-journal.ts). */
    alreadySent,
    /** Runs the job's current step. */
    async step(job: Job, ctx: StepContext): Promise<StepOutcome> {
      const { name, since } = parseStep(job.step);
      // A video this machine already handed to Telegram: whatever step the database last heard of
      // (steps before delivery are written with the final status), delivery records it.
      const run = alreadySent(job) ? steps.deliver : steps[name];
      if (!run) throw new GenerationError("unknown", "bad_step", `unknown step ${name}`);
      return run(job, ctx, since);
    },
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;
