// A queue harness per test, on a fresh SQLite store, closed after each test: the setup shared by
// the end-to-end queue tests.
import { afterEach } from "vitest";
import type { Store } from "../../src/db/store.ts";
import { type Harness, type HarnessOptions, startHarness } from "../queue-harness.ts";
import { sqliteFactory } from "./stores.ts";

/** Registers the cleanup; the returned function starts this test's harness. */
export function harnessPerTest(): (o?: Omit<HarnessOptions, "store">) => Promise<Harness> {
  let h: Harness | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await h?.close();
    await store?.close();
    h = null;
    store = null;
  });
  return async (o = {}) => {
    store = await sqliteFactory().make({ freeCredits: 0 });
    h = await startHarness({ store, ...o });
    return h;
  };
}
