// What an admin is typing next (an amount, a reason, a user query, a broadcast message). It lives
// in the session table of the store, keyed per admin, so a restart mid-flow loses nothing and the
// bot's own session shape stays untouched.
import type { Store } from "../db/store.ts";

export type AdminState =
  | { await: "user_query" }
  | { await: "amount"; op: "grant" | "deduct"; userId: number }
  | { await: "reason"; op: "grant" | "deduct"; userId: number; amount: number }
  | { await: "broadcast"; audience: "all" | "active" }
  | { await: "media" }
  | { await: "promo" };

const key = (tgId: number) => `admin:${tgId}`;

/**
 * A question left unanswered this long is forgotten: /cancel, any command and any button outside
 * the panel clear it, but an admin who just walks away and writes hours later does not mean that
 * message as the answer (a user search or a broadcast text).
 */
export const ADMIN_INPUT_TTL_MS = 30 * 60_000;

export function createAdminState(store: Store, now: () => number = Date.now) {
  return {
    async get(tgId: number): Promise<AdminState | null> {
      const raw = await store.readSession(key(tgId));
      if (!raw) return null;
      try {
        const { at, ...state } = JSON.parse(raw) as AdminState & { at?: number };
        if (typeof at === "number" && now() - at <= ADMIN_INPUT_TTL_MS) return state as AdminState;
      } catch {
        // unreadable: treat as no question pending
      }
      await store.deleteSession(key(tgId));
      return null;
    },
    set: (tgId: number, state: AdminState) =>
      store.writeSession(key(tgId), JSON.stringify({ ...state, at: now() })),
    clear: (tgId: number) => store.deleteSession(key(tgId)),
  };
}

export type AdminStateStore = ReturnType<typeof createAdminState>;
