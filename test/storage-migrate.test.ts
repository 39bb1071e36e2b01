// `neurocards storage migrate`: files move between the local folder and a real S3-protocol server
// (s3rver) under the same keys, each copy read back and verified, and a stopped run resumes.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Config } from "../src/config/index.ts";
import { createStorage } from "../src/storage/index.ts";
import { migrateStorage } from "../src/storage/migrate.ts";
import type { Storage } from "../src/storage/types.ts";
import { type FakeS3, startFakeS3 } from "./fakes/s3-server.ts";
import { runCliIn } from "./helpers/cli.ts";
import { silentLogger, tempDir, testConfig } from "./helpers/http.ts";

let s3: FakeS3;
beforeAll(async () => {
  s3 = await startFakeS3(["files"]);
});
afterAll(() => s3.close());

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function contents(storage: Storage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const { key } of storage.list()) {
    out[key] = sha(Buffer.concat(await (await storage.open(key))!.toArray()));
  }
  return out;
}

describe("storage migrate", () => {
  let dir: ReturnType<typeof tempDir>;
  let config: Config;
  let local: Storage;
  let bucket: Storage;
  let keys: string[];
  beforeEach(async () => {
    dir = tempDir();
    config = testConfig(join(dir.path, "files"), { ...s3.env("files"), STORAGE_TYPE: "local" });
    local = createStorage(config, silentLogger(), "local");
    bucket = createStorage(config, silentLogger(), "s3");
    keys = [];
    for (let i = 0; i < 5; i++) {
      const kind = i % 2 ? "inputs" : "results";
      const bytes = Buffer.alloc(1000 * (i + 1), i + 1);
      keys.push((await local.put(kind, Readable.from([bytes]), { ext: i % 2 ? "jpg" : "mp4" })).key);
    }
  });
  afterEach(async () => {
    for (const key of await s3.keys("files")) await bucket.remove(key);
    await bucket.close();
    dir.cleanup();
  });

  const journal = () => join(dir.path, "files", ".migrate-test.ndjson");

  it("moves local → s3 → local under the same keys; a run stopped half way resumes without copying twice", async () => {
    const original = await contents(local);
    const stop = new AbortController();
    const first = migrateStorage({
      from: local,
      to: bucket,
      journal: journal(),
      logger: silentLogger(),
      signal: stop.signal,
      onProgress: (p) => {
        if (p.done === 2) stop.abort();
      },
    });
    await expect(first).rejects.toThrow(/abort/i);
    expect(await s3.keys("files")).toHaveLength(2);

    const seen: number[] = [];
    const resumed = await migrateStorage({
      from: local,
      to: bucket,
      journal: journal(),
      logger: silentLogger(),
      onProgress: (p) => void seen.push(p.done),
    });
    expect(resumed).toMatchObject({ files: 5, copied: 3, alreadyThere: 2, removed: 0, failed: [] });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await contents(bucket)).toEqual(original);
    // Keys as the database holds them: identical on both sides.
    expect(Object.keys(await contents(bucket)).sort()).toEqual([...keys].sort());

    // And back into a fresh folder, deleting each object once its copy is verified.
    const back = createStorage(testConfig(join(dir.path, "back")), silentLogger(), "local");
    const home = await migrateStorage({
      from: bucket,
      to: back,
      journal: join(dir.path, "back", ".migrate-test.ndjson"),
      removeSource: true,
      logger: silentLogger(),
    });
    expect(home).toMatchObject({ files: 5, copied: 5, removed: 5, failed: [] });
    expect(await contents(back)).toEqual(original);
    expect(await s3.keys("files")).toEqual([]);
  });

  it("a copy that does not read back equal to the original is deleted, reported, and its original kept", async () => {
    // A destination whose writes lose the last byte: size and checksum both give it away.
    const lossy: Storage = {
      ...bucket,
      putAt: async (key, source) => {
        const bytes = Buffer.concat(await (source as Readable).toArray());
        return bucket.putAt(key, bytes.subarray(0, bytes.length - 1));
      },
    };
    const r = await migrateStorage({
      from: local,
      to: lossy,
      journal: journal(),
      removeSource: true,
      logger: silentLogger(),
    });
    expect(r.copied).toBe(0);
    expect(r.removed).toBe(0);
    expect(r.failed.map((f) => f.key).sort()).toEqual([...keys].sort());
    expect(r.failed[0]!.reason).toMatch(
      /reads back as \d+ bytes, sha256 [0-9a-f]{12}…; the original is \d+ bytes/,
    );
    expect(await s3.keys("files")).toEqual([]);
    expect(Object.keys(await contents(local))).toHaveLength(5);
    expect(existsSync(journal()) ? readFileSync(journal(), "utf8") : "").toBe("");
  });

  it("from the command line: progress, the summary, the next step; --remove-source only once the bot reads the target", async () => {
    const env = Object.fromEntries(
      Object.entries({ ...s3.env("files"), STORAGE_TYPE: "local" }).concat([
        ["BOT_TOKEN", "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef"],
        ["STORAGE_PATH", join(dir.path, "files")],
      ]),
    );
    const refused = await runCliIn(dir.path, ["storage", "migrate", "--to", "s3", "--remove-source"], env);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/reads its files from local storage \(STORAGE_TYPE=local\): copy first/);

    const run = await runCliIn(dir.path, ["storage", "migrate", "--to", "s3"], env);
    expect(run.err).toContain("copy: 100% (5/5 files)");
    expect(run.out).toContain(`copying files from ${join(dir.path, "files")} to s3://files`);
    expect(run.out).toMatch(/5 files: 5 copied \(0\.0 MB\) and verified by size and sha256, 0 already there/);
    expect(run.out).toContain("next: set STORAGE_TYPE=s3 in .env and restart neurocards");
    expect(run.code).toBe(0);
    expect(readdirSync(join(dir.path, "files")).filter((n) => n.startsWith(".migrate-to-s3-"))).toHaveLength(
      1,
    );

    const moved = await runCliIn(dir.path, ["storage", "migrate", "--to", "s3", "--remove-source"], {
      ...env,
      STORAGE_TYPE: "s3",
    });
    expect(moved.out).toMatch(
      /5 files: 0 copied \(0\.0 MB\) and verified by size and sha256, 5 already there/,
    );
    expect(moved.out).toContain(`5 originals removed from ${join(dir.path, "files")}`);
    expect(moved.code).toBe(0);
    expect(await contents(local)).toEqual({});

    const noBucket = await runCliIn(dir.path, ["storage", "migrate", "--to", "local"], {
      BOT_TOKEN: env.BOT_TOKEN!,
    });
    expect(noBucket.code).toBe(2);
    expect(noBucket.err).toContain("`storage migrate` needs the bucket: set S3_BUCKET");
  });
});
