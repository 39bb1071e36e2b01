// The photo check before an order: when OpenAI is configured, its vision model looks at the
// product photo the moment the seller sends it — before a description is typed, before any credit
// is spent — and names what would spoil the video: no product in sight, people or faces (the old
// bot's first cause of refused renders), a product too small in the frame, a blurred or dark shot.
// The bot tells the seller what to change and lets them send another photo or go on anyway.
//
// It never stands between a seller and an order: without OPENAI_API_KEY it is off, and a download
// or OpenAI failure, or an answer later than PHOTO_CHECK.timeoutMs, lets the photo through (logged).

import type { Api } from "grammy";
import type { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { openAiClient } from "../openai/client.ts";
import { FileTooLargeError } from "../storage/types.ts";
import { readTelegramFile } from "../telegram/download.ts";
import { PHOTO_CHECK } from "../timing/index.ts";

export const PHOTO_PROBLEMS = ["no_product", "people", "too_small", "blurry"] as const;
export type PhotoProblem = (typeof PHOTO_PROBLEMS)[number];

export type PhotoVerdict =
  | { kind: "ok" }
  | { kind: "problems"; problems: PhotoProblem[] }
  /** Not looked at: no OpenAI ("off"), a file too large to send ("too_large"), a failure ("error"). */
  | { kind: "skipped"; reason: "off" | "too_large" | "error" };

export interface PhotoToCheck {
  fileId: string;
  /** Pixel size when Telegram gives it (photos do, documents do not). */
  width?: number;
  height?: number;
}

export interface PhotoCheck {
  /** Whether photos are looked at (OPENAI_API_KEY set): the bot shows "typing…" only then. */
  readonly enabled: boolean;
  /** Never throws: whatever goes wrong, the verdict is "skipped" and the order goes on. */
  check(photo: PhotoToCheck): Promise<PhotoVerdict>;
}

/**
 * A shorter side below this is too small for a vertical 720p video, whatever the model says: the
 * model looks at a 512 px copy (detail "low") and cannot tell how large the original was.
 */
export const MIN_SIDE_PX = 320;
/**
 * Larger files (a big image sent as a document) are not checked: the seller would wait for the
 * download and the upload to OpenAI. Telegram's own photos are far below it.
 */
const MAX_BYTES = 5 * 1024 * 1024;

const MIME: Record<string, string> = { png: "image/png", webp: "image/webp" };

const verdictSchema = z.object({
  /** What the model sees; makes it look before it judges. */
  seen: z.string(),
  problems: z.array(z.enum(PHOTO_PROBLEMS)),
});

const INSTRUCTIONS =
  "A marketplace seller sent this photo of a product; an image-to-video model will animate it into a " +
  "short vertical product video, starting from this very photo. Say in a few words what you see, then " +
  "list the problems that would spoil that video — an empty list when there are none:\n" +
  "- no_product: no physical product is clearly visible (a screenshot of text, a landscape, an empty scene);\n" +
  "- people: a person or a human face is visible (hands alone holding the product are fine);\n" +
  "- too_small: the product fills only a small part of the frame;\n" +
  "- blurry: the product is blurred, out of focus, or too dark to make out.\n" +
  "Text, price tags or infographics around the product are fine. Report only problems you are sure of.";

export interface PhotoCheckDeps {
  config: Pick<Config, "openai" | "botToken"> & { telegram: Pick<Config["telegram"], "apiRoot"> };
  /** The Bot API the photo is read through (getFile, then the file). */
  api: Api;
  logger: Logger;
  metrics: Pick<Metrics, "providerLatency" | "photoChecks">;
  timeoutMs?: number;
  maxRetries?: number;
}

export function createPhotoCheck(deps: PhotoCheckDeps): PhotoCheck {
  const { config, logger, metrics } = deps;
  const timeoutMs = deps.timeoutMs ?? PHOTO_CHECK.timeoutMs;
  const client = openAiClient(config.openai, deps.maxRetries ?? PHOTO_CHECK.maxRetries);
  // Made once, with the SDK's first load: turning the zod schema into a strict JSON schema is not free.
  let responseFormat: ReturnType<typeof zodResponseFormat<typeof verdictSchema>> | undefined;

  async function look(imageUrl: string, signal: AbortSignal): Promise<PhotoProblem[]> {
    if (!client) return [];
    const sdk = await client();
    responseFormat ??= sdk.zodResponseFormat(verdictSchema, "photo_check");
    const stop = metrics.providerLatency.startTimer({ provider: "openai", operation: "photo_check" });
    try {
      const completion = await sdk.client.chat.completions.parse(
        {
          model: config.openai.model,
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: INSTRUCTIONS },
                { type: "image_url", image_url: { url: imageUrl, detail: "low" } },
              ],
            },
          ],
          response_format: responseFormat,
        },
        { signal },
      );
      const msg = completion.choices[0]?.message;
      if (!msg?.parsed) throw new Error(msg?.refusal ? `refused: ${msg.refusal}` : "no structured answer");
      return msg.parsed.problems;
    } finally {
      stop();
    }
  }

  return {
    enabled: client !== null,
    async check(photo) {
      if (!client) return { kind: "skipped", reason: "off" };
      const lowResolution =
        photo.width !== undefined &&
        photo.height !== undefined &&
        Math.min(photo.width, photo.height) < MIN_SIDE_PX;
      const verdict = (problems: Iterable<PhotoProblem>): PhotoVerdict => {
        // In the order of PHOTO_PROBLEMS, each once, whatever order the model used.
        const found = new Set(problems);
        if (lowResolution) found.add("too_small");
        const list = PHOTO_PROBLEMS.filter((p) => found.has(p));
        metrics.photoChecks.inc({ outcome: list.length ? "problems" : "ok" });
        return list.length ? { kind: "problems", problems: list } : { kind: "ok" };
      };
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const { bytes, ext } = await readTelegramFile({
          api: deps.api,
          apiRoot: config.telegram.apiRoot,
          token: config.botToken,
          fileId: photo.fileId,
          maxBytes: MAX_BYTES,
          signal,
        });
        const url = `data:${MIME[ext] ?? "image/jpeg"};base64,${bytes.toString("base64")}`;
        return verdict(await look(url, signal));
      } catch (err) {
        // What needs no model is still said: a low resolution is known from Telegram's sizes.
        if (lowResolution) return verdict([]);
        metrics.photoChecks.inc({ outcome: "skipped" });
        if (err instanceof FileTooLargeError) {
          logger.info({ fileId: photo.fileId }, "photo too large to check; taken as it is");
          return { kind: "skipped", reason: "too_large" };
        }
        logger.warn({ err, fileId: photo.fileId }, "photo check failed; the photo is taken as it is");
        return { kind: "skipped", reason: "error" };
      }
    },
  };
}
