// Everything the pipeline shows the user: one progress message per job edited in place (at most
// once a second, latest state wins: ./progress-edits.ts), the finished video (multipart upload
// within the Bot API server's limit, a link above it), and the apology for a failed job. Progress
// is best effort: a hiccup there never fails a paid job.
import { InputFile } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import { encode, supportButton } from "../bot/callbacks.ts";
import type { Config } from "../config/index.ts";
import type { JobPatch } from "../db/store.ts";
import type { Job } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import type { Storage } from "../storage/types.ts";
import { type Telegram, UserBlockedBotError } from "../telegram/types.ts";
import { messages } from "./messages.ts";
import { createProgressEdits } from "./progress-edits.ts";

/** The buttons under a delivered video, in the bot's own callback codec. */
export const deliveryCallbacks = {
  again: (jobId: number) => encode({ a: "again", job: jobId }),
  menu: encode({ a: "menu" }),
} as const;

/** Result links live as long as results are kept. */
const LINK_TTL_SECONDS = 30 * 24 * 3600;

/** Telegram allows about one message per second per chat; states faster than that go unseen. */
export const PROGRESS_EVERY_MS = 1000;

export interface DeliveryDeps {
  config: Config;
  telegram: Telegram;
  storage: Storage;
  logger: Logger;
  /** Minimum time between two edits of a progress message (default PROGRESS_EVERY_MS; 0: every state). */
  progressEveryMs?: number;
}

export type Delivered = { fileId: string | null; via: "video" | "link" | "blocked" };

export function createDelivery({ config, telegram, storage, logger, progressEveryMs }: DeliveryDeps) {
  const edits = createProgressEdits({ telegram, logger, everyMs: progressEveryMs ?? PROGRESS_EVERY_MS });
  const keyboard = (job: Job): InlineKeyboardMarkup => {
    const t = messages(job.language);
    return {
      inline_keyboard: [
        [{ text: t("btn-again"), callback_data: deliveryCallbacks.again(job.id) }],
        [{ text: t("btn-menu"), callback_data: deliveryCallbacks.menu }],
      ],
    };
  };

  async function sendVideo(job: Job, video: string | InputFile): Promise<string | null> {
    const msg = await telegram.send(job.chatId, (api) =>
      api.sendVideo(job.chatId, video, {
        caption: messages(job.language)("gen-caption"),
        supports_streaming: true,
        reply_markup: keyboard(job),
      }),
    );
    return msg.video?.file_id ?? null;
  }

  function upload(key: string): InputFile {
    const path = storage.localPath(key);
    // A path (not a stream) lets the HTTP client re-open the file if Telegram asks to retry; from
    // object storage a function does the same: each attempt streams the object anew.
    if (path) return new InputFile(path, "video.mp4");
    return new InputFile(async () => {
      const stream = await storage.open(key);
      if (!stream) throw new Error("the result file is gone");
      // Handed over as a bare iterable: grammY takes any object with a `url` property (the SDK's
      // body is an http.IncomingMessage, which has one) for a link to fetch instead of bytes.
      return (async function* () {
        yield* stream as AsyncIterable<Uint8Array>;
      })();
    }, "video.mp4");
  }

  return {
    /**
     * Shows `text` in the job's progress message: edits it when there is one (at once, or later
     * as the latest of the states asked for within the interval), else sends it and returns the
     * patch that remembers its id. Never throws.
     */
    async progress(job: Job, text: string): Promise<JobPatch | null> {
      if (job.progressMessageId) {
        await edits.show(job, job.progressMessageId, text);
        return null;
      }
      try {
        const at = Date.now();
        const msg = await telegram.send(job.chatId, (api) => api.sendMessage(job.chatId, text));
        edits.sent(job, msg.message_id, text, at);
        return { progressMessageId: msg.message_id };
      } catch (e) {
        logger.debug({ err: e, jobId: job.id }, "progress update failed");
        return null;
      }
    },

    /** Sends the progress edits still waiting for their interval now, and waits for them. Never throws. */
    flush: (): Promise<void> => edits.flush(),

    async uploading(job: Job): Promise<void> {
      await telegram
        .send(job.chatId, (api) => api.sendChatAction(job.chatId, "upload_video"))
        .catch(() => {});
    },

    /**
     * Sends the result. Within the upload limit: as a video by multipart — through the service
     * channel first when one is set, so the owner keeps a copy and the user gets it by file_id.
     * Above it: a link on our HTTP server (or the provider's own URL when there is no public URL).
     */
    async deliver(job: Job, providerUrl: () => Promise<string | null>): Promise<Delivered> {
      try {
        if (job.resultFileId) return { fileId: await sendVideo(job, job.resultFileId), via: "video" };
        const stat = job.resultPath ? await storage.stat(job.resultPath) : null;
        if (!job.resultPath || !stat) throw new Error("the result file is gone");
        const file = stat.size <= config.telegram.uploadLimitBytes ? upload(job.resultPath) : null;
        if (file) {
          const channel = config.telegram.serviceChannelId;
          if (channel) {
            const posted = await telegram.api.sendVideo(channel, file, {
              caption: `#job${job.id} user ${job.userId}`,
              supports_streaming: true,
            });
            const fileId = posted.video?.file_id;
            if (fileId) return { fileId: (await sendVideo(job, fileId)) ?? fileId, via: "video" };
          }
          return { fileId: await sendVideo(job, file), via: "video" };
        }
        const url = storage.publicUrl(job.resultPath, LINK_TTL_SECONDS) ?? (await providerUrl());
        if (!url) throw new Error("the result is over the upload limit and there is no link to give");
        await telegram.send(job.chatId, (api) =>
          api.sendMessage(
            job.chatId,
            messages(job.language)("gen-link", {
              url,
              limit: Math.round(config.telegram.uploadLimitBytes / (1024 * 1024)),
            }),
            {
              reply_markup: keyboard(job),
            },
          ),
        );
        return { fileId: null, via: "link" };
      } catch (e) {
        if (e instanceof UserBlockedBotError) return { fileId: null, via: "blocked" };
        throw e;
      }
    },

    /** The apology for a failed job, in the user's language, with the way to support. Never throws. */
    async apologize(job: Job, text: string): Promise<void> {
      // The progress message must not go on promising a video ("Rendering…") above the apology.
      if (job.progressMessageId) {
        await edits.show(job, job.progressMessageId, messages(job.language)("gen-failed"));
        await edits.flush();
      }
      const support = supportButton(config, messages(job.language)("btn-support"));
      const base = keyboard(job);
      const markup = support ? { inline_keyboard: [...base.inline_keyboard, [support]] } : base;
      await telegram
        .send(job.chatId, (api) => api.sendMessage(job.chatId, text, { reply_markup: markup }))
        .catch((e: unknown) =>
          logger.warn({ err: e, jobId: job.id }, "could not tell the user about a failed job"),
        );
    },
  };
}

export type Delivery = ReturnType<typeof createDelivery>;
