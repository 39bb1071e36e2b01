// Secret URL paths of the server, derived from LINK_SECRET so they survive restarts and need no
// setting of their own. The queue builds kie.ai's callBackUrl with `kieCallbackUrl`; the wiring
// registers Telegram's webhook at `telegramWebhookUrl`.
import type { Config } from "../config/index.ts";
import { deriveSecret } from "../storage/links.ts";

/** The secret in `/kie/callback/<secret>`: 256 bits, base64url. */
export function kieCallbackSecret(config: Config): string {
  return deriveSecret(config.http.linkSecret, "kie-callback").toString("base64url");
}

export function kieCallbackPath(config: Config): string {
  return `/kie/callback/${kieCallbackSecret(config)}`;
}

/** kie.ai's `callBackUrl`, or undefined without PUBLIC_BASE_URL (then the queue only polls). */
export function kieCallbackUrl(config: Config): string | undefined {
  const base = config.http.publicBaseUrl;
  return base ? `${base}${kieCallbackPath(config)}` : undefined;
}

/** Route of the Telegram webhook on this server. */
export function telegramWebhookPath(config: Config): string {
  return `/telegram/${deriveSecret(config.http.linkSecret, "telegram-webhook").toString("base64url").slice(0, 32)}`;
}

/**
 * What to pass to setWebhook: WEBHOOK_URL is the public base that reaches this server (through
 * the owner's reverse proxy); the secret route is appended. Undefined in polling mode.
 */
export function telegramWebhookUrl(config: Config): string | undefined {
  const hook = config.telegram.webhook;
  return hook ? `${hook.url}${telegramWebhookPath(config)}` : undefined;
}
