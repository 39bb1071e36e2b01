// The Telegram sender used outside update handlers: a grammY Api against TELEGRAM_API_ROOT with
// bounded auto-retry, the send pacer, and 403 handling that marks the user unreachable.
import { autoRetry } from "@grammyjs/auto-retry";
import { Api, GrammyError, HttpError, type InlineKeyboard, type Transformer } from "grammy";
import type { Config } from "../config/index.ts";
import type { UsersRepository } from "../db/store.ts";
import type { Language } from "../db/types.ts";
import { localeOfUser } from "../i18n/language.ts";
import type { Logger } from "../logger.ts";
import { backoff } from "../timing/index.ts";
import { telegramClient } from "./fetch.ts";
import { createPacer } from "./pacer.ts";
import { TELEGRAM_TIMEOUTS, type TelegramTimeouts, timeLimit } from "./timeouts.ts";
import { type AdminText, type Telegram, UserBlockedBotError } from "./types.ts";

export type { AdminText, Telegram } from "./types.ts";
export { UserBlockedBotError } from "./types.ts";

/**
 * Bounds for @grammyjs/auto-retry, whose defaults retry for ever: a few attempts, and a
 * `retry_after` longer than half a minute fails the call instead of stalling a worker.
 */
export const RETRY = {
  maxRetryAttempts: 4,
  maxDelaySeconds: 30,
  networkAttempts: 3,
  networkDelayMs: 500,
} as const;

/**
 * auto-retry bounds 429 and 5xx but retries network errors (HttpError) for ever, so those are
 * retried here instead: a few attempts with a doubling pause, never once the caller aborted.
 */
function retryNetworkErrors(attempts: number, firstDelayMs: number): Transformer {
  return async (prev, method, payload, signal) => {
    for (let i = 0; ; i++) {
      try {
        return await prev(method, payload, signal);
      } catch (e) {
        if (!(e instanceof HttpError) || signal?.aborted || i >= attempts) throw e;
        await new Promise((r) => setTimeout(r, backoff(i + 1, firstDelayMs, Number.POSITIVE_INFINITY, 0)));
      }
    }
  };
}

/** Installs the time limits and bounded retries on an Api (the bot's own Api gets the same). */
export function withRetry(api: Api, limits: TelegramTimeouts = TELEGRAM_TIMEOUTS): Api {
  const { maxRetryAttempts, maxDelaySeconds, networkAttempts, networkDelayMs } = RETRY;
  // Installed first = innermost: each attempt gets its own time limit, auto-retry handles 429/5xx
  // per attempt, the outer one network failures (a timed-out attempt is one).
  api.config.use(timeLimit(limits));
  api.config.use(autoRetry({ maxRetryAttempts, maxDelaySeconds, rethrowHttpErrors: true }));
  api.config.use(retryNetworkErrors(networkAttempts, networkDelayMs));
  return api;
}

/**
 * How long an alert waits for the store to tell an admin's language. Payment alerts are sent
 * exactly when the database is down, and the store retries a lost connection for longer than an
 * alert should wait: past this the admin reads English.
 */
export const ADMIN_LANGUAGE_WAIT_MS = 2_000;

/** 403 from Telegram: the user blocked the bot, deleted the account, or the bot was kicked. */
export function isUnreachable(e: unknown): boolean {
  return e instanceof GrammyError && e.error_code === 403;
}

export function createTelegram(deps: { config: Config; store: UsersRepository; logger: Logger }): Telegram {
  const { config, store, logger } = deps;
  const api = withRetry(new Api(config.botToken, telegramClient(config.telegram.apiRoot)));
  const pacer = createPacer({ ratePerSecond: config.telegram.sendRatePerSecond });

  async function markBlocked(chatId: number): Promise<void> {
    try {
      const user = await store.getUserByTgId(chatId);
      if (user) await store.setBotBlocked(user.id, new Date());
    } catch (e) {
      logger.warn({ err: e, chatId }, "could not mark the user as having blocked the bot");
    }
  }

  async function send<T>(chatId: number, call: (api: Api) => Promise<T>): Promise<T> {
    try {
      return await pacer.schedule(chatId, () => call(api));
    } catch (e) {
      if (!isUnreachable(e)) throw e;
      await markBlocked(chatId);
      throw new UserBlockedBotError(chatId);
    }
  }

  async function adminLanguage(id: number): Promise<Language> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ADMIN_LANGUAGE_WAIT_MS);
    });
    try {
      return localeOfUser(await Promise.race([store.getUserByTgId(id), late]));
    } catch (e) {
      logger.debug({ err: e, adminId: id }, "admin language unknown; alert in English");
      return "en";
    } finally {
      clearTimeout(timer);
    }
  }

  async function notifyAdmin(
    id: number,
    text: AdminText,
    buttons?: (locale: Language) => InlineKeyboard,
  ): Promise<void> {
    const locale = typeof text === "string" && !buttons ? "en" : await adminLanguage(id);
    const body = typeof text === "string" ? text : text(locale);
    const markup = buttons ? { reply_markup: buttons(locale) } : {};
    await send(id, (a) =>
      a.sendMessage(id, body, { link_preview_options: { is_disabled: true }, ...markup }),
    );
  }

  return {
    api,
    send,
    async notifyAdmins(text, o = {}): Promise<void> {
      await Promise.all(
        config.admins.map((id) =>
          notifyAdmin(id, text, o.buttons).catch((e: unknown) =>
            logger.warn({ err: e, adminId: id }, "admin notice not delivered"),
          ),
        ),
      );
    },
  };
}
