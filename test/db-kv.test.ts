// Typed entries of the key-value table: what features keep there besides grammY sessions.
import { afterEach, describe, expect, it } from "vitest";
import { jsonEntries } from "../src/db/kv.ts";
import type { Store } from "../src/db/store.ts";
import { storeFactories } from "./helpers/stores.ts";

describe.each(storeFactories().map((f) => [f.name, f] as const))(
  "typed key-value entries: %s",
  (_n, factory) => {
    let store: Store | undefined;
    afterEach(async () => store?.close());

    it("read back what was written under their prefix, and nothing once deleted", async () => {
      store = await factory.make();
      const cursors = jsonEntries<{ offset: number }>(store, "cursor:");
      expect(await cursors.get("stars")).toBeNull();
      await cursors.set("stars", { offset: 3 });
      await cursors.set("stars", { offset: 7 });
      expect(await cursors.get("stars")).toEqual({ offset: 7 });
      expect(await store.readSession("cursor:stars")).toBe('{"offset":7}');
      await cursors.delete("stars");
      expect(await cursors.get("stars")).toBeNull();
    });

    it("read an entry another version left unreadable as none, without throwing", async () => {
      store = await factory.make();
      await store.writeSession("cursor:old", "{not json");
      expect(await jsonEntries<{ offset: number }>(store, "cursor:").get("old")).toBeNull();
    });
  },
);
