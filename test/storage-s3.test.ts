// Object storage (STORAGE_TYPE=s3) against a real S3-protocol server (s3rver on loopback) with the
// real AWS SDK client: the same contract as local storage, and the same /f/ links served from it.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkStorage, runDoctor } from "../src/cli/checks.ts";
import type { Config } from "../src/config/index.ts";
import { createStorage } from "../src/storage/index.ts";
import { createLinkSigner } from "../src/storage/links.ts";
import { createRetention } from "../src/storage/retention.ts";
import { createS3Storage } from "../src/storage/s3.ts";
import { FileTooLargeError, type Storage } from "../src/storage/types.ts";
import { type FakeS3, startFakeS3 } from "./fakes/s3-server.ts";
import { silentLogger, TEST_LINK_SECRET, tempDir, testConfig, testHttpServer } from "./helpers/http.ts";
import { freePort } from "./queue-harness.ts";

/** What testConfig sets, as environment variables (for the doctor, which parses its own). */
const baseEnv = (storagePath: string) => ({
  BOT_TOKEN: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef",
  STORAGE_PATH: storagePath,
  DATABASE_PATH: `${storagePath}/db.sqlite`,
  HTTP_HOST: "127.0.0.1",
  HTTP_PORT: "0",
  LINK_SECRET: TEST_LINK_SECRET,
  TELEGRAM_API_ROOT: "http://127.0.0.1:9",
  KIE_BASE_URL: "http://127.0.0.1:9",
  OPENAI_BASE_URL: "http://127.0.0.1:9",
});

let s3: FakeS3;
beforeAll(async () => {
  s3 = await startFakeS3(["files", "other"]);
});
afterAll(() => s3.close());

async function read(stream: Readable | null): Promise<Buffer | null> {
  return stream && Buffer.concat(await stream.toArray());
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("object storage (s3)", () => {
  let dir: ReturnType<typeof tempDir>;
  let config: Config;
  let storage: Storage;
  beforeEach(() => {
    dir = tempDir();
    config = testConfig(dir.path, s3.env("files"));
    storage = createStorage(config, silentLogger());
  });
  afterEach(async () => {
    for (const key of await s3.keys("files")) await storage.remove(key);
    await storage.close();
    dir.cleanup();
  });

  it("stores a file under the same kind/yyyy/mm/dd/<random>.<ext> key as local storage and reads it back", async () => {
    const file = await storage.put("results", Buffer.from("video bytes"), { ext: "mp4" });
    expect(file.key).toMatch(/^results\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{32}\.mp4$/);
    expect(file).toMatchObject({ size: 11, contentType: "video/mp4" });
    expect((await read(await storage.open(file.key)))?.toString()).toBe("video bytes");
    expect((await storage.stat(file.key))?.size).toBe(11);
    expect(storage.localPath(file.key)).toBeNull();
    expect(await s3.keys("files")).toEqual([file.key]);
  });

  it("streams a source of several megabytes byte for byte (a multipart upload)", async () => {
    // 11 MB in 64 KB chunks, each filled with its own number: three parts of S3's 5 MB minimum.
    const parts = Array.from({ length: 176 }, (_, i) => Buffer.alloc(64 * 1024, i % 256));
    const file = await storage.put("results", Readable.from(parts), { ext: "mp4" });
    expect(file.size).toBe(176 * 64 * 1024);
    const back = await read(await storage.open(file.key));
    expect(sha(back!)).toBe(sha(Buffer.concat(parts)));
  });

  it("refuses a stream over maxBytes and leaves no object, whether it fit in one request or not", async () => {
    const small = Readable.from(Array.from({ length: 20 }, () => Buffer.alloc(1000)));
    await expect(storage.put("inputs", small, { ext: "jpg", maxBytes: 5000 })).rejects.toBeInstanceOf(
      FileTooLargeError,
    );
    // Past the first 5 MB part: the multipart upload had begun when the limit was crossed.
    const big = Readable.from(Array.from({ length: 8 }, () => Buffer.alloc(1024 * 1024, 1)));
    await expect(
      storage.put("results", big, { ext: "mp4", maxBytes: 6 * 1024 * 1024 }),
    ).rejects.toBeInstanceOf(FileTooLargeError);
    expect(big.destroyed).toBe(true);
    await expect(storage.put("inputs", Buffer.alloc(10), { ext: "jpg", maxBytes: 5 })).rejects.toBeInstanceOf(
      FileTooLargeError,
    );
    expect(await s3.keys("files")).toEqual([]);
  });

  it("answers missing for a removed object, an unknown key and a string that is not a key", async () => {
    const file = await storage.put("inputs", Buffer.from("photo"), { ext: "jpg" });
    await storage.remove(file.key);
    expect(await storage.stat(file.key)).toBeNull();
    expect(await storage.open(file.key)).toBeNull();
    expect(await storage.open("results/2026/01/01/nothing.mp4")).toBeNull();
    expect(await storage.stat("../etc/passwd")).toBeNull();
    expect(await storage.open("/legacy/path.jpg")).toBeNull();
    await storage.remove("../etc/passwd");
  });

  it("keeps a key given to putAt (storage migrate) and lists every stored file", async () => {
    const a = await storage.putAt("results/2026/03/10/aa.mp4", Buffer.from("aa"));
    const b = await storage.putAt("inputs/2026/03/11/bb.jpg", Readable.from([Buffer.from("bbb")]));
    expect([a.key, b.key]).toEqual(["results/2026/03/10/aa.mp4", "inputs/2026/03/11/bb.jpg"]);
    const listed = [];
    for await (const f of storage.list()) listed.push(f);
    expect(listed).toEqual([
      { key: "inputs/2026/03/11/bb.jpg", size: 3 },
      { key: "results/2026/03/10/aa.mp4", size: 2 },
    ]);
    await expect(storage.putAt("../x.mp4", Buffer.from("x"))).rejects.toThrow(/not a storage key/);
  });

  it("sweeps whole days before the cutoff, judges the cutoff's own day by upload time, and keeps later days", async () => {
    const at = (iso: string) =>
      createS3Storage({
        bucket: config.storage.s3!,
        publicBaseUrl: undefined,
        signer: createLinkSigner("s"),
        logger: silentLogger(),
        now: () => new Date(iso),
      });
    const old = await at("2026-03-09T10:00:00Z").put("results", Buffer.from("old"), { ext: "mp4" });
    const sameDay = await at("2026-03-10T10:00:00Z").put("inputs", Buffer.from("day"), { ext: "jpg" });
    const later = await at("2026-03-12T10:00:00Z").put("results", Buffer.from("new"), { ext: "mp4" });
    // The objects were uploaded now (long after 2026-03-10 noon): only the whole day before goes.
    expect(await storage.sweep(new Date("2026-03-10T12:00:00Z"))).toEqual([old.key]);
    expect(await storage.sweep(new Date("2026-03-11T00:00:00Z"))).toEqual([sameDay.key]);
    expect(await s3.keys("files")).toEqual([later.key]);
  });

  it("has no disk to watch: no free-space figure, no low-disk warning; healthy while the bucket answers", async () => {
    expect(await storage.freeBytes()).toBeNull();
    const warned: unknown[] = [];
    const retention = createRetention({
      config: { ...config, storage: { ...config.storage, diskFreeWarnBytes: Number.MAX_SAFE_INTEGER } },
      store: {} as never,
      storage,
      logger: silentLogger(),
      warn: (t) => void warned.push(t),
    });
    expect(await retention.checkDisk()).toEqual({ freeBytes: null, low: false });
    expect(warned).toEqual([]);
    expect(await storage.healthy()).toBe(true);
    const gone = createStorage(testConfig(dir.path, s3.env("no-such-bucket")), silentLogger());
    expect(await gone.healthy()).toBe(false);
    await gone.close();
  });
});

describe("/f/ links to object storage, served by the HTTP server from the bucket", () => {
  let dir: ReturnType<typeof tempDir>;
  let storage: Storage;
  let server: ReturnType<typeof testHttpServer>;
  let base: string;
  beforeAll(async () => {
    dir = tempDir();
    const config = testConfig(dir.path, s3.env("files"));
    storage = createStorage(config, silentLogger());
    server = testHttpServer(config, { storage });
    base = `http://127.0.0.1:${(await server.listen()).port}`;
  });
  afterAll(async () => {
    await server.close();
    await storage.close();
    dir.cleanup();
  });

  const local = (url: string) => url.replace("https://bot.example.com", base);

  it("serves the whole file with its type, ranges as 206, HEAD without a body and 304 for a known ETag", async () => {
    const bytes = Buffer.from("0123456789abcdef");
    const file = await storage.put("results", bytes, { ext: "mp4" });
    const url = local(storage.publicUrl(file.key)!);
    expect(url).toMatch(/\/f\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);

    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("video/mp4");
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes);
    const etag = whole.headers.get("etag")!;
    expect(etag).toBeTruthy();

    const part = await fetch(url, { headers: { range: "bytes=2-5" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 2-5/16");
    expect(await part.text()).toBe("2345");

    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("16");

    const cached = await fetch(url, { headers: { "if-none-match": etag } });
    expect(cached.status).toBe(304);

    const outside = await fetch(url, { headers: { range: "bytes=100-200" } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get("content-range")).toBe("bytes */16");
  });

  it("answers 410 Gone for a swept object and 404 for a forged link", async () => {
    const file = await storage.put("inputs", Buffer.from("photo"), { ext: "jpg" });
    const url = local(storage.publicUrl(file.key)!);
    await storage.remove(file.key);
    expect((await fetch(url)).status).toBe(410);
    expect((await fetch(`${url.slice(0, -3)}AAA`)).status).toBe(404);
  });
});

describe("doctor checks the bucket", () => {
  const check = (env: Record<string, string>) => {
    const dir = tempDir();
    const all = { ...s3.env("files"), ...env };
    return checkStorage(testConfig(dir.path, all), all).finally(() => dir.cleanup());
  };

  it("✓ when the bucket answers and a probe object is written, read back and deleted", async () => {
    expect(await check({})).toEqual({
      status: "ok",
      name: "storage",
      detail: `s3://files at ${s3.endpoint}: reachable, keys accepted, a probe object written, read back and deleted`,
    });
    expect((await s3.keys("files")).filter((k) => k.startsWith("neurocards-doctor/"))).toEqual([]);
  });

  it("✗ wrong keys: says access was denied and which variables to check, never the secret", async () => {
    const r = await check({ S3_ACCESS_KEY_ID: "WRONGKEYID", S3_SECRET_ACCESS_KEY: "not-the-secret-key" });
    expect(r).toMatchObject({ status: "fail", name: "storage" });
    expect(r.detail).toMatch(/^s3:\/\/files at http:\/\/127\.0\.0\.1:\d+: access denied \(403/);
    expect(r.fix).toBe(
      "check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, and that this key may use the bucket",
    );
    expect(JSON.stringify(r)).not.toContain("not-the-secret-key");
  });

  it("✗ a bucket that does not exist: says so and how to fix it", async () => {
    expect(await check({ S3_BUCKET: "no-such-bucket" })).toMatchObject({
      status: "fail",
      detail: `s3://no-such-bucket at ${s3.endpoint}: the bucket does not exist`,
      fix: "create the bucket, or correct S3_BUCKET (and S3_FORCE_PATH_STYLE=true for MinIO-like servers)",
    });
  });

  it("✗ an endpoint nobody answers at: cannot reach it, with the network's reason", async () => {
    const r = await check({ S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    expect(r.status).toBe("fail");
    expect(r.detail).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect(r.fix).toBe("check S3_ENDPOINT and that this machine can reach it");
  });

  it("checks the backup bucket too, with BACKUP_S3_* named in its fixes", async () => {
    const dir = tempDir();
    const env = { ...s3.env("files"), STORAGE_TYPE: "local", BACKUP_S3_BUCKET: "other" };
    const results = await runDoctor(
      {
        out() {},
        err() {},
        env: { ...env, ...baseEnv(dir.path) },
        cwd: dir.path,
        execPath: "/x",
        isTTY: false,
        waitForSignal: () => new Promise(() => {}),
      },
      undefined,
    );
    dir.cleanup();
    expect(results.find((r) => r.name === "backup bucket")).toMatchObject({
      status: "ok",
      detail: `s3://other at ${s3.endpoint}: reachable, keys accepted, a probe object written, read back and deleted`,
    });
  });
});
