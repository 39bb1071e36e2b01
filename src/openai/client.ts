// The OpenAI client as the configuration says (OPENAI_API_KEY, OPENAI_BASE_URL — any compatible
// server —, OPENAI_TIMEOUT_SECONDS, OPENAI_PROXY_URL where OpenAI is blocked), for every caller:
// the prompt writer (../generation) and the photo check (../photo-check).
//
// Loaded with the first call, not at start: the SDK's modules (and undici's, for a proxy) are
// several MB that a bot waiting for orders would keep resident for nothing (BENCHMARKS.md, idle RSS).
import type OpenAI from "openai";
import type { zodResponseFormat } from "openai/helpers/zod";
import type { Config } from "../config/index.ts";
import { undici } from "../undici.ts";

export interface OpenAiSdk {
  client: OpenAI;
  /** openai/helpers/zod's zodResponseFormat, loaded with the client. */
  zodResponseFormat: typeof zodResponseFormat;
}

/**
 * A loader of the client, or null without OPENAI_API_KEY. The first call loads the SDK; a failed
 * load is tried again on the next call. `maxRetries`: the SDK's own retries on 429/5xx/timeouts.
 */
export function openAiClient(
  openai: Config["openai"],
  maxRetries: number,
): (() => Promise<OpenAiSdk>) | null {
  const { apiKey } = openai;
  if (!apiKey) return null;
  let loading: Promise<OpenAiSdk> | undefined;
  const load = async (): Promise<OpenAiSdk> => {
    const [{ default: OpenAISdk }, zod] = await Promise.all([import("openai"), import("openai/helpers/zod")]);
    const proxy = openai.proxyUrl ? new (await undici()).ProxyAgent(openai.proxyUrl) : undefined;
    return {
      client: new OpenAISdk({
        apiKey,
        baseURL: openai.baseUrl,
        timeout: openai.timeoutMs,
        maxRetries,
        ...(proxy ? { fetchOptions: { dispatcher: proxy } } : {}),
      }),
      zodResponseFormat: zod.zodResponseFormat,
    };
  };
  return () => {
    loading ??= load().catch((e: unknown) => {
      loading = undefined;
      throw e;
    });
    return loading;
  };
}
