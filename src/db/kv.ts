// Typed entries in the key-value table: one prefix per kind of value (a batch's queue notice, an
// admin's pending question, the Stars reconciliation cursor), stored as JSON. grammY sessions use
// the same table under plain keys (../bot/session.ts).
import type { KeyValueRepository } from "./store.ts";

export interface Entries<T> {
  /** The value, or null when there is none or it cannot be read (written by another version). */
  get(id: string | number): Promise<T | null>;
  set(id: string | number, value: T): Promise<void>;
  delete(id: string | number): Promise<void>;
}

export function jsonEntries<T>(kv: KeyValueRepository, prefix: string): Entries<T> {
  const key = (id: string | number) => `${prefix}${id}`;
  return {
    async get(id) {
      const raw = await kv.readSession(key(id));
      if (raw === undefined) return null;
      try {
        return JSON.parse(raw) as T;
      } catch {
        return null;
      }
    },
    set: (id, value) => kv.writeSession(key(id), JSON.stringify(value)),
    delete: (id) => kv.deleteSession(key(id)),
  };
}
