import { createServer } from "node:net";
import { Api, GrammyError } from "grammy";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/index.ts";
import { createLogger, scrubTokens } from "../src/logger.ts";
import { telegramClient } from "../src/telegram/fetch.ts";
import { timeLimit } from "../src/telegram/timeouts.ts";

const TOKEN = "123456789:AAH-abcdefghijklmnopqrstuvwxyz012345";

function collect(pretty: boolean, level = "info") {
  const lines: string[] = [];
  const logger = createLogger({
    level,
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

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function failure(call: Promise<unknown>): Promise<Error> {
  return call.then(
    () => {
      throw new Error("the call was expected to fail");
    },
    (e: Error) => e,
  );
}

/** What the poller logs when a poll fails (src/bot/polling.ts). */
function logPollFailure(logger: ReturnType<typeof createLogger>, err: Error) {
  logger.error({ err, retryInMs: 4000 }, `polling Telegram failed: ${err.message}`);
}

describe("a failed Telegram call on a terminal", () => {
  it("is one short line with what failed, why, where and what to do, and no stack", async () => {
    const port = await closedPort();
    const err = await failure(new Api(TOKEN, { apiRoot: `http://127.0.0.1:${port}` }).getMe());
    const { logger, lines } = collect(true);
    logPollFailure(logger, err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        String.raw`^\d\d:\d\d:\d\d\.\d{3} ERROR polling Telegram failed: Telegram unreachable \(ECONNREFUSED http://127\.0\.0\.1:${port}\): check network or TELEGRAM_API_ROOT; retrying in 4 s\n$`,
      ),
    );
  });

  it("names the address for the undici client too, and says a silent Telegram did not answer in time", async () => {
    const port = await closedPort();
    const refused = await failure(new Api(TOKEN, telegramClient(`http://127.0.0.1:${port}`)).getMe());
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const api = new Api(TOKEN, {
      apiRoot: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
    });
    api.config.use(
      timeLimit({
        callSeconds: 0.2,
        pollSeconds: 1,
        pollMarginSeconds: 1,
        uploadSilenceSeconds: 1,
        uploadSeconds: 1,
        downloadSeconds: 1,
      }),
    );
    const timedOut = await failure(api.getMe());
    silent.close();
    const { logger, lines } = collect(true);
    logger.warn({ err: refused }, "admin notice not delivered");
    logger.error({ err: timedOut }, "could not introduce the bot to Telegram yet");
    expect(lines[0]).toMatch(
      new RegExp(
        String.raw`WARN  admin notice not delivered: Telegram unreachable \(ECONNREFUSED 127\.0\.0\.1:${port}\): check network or TELEGRAM_API_ROOT\n$`,
      ),
    );
    expect(lines[1]).toMatch(
      /ERROR could not introduce the bot to Telegram yet: Telegram unreachable \(no answer to getMe in 0\.2 s\): check network or TELEGRAM_API_ROOT\n$/,
    );
  });

  it("an error Telegram answered with is one line with its code and description", () => {
    const err = new GrammyError(
      "Call to 'sendMessage' failed! (400: Bad Request: chat not found)",
      { ok: false, error_code: 400, description: "Bad Request: chat not found" },
      "sendMessage",
      { chat_id: 5, text: "your video is ready" },
    );
    const { logger, lines } = collect(true);
    logger.warn({ err, adminId: 5 }, "admin notice not delivered");
    expect(lines).toEqual([
      expect.stringMatching(
        /WARN {2}admin notice not delivered: Telegram answered 400: Bad Request: chat not found {"adminId":5}\n$/,
      ),
    ]);
  });

  it("an answer the message already words is not repeated", () => {
    const err = new GrammyError(
      "Call to 'getMe' failed! (401: Unauthorized)",
      { ok: false, error_code: 401, description: "Unauthorized" },
      "getMe",
      {},
    );
    const { logger, lines } = collect(true);
    logger.error(
      { err, retryInMs: 500 },
      "polling Telegram failed: 401 Unauthorized: BOT_TOKEN is wrong or revoked",
    );
    expect(lines).toEqual([
      expect.stringMatching(
        /ERROR polling Telegram failed: 401 Unauthorized: BOT_TOKEN is wrong or revoked; retrying in 500 ms\n$/,
      ),
    ]);
  });

  it("shows the stack at debug level, and JSON logs always keep it", async () => {
    const port = await closedPort();
    const err = await failure(new Api(TOKEN, { apiRoot: `http://127.0.0.1:${port}` }).getMe());
    for (const [pretty, level] of [
      [true, "debug"],
      [false, "info"],
    ] as const) {
      const { logger, lines } = collect(pretty, level);
      logPollFailure(logger, err);
      expect(lines.join("")).toMatch(/HttpError: Network request for 'getMe' failed!\\n +at /);
      expect(lines.join("")).toContain("ECONNREFUSED");
    }
  });
});
