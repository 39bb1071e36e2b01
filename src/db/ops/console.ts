// The console's login links and sessions (src/console makes the secrets; only their SHA-256
// hashes reach the database). A link is redeemed at most once, whoever races for it: the guarded
// update that marks it used is the one statement that can succeed.
import { type Driver, first, type Op, run, sql } from "../driver/index.ts";
import type { ConsoleSession, ConsoleToken, Language } from "../types.ts";

export type RedeemResult =
  | { ok: true; session: ConsoleSession }
  | { ok: false; reason: "unknown" | "used" | "expired" };

/** Links are kept a day past their expiry, so a late click is told "expired" rather than "unknown". */
const KEEP_USED_MS = 24 * 3600_000;

export function* insertToken(
  t: { tokenHash: string; adminTgId: number; language: Language; expiresAt: Date },
  now: Date,
): Op<void> {
  yield* run(sql`delete from console_tokens where expires_at < ${new Date(now.getTime() - KEEP_USED_MS)}`);
  yield* run(sql`delete from console_sessions where expires_at < ${now}`);
  yield* run(sql`insert into console_tokens (token_hash, admin_tg_id, language, created_at, expires_at)
    values (${t.tokenHash}, ${t.adminTgId}, ${t.language}, ${now}, ${t.expiresAt})`);
}

/** Marks the link used and opens its session, in one transaction. */
export function* redeemToken(
  tokenHash: string,
  session: { idHash: string; expiresAt: Date },
  now: Date,
): Op<RedeemResult> {
  const token = yield* first(
    sql`update console_tokens set used_at = ${now}
      where token_hash = ${tokenHash} and used_at is null and expires_at > ${now} returning *`,
    "console_tokens",
  );
  if (!token) {
    const seen = yield* first(
      sql`select * from console_tokens where token_hash = ${tokenHash}`,
      "console_tokens",
    );
    return { ok: false, reason: !seen ? "unknown" : seen.usedAt ? "used" : "expired" };
  }
  const opened = yield* first(
    sql`insert into console_sessions (id_hash, admin_tg_id, language, created_at, expires_at)
      values (${session.idHash}, ${token.adminTgId}, ${token.language}, ${now}, ${session.expiresAt}) returning *`,
    "console_sessions",
  );
  if (!opened) throw new Error("console session not stored");
  return { ok: true, session: opened };
}

export interface ConsoleRepo {
  issue(t: { tokenHash: string; adminTgId: number; language: Language; expiresAt: Date }): Promise<void>;
  redeem(tokenHash: string, session: { idHash: string; expiresAt: Date }): Promise<RedeemResult>;
  /** A link as it stands (unused, used or expired), without using it. */
  token(tokenHash: string): Promise<ConsoleToken | null>;
  /** The session while it lasts, else null. */
  session(idHash: string): Promise<ConsoleSession | null>;
  setLanguage(idHash: string, language: Language): Promise<void>;
  end(idHash: string): Promise<void>;
}

export function consoleRepo(driver: Driver, now: () => Date = () => new Date()): ConsoleRepo {
  return {
    issue: (t) => driver.transaction(() => insertToken(t, now())),
    redeem: (tokenHash, s) => driver.transaction(() => redeemToken(tokenHash, s, now())),
    token: (tokenHash) =>
      driver.run(function* () {
        return yield* first(
          sql`select * from console_tokens where token_hash = ${tokenHash}`,
          "console_tokens",
        );
      }),
    session: (idHash) =>
      driver.run(function* () {
        return yield* first(
          sql`select * from console_sessions where id_hash = ${idHash} and expires_at > ${now()}`,
          "console_sessions",
        );
      }),
    async setLanguage(idHash, language) {
      await driver.run(function* () {
        return yield* run(sql`update console_sessions set language = ${language} where id_hash = ${idHash}`);
      });
    },
    async end(idHash) {
      await driver.run(function* () {
        return yield* run(sql`delete from console_sessions where id_hash = ${idHash}`);
      });
    },
  };
}
