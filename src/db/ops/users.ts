// Users: reads, profile flags, and the admin's search.
import { all, count, first, join, type Op, run, type Sql, sql } from "../driver/index.ts";
import type { Page } from "../store.ts";
import type { Language, User } from "../types.ts";
import { parseUserQuery } from "../util.ts";

export const userById = (id: number) => first(sql`select * from users where id = ${id}`, "users");

export const userByTgId = (tgId: number) => first(sql`select * from users where tg_id = ${tgId}`, "users");

export const userByUsername = (username: string) =>
  first(
    sql`select * from users where lower(username) = lower(${username.replace(/^@/, "")}) order by id limit 1`,
    "users",
  );

export const setLanguage = (userId: number, language: Language | null, now: Date) =>
  run(sql`update users set language = ${language}, updated_at = ${now} where id = ${userId}`);

export const setConsent = (userId: number, at: Date, now: Date) =>
  run(sql`update users set consent_at = ${at}, updated_at = ${now} where id = ${userId}`);

export const setBlocked = (userId: number, blocked: boolean, now: Date) =>
  run(sql`update users set blocked = ${blocked}, updated_at = ${now} where id = ${userId}`);

export const setBotBlocked = (userId: number, at: Date | null, now: Date) =>
  run(sql`update users set bot_blocked_at = ${at}, updated_at = ${now} where id = ${userId}`);

/** Activity only: updated_at is the profile's, not every message's. */
export const touchUser = (userId: number, at: Date) =>
  run(sql`update users set last_active_at = ${at} where id = ${userId}`);

/** Newest first (by id: the order they joined). */
export const listUsers = (page: Page) =>
  all(sql`select * from users order by id desc limit ${page.limit} offset ${page.offset ?? 0}`, "users");

export const countUsers = () => count(sql`select count(*) as n from users`);

/** By Telegram id, internal id, or username prefix (with or without "@"). */
export function* findUsers(query: string, limit: number): Op<User[]> {
  const u = parseUserQuery(query);
  if (!u) return [];
  const conds: Sql[] = [];
  if (u.number !== undefined) conds.push(sql`tg_id = ${u.number}`, sql`id = ${u.number}`);
  if (u.usernamePrefix) conds.push(sql`lower(username) like ${`${u.usernamePrefix.toLowerCase()}%`}`);
  return yield* all(
    sql`select * from users where ${join(conds, " or ")} order by id limit ${limit}`,
    "users",
  );
}
