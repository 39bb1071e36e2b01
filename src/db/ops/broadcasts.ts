// Broadcasts: a draft, its audience snapshotted into recipients when it starts, and each recipient
// marked once with the broadcast's counter moved in the same transaction (resumable after a restart).
import { all, count, first, forUpdate, join, type Op, raw, rows, run, sql } from "../driver/index.ts";
import { columnName } from "../rows.ts";
import { broadcasts } from "../schema/sqlite.ts";
import type { Broadcast, RecipientStatus } from "../types.ts";

export type NewBroadcast = Pick<Broadcast, "adminTgId" | "audience" | "text" | "photoFileId" | "chatId">;
export type BroadcastPatch = Partial<Pick<Broadcast, "status" | "progressMessageId" | "finishedAt">>;

export const broadcastById = (id: number) =>
  first(sql`select * from broadcasts where id = ${id}`, "broadcasts");

export const createBroadcast = (b: NewBroadcast, now: Date) =>
  first(
    sql`insert into broadcasts (admin_tg_id, audience, text, photo_file_id, chat_id, status, created_at)
      values (${b.adminTgId}, ${b.audience}, ${b.text}, ${b.photoFileId}, ${b.chatId}, 'draft', ${now}) returning *`,
    "broadcasts",
  );

export const runningBroadcasts = () =>
  all(sql`select * from broadcasts where status = 'running' order by id`, "broadcasts");

/** Snapshots the audience into recipients and marks the broadcast running. Run in a transaction. */
export function* startBroadcast(id: number, activeSince: Date): Op<Broadcast | null> {
  const b = yield* first(sql`select * from broadcasts where id = ${id} ${forUpdate}`, "broadcasts");
  if (!b) return null;
  if (b.status !== "draft") return b;
  const active = b.audience === "active" ? sql`and last_active_at >= ${activeSince}` : sql``;
  yield* run(sql`insert into broadcast_recipients (broadcast_id, user_id, status)
    select cast(${id} as bigint), id, 'pending' from users
    where bot_blocked_at is null and blocked = ${false} ${active}`);
  const total = yield* count(sql`select count(*) as n from broadcast_recipients where broadcast_id = ${id}`);
  return yield* first(
    sql`update broadcasts set status = 'running', total = ${total} where id = ${id} returning *`,
    "broadcasts",
  );
}

export function* nextRecipients(id: number, limit: number): Op<Array<{ userId: number; tgId: number }>> {
  const list = yield* rows(sql`select r.user_id, u.tg_id from broadcast_recipients r
    join users u on u.id = r.user_id
    where r.broadcast_id = ${id} and r.status = 'pending'
    order by r.user_id limit ${limit}`);
  return list.map((r) => ({ userId: Number(r.user_id), tgId: Number(r.tg_id) }));
}

const COUNTER = { sent: "sent", failed: "failed", blocked: "blocked" } as const;

/** Marks a pending recipient once and counts it. Run in a transaction. */
export function* markRecipient(
  id: number,
  userId: number,
  status: Exclude<RecipientStatus, "pending">,
): Op<void> {
  const changed = yield* run(sql`update broadcast_recipients set status = ${status}
    where broadcast_id = ${id} and user_id = ${userId} and status = 'pending'`);
  if (changed !== 1) return;
  const counter = COUNTER[status];
  yield* run(sql`update broadcasts set ${raw(`${counter} = ${counter} + 1`)} where id = ${id}`);
}

export function* updateBroadcast(id: number, patch: BroadcastPatch): Op<Broadcast | null> {
  const set = Object.entries(patch).flatMap(([key, value]) => {
    const name = value === undefined ? undefined : columnName(broadcasts, key);
    return name ? [sql`${raw(`${name} = `)}${value}`] : [];
  });
  if (!set.length) return yield* broadcastById(id);
  return yield* first(sql`update broadcasts set ${join(set)} where id = ${id} returning *`, "broadcasts");
}
