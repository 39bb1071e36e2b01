// The OpenAI client as the configuration says (OPENAI_API_KEY, OPENAI_BASE_URL — any compatible
// server —, OPENAI_TIMEOUT_SECONDS, OPENAI_PROXY_URL where OpenAI is blocked), for every caller:
// the prompt writer (../generation) and the photo check (../photo-check).
import OpenAI from "openai";
import { ProxyAgent } from "undici";
import type { Config } from "../config/index.ts";

/** The client, or null without OPENAI_API_KEY. `maxRetries`: the SDK's own retries on 429/5xx/timeouts. */
export function createOpenAiClient(openai: Config["openai"], maxRetries: number): OpenAI | null {
  if (!openai.apiKey) return null;
  return new OpenAI({
    apiKey: openai.apiKey,
    baseURL: openai.baseUrl,
    timeout: openai.timeoutMs,
    maxRetries,
    ...(openai.proxyUrl ? { fetchOptions: { dispatcher: new ProxyAgent(openai.proxyUrl) } } : {}),
  });
}
