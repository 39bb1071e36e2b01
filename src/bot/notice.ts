// The "accepted, position N, about M minutes" notice after Confirm. The bot shows it and records
// it in the store; the position notifier (../generation/positions.ts) edits it while the order
// waits, with the same words and buttons.
import { InlineKeyboard } from "grammy";
import { type Entries, jsonEntries } from "../db/kv.ts";
import type { KeyValueRepository } from "../db/store.ts";
import { encode } from "./callbacks.ts";

export interface AcceptedNotice {
  /** Videos in the order. */
  count: number;
  /** Best place in the queue among the order's waiting jobs; 0 when none waits any more. */
  position: number;
  minutes: number;
  /** The balance right after the order. */
  balance: number;
  /** The job whose product "Make another" reuses. */
  againJobId: number;
}

/** What the bot records about a notice it showed (saved with `saveQueueNotice`). */
export interface QueueNotice extends Omit<AcceptedNotice, "minutes"> {
  chatId: number;
  messageId: number;
  language: string;
}

/** A batch's notice, by batch key, in the store's key-value table: every process sees it. */
export function queueNotices(kv: KeyValueRepository): Entries<QueueNotice> {
  return jsonEntries<QueueNotice>(kv, "queue-notice:");
}

export function saveQueueNotice(
  kv: KeyValueRepository,
  batchKey: string,
  notice: QueueNotice,
): Promise<void> {
  return queueNotices(kv).set(batchKey, notice);
}

type Translate = (key: string, vars?: Record<string, string | number>) => string;

export function acceptedScreen(t: Translate, n: AcceptedNotice): { text: string; keyboard: InlineKeyboard } {
  const keyboard = new InlineKeyboard()
    .text(t("btn-again"), encode({ a: "again", job: n.againJobId }))
    .row()
    .text(t("btn-menu"), encode({ a: "menu" }));
  const key = n.position > 0 ? "accepted" : "accepted-running";
  const text = t(key, { count: n.count, position: n.position, minutes: n.minutes, n: n.balance });
  return { text, keyboard };
}
