// The "accepted, position N, about M minutes" notice after Confirm. The bot shows it; the queue's
// position notifier (../queue/positions.ts) edits it while the order waits, with the same words
// and buttons.
import { InlineKeyboard } from "grammy";
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
