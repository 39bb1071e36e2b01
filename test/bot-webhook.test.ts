import { afterEach, describe, expect, it } from "vitest";
import { telegramWebhookPath } from "../src/http/paths.ts";
import { type BotHarness, startBotHarness, waitUntil } from "./helpers/bot-harness.ts";

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("webhook mode", () => {
  it("registers the secret route under WEBHOOK_URL with the secret token, and does not poll", async () => {
    h = await startBotHarness({
      env: { WEBHOOK_URL: "https://bot.example.com/base", WEBHOOK_SECRET: "s3cret-token" },
      waitForPolling: false,
    });
    const config = h.config;
    await waitUntil(() => h?.tg.webhook !== null, 5000, "setWebhook");
    expect(h.tg.webhook).toEqual({
      url: `https://bot.example.com/base${telegramWebhookPath(config)}`,
      secret: "s3cret-token",
      allowedUpdates: ["message", "callback_query", "pre_checkout_query", "my_chat_member"],
    });
    expect(h.tg.callsTo("getUpdates")).toHaveLength(0);
  });
});
