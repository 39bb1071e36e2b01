// What a promo code may look like and hold: one place that the bot, the admin panel, the command
// line and the console check typed values against.
import { randomInt } from "node:crypto";

export const PROMO_LIMITS = {
  /** A code is 3-32 of A-Z, 0-9, "-" and "_": it must fit a /start deep link (`promo_<code>`, 64 bytes). */
  codeMin: 3,
  codeMax: 32,
  /** Credits one code gives. */
  maxCredits: 1_000,
  /** Users one code may serve. */
  maxUses: 1_000_000,
  /** Longest validity in days. */
  maxDays: 3_650,
  /** A note for the owner (where the code was published). */
  maxNote: 200,
  /** "Send your promo code" waits this long for the answer. */
  askTtlMs: 10 * 60_000,
} as const;

const CODE = new RegExp(`^[A-Z0-9_-]{${PROMO_LIMITS.codeMin},${PROMO_LIMITS.codeMax}}$`);

/** The code as stored (upper case), or null when `input` cannot be one. Codes are case-insensitive. */
export function normalizePromoCode(input: string): string | null {
  const code = input.trim().toUpperCase();
  return CODE.test(code) ? code : null;
}

/** Letters and digits that cannot be mistaken for one another when typed from a post (no O/0, I/1). */
const GENERATED_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** A fresh code to hand out when the owner does not name one: 8 characters, ~40 bits. */
export function generatePromoCode(length = 8): string {
  let code = "";
  for (let i = 0; i < length; i++) code += GENERATED_ALPHABET[randomInt(GENERATED_ALPHABET.length)];
  return code;
}

/** The /start payload of a promo deep link: `t.me/<bot>?start=promo_<code>`. */
export const PROMO_START_PREFIX = "promo_";

export function promoLink(botUsername: string, code: string): string {
  return `https://t.me/${botUsername}?start=${PROMO_START_PREFIX}${code}`;
}
