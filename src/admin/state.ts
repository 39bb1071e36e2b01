// What an admin is typing next (an amount, a reason, a user query, a broadcast message). It lives
// in the session table of the store, keyed per admin, so a restart mid-flow loses nothing and the
// bot's own session shape stays untouched.
import { jsonEntries } from "../db/kv.ts";
import type { KeyValueRepository } from "../db/store.ts";

export type AdminState =
  | { await: "user_query" }
  | { await: "amount"; op: "grant" | "deduct"; userId: number }
  | { await: "reason"; op: "grant" | "deduct"; userId: number; amount: number }
  | { await: "broadcast"; audience: "all" | "active" }
  | { await: "media" }
  | { await: "promo" };

/**
 * A question left unanswered this long is forgotten: /cancel, any command and any button outside
 * the panel clear it, but an admin who just walks away and writes hours later does not mean that
 * message as the answer (a user search or a broadcast text).
 */
export const ADMIN_INPUT_TTL_MS = 30 * 60_000;

export function createAdminState(kv: KeyValueRepository, now: () => number = Date.now) {
  const entries = jsonEntries<AdminState & { at?: number }>(kv, "admin:");
  return {
    async get(tgId: number): Promise<AdminState | null> {
      const saved = await entries.get(tgId);
      if (saved) {
        const { at, ...state } = saved;
        if (typeof at === "number" && now() - at <= ADMIN_INPUT_TTL_MS) return state as AdminState;
      }
      // Stale or unreadable: treat as no question pending.
      await entries.delete(tgId);
      return null;
    },
    set: (tgId: number, state: AdminState) => entries.set(tgId, { ...state, at: now() }),
    clear: (tgId: number) => entries.delete(tgId),
  };
}

export type AdminStateStore = ReturnType<typeof createAdminState>;
