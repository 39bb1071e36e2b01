import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_INPUT_TTL_MS, createAdminState } from "../src/admin/state.ts";
import type { Store } from "../src/db/store.ts";
import { storeFactories } from "./helpers/stores.ts";

describe("admin pending input", () => {
  let store: Store;
  let clock = 1_000_000;
  beforeEach(async () => {
    store = await storeFactories()[0]!.make();
  });
  afterEach(() => store.close());

  it("is kept in the database, so another process (a restart) reads it back", async () => {
    await createAdminState(store, () => clock).set(7, { await: "amount", op: "grant", userId: 3 });
    expect(await createAdminState(store, () => clock).get(7)).toEqual({
      await: "amount",
      op: "grant",
      userId: 3,
    });
  });

  it("is forgotten once it waited longer than the time limit", async () => {
    const state = createAdminState(store, () => clock);
    await state.set(7, { await: "user_query" });
    clock += ADMIN_INPUT_TTL_MS + 1;
    expect(await state.get(7)).toBeNull();
    expect(await store.readSession("admin:7")).toBeUndefined();
  });

  it("ignores a value it cannot read", async () => {
    await store.writeSession("admin:8", "{not json");
    expect(await createAdminState(store, () => clock).get(8)).toBeNull();
  });
});
