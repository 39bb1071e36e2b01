import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Store } from "../src/db/store.ts";
import { createLinkSigner } from "../src/storage/links.ts";
import { createLocalStorage } from "../src/storage/local.ts";
import { createRetention } from "../src/storage/retention.ts";
import type { Storage } from "../src/storage/types.ts";
import { silentLogger, tempDir, testConfig } from "./helpers/http.ts";
import { createJobAndConsumeCredit } from "./helpers/store-ops.ts";
import { storeFactories } from "./helpers/stores.ts";

const DAY = 86400_000;

for (const factory of storeFactories()) {
  describe(`retention (${factory.name})`, () => {
    let dir: ReturnType<typeof tempDir>;
    let store: Store;
    const storageAt = (at: Date): Storage =>
      createLocalStorage({
        root: dir.path,
        publicBaseUrl: undefined,
        signer: createLinkSigner("s"),
        logger: silentLogger(),
        now: () => at,
      });

    beforeEach(async () => {
      dir = tempDir();
      store = await factory.make({ freeCredits: 10 });
    });
    afterEach(async () => {
      await store.close();
      dir.cleanup();
    });

    /** A job created at `at`: a job is never younger than its files (the pipeline writes them). */
    async function jobWith(photoPath: string | null, resultPath: string | null, n: number, at: Date) {
      const { user } = await store.getOrCreateUser({ tgId: 1000 + n });
      vi.useFakeTimers({ toFake: ["Date"], now: at });
      const r = await createJobAndConsumeCredit(store, user.id, {
        chatId: 1000 + n,
        template: "ugc",
        model: "sora-2",
        language: "en",
        photoPath,
        productText: "mug",
        cost: 1,
        idempotencyKey: `k${n}`,
      });
      vi.useRealTimers();
      if (!r.ok) throw new Error("job not created");
      if (resultPath) await store.patchJob(r.job.id, { resultPath });
      return r.job.id;
    }

    it("deletes files older than RETENTION_DAYS and forgets their paths, keeping the jobs", async () => {
      const now = new Date();
      const oldAt = new Date(now.getTime() - 31 * DAY);
      const old = storageAt(oldAt);
      const fresh = storageAt(now);
      const oldPhoto = await old.put("inputs", Buffer.from("p"), { ext: "jpg" });
      const oldResult = await old.put("results", Buffer.from("r"), { ext: "mp4" });
      const newPhoto = await fresh.put("inputs", Buffer.from("p2"), { ext: "jpg" });
      const oldJob = await jobWith(oldPhoto.key, oldResult.key, 1, oldAt);
      const newJob = await jobWith(newPhoto.key, null, 2, now);
      // A path from elsewhere (say an import) is never touched.
      const foreignJob = await jobWith("/srv/legacy/photo.jpg", null, 3, oldAt);

      const retention = createRetention({
        config: testConfig(dir.path, { RETENTION_DAYS: "30" }),
        store,
        storage: fresh,
        logger: silentLogger(),
        warn: () => {},
        now: () => now,
      });
      expect(await retention.sweepOnce()).toEqual({ deletedFiles: 2, forgottenPaths: 2 });

      const j1 = await store.getJobById(oldJob);
      expect(j1).toMatchObject({ photoPath: null, resultPath: null, productText: "mug" });
      expect((await store.getJobById(newJob))?.photoPath).toBe(newPhoto.key);
      expect((await store.getJobById(foreignJob))?.photoPath).toBe("/srv/legacy/photo.jpg");
      expect(await fresh.stat(oldPhoto.key)).toBeNull();
      expect(await fresh.stat(newPhoto.key)).not.toBeNull();
    });

    it("forgets old paths whose files are already gone (a sweep interrupted before patching)", async () => {
      const now = new Date();
      const oldAt = new Date(now.getTime() - 40 * DAY);
      const old = storageAt(oldAt);
      const photo = await old.put("inputs", Buffer.from("p"), { ext: "jpg" });
      await old.remove(photo.key);
      const id = await jobWith(photo.key, null, 4, oldAt);
      const retention = createRetention({
        config: testConfig(dir.path),
        store,
        storage: old,
        logger: silentLogger(),
        warn: () => {},
        now: () => now,
      });
      expect(await retention.sweepOnce()).toEqual({ deletedFiles: 0, forgottenPaths: 1 });
      expect((await store.getJobById(id))?.photoPath).toBeNull();
    });
  });
}

describe("disk space warning", () => {
  it("warns admins once while free space stays below DISK_FREE_WARN_MB, again after a day", async () => {
    const dir = tempDir();
    let t = Date.now();
    let free = 100 * 1024 * 1024;
    const base = storageFake(dir.path, () => free);
    const warnings: string[] = [];
    const retention = createRetention({
      config: testConfig(dir.path, { DISK_FREE_WARN_MB: "500" }),
      store: {} as Store,
      storage: base,
      logger: silentLogger(),
      warn: (text) => {
        warnings.push(typeof text === "string" ? text : text("en"));
      },
      now: () => new Date(t),
    });
    expect(await retention.checkDisk()).toEqual({ freeBytes: free, low: true });
    await retention.checkDisk();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/100 MB free.*500 MB/);
    t += DAY;
    await retention.checkDisk();
    expect(warnings).toHaveLength(2);
    free = 600 * 1024 * 1024;
    expect((await retention.checkDisk()).low).toBe(false);
    free = 10 * 1024 * 1024;
    await retention.checkDisk();
    expect(warnings).toHaveLength(3);
    dir.cleanup();
  });
});

function storageFake(root: string, free: () => number): Storage {
  const real = createLocalStorage({
    root,
    publicBaseUrl: undefined,
    signer: createLinkSigner("s"),
    logger: silentLogger(),
  });
  return { ...real, root: real.root, freeBytes: async () => free() };
}
