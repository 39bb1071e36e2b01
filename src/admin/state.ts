// What an admin is typing next (an amount, a reason, a user query, a broadcast message). It lives
// in the session table of the store, keyed per admin, so a restart mid-flow loses nothing and the
// bot's own session shape stays untouched.
import type { Store } from "../db/store.ts";

export type AdminState =
  | { await: "user_query" }
  | { await: "amount"; op: "grant" | "deduct"; userId: number }
  | { await: "reason"; op: "grant" | "deduct"; userId: number; amount: number }
  | { await: "broadcast"; audience: "all" | "active" }
  | { await: "media" };

const key = (tgId: number) => `admin:${tgId}`;

export function createAdminState(store: Store) {
  return {
    async get(tgId: number): Promise<AdminState | null> {
      const raw = await store.readSession(key(tgId));
      if (!raw) return null;
      try {
        return JSON.parse(raw) as AdminState;
      } catch {
        return null;
      }
    },
    set: (tgId: number, state: AdminState) => store.writeSession(key(tgId), JSON.stringify(state)),
    clear: (tgId: number) => store.deleteSession(key(tgId)),
  };
}

export type AdminStateStore = ReturnType<typeof createAdminState>;
