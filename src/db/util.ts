// Small pieces the store's operations share.
import { randomBytes } from "node:crypto";
import { type Actor, JOB_STATUSES, type JobStatus } from "./types.ts";

const REFERRAL_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** 8 characters from an unambiguous alphabet (~2^39 codes): short enough to type, collisions retried. */
export function newReferralCode(): string {
  const bytes = randomBytes(8);
  let out = "";
  for (const b of bytes) out += REFERRAL_ALPHABET[b % REFERRAL_ALPHABET.length];
  return out;
}

export function emptyStatusCounts(): Record<JobStatus, number> {
  return Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
}

/** "Today" starts at UTC midnight; the week is the 7×24 hours before `now`. */
export function adminWindows(now: Date): { dayStart: Date; weekAgo: Date } {
  const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  return { dayStart, weekAgo: new Date(now.getTime() - 7 * 24 * 3600_000) };
}

/** An admin's search: digits match a Telegram or internal id, anything else a username prefix. */
export function parseUserQuery(query: string): { number?: number; usernamePrefix?: string } | null {
  const q = query.trim();
  if (!q) return null;
  if (/^-?\d{1,16}$/.test(q)) return { number: Number(q), usernamePrefix: q };
  const name = q.replace(/^@/, "");
  if (!/^[A-Za-z0-9_]+$/.test(name)) return null;
  return { usernamePrefix: name };
}

/** Walks `cause` (drizzle wraps driver errors) to the first error with a code. */
export function errorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (typeof e.code === "string") return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** How an actor is recorded on the rows it changes: "cli", "bot:<tg id>", "console:<tg id>". */
export function actorLabel(a: Actor): string {
  return a.via === "cli" ? "cli" : `${a.via}:${a.adminTgId}`;
}
