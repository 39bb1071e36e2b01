// grammY session storage on the project's store, so conversation state survives restarts.
//
// Sessions are also kept in memory (the most recent 10,000 users): the instance lease makes this
// process the only one handling updates for the database, so its own last write is the current
// value, and a restart starts from the database. That saves a database read on every update and
// every write that would not change anything (grammY writes back each session it read).
import type { StorageAdapter } from "grammy";
import type { KeyValueRepository } from "../db/store.ts";
import type { SessionData } from "./context.ts";

const REMEMBERED = 10_000;

export function createSessionStorage(store: KeyValueRepository): StorageAdapter<SessionData> {
  const known = new Map<string, string>();
  const remember = (key: string, json: string) => {
    known.delete(key);
    known.set(key, json);
    if (known.size > REMEMBERED) known.delete(known.keys().next().value as string);
  };
  return {
    async read(key) {
      const json = known.get(key) ?? (await store.readSession(key));
      if (json === undefined) return undefined;
      remember(key, json);
      // A fresh object each time: handlers mutate it.
      return JSON.parse(json) as SessionData;
    },
    async write(key, value) {
      const json = JSON.stringify(value);
      if (known.get(key) === json) return;
      await store.writeSession(key, json);
      remember(key, json);
    },
    async delete(key) {
      known.delete(key);
      await store.deleteSession(key);
    },
  };
}
