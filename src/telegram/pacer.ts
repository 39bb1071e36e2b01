// The send pacer: keeps long sends (deliveries, broadcasts, admin alerts) inside Telegram's limits
// of about 30 messages per second overall and 1 per second per chat. A sliding one-second window
// (not a token bucket refilled continuously) so that no one-second window ever holds more than
// `ratePerSecond` starts; chats wait for their own slot without holding up other chats, and
// calls of one chat start in the order they were scheduled.

export interface PacerOptions {
  /** Calls per second overall; 0 turns pacing off (calls start at once). */
  ratePerSecond: number;
  /** Minimum gap between two calls to the same chat (default 1100 ms). */
  perChatIntervalMs?: number;
  /** Clock, injectable for tests (default Date.now). */
  now?: () => number;
}

export interface Pacer {
  schedule<T>(chatId: number, call: () => Promise<T>): Promise<T>;
  /** Calls waiting for their slot. */
  readonly waiting: number;
}

interface Waiting {
  chatId: number;
  start: () => void;
}

// Telegram counts arrivals, not our starts: requests started 1000 ms apart can arrive closer
// together, so every slot is held 10% longer than the limit's second.
const WINDOW_MS = 1100;

export function createPacer(opts: PacerOptions): Pacer {
  const rate = opts.ratePerSecond;
  const gap = opts.perChatIntervalMs ?? WINDOW_MS;
  const now = opts.now ?? Date.now;
  const queue: Waiting[] = [];
  const starts: number[] = [];
  const lastByChat = new Map<number, number>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wakeAt = Number.POSITIVE_INFINITY;

  function pump(): void {
    timer = undefined;
    wakeAt = Number.POSITIVE_INFINITY;
    const t = now();
    while (starts.length && (starts[0] ?? 0) <= t - WINDOW_MS) starts.shift();
    let next = Number.POSITIVE_INFINITY;
    const held = new Set<number>();
    for (let i = 0; i < queue.length; i++) {
      const w = queue[i] as Waiting;
      if (held.has(w.chatId)) continue;
      const chatReady = (lastByChat.get(w.chatId) ?? Number.NEGATIVE_INFINITY) + gap;
      const globalReady = starts.length < rate ? t : (starts[0] ?? t) + WINDOW_MS;
      const readyAt = Math.max(chatReady, globalReady);
      if (readyAt > t) {
        held.add(w.chatId);
        next = Math.min(next, readyAt);
        continue;
      }
      queue.splice(i--, 1);
      starts.push(t);
      lastByChat.set(w.chatId, t);
      held.add(w.chatId);
      w.start();
    }
    // Forget chats whose gap has passed so the map does not grow with every recipient of a broadcast.
    if (lastByChat.size > 10_000) for (const [c, at] of lastByChat) if (at + gap <= t) lastByChat.delete(c);
    if (queue.length && next < Number.POSITIVE_INFINITY) arm(next - t);
  }

  function arm(ms: number): void {
    const at = now() + ms;
    if (timer && at >= wakeAt) return;
    if (timer) clearTimeout(timer);
    wakeAt = at;
    timer = setTimeout(pump, Math.max(0, ms));
  }

  return {
    schedule<T>(chatId: number, call: () => Promise<T>): Promise<T> {
      if (rate <= 0) return call();
      return new Promise<T>((resolve, reject) => {
        queue.push({ chatId, start: () => call().then(resolve, reject) });
        pump();
      });
    },
    get waiting() {
      return queue.length;
    },
  };
}
