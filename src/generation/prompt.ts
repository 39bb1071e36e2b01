// The prompt writer: OpenAI (or any compatible server at OPENAI_BASE_URL) turns the product
// description, the user's wishes and the template's instructions — with the product photo as
// vision input — into one video prompt. The answer is structured; only `videoPrompt` goes to the
// renderer. When OpenAI fails after its own retries, the template's fallback prompt is used, so a
// paid job never fails because the script writer is down; without OPENAI_API_KEY it is always used.
import type OpenAI from "openai";
import type { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { Format } from "../models/index.ts";
import { type OpenAiSdk, openAiClient } from "../openai/client.ts";
import type { Template } from "../templates/index.ts";

/** Longest prompt we send to the renderer (kie.ai models accept a few thousand characters). */
export const MAX_PROMPT_CHARS = 4000;
const KEEP_PRODUCT = "Keep the product exactly as in the photo: same shape, colours, labels and proportions.";

const answerSchema = z.object({
  /** What the model sees on the photo; makes it look before it writes. */
  productSeen: z.string(),
  /** Shot list in plain words. */
  scenePlan: z.string(),
  /** The one thing the renderer gets. */
  videoPrompt: z.string(),
});

export interface PromptInput {
  template: Template;
  productText: string;
  wishes: string | null;
  ownPrompt: string | null;
  language: string;
  /** A URL the model can fetch, or a data: URL; null to write from the text alone. */
  imageUrl: string | null;
  /** Length of the video the seller bought, in seconds. */
  seconds: number;
  /** Its format; null: the photo's shape. */
  format: Format | null;
  /** Longest prompt the renderer takes (its model's limit); MAX_PROMPT_CHARS when it allows more. */
  maxChars?: number;
}

export interface PromptResult {
  prompt: string;
  source: "openai" | "fallback" | "own";
}

export interface PromptWriterDeps {
  openai: Config["openai"];
  logger: Logger;
  metrics: Pick<Metrics, "providerLatency">;
  /** SDK retries on 429/5xx/timeouts before falling back (default 2). */
  maxRetries?: number;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const SHAPES: Record<Format, string> = {
  "9:16": "vertical 9:16",
  "16:9": "horizontal 16:9",
  "1:1": "square 1:1",
};

/** "15 seconds, vertical 9:16": what the video is, said to the writer and to the renderer. */
const shapeOf = (input: PromptInput) =>
  `${input.seconds} seconds, ${input.format ? SHAPES[input.format] : "in the proportions of the photo"}`;

const spokenIn = (language: string) => (language === "ru" ? "Russian" : "English");

const limit = (input: PromptInput) => Math.min(MAX_PROMPT_CHARS, input.maxChars ?? MAX_PROMPT_CHARS);

export function createPromptWriter({ openai, logger, metrics, maxRetries = 2 }: PromptWriterDeps) {
  // Built once: turning the zod schema into a strict JSON schema is not free.
  const client = openAiClient(openai, maxRetries);

  function fallback(input: PromptInput): PromptResult {
    const video = `The video: ${shapeOf(input)}. Any spoken words are in ${spokenIn(input.language)}.`;
    return {
      prompt: clip(
        `${input.template.fallbackPrompt}\n${video}\n\nProduct: ${clip(input.productText.trim(), 1500)}`,
        limit(input),
      ),
      source: "fallback",
    };
  }

  // Made once, with the SDK's first load: turning the zod schema into a strict JSON schema is not free.
  let responseFormat: ReturnType<typeof zodResponseFormat<typeof answerSchema>> | undefined;

  async function ask(
    load: () => Promise<OpenAiSdk>,
    input: PromptInput,
    signal?: AbortSignal,
  ): Promise<string> {
    const sdk = await load();
    responseFormat ??= sdk.zodResponseFormat(answerSchema, "video_prompt");
    const system =
      "You write prompts for an image-to-video model that animates a product photo for a marketplace card. " +
      "The first frame is the given photo. Write the final prompt in English; any spoken lines in " +
      `${spokenIn(input.language)}. Never name real people, celebrities or brands that are not printed on the product. ` +
      `${KEEP_PRODUCT}\n\nThe video is ${shapeOf(input)}: pace the scenes and spoken lines to fill exactly that length, ` +
      `and say both in the prompt. Keep the final prompt under ${limit(input)} characters.` +
      `\n\nTemplate instructions:\n${input.template.instructions}`;
    // The whole description (the create flow bounds it: LIMITS.descriptionMax): marketplace cards
    // put the benefits sellers care about anywhere in their text.
    const text =
      `Product description:\n${input.productText}\n\n` +
      (input.wishes ? `Wishes of the seller:\n${clip(input.wishes, 1000)}\n\n` : "") +
      "Answer with what you see on the photo, a short scene plan, and the final video prompt.";
    const content: OpenAI.Chat.Completions.ChatCompletionContentPart[] = [{ type: "text", text }];
    if (input.imageUrl)
      content.push({ type: "image_url", image_url: { url: input.imageUrl, detail: "low" } });
    const stop = metrics.providerLatency.startTimer({ provider: "openai", operation: "prompt" });
    try {
      const completion = await sdk.client.chat.completions.parse(
        {
          model: openai.model,
          messages: [
            { role: "system", content: system },
            { role: "user", content },
          ],
          response_format: responseFormat,
        },
        { signal },
      );
      const msg = completion.choices[0]?.message;
      if (!msg?.parsed) throw new Error(msg?.refusal ? `refused: ${msg.refusal}` : "no structured answer");
      const prompt = msg.parsed.videoPrompt.trim();
      if (!prompt) throw new Error("empty videoPrompt");
      return prompt;
    } finally {
      stop();
    }
  }

  return {
    async write(input: PromptInput, signal?: AbortSignal): Promise<PromptResult> {
      if (input.template.kind === "own" || input.ownPrompt) {
        const own = (input.ownPrompt ?? "").trim();
        return {
          prompt: clip(
            `${own}\n\nThe video: ${shapeOf(input)}.\nProduct: ${clip(input.productText.trim(), 1500)}\n${KEEP_PRODUCT}`,
            limit(input),
          ),
          source: "own",
        };
      }
      // Without a key the template's prompt is the plan, not a failure: the app says so once at start.
      if (!client) return fallback(input);
      try {
        return { prompt: clip(await ask(client, input, signal), limit(input)), source: "openai" };
      } catch (e) {
        // A shutdown abort is not an OpenAI failure: let the step end and resume later.
        if (signal?.aborted) throw e;
        logger.warn(
          { err: e, template: input.template.id },
          "prompt writer failed; using the template's fallback",
        );
        return fallback(input);
      }
    },
  };
}

export type PromptWriter = ReturnType<typeof createPromptWriter>;
