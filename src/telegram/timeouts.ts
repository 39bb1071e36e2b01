// How long the program waits for Telegram, in one place. grammY's own timer (`timeoutSeconds`,
// 500 s by default) is one number for every method of a client, but a long poll is meant to be
// held open, an upload takes as long as the line needs, and any other call is answered in well
// under a second; so each call gets its own limit here.
import { HttpError, InputFile, type Transformer } from "grammy";

export const TELEGRAM_TIMEOUTS = {
  /** A call without a file: given up when Telegram has not answered in this time. */
  callSeconds: 30,
  /** Long polling: Telegram holds getUpdates open this long when no update comes. */
  pollSeconds: 30,
  /** A getUpdates is given up only after its own long-poll timeout plus this margin. */
  pollMarginSeconds: 15,
  /**
   * An upload (a video delivery: up to 50 MB, 2000 MB to a local Bot API server) is given up
   * when Telegram stays silent this long: accepts no bytes, or sends no answer once it has them.
   */
  uploadSilenceSeconds: 120,
  /** ...and after this long in all, however slowly it moves. */
  uploadSeconds: 3600,
  /** Downloading a file a user sent (20 MB at most). */
  downloadSeconds: 120,
} as const;

export type TelegramTimeouts = { [K in keyof typeof TELEGRAM_TIMEOUTS]: number };

/**
 * Methods whose parameters cannot hold an InputFile (Bot API 9): a handler's calls, the poll and
 * the admins' command lists. Their payloads are not scanned for files on every call; any other
 * method is (a method missing here only costs the scan).
 */
const FILELESS_METHODS: ReadonlySet<string> = new Set([
  "getUpdates",
  "getMe",
  "sendMessage",
  "editMessageText",
  "editMessageReplyMarkup",
  "editMessageCaption",
  "answerCallbackQuery",
  "answerPreCheckoutQuery",
  "deleteMessage",
  "copyMessage",
  "forwardMessage",
  "sendInvoice",
  "sendChatAction",
  "setMyCommands",
  "getFile",
  "getStarTransactions",
  "refundStarPayment",
]);

/** grammY sends a payload holding an InputFile as a multipart upload (its own check is not exported). */
function carriesFile(value: unknown): boolean {
  if (value instanceof InputFile) return true;
  if (typeof value !== "object" || value === null) return false;
  return Object.values(value).some(carriesFile);
}

/** Seconds a call may wait for its answer; undefined for uploads (bounded by silence instead). */
export function callLimitSeconds(
  method: string,
  payload: unknown,
  limits: TelegramTimeouts = TELEGRAM_TIMEOUTS,
): number | undefined {
  if (method === "getUpdates") {
    const poll = Number((payload as { timeout?: unknown } | undefined)?.timeout ?? 0);
    return (Number.isFinite(poll) ? poll : 0) + limits.pollMarginSeconds;
  }
  return FILELESS_METHODS.has(method) || !carriesFile(payload) ? limits.callSeconds : undefined;
}

/**
 * One limited call: its AbortController, its timer, and (only when the caller passed a signal)
 * the listener that follows the caller's abort. A class rather than closures: a call makes no
 * function objects (the bundle's keepNames would also name each closure, an Object.defineProperty
 * per call), the timer gets a module-level function and the listener is the object itself.
 */
class LimitedCall {
  readonly controller = new AbortController();
  timedOut = false;
  readonly timer: NodeJS.Timeout;

  constructor(
    readonly signal: AbortSignal | undefined,
    seconds: number,
  ) {
    this.timer = setTimeout(expire, seconds * 1000, this);
    if (signal === undefined) return;
    if (signal.aborted) this.controller.abort();
    signal.addEventListener("abort", this);
  }

  /** The caller's signal aborted (EventTarget calls `handleEvent` on a listener object). */
  handleEvent(): void {
    this.controller.abort();
  }

  done(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this);
  }
}

function expire(call: LimitedCall): void {
  call.timedOut = true;
  call.controller.abort();
}

/**
 * Aborts a call that outlives its limit and fails it as grammY fails a network error (HttpError),
 * so the bounded network retries and the poller's backoff treat a silent Telegram as an
 * unreachable one. Installed innermost: each attempt gets the whole limit.
 */
export function timeLimit(limits: TelegramTimeouts = TELEGRAM_TIMEOUTS): Transformer {
  return async (prev, method, payload, signal) => {
    const seconds = callLimitSeconds(method, payload, limits);
    if (seconds === undefined) return prev(method, payload, signal);
    // The caller's signal may be the abort-controller polyfill (the runner's), which
    // AbortSignal.any does not accept: it is followed by hand.
    const call = new LimitedCall(signal as AbortSignal | undefined, seconds);
    try {
      return await prev(method, payload, call.controller.signal as unknown as typeof signal);
    } catch (e) {
      if (!call.timedOut) throw e;
      throw new HttpError(
        `Network request for '${method}' failed!`,
        new Error(`Request to '${method}' timed out after ${seconds} seconds`),
      );
    } finally {
      call.done();
    }
  };
}
