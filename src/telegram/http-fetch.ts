// The polling bot's HTTP client under grammY: one request of Node's own http(s) module per call,
// on the keep-alive agent grammY configures (baseFetchConfig.agent), answered with the one thing
// grammY reads of a response, its JSON. Written by hand because neither library fits the polling
// process: grammY's default, node-fetch 2, builds a WHATWG URL, Headers objects and a body stream
// for every call, the bot's largest cost after Node's HTTP itself (bench:bot, BENCHMARKS.md);
// undici (./fetch.ts, the queue's client) is leaner but evaluating it loads node:http2, ~15 MB a
// process that only polls would carry for nothing (idle RSS, BENCHMARKS.md).
import { type Agent, type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import type { GrammyFetchInit, GrammyFetchResponse } from "./fetch.ts";
import { TELEGRAM_TIMEOUTS, type TelegramTimeouts } from "./timeouts.ts";

/** What grammY's Node build passes besides: its keep-alive agent (and node-fetch's `compress`, ignored). */
export interface NodeFetchInit extends GrammyFetchInit {
  agent?: Agent;
}

/**
 * One call in flight: a class rather than closures (a few objects per call, not a dozen
 * functions), listening to its request, its response and the caller's signal.
 */
class Exchange {
  private chunks: Buffer[] = [];
  private settled = false;
  private res: IncomingMessage | undefined;

  constructor(
    private readonly req: ClientRequest,
    private readonly body: GrammyFetchInit["body"],
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (r: GrammyFetchResponse) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    req.once("response", (res) => this.response(res));
    req.once("error", (e) => this.fail(e));
    signal?.addEventListener("abort", this);
  }

  /** The caller's signal aborted (EventTarget calls `handleEvent` on a listener object). */
  handleEvent(): void {
    this.req.destroy(abortError());
  }

  private response(res: IncomingMessage): void {
    this.res = res;
    res.on("data", (chunk: Buffer) => this.chunks.push(chunk));
    res.once("end", () => this.end());
    res.once("error", (e) => this.fail(e));
    // A connection closed mid-answer (a proxy restarting, a destroyed socket) ends nothing.
    res.once("close", () => {
      if (!res.complete) this.fail(new Error("the connection closed before Telegram's answer was complete"));
    });
  }

  private end(): void {
    if (this.settled) return;
    this.settled = true;
    this.signal?.removeEventListener("abort", this);
    const text =
      this.chunks.length === 1
        ? (this.chunks[0] as Buffer).toString()
        : Buffer.concat(this.chunks).toString();
    this.resolve(new JsonAnswer(text));
  }

  private fail(e: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.signal?.removeEventListener("abort", this);
    this.res?.destroy();
    // An upload's file stream stops being read with its request.
    if (this.body instanceof Readable) this.body.destroy();
    this.reject(e);
  }
}

/** An answer read in full; `json()` parses it (a proxy's HTML error page rejects here). */
class JsonAnswer implements GrammyFetchResponse {
  constructor(private readonly text: string) {}
  async json(): Promise<unknown> {
    return JSON.parse(this.text);
  }
}

function abortError(): Error {
  const e = new Error("the call was aborted");
  e.name = "AbortError";
  return e;
}

/**
 * A fetch for grammY over node:http(s). An upload (a stream body) is given up after
 * `uploadSilenceSeconds` without a byte moving either way; every other call is timed by
 * ./timeouts.ts and grammY's own timer.
 */
export function nodeHttpFetch(limits: TelegramTimeouts = TELEGRAM_TIMEOUTS) {
  const silenceMs = limits.uploadSilenceSeconds * 1000;
  return (url: string, init: NodeFetchInit = {}): Promise<GrammyFetchResponse> =>
    new Promise((resolve, reject) => {
      const { signal, body } = init;
      if (signal?.aborted) return reject(abortError());
      const send = url.startsWith("https:") ? httpsRequest : httpRequest;
      const req = send(url, { method: init.method ?? "GET", headers: init.headers, agent: init.agent });
      new Exchange(req, body, signal, resolve, reject);
      if (body instanceof Readable) {
        req.setTimeout(silenceMs, () =>
          req.destroy(new Error(`Telegram stayed silent for ${limits.uploadSilenceSeconds} seconds`)),
        );
        body.once("error", (e) => req.destroy(e));
        body.pipe(req);
      } else req.end(body);
    });
}

/** grammY client options for the polling bot: TELEGRAM_API_ROOT with this client. */
export function pollingClient(apiRoot: string, limits: TelegramTimeouts = TELEGRAM_TIMEOUTS) {
  return { apiRoot, fetch: nodeHttpFetch(limits) };
}
