import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStorage } from "../src/storage/index.ts";
import { isValidKey } from "../src/storage/keys.ts";
import { createLinkSigner } from "../src/storage/links.ts";
import { createLocalStorage, groupCommit } from "../src/storage/local.ts";
import { FileTooLargeError, type Storage } from "../src/storage/types.ts";
import { silentLogger, TEST_LINK_SECRET, tempDir, testConfig } from "./helpers/http.ts";

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Storage in `root` whose clock says `now`, without public links. */
function storageAt(root: string, now: () => Date) {
  return createLocalStorage({
    root,
    publicBaseUrl: undefined,
    signer: createLinkSigner("s"),
    logger: silentLogger(),
    now,
  });
}

describe("local storage", () => {
  let dir: ReturnType<typeof tempDir>;
  let storage: Storage;
  beforeEach(() => {
    dir = tempDir();
    storage = createStorage(testConfig(dir.path), silentLogger());
  });
  afterEach(() => dir.cleanup());

  it("stores a file under kind/yyyy/mm/dd/<random>.<ext> and reads it back", async () => {
    const file = await storage.put("results", Buffer.from("video bytes"), { ext: "mp4" });
    expect(file.key).toMatch(/^results\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{32}\.mp4$/);
    expect(file).toMatchObject({ size: 11, contentType: "video/mp4" });
    expect(readFileSync(storage.localPath(file.key)!, "utf8")).toBe("video bytes");
    const stream = await storage.open(file.key);
    const chunks: Buffer[] = [];
    for await (const c of stream!) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("video bytes");
    expect((await storage.stat(file.key))?.size).toBe(11);
  });

  it("streams a readable source and counts its size", async () => {
    const parts = Array.from({ length: 50 }, () => Buffer.alloc(10_000, 7));
    const file = await storage.put("inputs", Readable.from(parts), { ext: "JPG" });
    expect(file.key.startsWith("inputs/")).toBe(true);
    expect(file.key.endsWith(".jpg")).toBe(true);
    expect(file.size).toBe(500_000);
    expect(file.contentType).toBe("image/jpeg");
  });

  it("lands a streamed file of several megabytes byte for byte, chunk order kept", async () => {
    // 3.5 MB in 64 KB chunks, each chunk filled with its own number: more than one write batch.
    const parts = Array.from({ length: 56 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const file = await storage.put("results", Readable.from(parts), { ext: "mp4" });
    expect(file.size).toBe(56 * 64 * 1024);
    expect(readFileSync(storage.localPath(file.key)!).equals(Buffer.concat(parts))).toBe(true);
  });

  it("refuses a stream larger than maxBytes and leaves nothing behind", async () => {
    const parts = Array.from({ length: 20 }, () => Buffer.alloc(1000));
    const source = Readable.from(parts);
    await expect(storage.put("inputs", source, { ext: "jpg", maxBytes: 5000 })).rejects.toThrow(
      FileTooLargeError,
    );
    // The rest is not read: a download over the limit gives its connection up at once.
    expect(source.destroyed).toBe(true);
    await expect(storage.put("inputs", Buffer.alloc(6000), { ext: "jpg", maxBytes: 5000 })).rejects.toThrow(
      FileTooLargeError,
    );
    expect(allFiles(dir.path)).toEqual([]);
  });

  it("leaves no file under a real key when the source stream fails midway", async () => {
    async function* broken() {
      yield Buffer.alloc(64 * 1024, 1);
      yield Buffer.alloc(64 * 1024, 2);
      throw new Error("connection reset");
    }
    await expect(storage.put("results", Readable.from(broken()), { ext: "mp4" })).rejects.toThrow(
      "connection reset",
    );
    expect(allFiles(dir.path)).toEqual([]);
  });

  it("gives up a stream it cannot write (the day folder cannot be made), so its connection is freed", async () => {
    const day = new Date("2026-03-04T12:00:00Z");
    mkdirSync(join(dir.path, "inputs", "2026", "03"), { recursive: true });
    writeFileSync(join(dir.path, "inputs", "2026", "03", "04"), "a file where the folder goes");
    const source = Readable.from([Buffer.alloc(1000)]);
    await expect(storageAt(dir.path, () => day).put("inputs", source, { ext: "jpg" })).rejects.toThrow();
    expect(source.destroyed).toBe(true);
  });

  it("answers null for missing files and removes idempotently", async () => {
    const file = await storage.put("results", Buffer.from("x"), { ext: "mp4" });
    await storage.remove(file.key);
    await storage.remove(file.key);
    expect(await storage.stat(file.key)).toBeNull();
    expect(await storage.open(file.key)).toBeNull();
  });

  it("treats a value that is not a key (legacy path, forged) as a missing file", async () => {
    const inner = createStorage(testConfig(join(dir.path, "root")), silentLogger());
    writeFileSync(join(dir.path, "outside.txt"), "x");
    expect(await inner.stat("../outside.txt")).toBeNull();
    expect(await inner.open("../outside.txt")).toBeNull();
    expect(await inner.open("/etc/passwd")).toBeNull();
    await inner.remove("../outside.txt");
    expect(existsSync(join(dir.path, "outside.txt"))).toBe(true);
  });

  it("never turns a key from outside into a path outside the root", () => {
    const bad = [
      "../etc/passwd",
      "results/../../etc/passwd",
      "results/2026/../../../x",
      "/etc/passwd",
      "results//x.mp4",
      "results/.hidden",
      "results/a\\..\\..\\b",
      "results/x%2f..",
      "results/x\0.mp4",
      "other/2026/01/01/x.mp4",
      `results/${"a".repeat(300)}`,
      "results",
      "",
    ];
    for (const key of bad) {
      expect(isValidKey(key), key).toBe(false);
      expect(storage.localPath(key), key).toBeNull();
      expect(storage.publicUrl(key), key).toBeUndefined();
    }
  });

  it("signs public links that decode back to the key and expire", async () => {
    const file = await storage.put("inputs", Buffer.from("p"), { ext: "png" });
    const url = storage.publicUrl(file.key, 60)!;
    expect(url.startsWith("https://bot.example.com/f/")).toBe(true);
    const signer = createLinkSigner(TEST_LINK_SECRET);
    const token = url.slice(url.lastIndexOf("/") + 1);
    expect(signer.verify(token)).toMatchObject({ ok: true, key: file.key });
    expect(signer.verify(token, new Date(Date.now() + 61_000))).toEqual({ ok: false, reason: "expired" });
    expect(createLinkSigner("another-secret").verify(token)).toEqual({ ok: false, reason: "invalid" });
  });

  it("gives no public link without PUBLIC_BASE_URL", async () => {
    const s = createStorage(testConfig(dir.path, { PUBLIC_BASE_URL: "" }), silentLogger());
    expect(s.publicUrl("results/2026/11/25/abc.mp4")).toBeUndefined();
  });

  it("sweeps files written before the cutoff and keeps newer ones", async () => {
    const longAgo = new Date(Date.now() - 40 * 86400_000);
    const past = storageAt(dir.path, () => longAgo);
    const old = await past.put("results", Buffer.from("old"), { ext: "mp4" });
    const fresh = await storage.put("inputs", Buffer.from("new"), { ext: "jpg" });
    const deleted = await storage.sweep(new Date(Date.now() - 30 * 86400_000));
    expect(deleted).toEqual([old.key]);
    expect(await storage.stat(old.key)).toBeNull();
    expect(await storage.stat(fresh.key)).not.toBeNull();
    expect(allFiles(dir.path)).toEqual([storage.localPath(fresh.key)]);
  });

  it("judges files of the cutoff day by when they were written, and clears crash leftovers", async () => {
    const at = (h: number) => new Date(Date.UTC(2026, 0, 10, h));
    const day = storageAt(dir.path, () => at(12));
    const a = await day.put("results", Buffer.from("a"), { ext: "mp4" });
    const b = await day.put("results", Buffer.from("b"), { ext: "mp4" });
    utimesSync(day.localPath(a.key)!, at(9), at(9));
    utimesSync(day.localPath(b.key)!, at(11), at(11));
    const leftover = join(dirname(day.localPath(a.key)!), ".tmp-deadbeef");
    writeFileSync(leftover, "half");
    utimesSync(leftover, at(1), at(1));
    expect(await day.sweep(at(10))).toEqual([a.key]);
    expect(await day.stat(b.key)).not.toBeNull();
    expect(existsSync(leftover)).toBe(false);
  });

  it("lands every one of many concurrent writes into one folder with its bytes, sharing folder fsyncs", async () => {
    const synced: string[] = [];
    const counted = createLocalStorage({
      root: dir.path,
      publicBaseUrl: undefined,
      signer: createLinkSigner("s"),
      logger: silentLogger(),
      async syncDir(folder) {
        synced.push(folder);
        await new Promise((r) => setTimeout(r, 5));
        const fd = openSync(folder, "r");
        fsyncSync(fd);
        closeSync(fd);
      },
    });
    const bodies = Array.from({ length: 40 }, (_, i) => Buffer.from(`file number ${i}`));
    const files = await Promise.all(
      bodies.map((b) => counted.put("results", Readable.from([b]), { ext: "mp4" })),
    );
    files.forEach((f, i) => {
      expect(readFileSync(counted.localPath(f.key)!, "utf8")).toBe(`file number ${i}`);
    });
    expect(new Set(synced)).toEqual(new Set(files.map((f) => dirname(counted.localPath(f.key)!))));
    expect(synced.length).toBeGreaterThan(0);
    expect(synced.length).toBeLessThan(files.length);
  });

  it("writes again into a day folder that the sweep removed after an earlier write", async () => {
    const noon = new Date(Date.UTC(2026, 0, 10, 12));
    const day = storageAt(dir.path, () => noon);
    const first = await day.put("results", Buffer.from("first"), { ext: "mp4" });
    const folder = dirname(day.localPath(first.key)!);
    expect(await day.sweep(new Date(noon.getTime() + 2 * 86400_000))).toEqual([first.key]);
    expect(existsSync(folder)).toBe(false);
    const second = await day.put("results", Readable.from([Buffer.from("second")]), { ext: "mp4" });
    expect(readFileSync(day.localPath(second.key)!, "utf8")).toBe("second");
    expect(allFiles(dir.path)).toEqual([day.localPath(second.key)]);
  });

  it("reports free bytes of the volume", async () => {
    const free = await storage.freeBytes();
    expect(free).toBeGreaterThan(0);
    expect(statSync(storage.root!).isDirectory()).toBe(true);
    expect(await storage.healthy()).toBe(true);
  });
});

describe("folder fsync group commit", () => {
  function controlledSync() {
    const runs: { dir: string; done: () => void }[] = [];
    const sync = (dir: string) => new Promise<void>((done) => runs.push({ dir, done }));
    return { runs, sync };
  }
  const settled = () => new Promise((r) => setImmediate(r));

  it("makes a write that lands while a folder fsync runs wait for the next fsync, shared with later writes", async () => {
    const { runs, sync } = controlledSync();
    const commit = groupCommit(sync);
    const landed: string[] = [];
    const first = commit("/d").then(() => landed.push("first"));
    const second = commit("/d").then(() => landed.push("second"));
    const third = commit("/d").then(() => landed.push("third"));
    expect(runs).toHaveLength(1);

    runs[0]!.done();
    await first;
    await settled();
    expect(landed).toEqual(["first"]);
    expect(runs).toHaveLength(2);

    const fourth = commit("/d").then(() => landed.push("fourth"));
    runs[1]!.done();
    await Promise.all([second, third]);
    await settled();
    expect(landed).toEqual(["first", "second", "third"]);
    expect(runs).toHaveLength(3);
    runs[2]!.done();
    await fourth;
    expect(landed).toEqual(["first", "second", "third", "fourth"]);
  });

  it("syncs different folders independently and starts afresh once a folder is idle", async () => {
    const { runs, sync } = controlledSync();
    const commit = groupCommit(sync);
    const a = commit("/a");
    const b = commit("/b");
    expect(runs.map((r) => r.dir)).toEqual(["/a", "/b"]);
    for (const r of runs) r.done();
    await Promise.all([a, b]);
    const again = commit("/a");
    expect(runs).toHaveLength(3);
    runs[2]!.done();
    await again;
  });

  it("still runs the queued fsync when the one in flight fails", async () => {
    let calls = 0;
    const commit = groupCommit(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 1));
      if (calls === 1) throw new Error("EIO");
    });
    const first = commit("/d");
    const second = commit("/d");
    await expect(first).rejects.toThrow("EIO");
    await expect(second).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
