import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/index.ts";
import { createLogger, scrubTokens } from "../src/logger.ts";

const TOKEN = "123456789:AAH-abcdefghijklmnopqrstuvwxyz012345";

function collect(pretty: boolean) {
  const lines: string[] = [];
  const logger = createLogger({
    level: "info",
    pretty,
    destination: { write: (l: string) => void lines.push(l) },
  });
  return { logger, lines };
}

describe("logs never show the bot token", () => {
  it.each([false, true])(
    "masks it inside a nested fetch error's message and stack (pretty: %s)",
    (pretty) => {
      const { logger, lines } = collect(pretty);
      const cause = new Error(`request to http://127.0.0.1:9/bot${TOKEN}/getMe failed, reason: ECONNREFUSED`);
      const err = Object.assign(new Error("Network request for 'getMe' failed!"), { error: cause });
      logger.error({ err, url: `https://api.telegram.org/file/bot${TOKEN}/photos/1.jpg` }, "polling failed");
      const out = lines.join("");
      expect(out).toContain("polling failed");
      expect(out).toContain("123456789:***");
      expect(out).not.toContain(TOKEN.split(":")[1]);
    },
  );

  it("masks a token passed under any field name", () => {
    const { logger, lines } = collect(false);
    logger.info({ whatever: { deep: [TOKEN] } }, `starting with ${TOKEN}`);
    expect(lines.join("")).not.toContain(TOKEN.split(":")[1]);
  });

  it.each([
    ["the README's example token", "123456789:AAH-your-token-from-BotFather"],
    ["the quick start's token", "123456:your-token-from-BotFather"],
    ["the shortest token the config accepts", "1:abcdefghij0123456789"],
  ])("masks every token the config accepts: %s", (_name, token) => {
    expect(() => parseConfig({ BOT_TOKEN: token })).not.toThrow();
    const { logger, lines } = collect(false);
    logger.error(`request to https://api.telegram.org/bot${token}/getMe failed`);
    expect(lines.join("")).not.toContain(token.split(":")[1]);
    expect(scrubTokens(`bot${token}/getMe`)).toBe(`bot${token.split(":")[0]}:***/getMe`);
  });
});
