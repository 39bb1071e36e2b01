// The support inbox's operations: threads, their messages and where each message was copied to.
// A Telegram message is stored once (unique chat and message id), so an update delivered twice
// neither stores nor forwards a message twice; the seller's rate limit is counted from the stored
// messages, so it holds across restarts and processes. Writers of a seller's threads lock the
// seller's row first (Postgres; SQLite's BEGIN IMMEDIATE already serializes them): at most one open
// thread per seller, which the partial unique index also guarantees.
import { all, type Driver, date, first, forUpdate, num, type Op, one, run, sql } from "../driver/index.ts";
import type { SupportCopy, SupportDelivery, SupportMessage, SupportThread } from "../types.ts";

/** At most `messages` from one seller within `windowMs`. */
export interface RateWindow {
  messages: number;
  windowMs: number;
}

/** A message as written in Telegram, before it is stored. */
export interface NewSupportMessage {
  /** The seller the thread belongs to. */
  userId: number;
  senderTgId: number;
  chatId: number;
  messageId: number;
  kind: string;
  text: string | null;
  fileId: string | null;
}

export type ReceiveResult =
  /** Stored; `opened` when it started a new thread. */
  | { status: "accepted"; thread: SupportThread; message: SupportMessage; opened: boolean }
  /** This Telegram message was stored before (a replayed update). */
  | { status: "duplicate"; thread: SupportThread; message: SupportMessage }
  /** Over a rate window: nothing stored; one more message is allowed at `retryAt`. */
  | { status: "limited"; retryAt: Date };

export type AnswerResult =
  | { status: "accepted" | "duplicate"; thread: SupportThread; message: SupportMessage }
  | { status: "missing" };

export type CloseResult =
  | { status: "closed" | "already_closed"; thread: SupportThread }
  | { status: "missing" };

function* lockUser(userId: number): Op<void> {
  yield* one(sql`select id from users where id = ${userId} ${forUpdate}`);
}

function* bySource(chatId: number, messageId: number): Op<SupportMessage | null> {
  return yield* first(
    sql`select * from support_messages where chat_id = ${chatId} and message_id = ${messageId}`,
    "support_messages",
  );
}

function* threadById(id: number): Op<SupportThread | null> {
  return yield* first(sql`select * from support_threads where id = ${id}`, "support_threads");
}

function* openThreadOf(userId: number): Op<SupportThread | null> {
  return yield* first(
    sql`select * from support_threads where user_id = ${userId} and status = 'open'`,
    "support_threads",
  );
}

function* insertMessage(
  threadId: number,
  direction: "in" | "out",
  m: NewSupportMessage,
  now: Date,
): Op<SupportMessage> {
  const row = yield* first(
    sql`insert into support_messages (thread_id, user_id, direction, sender_tg_id, chat_id, message_id, kind, text, file_id, delivery, created_at)
      values (${threadId}, ${m.userId}, ${direction}, ${m.senderTgId}, ${m.chatId}, ${m.messageId}, ${m.kind}, ${m.text}, ${m.fileId}, ${"pending"}, ${now})
      returning *`,
    "support_messages",
  );
  if (!row) throw new Error("support message not stored");
  return row;
}

/** When the seller may write again, or null while every window has room. */
function* limitedUntil(userId: number, windows: readonly RateWindow[], now: Date): Op<Date | null> {
  let until: Date | null = null;
  for (const w of windows) {
    const since = new Date(now.getTime() - w.windowMs);
    const r = yield* one(
      sql`select count(*) as n, min(created_at) as oldest from support_messages
        where user_id = ${userId} and direction = 'in' and created_at > ${since}`,
    );
    const oldest = date(r?.oldest);
    if (num(r?.n) < w.messages || !oldest) continue;
    // The oldest message of the window leaves it first, and with it one message of room.
    const at = new Date(oldest.getTime() + w.windowMs);
    if (!until || at > until) until = at;
  }
  return until;
}

/** A seller's message: into their open thread (a new one when none is open), unless over a limit. */
export function* receive(m: NewSupportMessage, windows: readonly RateWindow[], now: Date): Op<ReceiveResult> {
  yield* lockUser(m.userId);
  const seen = yield* bySource(m.chatId, m.messageId);
  if (seen) {
    const thread = yield* threadById(seen.threadId);
    if (!thread) throw new Error(`support thread ${seen.threadId} is gone`);
    return { status: "duplicate", thread, message: seen };
  }
  const retryAt = yield* limitedUntil(m.userId, windows, now);
  if (retryAt) return { status: "limited", retryAt };
  let thread = yield* openThreadOf(m.userId);
  const opened = !thread;
  thread = opened
    ? yield* first(
        sql`insert into support_threads (user_id, status, created_at, updated_at) values (${m.userId}, ${"open"}, ${now}, ${now}) returning *`,
        "support_threads",
      )
    : yield* first(
        sql`update support_threads set updated_at = ${now} where id = ${thread?.id} returning *`,
        "support_threads",
      );
  if (!thread) throw new Error("support thread not stored");
  const message = yield* insertMessage(thread.id, "in", m, now);
  return { status: "accepted", thread, message, opened };
}

/**
 * An admin's answer in a thread. A closed thread opens again — the conversation goes on — unless
 * the seller has opened another one meanwhile.
 */
export function* answer(threadId: number, m: NewSupportMessage, now: Date): Op<AnswerResult> {
  yield* lockUser(m.userId);
  const seen = yield* bySource(m.chatId, m.messageId);
  const thread = yield* threadById(seen?.threadId ?? threadId);
  if (!thread) return { status: "missing" };
  if (seen) return { status: "duplicate", thread, message: seen };
  const message = yield* insertMessage(thread.id, "out", m, now);
  const other = thread.status === "open" ? null : yield* openThreadOf(thread.userId);
  const reopen = thread.status !== "open" && !other;
  const updated = yield* first(
    reopen
      ? sql`update support_threads set status = 'open', closed_at = null, closed_by = null, updated_at = ${now} where id = ${thread.id} returning *`
      : sql`update support_threads set updated_at = ${now} where id = ${thread.id} returning *`,
    "support_threads",
  );
  return { status: "accepted", thread: updated ?? thread, message };
}

export function* close(threadId: number, adminTgId: number, now: Date): Op<CloseResult> {
  const found = yield* threadById(threadId);
  if (!found) return { status: "missing" };
  yield* lockUser(found.userId);
  const thread = yield* threadById(threadId);
  if (!thread) return { status: "missing" };
  if (thread.status !== "open") return { status: "already_closed", thread };
  const closed = yield* first(
    sql`update support_threads set status = 'closed', closed_at = ${now}, closed_by = ${adminTgId}, updated_at = ${now}
      where id = ${threadId} returning *`,
    "support_threads",
  );
  return { status: "closed", thread: closed ?? thread };
}

/** The outcome of sending a message on; a sent answer marks its thread answered. */
export function* setDelivery(messageId: number, delivery: SupportDelivery, now: Date): Op<void> {
  const m = yield* first(
    sql`update support_messages set delivery = ${delivery} where id = ${messageId} returning *`,
    "support_messages",
  );
  if (m?.direction === "out" && delivery === "sent")
    yield* run(sql`update support_threads set answered_at = ${now} where id = ${m.threadId}`);
}

/** Where a message was copied to; a copy recorded before (a replay) is kept as it is. */
export function* addCopies(
  supportMessageId: number,
  copies: readonly Omit<SupportCopy, "supportMessageId">[],
): Op<void> {
  for (const c of copies)
    yield* run(
      sql`insert into support_copies (chat_id, message_id, support_message_id) values (${c.chatId}, ${c.messageId}, ${supportMessageId})
        on conflict do nothing`,
    );
}

/** The support message a chat's message is a copy of, with its thread. */
export function* byCopy(
  chatId: number,
  messageId: number,
): Op<{ message: SupportMessage; thread: SupportThread } | null> {
  const message = yield* first(
    sql`select m.* from support_copies c join support_messages m on m.id = c.support_message_id
      where c.chat_id = ${chatId} and c.message_id = ${messageId}`,
    "support_messages",
  );
  if (!message) return null;
  const thread = yield* threadById(message.threadId);
  return thread ? { message, thread } : null;
}

export function* copiesOf(supportMessageId: number): Op<SupportCopy[]> {
  return yield* all(
    sql`select * from support_copies where support_message_id = ${supportMessageId} order by chat_id, message_id`,
    "support_copies",
  );
}

export function* threadMessages(threadId: number): Op<SupportMessage[]> {
  return yield* all(
    sql`select * from support_messages where thread_id = ${threadId} order by id`,
    "support_messages",
  );
}

export function* threadsOf(userId: number): Op<SupportThread[]> {
  return yield* all(
    sql`select * from support_threads where user_id = ${userId} order by id`,
    "support_threads",
  );
}

/** The inbox's operations on one database. */
export function supportRepo(driver: Driver) {
  const tx = <T>(op: () => Op<T>) => driver.transaction(op);
  return {
    receive: (m: NewSupportMessage, windows: readonly RateWindow[], now = new Date()) =>
      tx(() => receive(m, windows, now)),
    answer: (threadId: number, m: NewSupportMessage, now = new Date()) => tx(() => answer(threadId, m, now)),
    close: (threadId: number, adminTgId: number, now = new Date()) =>
      tx(() => close(threadId, adminTgId, now)),
    setDelivery: (messageId: number, delivery: SupportDelivery, now = new Date()) =>
      tx(() => setDelivery(messageId, delivery, now)),
    addCopies: (supportMessageId: number, copies: readonly Omit<SupportCopy, "supportMessageId">[]) =>
      tx(() => addCopies(supportMessageId, copies)),
    byCopy: (chatId: number, messageId: number) => driver.run(() => byCopy(chatId, messageId)),
    copiesOf: (supportMessageId: number) => driver.run(() => copiesOf(supportMessageId)),
    openThread: (userId: number) => driver.run(() => openThreadOf(userId)),
    thread: (id: number) => driver.run(() => threadById(id)),
    messages: (threadId: number) => driver.run(() => threadMessages(threadId)),
    threadsOf: (userId: number) => driver.run(() => threadsOf(userId)),
  };
}

export type SupportRepo = ReturnType<typeof supportRepo>;
