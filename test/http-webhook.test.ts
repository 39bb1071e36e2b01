// Webhook mode end to end: the fake Telegram posts updates to the real HTTP server, whose route
// reads and parses them itself and hands them to the real bot.
import { createServer } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { HttpServer } from "../src/http/index.ts";
import { type BotHarness, startBotHarness, waitUntil } from "./helpers/bot-harness.ts";
import { tempDir, testHttpServer } from "./helpers/http.ts";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

let h: BotHarness | undefined;
let server: HttpServer | undefined;
const dir = tempDir();
afterEach(async () => {
  await server?.close();
  await h?.close();
  h = server = undefined;
});
afterAll(() => dir.cleanup());

describe("webhook mode over HTTP", () => {
  it("delivers a user's /start from Telegram through the webhook route to the bot, which answers", async () => {
    const port = await freePort();
    h = await startBotHarness({
      env: {
        WEBHOOK_URL: `http://127.0.0.1:${port}`,
        WEBHOOK_SECRET: "s3cret-token",
        HTTP_HOST: "127.0.0.1",
        HTTP_PORT: String(port),
        STORAGE_PATH: dir.path,
      },
      waitForPolling: false,
    });
    const bot = h.bot;
    server = testHttpServer(h.config, { webhook: bot.handleWebhookUpdate });
    await server.listen();
    const user = h.user({ id: 501, first_name: "Ann", language_code: "en" });
    user.command("start");
    const reply = await user.next();
    expect(reply.text ?? reply.caption).toBeTruthy();
    // Answered 200: Telegram (the fake) forgets the update instead of delivering it again.
    await waitUntil(() => h?.tg.pendingUpdates() === 0, 5000, "the update to be confirmed");
  });
});
