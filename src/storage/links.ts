// Public file links: `/f/<token>` where the token carries the key and an expiry, signed with
// HMAC-SHA256 under a key derived from LINK_SECRET.
//
// Why signed links rather than a table of random tokens: nothing to store or clean up, links keep
// working across restarts and on every instance sharing the secret, and they expire by
// themselves. Forging one needs the 256-bit MAC (we keep it whole), so it is at least as strong as
// a 128-bit random token. Rotating LINK_SECRET revokes every link at once.
import { createHmac, timingSafeEqual } from "node:crypto";
import { isValidKey } from "./keys.ts";

/** Sub-keys per purpose, so a MAC made for one use is never accepted by another. */
export function deriveSecret(linkSecret: string, purpose: string): Buffer {
  return createHmac("sha256", linkSecret).update(`neurocards:${purpose}`).digest();
}

/** A link that lives long enough for kie.ai to fetch a photo and a user to open a result. */
export const DEFAULT_LINK_TTL_SECONDS = 7 * 24 * 3600;

/** Longest token we ever make (key ≤ 200 chars) with room to spare; longer ones are refused unread. */
export const MAX_TOKEN_LENGTH = 400;

const TOKEN = /^([A-Za-z0-9_-]{4,340})\.([A-Za-z0-9_-]{43})$/;

export type TokenCheck =
  | { ok: true; key: string; expiresAt: Date }
  | { ok: false; reason: "invalid" | "expired" };

export function createLinkSigner(linkSecret: string) {
  const secret = deriveSecret(linkSecret, "file-link:v1");
  const mac = (payload: string) => createHmac("sha256", secret).update(payload).digest();

  return {
    sign(key: string, expiresAt: Date): string {
      if (!isValidKey(key)) throw new Error(`not a storage key: ${JSON.stringify(key)}`);
      const payload = `${Math.floor(expiresAt.getTime() / 1000)}:${key}`;
      return `${Buffer.from(payload).toString("base64url")}.${mac(payload).toString("base64url")}`;
    },

    /** Signature first: a forged token is "invalid" (404) even when its claimed expiry passed. */
    verify(token: string, now: Date = new Date()): TokenCheck {
      if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "invalid" };
      const m = TOKEN.exec(token);
      if (!m) return { ok: false, reason: "invalid" };
      const payload = Buffer.from(m[1]!, "base64url").toString("utf8");
      const given = Buffer.from(m[2]!, "base64url");
      const expected = mac(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, reason: "invalid" };
      }
      const sep = payload.indexOf(":");
      const exp = Number(payload.slice(0, sep));
      const key = payload.slice(sep + 1);
      if (sep < 1 || !Number.isSafeInteger(exp) || !isValidKey(key)) return { ok: false, reason: "invalid" };
      if (exp * 1000 <= now.getTime()) return { ok: false, reason: "expired" };
      return { ok: true, key, expiresAt: new Date(exp * 1000) };
    },
  };
}

export type LinkSigner = ReturnType<typeof createLinkSigner>;
