// A queue harness per test, closed with its store after each test: the setup shared by the
// end-to-end queue tests.
import { afterEach } from "vitest";
import type { Store } from "../../src/db/store.ts";
import { type Harness, type HarnessOptions, startHarness } from "../queue-harness.ts";
import { sqliteFactory } from "./stores.ts";

export interface PerTestOptions extends Omit<HarnessOptions, "store"> {
  /** Opens the test's store; a fresh SQLite store with no free credits by default. */
  openStore?: () => Promise<Store>;
  /** What the harness gets instead of the store itself, e.g. one whose claims fail on demand. */
  wrapStore?: (store: Store) => Store;
}

/** Registers the cleanup; the returned function starts this test's harness. */
export function harnessPerTest(): (o?: PerTestOptions) => Promise<Harness> {
  let h: Harness | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await h?.close();
    await store?.close();
    h = null;
    store = null;
  });
  return async ({ openStore, wrapStore, ...o } = {}) => {
    store = await (openStore ?? (() => sqliteFactory().make({ freeCredits: 0 })))();
    h = await startHarness({ store: wrapStore ? wrapStore(store) : store, ...o });
    return h;
  };
}
