// Edits of progress messages, at most one per message every `everyMs`, latest text wins. Fast
// steps (a result ready at the first poll) would otherwise change a message several times within
// milliseconds: nobody can read those states, Telegram's ~1 message/s per chat is hit, and with
// pacing each stale state waits its turn in the chat's pacer. So a text asked for too soon waits
// as the pending one (a newer text replaces it) and a timer sends it once the interval has passed.
// A message is remembered only while that matters (one interval after its last edit), so memory
// does not grow with jobs; an identical text asked for later is Telegram's "not modified", ignored.
import type { Job } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import { isNotModified, type Telegram } from "../telegram/types.ts";

export interface ProgressEditsDeps {
  telegram: Pick<Telegram, "send">;
  logger: Logger;
  /** Minimum time between two edits of one message; 0 sends every text as it comes. */
  everyMs: number;
}

interface Shown {
  key: string;
  jobId: number;
  chatId: number;
  messageId: number;
  /** What the message shows or is being edited to; null after a failed edit (unknown). */
  text: string | null;
  /** When its last send or edit started. */
  at: number;
  /** The text to show once the interval has passed. */
  pending: string | null;
  /** The edit in flight: edits of one message go out one after another. */
  inFlight: Promise<void> | null;
  /** Sends the pending text when due, or forgets the message when nothing is pending. */
  timer: NodeJS.Timeout | null;
}

export function createProgressEdits({ telegram, logger, everyMs }: ProgressEditsDeps) {
  const shown = new Map<string, Shown>();

  function arm(m: Shown, fn: () => void): void {
    if (m.timer) clearTimeout(m.timer);
    m.timer = setTimeout(fn, Math.max(0, m.at + everyMs - Date.now()));
    m.timer.unref();
  }

  /** After an edit: the pending text goes out when due; with none, the message is forgotten then. */
  function settle(m: Shown): void {
    if (m.pending !== null) {
      arm(m, () => void drain(m));
      return;
    }
    arm(m, () => {
      if (m.pending === null && !m.inFlight && shown.get(m.key) === m) shown.delete(m.key);
    });
  }

  async function edit(m: Shown, text: string): Promise<void> {
    if (m.timer) clearTimeout(m.timer);
    m.timer = null;
    m.text = text;
    m.at = Date.now();
    const call = telegram
      .send(m.chatId, (api) => api.editMessageText(m.chatId, m.messageId, text))
      .then(
        () => {},
        (e: unknown) => {
          // "Not modified" means the message already shows it; anything else leaves it unknown.
          if (isNotModified(e)) return;
          if (m.text === text) m.text = null;
          logger.debug({ err: e, jobId: m.jobId }, "progress update failed");
        },
      );
    m.inFlight = call;
    await call;
    m.inFlight = null;
    settle(m);
  }

  /** Sends the pending text now, unless an edit is in flight (its end schedules the pending one). */
  async function drain(m: Shown): Promise<void> {
    if (m.inFlight) return;
    const text = m.pending;
    m.pending = null;
    if (text === null || text === m.text) settle(m);
    else await edit(m, text);
  }

  function entry(job: Pick<Job, "id" | "chatId">, messageId: number): Shown {
    const key = `${job.chatId}:${messageId}`;
    let m = shown.get(key);
    if (!m) {
      m = {
        key,
        jobId: job.id,
        chatId: job.chatId,
        messageId,
        text: null,
        at: Number.NEGATIVE_INFINITY,
        pending: null,
        inFlight: null,
        timer: null,
      };
      shown.set(key, m);
    }
    return m;
  }

  return {
    /** The message was just sent with `text` (at `at`): its first edit counts the interval from then. */
    sent(job: Pick<Job, "id" | "chatId">, messageId: number, text: string, at: number): void {
      const m = entry(job, messageId);
      m.text = text;
      m.at = at;
      settle(m);
    },

    /**
     * Shows `text` in the message: edited at once (and awaited) when the last edit is older than
     * the interval and none waits; otherwise kept as the pending text for the timer. Never throws.
     */
    async show(job: Pick<Job, "id" | "chatId">, messageId: number, text: string): Promise<void> {
      const m = entry(job, messageId);
      if (text === (m.pending ?? m.text)) return;
      if (m.pending !== null && text === m.text) {
        // Back to what the message already shows: the pending text is outdated, nothing to send.
        m.pending = null;
        return;
      }
      if (m.pending === null && !m.inFlight && Date.now() - m.at >= everyMs) {
        await edit(m, text);
        return;
      }
      m.pending = text;
      if (!m.inFlight) arm(m, () => void drain(m));
    },

    /** Sends every pending text now and waits for all edits in flight. Never throws. */
    async flush(): Promise<void> {
      await Promise.all(
        [...shown.values()].map(async (m) => {
          while (m.inFlight || m.pending !== null) {
            if (m.inFlight) await m.inFlight;
            else await drain(m);
          }
        }),
      );
    },

    /** Messages remembered right now (tests: nothing stays once the edits went out). */
    get size(): number {
      return shown.size;
    },
  };
}

export type ProgressEdits = ReturnType<typeof createProgressEdits>;
