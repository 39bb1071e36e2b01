// grammY session storage on the project's store, so conversation state survives restarts. Writes
// that would not change the stored value are skipped: grammY writes back every session it read,
// and most updates (menu taps) do not change it.
import type { StorageAdapter } from "grammy";
import type { Store } from "../db/store.ts";
import type { SessionData } from "./context.ts";

const REMEMBERED = 10_000;

export function createSessionStorage(store: Store): StorageAdapter<SessionData> {
  const lastWritten = new Map<string, string>();
  const remember = (key: string, json: string) => {
    lastWritten.delete(key);
    lastWritten.set(key, json);
    if (lastWritten.size > REMEMBERED) lastWritten.delete(lastWritten.keys().next().value as string);
  };
  return {
    async read(key) {
      const json = await store.readSession(key);
      if (json === undefined) return undefined;
      remember(key, json);
      return JSON.parse(json) as SessionData;
    },
    async write(key, value) {
      const json = JSON.stringify(value);
      if (lastWritten.get(key) === json) return;
      await store.writeSession(key, json);
      remember(key, json);
    },
    async delete(key) {
      lastWritten.delete(key);
      await store.deleteSession(key);
    },
  };
}
