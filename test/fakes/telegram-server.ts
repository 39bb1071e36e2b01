// A fake Telegram Bot API server for end-to-end tests and benchmarks. It speaks the real wire
// protocol (`/bot<token>/<method>` with JSON, urlencoded or multipart bodies, `/file/bot<token>/<path>`
// downloads) and enforces the documented limits (../../../shared/reference/telegram-limits.md), so
// the bot under test runs with grammY's real HTTP client. Point TELEGRAM_API_ROOT at `apiRoot`.
//
// The test side pushes updates as users would cause them (`tg.user(...)` helpers), reads what the
// bot sent per chat, waits for replies, injects errors (429/5xx/403/dropped connections) and reads
// every recorded call with its timestamp.
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { EntityParseError, type MessageEntity, parseHtml } from "./telegram-html.ts";

export const FAKE_BOT_TOKEN = "123456789:AAFakeTokenForTheFakeBotApiServer_0123";
const MB = 1024 * 1024;

export type Json = Record<string, unknown>;

export interface FakeTelegramOptions {
  token?: string;
  botId?: number;
  botUsername?: string;
  /** Multipart upload limit (Telegram's: 50 MB). */
  uploadLimitBytes?: number;
  /** Callback queries older than this fail to answer with "query is too old" (Telegram: ~15 min). */
  callbackQueryTtlMs?: number;
  /** Pre-checkout queries must be answered within this (Telegram: 10 s). */
  preCheckoutTtlMs?: number;
  /** Answer sends beyond these rates with 429 like Telegram does (off by default). */
  flood?: { perChatPerSecond: number; globalPerSecond: number; retryAfter?: number };
  /** Keep the full call log (default true; benches turn it off to save memory). */
  recordCalls?: boolean;
  /**
   * How long an idle keep-alive connection stays open (default: Node's 5 s). Telegram keeps them
   * far longer; a client reusing a socket the server is closing at that moment gets ECONNRESET, so
   * benches that leave a bot idle for seconds raise it.
   */
  keepAliveTimeoutMs?: number;
}

export interface CallRecord {
  method: string;
  params: Json;
  chatId: number | undefined;
  /** Date.now() when the request arrived. */
  at: number;
  /** performance.now() when the request arrived, for pacing measurements. */
  hr: number;
  status: number;
  /** The caller's address (which host made the call, when hosts have their own). */
  from: string | undefined;
}

export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
  pay?: boolean;
}

/** A message as the fake keeps it (the shape Telegram returns) plus a few test-only fields. */
export interface FakeMessage extends Json {
  message_id: number;
  date: number;
  chat: { id: number; type: string };
  text?: string;
  caption?: string;
  entities?: MessageEntity[];
  reply_markup?: { inline_keyboard?: InlineButton[][] } & Json;
}

export interface BotEvent {
  seq: number;
  type: "send" | "edit" | "delete";
  method: string;
  chatId: number;
  message: FakeMessage;
  at: number;
}

export interface StoredFile {
  fileId: string;
  uniqueId: string;
  size: number;
  bytes: Buffer | null;
  filePath: string;
  mimeType: string;
  fileName: string | undefined;
}

export interface CallbackAnswer {
  queryId: string;
  text?: string;
  show_alert?: boolean;
  url?: string;
  at: number;
}

export interface PreCheckoutAnswer {
  queryId: string;
  ok: boolean;
  error_message?: string;
  at: number;
}

export type Injection =
  | { status: 429; retryAfter: number }
  | { status: 500 | 502 | 503 | 504; description?: string }
  | { status: 400 | 403; description: string }
  | { status: "drop" }
  /** Answers normally, after a pause: a real Bot API round trip is tens to hundreds of ms. */
  | { status: "slow"; ms: number };

export interface InjectRule {
  /** Method name (e.g. "sendMessage") or a pattern; all methods when omitted. */
  method?: string | RegExp;
  chatId?: number;
  /** How many calls fail (default 1). */
  times?: number;
  error: Injection;
}

export interface UserProfile {
  id: number;
  first_name?: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number },
  ) {
    super(description);
  }
}

const bad = (d: string) => new ApiError(400, `Bad Request: ${d}`);
const QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid";
const BLOCKED = "Forbidden: bot was blocked by the user";
const SEND_METHODS = new Set([
  "sendMessage",
  "sendPhoto",
  "sendVideo",
  "sendDocument",
  "sendAnimation",
  "sendMediaGroup",
  "copyMessage",
  "forwardMessage",
  "sendInvoice",
]);
const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);
// Parameters that arrive as JSON strings in urlencoded/multipart bodies.
const JSON_FIELDS = new Set([
  "reply_markup",
  "media",
  "entities",
  "caption_entities",
  "prices",
  "allowed_updates",
  "commands",
  "scope",
  "link_preview_options",
  "reply_parameters",
]);

interface Uploaded {
  bytes: Buffer;
  name: string;
  type: string;
}

interface Poll {
  respond(updates: Json[] | ApiError): void;
  take(): Json[];
}

const u16 = (s: string) => s.length;
const unix = () => Math.floor(Date.now() / 1000);

interface FakeCharge {
  userId: number;
  user: Json;
  refunded: boolean;
  refundedAt: number;
  /** Unix seconds. */
  at: number;
  payload: string;
  currency: string;
  amount: number;
}

export class FakeTelegram extends EventEmitter {
  readonly token: string;
  readonly bot: { id: number; is_bot: true; first_name: string; username: string };
  apiRoot = "";
  readonly calls: CallRecord[] = [];
  readonly events: BotEvent[] = [];
  readonly callbackAnswers = new Map<string, CallbackAnswer>();
  readonly preCheckoutAnswers = new Map<string, PreCheckoutAnswer>();
  /** setMyCommands lists by scope and language; read them with `commandsFor`. */
  private readonly commandLists = new Map<string, Array<{ command: string; description: string }>>();
  readonly descriptions = new Map<string, string>();
  webhook: { url: string; secret?: string; allowedUpdates?: string[] } | null = null;
  /** Every webhook delivery attempt: the update and the HTTP status (0: no answer). */
  readonly webhookAttempts: Array<{ updateId: number; status: number }> = [];
  /** The allowed_updates of the latest getUpdates that specified them. */
  allowedUpdates: string[] | null = null;

  private server = createServer((req, res) => void this.route(req, res));
  private readonly opts: Required<Omit<FakeTelegramOptions, "flood">> & Pick<FakeTelegramOptions, "flood">;
  private updates: Json[] = [];
  private nextUpdateId = 1;
  private poll: Poll | null = null;
  private otherPoller = false;
  private readonly chats = new Map<
    number,
    { chat: Json; messages: Map<number, FakeMessage>; nextId: number }
  >();
  private readonly files = new Map<string, StoredFile>();
  private readonly filePaths = new Map<string, string>();
  private readonly blocked = new Set<number>();
  private readonly injections: Array<InjectRule & { times: number }> = [];
  private readonly queries = new Map<string, { at: number; answered: boolean }>();
  private readonly preCheckouts = new Map<string, { at: number; answered: boolean; userId: number }>();
  private readonly invoices = new Map<string, { payload: string; currency: string; total: number }>();
  /** Every charge in the order it was made: what getStarTransactions reports for Stars. */
  private readonly charges = new Map<string, FakeCharge>();
  private readonly sendTimes: { global: number[]; perChat: Map<number, number[]> } = {
    global: [],
    perChat: new Map(),
  };
  private seq = 0;
  private counter = 0;
  private webhookBusy = false;

  constructor(opts: FakeTelegramOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.opts = {
      token: opts.token ?? FAKE_BOT_TOKEN,
      botId: opts.botId ?? Number((opts.token ?? FAKE_BOT_TOKEN).split(":")[0]),
      botUsername: opts.botUsername ?? "neurocards_test_bot",
      uploadLimitBytes: opts.uploadLimitBytes ?? 50 * MB,
      callbackQueryTtlMs: opts.callbackQueryTtlMs ?? 15 * 60_000,
      preCheckoutTtlMs: opts.preCheckoutTtlMs ?? 10_000,
      recordCalls: opts.recordCalls ?? true,
      keepAliveTimeoutMs: opts.keepAliveTimeoutMs ?? 5_000,
      flood: opts.flood,
    };
    this.server.keepAliveTimeout = this.opts.keepAliveTimeoutMs;
    // Node counts a kept-alive connection's idle time towards the next request's headers timeout
    // (60 s) and answers 408 past it, possibly to a request just sent: both follow a longer keep-alive.
    if (this.opts.keepAliveTimeoutMs > this.server.headersTimeout) {
      this.server.headersTimeout = this.opts.keepAliveTimeoutMs + 1_000;
      this.server.requestTimeout = 0;
    }
    this.token = this.opts.token;
    this.bot = {
      id: this.opts.botId,
      is_bot: true,
      first_name: "Neurocards",
      username: this.opts.botUsername,
    };
  }

  /** `host`: another address than loopback, for programs in other network namespaces. */
  async listen(host = "127.0.0.1"): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    this.apiRoot = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.poll?.respond([]);
    this.poll = null;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- test API: users and updates

  /** A private-chat user; registers the chat so the bot may write to it. */
  user(profile: UserProfile): FakeUser {
    this.ensureChat(profile);
    return new FakeUser(this, { first_name: `User${profile.id}`, language_code: "en", ...profile });
  }

  /** A channel or group the bot may post to (e.g. SERVICE_CHANNEL_ID). */
  addChat(id: number, type: "channel" | "group" | "supergroup" = "channel", title = "Service"): void {
    if (!this.chats.has(id))
      this.chats.set(id, { chat: { id, type, title }, messages: new Map(), nextId: 1 });
  }

  /** Appends an update (update_id assigned here) and wakes the poller or the webhook. */
  pushUpdate(update: Json): Json {
    const full = { ...update, update_id: this.nextUpdateId++ };
    this.updates.push(full);
    this.emit("update", full);
    this.flushPoll();
    void this.deliverWebhook();
    return full;
  }

  /** Pushes the same update content again (a replay), under a new update_id. */
  replay(update: Json): Json {
    const { update_id: _id, ...rest } = update;
    return this.pushUpdate(rest);
  }

  /** Updates not yet confirmed by an offset. */
  pendingUpdates(): number {
    return this.updates.length;
  }

  /** Stores a user-side message in the chat and returns it (does not push an update). */
  userMessage(from: UserProfile, content: Json): FakeMessage {
    const c = this.ensureChat(from);
    const msg: FakeMessage = {
      message_id: c.nextId++,
      from: { is_bot: false, ...from },
      chat: c.chat as FakeMessage["chat"],
      date: unix(),
      ...content,
    };
    c.messages.set(msg.message_id, msg);
    return msg;
  }

  callbackQuery(
    from: UserProfile,
    message: FakeMessage | Json,
    data: string,
  ): { queryId: string; update: Json } {
    const queryId = String(++this.counter * 7919 + 100000);
    this.queries.set(queryId, { at: Date.now(), answered: false });
    const update = this.pushUpdate({
      callback_query: {
        id: queryId,
        from: { is_bot: false, ...from },
        chat_instance: String(from.id * 31),
        message,
        data,
      },
    });
    return { queryId, update };
  }

  preCheckoutQuery(
    from: UserProfile,
    q: { currency: string; total_amount: number; invoice_payload: string },
  ): { queryId: string; update: Json } {
    const queryId = `pcq${++this.counter}`;
    this.preCheckouts.set(queryId, { at: Date.now(), answered: false, userId: from.id });
    const update = this.pushUpdate({
      pre_checkout_query: { id: queryId, from: { is_bot: false, ...from }, ...q },
    });
    return { queryId, update };
  }

  /**
   * Makes a Stars/fiat charge known to refundStarPayment (and, for Stars, to getStarTransactions)
   * and returns its id. Without `invoice` the charge is of 1 ⭐ with an empty payload.
   */
  newCharge(userId: number, invoice?: { payload: string; currency: string; total: number }): string {
    const id = `stxFAKE${Date.now().toString(36)}${++this.counter}`;
    const c = this.chats.get(userId)?.chat as { first_name?: string; username?: string } | undefined;
    this.charges.set(id, {
      userId,
      user: {
        id: userId,
        is_bot: false,
        first_name: c?.first_name ?? `User${userId}`,
        username: c?.username,
      },
      refunded: false,
      refundedAt: 0,
      at: unix(),
      payload: invoice?.payload ?? "",
      currency: invoice?.currency ?? "XTR",
      amount: invoice?.total ?? 1,
    });
    return id;
  }

  /**
   * Telegram takes the money but the successful_payment update never reaches the bot (lost with a
   * crashed process): the charge exists only in Telegram's records.
   */
  chargeWithoutUpdate(
    user: UserProfile,
    invoice: { payload: string; currency: string; total: number },
  ): string {
    this.ensureChat(user);
    return this.newCharge(user.id, invoice);
  }

  /**
   * Telegram takes the money for an invoice and reports it: a charge (or `chargeId`, an existing
   * one, for a replay) and its successful_payment update, in the user's private chat or `groupId`.
   */
  reportPayment(
    user: UserProfile,
    inv: { payload: string; currency: string; total: number },
    o: { chargeId?: string; groupId?: number } = {},
  ): { chargeId: string; update: Json } {
    this.ensureChat(user);
    const chargeId = o.chargeId ?? this.newCharge(user.id, inv);
    const content = {
      successful_payment: {
        currency: inv.currency,
        total_amount: inv.total,
        invoice_payload: inv.payload,
        telegram_payment_charge_id: chargeId,
        provider_payment_charge_id: inv.currency === "XTR" ? "" : `prov_${chargeId}`,
      },
    };
    const update =
      o.groupId === undefined
        ? this.pushUpdate({ message: this.userMessage(user, content) })
        : this.groupMessage(o.groupId, user, content);
    return { chargeId, update };
  }

  /** A message from a user in a group or supergroup the bot is in (created on first use). */
  groupMessage(
    groupId: number,
    from: UserProfile,
    content: Json,
    type: "group" | "supergroup" = "supergroup",
  ): Json {
    this.addChat(groupId, type, `Group ${groupId}`);
    const c = this.chats.get(groupId)!;
    const msg: FakeMessage = {
      message_id: c.nextId++,
      from: { is_bot: false, ...from },
      chat: c.chat as FakeMessage["chat"],
      date: unix(),
      ...content,
    };
    c.messages.set(msg.message_id, msg);
    return this.pushUpdate({ message: msg });
  }

  // ---------------------------------------------------------------- test API: files

  /**
   * Registers a file the bot can receive by file_id, getFile and download. Without `bytes`, a file
   * of `size` zero bytes is served (its content is not needed, only its size).
   */
  registerFile(
    opts: {
      fileId?: string;
      bytes?: Buffer;
      size?: number;
      mimeType?: string;
      fileName?: string;
      dir?: string;
    } = {},
  ): StoredFile {
    const n = ++this.counter;
    const fileId =
      opts.fileId ?? `FILE${n}_${createHash("sha1").update(String(n)).digest("hex").slice(0, 16)}`;
    const ext = (opts.fileName?.split(".").pop() ?? opts.mimeType?.split("/")[1] ?? "dat").slice(0, 5);
    const file: StoredFile = {
      fileId,
      uniqueId: `U${n}`,
      size: opts.bytes?.length ?? opts.size ?? TINY_PNG.length,
      bytes: opts.bytes ?? (opts.size === undefined ? TINY_PNG : null),
      filePath: `${opts.dir ?? "documents"}/file_${n}.${ext}`,
      mimeType: opts.mimeType ?? "image/png",
      fileName: opts.fileName,
    };
    this.files.set(fileId, file);
    this.filePaths.set(file.filePath, fileId);
    return file;
  }

  file(fileId: string): StoredFile | undefined {
    return this.files.get(fileId);
  }

  // ---------------------------------------------------------------- test API: reading what the bot did

  /** The bot's messages in a chat as they look now (edits applied, deleted ones gone). */
  messages(chatId: number): FakeMessage[] {
    const c = this.chats.get(chatId);
    if (!c) return [];
    return [...c.messages.values()].filter((m) => (m.from as Json | undefined)?.id === this.bot.id);
  }

  message(chatId: number, messageId: number): FakeMessage | undefined {
    return this.chats.get(chatId)?.messages.get(messageId);
  }

  callsTo(method: string, chatId?: number): CallRecord[] {
    return this.calls.filter((c) => c.method === method && (chatId === undefined || c.chatId === chatId));
  }

  /** The next bot event (send or edit) in `chatId` after `afterSeq` that matches, waiting up to `timeoutMs`. */
  waitForEvent(
    chatId: number,
    afterSeq: number,
    match: (e: BotEvent) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<BotEvent> {
    const found = this.events.find(
      (e) => e.seq > afterSeq && e.chatId === chatId && e.type !== "delete" && match(e),
    );
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onEvent = (e: BotEvent) => {
        if (e.seq > afterSeq && e.chatId === chatId && e.type !== "delete" && match(e)) {
          clearTimeout(timer);
          this.off("event", onEvent);
          resolve(e);
        }
      };
      const timer = setTimeout(() => {
        this.off("event", onEvent);
        const seen = this.events
          .filter((e) => e.seq > afterSeq && e.chatId === chatId)
          .map((e) => `${e.type}: ${String(e.message.text ?? e.message.caption ?? e.method)}`);
        reject(
          new Error(
            `no matching bot message in chat ${chatId} within ${timeoutMs} ms; seen: ${JSON.stringify(seen)}`,
          ),
        );
      }, timeoutMs);
      this.on("event", onEvent);
    });
  }

  /** Resolves with a call to `method` (optionally matching) made after `sinceHr`. */
  waitForCall(
    method: string,
    match: (c: CallRecord) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<CallRecord> {
    const found = this.calls.find((c) => c.method === method && match(c));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onCall = (c: CallRecord) => {
        if (c.method === method && match(c)) {
          clearTimeout(timer);
          this.off("call", onCall);
          resolve(c);
        }
      };
      const timer = setTimeout(() => {
        this.off("call", onCall);
        reject(new Error(`no ${method} call within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on("call", onCall);
    });
  }

  callbackAnswer(queryId: string, timeoutMs = 5000): Promise<CallbackAnswer> {
    return this.waitKeyed(this.callbackAnswers, "callbackAnswer", queryId, timeoutMs);
  }

  preCheckoutAnswer(queryId: string, timeoutMs = 5000): Promise<PreCheckoutAnswer> {
    return this.waitKeyed(this.preCheckoutAnswers, "preCheckoutAnswer", queryId, timeoutMs);
  }

  lastSeq(): number {
    return this.seq;
  }

  /** The command list set for exactly this scope and language ("" = no language), as getMyCommands answers. */
  commandsFor(
    scope: Json = { type: "default" },
    languageCode = "",
  ): Array<{ command: string; description: string }> | undefined {
    return this.commandLists.get(this.commandsKey({ scope, language_code: languageCode }));
  }

  // ---------------------------------------------------------------- test API: failures

  /** The next matching calls fail with the given error. */
  inject(rule: InjectRule): void {
    this.injections.push({ ...rule, times: rule.times ?? 1 });
  }

  clearInjections(): void {
    this.injections.length = 0;
  }

  /** Every call to this chat answers 403 "bot was blocked by the user" (no update is pushed). */
  blockChat(chatId: number, blocked = true): void {
    if (blocked) this.blocked.add(chatId);
    else this.blocked.delete(chatId);
  }

  /** Simulates another program polling with the same token: every getUpdates answers 409. */
  setOtherPoller(on: boolean): void {
    this.otherPoller = on;
    if (on) this.poll?.respond(conflictOther());
  }

  /** Makes every unanswered callback query stale, as if 15 minutes passed. */
  expireCallbackQueries(): void {
    for (const q of this.queries.values()) q.at = 0;
  }

  // ---------------------------------------------------------------- HTTP

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) return this.download(fileMatch[1] ?? "", decodeURIComponent(fileMatch[2] ?? ""), res);
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const hr = performance.now();
    const at = Date.now();
    const from = req.socket.remoteAddress;
    let method = m?.[2] ?? "";
    let params: Json = {};
    let chatId: number | undefined;
    try {
      if (!m) throw new ApiError(404, "Not Found");
      if (m[1] !== this.token) throw new ApiError(401, "Unauthorized");
      const length = Number(req.headers["content-length"] ?? 0);
      if (length > this.opts.uploadLimitBytes + MB) throw new ApiError(413, "Request Entity Too Large");
      const parsed = await readParams(req, url);
      params = parsed.params;
      method = m[2] ?? "";
      chatId = params.chat_id === undefined ? undefined : Number(params.chat_id);
      const injected = this.takeInjection(method, chatId);
      if (typeof injected === "number") await new Promise((r) => setTimeout(r, injected));
      else if (injected === "drop") {
        this.record(method, params, chatId, at, hr, 0, from);
        req.socket.destroy();
        return;
      } else if (injected) throw injected;
      if (chatId !== undefined && this.blocked.has(chatId) && method !== "getChat")
        throw new ApiError(403, BLOCKED);
      if (SEND_METHODS.has(method) && chatId !== undefined) this.checkFlood(chatId);
      const handlerResult = this.handle(method, params, parsed.files, req);
      // getUpdates is recorded when it arrives; others after they are validated.
      if (method === "getUpdates") this.record(method, params, chatId, at, hr, 200, from);
      const result = await handlerResult;
      if (method !== "getUpdates") this.record(method, params, chatId, at, hr, 200, from);
      send(res, 200, { ok: true, result });
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, `Internal Server Error: ${String(e)}`);
      this.record(method, params, chatId, at, hr, err.code, from);
      const body: Json = { ok: false, error_code: err.code, description: err.description };
      if (err.parameters) body.parameters = err.parameters;
      send(res, err.code, body);
    }
  }

  private record(
    method: string,
    params: Json,
    chatId: number | undefined,
    at: number,
    hr: number,
    status: number,
    from: string | undefined,
  ) {
    const rec: CallRecord = { method, params, chatId, at, hr, status, from };
    if (this.opts.recordCalls) this.calls.push(rec);
    this.emit("call", rec);
  }

  /** The error to answer with, "drop", the pause in ms before a normal answer, or null. */
  private takeInjection(method: string, chatId: number | undefined): ApiError | "drop" | number | null {
    const rule = this.injections.find(
      (r) =>
        r.times > 0 &&
        (r.method === undefined ||
          (typeof r.method === "string" ? r.method === method : r.method.test(method))) &&
        (r.chatId === undefined || r.chatId === chatId),
    );
    if (!rule) return null;
    rule.times--;
    const e = rule.error;
    if (e.status === "drop") return "drop";
    if (e.status === "slow") return e.ms;
    if (e.status === 429)
      return new ApiError(429, `Too Many Requests: retry after ${e.retryAfter}`, {
        retry_after: e.retryAfter,
      });
    if (e.status === 400 || e.status === 403) return new ApiError(e.status, e.description);
    return new ApiError(
      e.status,
      e.description ?? (e.status === 502 ? "Bad Gateway" : "Internal Server Error"),
    );
  }

  private checkFlood(chatId: number): void {
    const f = this.opts.flood;
    if (!f) return;
    const now = performance.now();
    const recent = (xs: number[]) => {
      while (xs.length && (xs[0] ?? 0) <= now - 1000) xs.shift();
      return xs;
    };
    const g = recent(this.sendTimes.global);
    const c = recent(this.sendTimes.perChat.get(chatId) ?? []);
    this.sendTimes.perChat.set(chatId, c);
    if (g.length >= f.globalPerSecond || c.length >= f.perChatPerSecond) {
      const retry = f.retryAfter ?? 1;
      throw new ApiError(429, `Too Many Requests: retry after ${retry}`, { retry_after: retry });
    }
    g.push(now);
    c.push(now);
  }

  private download(token: string, path: string, res: ServerResponse): void {
    const fileId = this.filePaths.get(path);
    const file = fileId ? this.files.get(fileId) : undefined;
    if (token !== this.token || !file || file.size > 20 * MB) {
      send(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    const bytes = file.bytes ?? Buffer.alloc(file.size);
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(bytes.length),
    });
    res.end(bytes);
  }

  // ---------------------------------------------------------------- methods

  private async handle(
    method: string,
    p: Json,
    files: Map<string, Uploaded>,
    req: IncomingMessage,
  ): Promise<unknown> {
    switch (method) {
      case "getMe":
        return {
          ...this.bot,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        };
      case "getUpdates":
        return this.getUpdates(p, req);
      case "setWebhook": {
        const url = str(p, "url");
        if (url && !/^https?:\/\//.test(url))
          throw bad("bad webhook: An HTTPS URL must be provided for webhook");
        this.webhook = url
          ? {
              url,
              secret: optStr(p, "secret_token"),
              allowedUpdates: arr(p, "allowed_updates") as string[] | undefined,
            }
          : null;
        if (this.webhook) this.poll?.respond(conflictWebhook());
        void this.deliverWebhook();
        return true;
      }
      case "deleteWebhook":
        this.webhook = null;
        if (p.drop_pending_updates === true || p.drop_pending_updates === "true") this.updates = [];
        return true;
      case "getWebhookInfo":
        return {
          url: this.webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: this.updates.length,
        };
      case "setMyCommands": {
        const commands = arr(p, "commands") as Array<{ command: string; description: string }>;
        if (commands.length > 100) throw bad("too many commands");
        for (const c of commands) {
          if (!/^[a-z0-9_]{1,32}$/.test(c.command)) throw bad("BOT_COMMAND_INVALID");
          if (!c.description || c.description.length > 256) throw bad("BOT_COMMAND_DESCRIPTION_INVALID");
        }
        this.commandLists.set(this.commandsKey(p), commands);
        return true;
      }
      case "getMyCommands":
        return this.commandLists.get(this.commandsKey(p)) ?? [];
      case "deleteMyCommands":
        this.commandLists.delete(this.commandsKey(p));
        return true;
      case "setMyDescription":
      case "setMyShortDescription": {
        const d = optStr(p, method === "setMyDescription" ? "description" : "short_description") ?? "";
        if (d.length > (method === "setMyDescription" ? 512 : 120)) throw bad("description is too long");
        this.descriptions.set(`${method}:${optStr(p, "language_code") ?? ""}`, d);
        return true;
      }
      case "sendMessage": {
        const { text, entities } = this.formatted(p, "text", 4096);
        return this.store(method, this.chatOf(p), { text, ...(entities.length ? { entities } : {}) }, p);
      }
      case "sendPhoto":
      case "sendVideo":
      case "sendDocument":
      case "sendAnimation": {
        const kind = method.slice(4).toLowerCase();
        const c = this.chatOf(p);
        const caption = this.caption(p);
        const file = await this.inputFile(p[kind], files, kind);
        return this.store(method, c, { ...mediaOf(kind, file, this), ...caption }, p);
      }
      case "sendMediaGroup":
        return this.sendMediaGroup(p, files);
      case "copyMessage": {
        const target = this.chatOf(p);
        const from = this.chats.get(int(p, "from_chat_id"));
        const src = from?.messages.get(int(p, "message_id"));
        if (!src) throw bad("message to copy not found");
        const { message_id: _i, date: _d, chat: _c, from: _f, reply_markup: _r, ...content } = src;
        const caption = p.caption === undefined ? {} : this.caption(p);
        const sent = this.store(method, target, { ...content, ...caption }, p);
        return { message_id: sent.message_id };
      }
      case "sendChatAction": {
        this.chatOf(p);
        if (!CHAT_ACTIONS.has(str(p, "action"))) throw bad("wrong parameter action in request");
        return true;
      }
      case "editMessageText":
        return this.edit(p, (m) => {
          if (m.text === undefined) throw bad("there is no text in the message to edit");
          const { text, entities } = this.formatted(p, "text", 4096);
          return { text, entities: entities.length ? entities : undefined };
        });
      case "editMessageCaption":
        return this.edit(p, (m) => {
          if (m.text !== undefined) throw bad("there is no caption in the message to edit");
          return { caption: undefined, caption_entities: undefined, ...this.caption(p) };
        });
      case "editMessageReplyMarkup":
        return this.edit(p, () => ({}));
      case "deleteMessage": {
        const c = this.chatOf(p);
        const id = int(p, "message_id");
        const msg = c.messages.get(id);
        if (!msg) throw bad("message to delete not found");
        c.messages.delete(id);
        this.event("delete", method, msg);
        return true;
      }
      case "answerCallbackQuery": {
        const id = str(p, "callback_query_id");
        const q = this.queries.get(id);
        if (!q || q.answered || Date.now() - q.at > this.opts.callbackQueryTtlMs) throw bad(QUERY_TOO_OLD);
        const text = optStr(p, "text");
        if (text && text.length > 200) throw bad("MESSAGE_TOO_LONG");
        q.answered = true;
        const answer: CallbackAnswer = { queryId: id, at: Date.now() };
        if (text !== undefined) answer.text = text;
        if (p.show_alert !== undefined) answer.show_alert = p.show_alert === true || p.show_alert === "true";
        const url = optStr(p, "url");
        if (url !== undefined) answer.url = url;
        this.callbackAnswers.set(id, answer);
        this.emit("callbackAnswer", answer);
        return true;
      }
      case "getFile": {
        const file = this.files.get(str(p, "file_id"));
        if (!file) throw bad("invalid file_id");
        const out: Json = { file_id: file.fileId, file_unique_id: file.uniqueId, file_size: file.size };
        // Telegram gives no path to files over 20 MB: they cannot be downloaded through the Bot API.
        if (file.size <= 20 * MB) out.file_path = file.filePath;
        else throw bad("file is too big");
        return out;
      }
      case "sendInvoice":
        return this.sendInvoice(p);
      case "answerPreCheckoutQuery": {
        const id = str(p, "pre_checkout_query_id");
        const q = this.preCheckouts.get(id);
        if (!q || q.answered || Date.now() - q.at > this.opts.preCheckoutTtlMs) throw bad(QUERY_TOO_OLD);
        const ok = p.ok === true || p.ok === "true";
        const errorMessage = optStr(p, "error_message");
        if (!ok && !errorMessage) throw bad("error_message is required when ok is false");
        q.answered = true;
        const answer: PreCheckoutAnswer = { queryId: id, ok, at: Date.now() };
        if (errorMessage) answer.error_message = errorMessage;
        this.preCheckoutAnswers.set(id, answer);
        this.emit("preCheckoutAnswer", answer);
        return true;
      }
      case "refundStarPayment": {
        const charge = this.charges.get(str(p, "telegram_payment_charge_id"));
        if (!charge || charge.userId !== int(p, "user_id")) throw bad("CHARGE_NOT_FOUND");
        if (charge.refunded) throw bad("CHARGE_ALREADY_REFUNDED");
        charge.refunded = true;
        charge.refundedAt = unix();
        return true;
      }
      case "getStarTransactions":
        return this.starTransactions(p);
      case "getChat": {
        const c = this.chats.get(int(p, "chat_id"));
        if (!c) throw bad("chat not found");
        return c.chat;
      }
      case "close":
      case "logOut":
        return true;
      default:
        throw new ApiError(404, "Not Found");
    }
  }

  private getUpdates(p: Json, req: IncomingMessage): Promise<Json[]> {
    if (this.webhook) return Promise.reject(conflictWebhook());
    if (this.otherPoller) return Promise.reject(conflictOther());
    // Like Telegram: a new getUpdates terminates the one in flight with 409.
    this.poll?.respond(conflictOther());
    this.poll = null;
    const allowed = arr(p, "allowed_updates") as string[] | undefined;
    if (allowed) this.allowedUpdates = allowed;
    const allowedSet = this.allowedUpdates?.length ? new Set(this.allowedUpdates) : null;
    const offset = p.offset === undefined ? 0 : int(p, "offset");
    if (offset > 0) this.updates = this.updates.filter((u) => Number(u.update_id) >= offset);
    else if (offset < 0) this.updates = this.updates.slice(offset);
    const limit = Math.min(100, Math.max(1, p.limit === undefined ? 100 : int(p, "limit")));
    const timeout = Math.min(50, Math.max(0, p.timeout === undefined ? 0 : int(p, "timeout")));
    const take = () => {
      // Updates of types the bot did not ask for are dropped, as Telegram does.
      if (allowedSet)
        this.updates = this.updates.filter((u) => Object.keys(u).some((k) => allowedSet.has(k)));
      return this.updates.slice(0, limit);
    };
    const now = take();
    if (now.length || timeout === 0) return Promise.resolve(now);
    return new Promise<Json[]>((resolve, reject) => {
      const poll: Poll = {
        take,
        respond: (r) => {
          clearTimeout(timer);
          req.socket.off("close", onClose);
          if (this.poll === poll) this.poll = null;
          if (r instanceof ApiError) reject(r);
          else resolve(r);
        },
      };
      const timer = setTimeout(() => poll.respond(take()), timeout * 1000);
      // The client gave up (runner.stop() aborts its fetch): forget this poll.
      const onClose = () => poll.respond([]);
      req.socket.once("close", onClose);
      this.poll = poll;
    });
  }

  private flushPoll(): void {
    const poll = this.poll;
    if (!poll) return;
    const ready = poll.take();
    if (ready.length) poll.respond(ready);
  }

  private async deliverWebhook(): Promise<void> {
    if (!this.webhook || this.webhookBusy) return;
    this.webhookBusy = true;
    try {
      while (this.webhook && this.updates.length) {
        const hook = this.webhook;
        const update = this.updates[0] as Json;
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (hook.secret) headers["x-telegram-bot-api-secret-token"] = hook.secret;
        const status = await fetch(hook.url, { method: "POST", headers, body: JSON.stringify(update) })
          .then(async (r) => {
            await r.arrayBuffer().catch(() => undefined);
            return r.status;
          })
          .catch(() => 0);
        this.webhookAttempts.push({ updateId: Number(update.update_id), status });
        const ok = status >= 200 && status < 300;
        if (ok) this.updates.shift();
        else await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      this.webhookBusy = false;
    }
  }

  private async sendMediaGroup(p: Json, files: Map<string, Uploaded>): Promise<FakeMessage[]> {
    const c = this.chatOf(p);
    const media = arr(p, "media") as Json[] | undefined;
    if (!media || media.length < 2 || media.length > 10)
      throw bad("wrong number of media specified; 2-10 expected");
    const group = String(++this.counter * 1000003);
    const contents: Json[] = [];
    for (const item of media) {
      const kind = String(item.type);
      if (!["photo", "video", "document", "audio"].includes(kind)) throw bad("wrong media type");
      const file = await this.inputFile(item.media, files, kind);
      const caption = this.caption(item);
      contents.push({ ...mediaOf(kind, file, this), ...caption, media_group_id: group });
    }
    return contents.map((content) => this.store("sendMediaGroup", c, content, {}));
  }

  /**
   * The bot's Star transactions in chronological order (Bot API getStarTransactions): each Stars
   * charge as an incoming invoice_payment from its user, each refund as an outgoing one to the same
   * user with the original id. `offset` skips that many, `limit` is 1–100 (default 100).
   */
  private starTransactions(p: Json): Json {
    const offset = p.offset === undefined ? 0 : int(p, "offset");
    const limit = p.limit === undefined ? 100 : int(p, "limit");
    if (offset < 0) throw bad("offset must be non-negative");
    if (limit < 1 || limit > 100) throw bad("limit must be between 1 and 100");
    const all: Array<Json & { date: number }> = [];
    for (const [id, c] of this.charges) {
      if (c.currency !== "XTR") continue;
      all.push({
        id,
        amount: c.amount,
        date: c.at,
        source: {
          type: "user",
          transaction_type: "invoice_payment",
          user: c.user,
          invoice_payload: c.payload,
        },
      });
      if (c.refunded)
        all.push({
          id,
          amount: c.amount,
          date: c.refundedAt,
          receiver: {
            type: "user",
            transaction_type: "invoice_payment",
            user: c.user,
            invoice_payload: c.payload,
          },
        });
    }
    // Stable: a charge and its refund within one second keep their order.
    all.sort((a, b) => a.date - b.date);
    return { transactions: all.slice(offset, offset + limit) };
  }

  private sendInvoice(p: Json): FakeMessage {
    const c = this.chatOf(p);
    const title = str(p, "title");
    const description = str(p, "description");
    const payload = str(p, "payload");
    const currency = str(p, "currency");
    const prices = (arr(p, "prices") ?? []) as Array<{ label: string; amount: number }>;
    if (title.length < 1 || title.length > 32) throw bad("TITLE_INVALID");
    if (description.length < 1 || description.length > 255) throw bad("DESCRIPTION_INVALID");
    if (Buffer.byteLength(payload) < 1 || Buffer.byteLength(payload) > 128) throw bad("PAYLOAD_INVALID");
    if (!/^[A-Z]{3}$/.test(currency)) throw bad("CURRENCY_INVALID");
    if (prices.length < 1 || prices.some((x) => !Number.isInteger(Number(x.amount)) || !x.label))
      throw bad("PRICE_INVALID");
    if (currency === "XTR") {
      if (optStr(p, "provider_token"))
        throw bad("PROVIDER_TOKEN_INVALID: must be empty for payments in Telegram Stars");
      if (prices.length !== 1) throw bad("STARS_INVOICE_INVALID: exactly one price is required");
    } else if (!optStr(p, "provider_token")) throw bad("PAYMENT_PROVIDER_INVALID");
    const total = prices.reduce((s, x) => s + Number(x.amount), 0);
    if (total <= 0) throw bad("PRICE_INVALID");
    // provider_data is handed to the provider as it is, but it must be JSON (a YooKassa receipt).
    const providerData = optStr(p, "provider_data");
    if (providerData !== undefined) {
      try {
        JSON.parse(providerData);
      } catch {
        throw bad("DATA_JSON_INVALID");
      }
    }
    const msg = this.store(
      "sendInvoice",
      c,
      {
        invoice: {
          title,
          description,
          start_parameter: optStr(p, "start_parameter") ?? "",
          currency,
          total_amount: total,
        },
      },
      p,
    );
    this.invoices.set(`${c.chat.id}:${msg.message_id}`, { payload, currency, total });
    return msg;
  }

  /** The private payload of an invoice the bot sent (Telegram hides it in the message). */
  invoiceOf(msg: FakeMessage): { payload: string; currency: string; total: number } {
    const inv = this.invoices.get(`${msg.chat.id}:${msg.message_id}`);
    if (!inv) throw new Error(`message ${msg.message_id} is not an invoice`);
    return inv;
  }

  private edit(p: Json, change: (m: FakeMessage) => Json): FakeMessage | true {
    if (p.inline_message_id !== undefined) return true;
    const c = this.chatOf(p);
    const msg = c.messages.get(int(p, "message_id"));
    if (!msg || (msg.from as Json | undefined)?.id !== this.bot.id) throw bad("message to edit not found");
    const patch = change(msg);
    const markup = this.markup(p);
    const next: FakeMessage = { ...msg, ...patch, edit_date: unix() };
    if (markup) next.reply_markup = markup;
    else delete next.reply_markup;
    for (const [k, v] of Object.entries(next)) if (v === undefined) delete next[k];
    const same = (k: string) => JSON.stringify(msg[k]) === JSON.stringify(next[k]);
    if (
      same("text") &&
      same("caption") &&
      same("reply_markup") &&
      same("entities") &&
      same("caption_entities")
    ) {
      throw bad(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    c.messages.set(msg.message_id, next);
    this.event("edit", "edit", next);
    return next;
  }

  private store(method: string, c: ChatState, content: Json, p: Json): FakeMessage {
    const markup = this.markup(p);
    const msg: FakeMessage = {
      message_id: c.nextId++,
      from: { ...this.bot },
      chat: c.chat as FakeMessage["chat"],
      date: unix(),
      ...content,
    };
    if (markup) msg.reply_markup = markup;
    c.messages.set(msg.message_id, msg);
    this.event("send", method, msg);
    return msg;
  }

  private event(type: BotEvent["type"], method: string, message: FakeMessage): void {
    const e: BotEvent = { seq: ++this.seq, type, method, chatId: message.chat.id, message, at: Date.now() };
    this.events.push(e);
    this.emit("event", e);
  }

  /**
   * Command lists are kept per (scope, language_code), as Telegram does. A chat scope needs a chat
   * the bot knows: a user who never opened the bot answers 400 "chat not found".
   */
  private commandsKey(p: Json): string {
    const scope = obj(p, "scope") ?? { type: "default" };
    const lang = optStr(p, "language_code") ?? "";
    if (lang && !/^[a-z]{2}$/.test(lang)) throw bad("invalid language code specified");
    const type = String(scope.type ?? "");
    switch (type) {
      case "default":
      case "all_private_chats":
      case "all_group_chats":
      case "all_chat_administrators":
        return `${type}|${lang}`;
      case "chat":
      case "chat_administrators":
      case "chat_member": {
        const chatId = Number(scope.chat_id);
        if (!this.chats.has(chatId)) throw bad("chat not found");
        const member = type === "chat_member" ? `:${int(scope, "user_id")}` : "";
        return `${type}:${chatId}${member}|${lang}`;
      }
      default:
        throw bad("BOT_COMMAND_SCOPE_INVALID");
    }
  }

  private chatOf(p: Json): ChatState {
    if (p.chat_id === undefined) throw bad("chat_id is empty");
    const c = this.chats.get(Number(p.chat_id));
    if (!c) throw bad("chat not found");
    return c;
  }

  private ensureChat(profile: UserProfile): ChatState {
    let c = this.chats.get(profile.id);
    if (!c) {
      const chat: Json = {
        id: profile.id,
        type: "private",
        first_name: profile.first_name ?? `User${profile.id}`,
      };
      if (profile.username) chat.username = profile.username;
      c = { chat, messages: new Map(), nextId: 1 };
      this.chats.set(profile.id, c);
    }
    return c;
  }

  private formatted(p: Json, field: string, max: number): { text: string; entities: MessageEntity[] } {
    const raw = optStr(p, field) ?? "";
    const parsed = this.parse(
      raw,
      optStr(p, "parse_mode"),
      arr(p, field === "text" ? "entities" : "caption_entities"),
    );
    if (parsed.text.trim().length === 0)
      throw bad(field === "text" ? "message text is empty" : "caption is empty");
    if (u16(parsed.text) > max)
      throw bad(field === "text" ? "message is too long" : "message caption is too long");
    return parsed;
  }

  private caption(p: Json): Json {
    if (p.caption === undefined || p.caption === "") return {};
    const { text, entities } = this.parse(
      str(p, "caption"),
      optStr(p, "parse_mode"),
      arr(p, "caption_entities"),
    );
    if (u16(text) > 1024) throw bad("message caption is too long");
    return entities.length ? { caption: text, caption_entities: entities } : { caption: text };
  }

  private parse(raw: string, mode: string | undefined, entities: unknown[] | undefined) {
    if (mode === "HTML") {
      try {
        return parseHtml(raw);
      } catch (e) {
        if (e instanceof EntityParseError) throw bad(`can't parse entities: ${e.message}`);
        throw e;
      }
    }
    if (mode !== undefined && mode !== "MarkdownV2" && mode !== "Markdown")
      throw bad("unsupported parse_mode");
    return { text: raw, entities: (entities ?? []) as MessageEntity[] };
  }

  private markup(p: Json): FakeMessage["reply_markup"] | undefined {
    const rm = obj(p, "reply_markup");
    if (!rm) return undefined;
    const rows = rm.inline_keyboard as InlineButton[][] | undefined;
    if (!rows) return rm as FakeMessage["reply_markup"];
    if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) throw bad("REPLY_MARKUP_INVALID");
    if (rows.flat().length > 100) throw bad("REPLY_MARKUP_TOO_LONG");
    for (const b of rows.flat()) {
      if (typeof b.text !== "string" || b.text.length === 0) throw bad("BUTTON_TEXT_EMPTY");
      const actions = [
        "callback_data",
        "url",
        "pay",
        "web_app",
        "login_url",
        "switch_inline_query",
        "copy_text",
      ].filter((k) => (b as unknown as Json)[k] !== undefined);
      if (actions.length !== 1) throw bad("BUTTON_TYPE_INVALID");
      if (b.callback_data !== undefined) {
        const n = Buffer.byteLength(String(b.callback_data));
        if (n < 1 || n > 64) throw bad("BUTTON_DATA_INVALID");
      }
      if (b.url !== undefined && !/^(https?|tg):\/\/\S+$/.test(b.url)) throw bad("BUTTON_URL_INVALID");
    }
    // Empty rows are dropped by Telegram.
    return { ...rm, inline_keyboard: rows.filter((r) => r.length > 0) };
  }

  private async inputFile(value: unknown, files: Map<string, Uploaded>, kind: string): Promise<StoredFile> {
    if (typeof value !== "string" || value === "") throw bad(`there is no ${kind} in the request`);
    if (value.startsWith("attach://")) {
      const up = files.get(value.slice(9));
      if (!up) throw bad(`wrong file identifier/HTTP URL specified`);
      if (up.bytes.length > this.opts.uploadLimitBytes) throw new ApiError(413, "Request Entity Too Large");
      return this.registerFile({
        bytes: up.bytes,
        mimeType: up.type || guessMime(kind),
        fileName: up.name,
        dir: `${kind}s`,
      });
    }
    if (/^https?:\/\//.test(value)) {
      // Telegram fetches URLs itself: photos up to 5 MB, other files up to 20 MB.
      const limit = kind === "photo" ? 5 * MB : 20 * MB;
      const r = await fetch(value).catch(() => null);
      if (!r?.ok) throw bad("failed to get HTTP URL content");
      const declared = Number(r.headers.get("content-length") ?? 0);
      if (declared > limit) throw bad("failed to get HTTP URL content");
      const bytes = Buffer.from(await r.arrayBuffer());
      if (bytes.length > limit) throw bad("failed to get HTTP URL content");
      return this.registerFile({
        bytes,
        mimeType: r.headers.get("content-type") ?? guessMime(kind),
        fileName: value.split("/").pop(),
        dir: `${kind}s`,
      });
    }
    const known = this.files.get(value);
    if (!known) throw bad("wrong file identifier/HTTP URL specified");
    return known;
  }

  private waitKeyed<T>(map: Map<string, T>, event: string, key: string, timeoutMs: number): Promise<T> {
    const have = map.get(key);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const on = (a: T & { queryId: string }) => {
        if (a.queryId !== key) return;
        clearTimeout(timer);
        this.off(event, on);
        resolve(a);
      };
      const timer = setTimeout(() => {
        this.off(event, on);
        reject(new Error(`${event} for ${key} not received within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on(event, on);
    });
  }
}

type ChatState = { chat: Json; messages: Map<number, FakeMessage>; nextId: number };

/** A private-chat user of the fake: sends things to the bot and reads its replies in order. */
export class FakeUser {
  /** Sequence number of the last bot event this user has consumed with next(). */
  cursor: number;

  constructor(
    readonly tg: FakeTelegram,
    readonly profile: UserProfile,
  ) {
    this.cursor = tg.lastSeq();
  }

  get id(): number {
    return this.profile.id;
  }

  /** Sends a text (a leading /command gets its bot_command entity, as Telegram adds). */
  send(text: string): FakeMessage {
    const content: Json = { text };
    const cmd = /^\/[a-zA-Z0-9_]+(@\w+)?/.exec(text);
    if (cmd) content.entities = [{ type: "bot_command", offset: 0, length: cmd[0].length }];
    return this.push(content);
  }

  command(name: string, payload?: string): FakeMessage {
    return this.send(payload ? `/${name} ${payload}` : `/${name}`);
  }

  /**
   * A compressed photo; `size` is the largest size's bytes (default: a tiny real PNG), `width` and
   * `height` its pixels (default 1280×1280).
   */
  photo(
    opts: {
      bytes?: Buffer;
      size?: number;
      caption?: string;
      width?: number;
      height?: number;
      /** The album it belongs to (media_group_id), as each item of an album arrives: one message each. */
      album?: string;
    } = {},
  ): {
    message: FakeMessage;
    file: StoredFile;
  } {
    const file = this.tg.registerFile({
      bytes: opts.bytes,
      size: opts.size,
      mimeType: "image/jpeg",
      dir: "photos",
    });
    const thumb = this.tg.registerFile({ size: 1200, mimeType: "image/jpeg", dir: "photos" });
    const photo = [
      { file_id: thumb.fileId, file_unique_id: thumb.uniqueId, width: 90, height: 90, file_size: thumb.size },
      {
        file_id: file.fileId,
        file_unique_id: file.uniqueId,
        width: opts.width ?? 1280,
        height: opts.height ?? 1280,
        file_size: file.size,
      },
    ];
    const content: Json = { photo };
    if (opts.caption) content.caption = opts.caption;
    if (opts.album) content.media_group_id = opts.album;
    return { message: this.push(content), file };
  }

  /** An album of `n` photos, sent as Telegram delivers one: a message per photo, the caption on the first. */
  album(n: number, opts: { caption?: string } = {}): FakeMessage[] {
    const album = `album-${this.id}-${Math.random().toString(36).slice(2, 8)}`;
    return Array.from(
      { length: n },
      (_, i) => this.photo({ album, ...(i === 0 && opts.caption ? { caption: opts.caption } : {}) }).message,
    );
  }

  document(opts: { fileName: string; mimeType: string; size?: number; bytes?: Buffer }): {
    message: FakeMessage;
    file: StoredFile;
  } {
    const file = this.tg.registerFile({ ...opts, dir: "documents" });
    const document = {
      file_id: file.fileId,
      file_unique_id: file.uniqueId,
      file_name: opts.fileName,
      mime_type: opts.mimeType,
      file_size: file.size,
    };
    return { message: this.push({ document }), file };
  }

  sticker(): FakeMessage {
    const f = this.tg.registerFile({ size: 20_000, mimeType: "image/webp", dir: "stickers" });
    return this.push({
      sticker: {
        file_id: f.fileId,
        file_unique_id: f.uniqueId,
        type: "regular",
        width: 512,
        height: 512,
        is_animated: false,
        is_video: false,
      },
    });
  }

  voice(): FakeMessage {
    const f = this.tg.registerFile({ size: 8_000, mimeType: "audio/ogg", dir: "voice" });
    return this.push({
      voice: {
        file_id: f.fileId,
        file_unique_id: f.uniqueId,
        duration: 3,
        mime_type: "audio/ogg",
        file_size: f.size,
      },
    });
  }

  video(): FakeMessage {
    const f = this.tg.registerFile({ size: 900_000, mimeType: "video/mp4", dir: "videos" });
    return this.push({
      video: {
        file_id: f.fileId,
        file_unique_id: f.uniqueId,
        width: 720,
        height: 1280,
        duration: 5,
        file_size: f.size,
      },
    });
  }

  /** Pushes any message content (location, contact, ...). */
  push(content: Json): FakeMessage {
    const msg = this.tg.userMessage(this.profile, content);
    this.tg.pushUpdate({ message: msg });
    return msg;
  }

  /**
   * Taps a button of a bot message: `button` is its exact text, a RegExp on its text, or its
   * callback_data. The message is taken as it is now in the chat. Returns the callback query id.
   */
  tap(message: FakeMessage | number, button: string | RegExp): string {
    const id = typeof message === "number" ? message : message.message_id;
    const live = this.tg.message(this.id, id);
    if (!live) throw new Error(`message ${id} is not in chat ${this.id}`);
    const buttons = (live.reply_markup?.inline_keyboard ?? []).flat();
    const b = buttons.find((x) =>
      typeof button === "string" ? x.text === button || x.callback_data === button : button.test(x.text),
    );
    if (!b?.callback_data) {
      throw new Error(
        `no button ${String(button)} on message ${id}; buttons: ${JSON.stringify(buttons.map((x) => x.text))}`,
      );
    }
    return this.tg.callbackQuery(this.profile, live, b.callback_data).queryId;
  }

  /** A callback query with arbitrary data, as a modified client could send it. */
  forgeTap(message: FakeMessage | number, data: string): string {
    const id = typeof message === "number" ? message : message.message_id;
    const live = this.tg.message(this.id, id) ?? {
      message_id: id,
      date: unix(),
      chat: { id: this.id, type: "private" },
    };
    return this.tg.callbackQuery(this.profile, live, data).queryId;
  }

  /** The next bot message or edit in this chat after the cursor (and moves the cursor past it). */
  async next(
    match?: string | RegExp | ((m: FakeMessage, e: BotEvent) => boolean),
    timeoutMs = 5000,
  ): Promise<FakeMessage> {
    const pred =
      match === undefined
        ? () => true
        : typeof match === "function"
          ? (e: BotEvent) => match(e.message, e)
          : (e: BotEvent) => textMatches(e.message, match);
    const e = await this.tg.waitForEvent(this.id, this.cursor, pred, timeoutMs);
    this.cursor = e.seq;
    return e.message;
  }

  /** Everything the bot sent/edited in this chat since the cursor, without waiting. */
  since(): BotEvent[] {
    return this.tg.events.filter((e) => e.seq > this.cursor && e.chatId === this.id);
  }

  /** Skips everything seen so far. */
  skip(): void {
    this.cursor = this.tg.lastSeq();
  }

  messages(): FakeMessage[] {
    return this.tg.messages(this.id);
  }

  last(): FakeMessage | undefined {
    return this.messages().at(-1);
  }

  /** Pays an invoice message: pre-checkout, then (when approved) successful_payment. */
  async pay(invoice: FakeMessage): Promise<{ answer: PreCheckoutAnswer; chargeId?: string; update?: Json }> {
    const inv = this.tg.invoiceOf(invoice);
    const { queryId } = this.tg.preCheckoutQuery(this.profile, {
      currency: inv.currency,
      total_amount: inv.total,
      invoice_payload: inv.payload,
    });
    const answer = await this.tg.preCheckoutAnswer(queryId);
    if (!answer.ok) return { answer };
    const { chargeId, update } = this.tg.reportPayment(this.profile, inv);
    return { answer, chargeId, update };
  }

  /** The user blocks (kicked) or unblocks (member) the bot: my_chat_member update. */
  setBotStatus(status: "kicked" | "member"): Json {
    this.tg.blockChat(this.id, status === "kicked");
    const member = (s: string) => ({
      user: { ...this.tg.bot },
      status: s,
      ...(s === "kicked" ? { until_date: 0 } : {}),
    });
    return this.tg.pushUpdate({
      my_chat_member: {
        chat: { id: this.id, type: "private", first_name: this.profile.first_name },
        from: { is_bot: false, ...this.profile },
        date: unix(),
        old_chat_member: member(status === "kicked" ? "member" : "kicked"),
        new_chat_member: member(status),
      },
    });
  }
}

export function textMatches(m: FakeMessage, match: string | RegExp): boolean {
  const text = m.text ?? m.caption ?? "";
  return typeof match === "string" ? text.includes(match) : match.test(text);
}

/** All buttons of a message as [text, callback_data|url]. */
export function buttonsOf(m: FakeMessage): InlineButton[] {
  return (m.reply_markup?.inline_keyboard ?? []).flat();
}

export async function startFakeTelegram(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  return new FakeTelegram(opts).listen();
}

// ---------------------------------------------------------------- helpers

function send(res: ServerResponse, status: number, body: Json): void {
  if (res.headersSent || res.destroyed) return;
  const data = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(data) });
  res.end(data);
}

async function readParams(
  req: IncomingMessage,
  url: URL,
): Promise<{ params: Json; files: Map<string, Uploaded> }> {
  const params: Json = Object.fromEntries(url.searchParams);
  const files = new Map<string, Uploaded>();
  const type = String(req.headers["content-type"] ?? "");
  if (req.method !== "POST") return { params, files };
  if (type.startsWith("multipart/form-data")) {
    const request = new Request("http://x/", {
      method: "POST",
      headers: { "content-type": type },
      body: Readable.toWeb(req) as ReadableStream,
      duplex: "half",
    } as RequestInit);
    const form = await request.formData();
    for (const [k, v] of form) {
      if (typeof v === "string") params[k] = v;
      else files.set(k, { bytes: Buffer.from(await v.arrayBuffer()), name: v.name, type: v.type });
    }
    return { params, files };
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  if (!body) return { params, files };
  if (type.includes("application/json")) {
    try {
      Object.assign(params, JSON.parse(body) as Json);
    } catch {
      throw bad("can't parse JSON object");
    }
  } else Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
  return { params, files };
}

function decodeField(p: Json, k: string): unknown {
  const v = p[k];
  if (typeof v === "string" && JSON_FIELDS.has(k)) {
    try {
      return JSON.parse(v);
    } catch {
      throw bad(`can't parse ${k} JSON object`);
    }
  }
  return v;
}

function str(p: Json, k: string): string {
  const v = p[k];
  if (v === undefined || v === null) throw bad(`${k} is empty`);
  return String(v);
}

function optStr(p: Json, k: string): string | undefined {
  const v = p[k];
  return v === undefined || v === null ? undefined : String(v);
}

function int(p: Json, k: string): number {
  const n = Number(p[k]);
  if (!Number.isInteger(n)) throw bad(`${k} is invalid`);
  return n;
}

function arr(p: Json, k: string): unknown[] | undefined {
  const v = decodeField(p, k);
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw bad(`${k} must be an array`);
  return v;
}

function obj(p: Json, k: string): Json | undefined {
  const v = decodeField(p, k);
  if (v === undefined) return undefined;
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(`${k} must be an object`);
  return v as Json;
}

function guessMime(kind: string): string {
  return kind === "photo"
    ? "image/jpeg"
    : kind === "video" || kind === "animation"
      ? "video/mp4"
      : "application/octet-stream";
}

function mediaOf(kind: string, f: StoredFile, tg: FakeTelegram): Json {
  const base = { file_id: f.fileId, file_unique_id: f.uniqueId, file_size: f.size };
  switch (kind) {
    case "photo": {
      const thumb = tg.registerFile({ size: 1500, mimeType: "image/jpeg", dir: "photos" });
      return {
        photo: [
          { file_id: thumb.fileId, file_unique_id: thumb.uniqueId, width: 90, height: 160, file_size: 1500 },
          { ...base, width: 720, height: 1280 },
        ],
      };
    }
    case "video":
    case "animation":
      return { [kind]: { ...base, width: 720, height: 1280, duration: 10, mime_type: f.mimeType } };
    default:
      return { [kind]: { ...base, file_name: f.fileName ?? "file", mime_type: f.mimeType } };
  }
}

function conflictOther(): ApiError {
  return new ApiError(
    409,
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
  );
}

function conflictWebhook(): ApiError {
  return new ApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  );
}

/** A valid 1x1 PNG: the default content of a user's photo. */
export const TINY_PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000201e2b9cb0c0000000049454e44ae426082",
  "hex",
);
