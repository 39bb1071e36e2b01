// What the rest of the program uses to talk to Telegram outside of an update handler (workers
// delivering videos, broadcasts, admin alerts). Built by createTelegram() in ./index.ts.
import { type Api, GrammyError, type InlineKeyboard } from "grammy";
import type { Language } from "../db/types.ts";
import type { AdminText } from "../i18n/texts.ts";

export class UserBlockedBotError extends Error {
  constructor(readonly chatId: number) {
    super(`chat ${chatId} blocked the bot or is unreachable`);
    this.name = "UserBlockedBotError";
  }
}

/**
 * Telegram's answer to an edit that changes nothing (a double tap, a state shown twice): the
 * message already shows what was asked, so every caller treats it as success.
 */
export function isNotModified(err: unknown): boolean {
  return /message is not modified/i.test(err instanceof GrammyError ? err.description : String(err));
}

export type { AdminText };

export interface Telegram {
  /** grammY Api with bounded auto-retry (429 retry_after capped, 5xx, network errors). */
  readonly api: Api;
  /**
   * Runs one outgoing call through the send pacer (about 30/s overall, 1/s per chat; off when
   * SEND_RATE_PER_SECOND=0). A 403 (blocked / deactivated / kicked) marks the user bot-blocked in
   * the store and rejects with UserBlockedBotError.
   */
  send<T>(chatId: number, call: (api: Api) => Promise<T>): Promise<T>;
  /**
   * Messages every admin (ADMIN_IDS) through the pacer, each in the language the store knows for
   * them (English when it does not know or does not answer in time); never throws.
   */
  notifyAdmins(text: AdminText, o?: { buttons?: (locale: Language) => InlineKeyboard }): Promise<void>;
}
