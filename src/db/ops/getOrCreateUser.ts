// A user on first contact: created with a referral code of their own, the referrer remembered, and
// the free credits granted once in the ledger; on later contact the Telegram profile is refreshed
// (written only when it changed). Run in a transaction, retried on a unique violation: two first
// messages from one user at once (the loser sees the winner's row), or a referral code collision.
import { first, type Op, one, sql } from "../driver/index.ts";
import type { TelegramProfile } from "../store.ts";
import type { User } from "../types.ts";
import { newReferralCode } from "../util.ts";
import { move } from "./ledger.ts";
import { userById, userByTgId } from "./users.ts";

export interface SignupOptions {
  referralCode?: string | null;
  referralSource?: string | null;
}

export function* getOrCreateUser(
  profile: TelegramProfile,
  o: SignupOptions,
  freeCredits: number,
  now: Date,
): Op<{ user: User; created: boolean }> {
  const fields = {
    username: profile.username ?? null,
    firstName: profile.firstName ?? null,
    lastName: profile.lastName ?? null,
    languageCode: profile.languageCode ?? null,
  };
  const found = yield* userByTgId(profile.tgId);
  if (found) {
    const changed = (Object.keys(fields) as Array<keyof typeof fields>).some((k) => found[k] !== fields[k]);
    if (!changed) return { user: found, created: false };
    const updated = yield* first(
      sql`update users set username = ${fields.username}, first_name = ${fields.firstName},
        last_name = ${fields.lastName}, language_code = ${fields.languageCode}, updated_at = ${now}
      where id = ${found.id} returning *`,
      "users",
    );
    return { user: updated ?? found, created: false };
  }
  const referrer = o.referralCode
    ? yield* one(sql`select id from users where referral_code = ${o.referralCode}`)
    : null;
  const inserted = yield* one(
    sql`insert into users (tg_id, username, first_name, last_name, language_code, credits, referral_code,
        referred_by, referral_source, last_active_at, created_at, updated_at)
      values (${profile.tgId}, ${fields.username}, ${fields.firstName}, ${fields.lastName}, ${fields.languageCode},
        0, ${newReferralCode()}, ${referrer ? Number(referrer.id) : null}, ${o.referralSource ?? null}, ${now}, ${now}, ${now})
      returning id`,
  );
  if (!inserted) throw new Error("user insert returned nothing");
  const id = Number(inserted.id);
  if (freeCredits > 0) yield* move(id, freeCredits, "signup_bonus", { reference: `signup:${id}` }, now);
  const user = yield* userById(id);
  if (!user) throw new Error("user vanished");
  return { user, created: true };
}
