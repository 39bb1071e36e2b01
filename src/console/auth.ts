// Who is signed in to the console: a session cookie (HttpOnly, SameSite=Strict, Secure when the
// console is served over https) that names a session row by the SHA-256 of its value, an admin
// still in ADMIN_IDS, and a CSRF token per session for every action.
//
// The CSRF token is an HMAC of the session under a key derived from LINK_SECRET: nothing to store,
// and a token taken from one session is worth nothing in another.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Config } from "../config/index.ts";
import type { ConsoleRepo } from "../db/ops/console.ts";
import type { ConsoleSession, ConsoleToken } from "../db/types.ts";
import { deriveSecret } from "../storage/links.ts";
import { SESSION_TTL_MS } from "./limits.ts";
import { hashSecret, newSecret } from "./login.ts";

export type LinkState = "ok" | "unknown" | "used" | "expired" | "not_admin";

export type Login = { ok: true; cookie: string } | { ok: false; reason: Exclude<LinkState, "ok"> };

/** A link's token: 32 random bytes, base64url (anything else is refused unread). */
export const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The value of one cookie from a Cookie header; hand-parsed, the console reads exactly one. */
function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function createAuth(deps: { config: Config; repo: ConsoleRepo; now?: () => Date }) {
  const { config, repo } = deps;
  const now = deps.now ?? (() => new Date());
  const secure = config.http.publicBaseUrl?.startsWith("https://") ?? false;
  // __Host-: the browser accepts it only with Secure, Path=/ and no Domain, so no other host
  // under the same domain can plant or overwrite it. Over plain http the prefix is not allowed.
  const name = secure ? "__Host-nc_console" : "nc_console";
  const csrfKey = deriveSecret(config.http.linkSecret, "console-csrf");
  const isAdmin = (tgId: number) => config.admins.includes(tgId);

  function cookie(value: string, maxAgeSeconds: number): string {
    const path = secure ? "/" : "/console";
    return `${name}=${value}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
  }

  function linkState(token: ConsoleToken | null): LinkState {
    if (!token) return "unknown";
    if (token.usedAt) return "used";
    if (token.expiresAt.getTime() <= now().getTime()) return "expired";
    return isAdmin(token.adminTgId) ? "ok" : "not_admin";
  }

  return {
    /** The signed-in admin's session, or null (no cookie, unknown, expired, or no longer an admin). */
    async session(req: IncomingMessage): Promise<ConsoleSession | null> {
      const value = readCookie(req.headers.cookie, name);
      if (!value || !TOKEN.test(value)) return null;
      const s = await repo.session(hashSecret(value));
      return s && isAdmin(s.adminTgId) ? s : null;
    },

    /** What a login link would do if used now, without using it. */
    async peek(token: string): Promise<LinkState> {
      return linkState(await repo.token(hashSecret(token)));
    },

    /** Uses the link (once) and opens a session; the Set-Cookie value on success. */
    async login(token: string): Promise<Login> {
      const peeked = await repo.token(hashSecret(token));
      const state = linkState(peeked);
      if (state !== "ok") return { ok: false, reason: state };
      const secret = newSecret();
      const r = await repo.redeem(hashSecret(token), {
        idHash: hashSecret(secret),
        expiresAt: new Date(now().getTime() + SESSION_TTL_MS),
      });
      if (!r.ok) return { ok: false, reason: r.reason };
      return { ok: true, cookie: cookie(secret, Math.floor(SESSION_TTL_MS / 1000)) };
    },

    /** Ends the session; the Set-Cookie value that clears the cookie. */
    async logout(session: ConsoleSession): Promise<string> {
      await repo.end(session.idHash);
      return cookie("", 0);
    },

    csrfToken(session: ConsoleSession): string {
      return createHmac("sha256", csrfKey).update(session.idHash).digest("base64url");
    },

    checkCsrf(session: ConsoleSession, given: string | null | undefined): boolean {
      const expected = Buffer.from(this.csrfToken(session));
      const got = Buffer.from(given ?? "");
      return got.length === expected.length && timingSafeEqual(got, expected);
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;
