import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { get, type ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpServer } from "../src/http/index.ts";
import { createFileStreamer } from "../src/http/stream-file.ts";
import { createStorage } from "../src/storage/index.ts";
import { createLinkSigner } from "../src/storage/links.ts";
import type { Storage, StoredFile } from "../src/storage/types.ts";
import { raw, silentLogger, TEST_LINK_SECRET, tempDir, testConfig, testHttpServer } from "./helpers/http.ts";

describe("file links over HTTP", () => {
  const dir = tempDir();
  const config = testConfig(dir.path);
  let storage: Storage;
  let server: HttpServer;
  let port: number;
  let video: StoredFile;
  let content: Buffer;
  let token: string;

  beforeAll(async () => {
    storage = createStorage(config, silentLogger());
    content = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
    video = await storage.put("results", content, { ext: "mp4" });
    const url = storage.publicUrl(video.key, 600)!;
    token = url.slice(url.lastIndexOf("/") + 1);
    server = testHttpServer(config, { storage });
    ({ port } = await server.listen());
  });
  afterAll(async () => {
    await server.close();
    dir.cleanup();
  });

  it("serves the whole file with its content type, length, ETag and Last-Modified", async () => {
    const r = await raw(port, `/f/${token}`);
    expect(r.status).toBe(200);
    expect(r.body.equals(content)).toBe(true);
    expect(r.headers["content-type"]).toBe("video/mp4");
    expect(r.headers["content-length"]).toBe("10000");
    expect(r.headers["accept-ranges"]).toBe("bytes");
    expect(r.headers.etag).toBeTruthy();
    expect(r.headers["last-modified"]).toBeTruthy();
    expect(r.headers["cache-control"]).toMatch(/^private, max-age=\d+$/);
  });

  it("answers HEAD with the headers and no body", async () => {
    const r = await raw(port, `/f/${token}`, { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.headers["content-length"]).toBe("10000");
    expect(r.body.length).toBe(0);
  });

  it("serves the first bytes of a range request with 206", async () => {
    const r = await raw(port, `/f/${token}`, { headers: { Range: "bytes=0-99" } });
    expect(r.status).toBe(206);
    expect(r.headers["content-range"]).toBe("bytes 0-99/10000");
    expect(r.body.equals(content.subarray(0, 100))).toBe(true);
  });

  it("serves a range from the middle so players can seek", async () => {
    const r = await raw(port, `/f/${token}`, { headers: { Range: "bytes=5000-5999" } });
    expect(r.status).toBe(206);
    expect(r.headers["content-range"]).toBe("bytes 5000-5999/10000");
    expect(r.body.equals(content.subarray(5000, 6000))).toBe(true);
  });

  it("serves a suffix range (the last N bytes) and an open-ended range to resume", async () => {
    const suffix = await raw(port, `/f/${token}`, { headers: { Range: "bytes=-500" } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers["content-range"]).toBe("bytes 9500-9999/10000");
    expect(suffix.body.equals(content.subarray(9500))).toBe(true);
    const resume = await raw(port, `/f/${token}`, { headers: { Range: "bytes=9000-" } });
    expect(resume.status).toBe(206);
    expect(resume.body.equals(content.subarray(9000))).toBe(true);
  });

  it("answers 416 with the real size for a range beyond the end", async () => {
    const r = await raw(port, `/f/${token}`, { headers: { Range: "bytes=20000-30000" } });
    expect(r.status).toBe(416);
    expect(r.headers["content-range"]).toBe("bytes */10000");
  });

  it("answers 304 to a conditional request with the current ETag or date", async () => {
    const first = await raw(port, `/f/${token}`, { method: "HEAD" });
    const byTag = await raw(port, `/f/${token}`, {
      headers: { "If-None-Match": String(first.headers.etag) },
    });
    expect(byTag.status).toBe(304);
    expect(byTag.body.length).toBe(0);
    const byDate = await raw(port, `/f/${token}`, {
      headers: { "If-Modified-Since": String(first.headers["last-modified"]) },
    });
    expect(byDate.status).toBe(304);
    const stale = await raw(port, `/f/${token}`, { headers: { "If-None-Match": '"something-else"' } });
    expect(stale.status).toBe(200);
  });

  it("answers 410 for an expired link and 404 for the same link with a forged signature", async () => {
    const signer = createLinkSigner(TEST_LINK_SECRET);
    const expired = signer.sign(video.key, new Date(Date.now() - 1000));
    expect((await raw(port, `/f/${expired}`)).status).toBe(410);
    const [payload] = expired.split(".");
    const forgedPayload = Buffer.from(`${Math.floor(Date.now() / 1000) + 3600}:${video.key}`).toString(
      "base64url",
    );
    const sig = token.split(".")[1]!;
    expect((await raw(port, `/f/${forgedPayload}.${sig}`)).status).toBe(404);
    expect((await raw(port, `/f/${payload}.${"A".repeat(43)}`)).status).toBe(404);
    const otherSecret = createLinkSigner("a-different-secret").sign(video.key, new Date(Date.now() + 60_000));
    expect((await raw(port, `/f/${otherSecret}`)).status).toBe(404);
  });

  it("answers 410 for a valid link whose file was swept", async () => {
    const gone = await storage.put("results", Buffer.from("bye"), { ext: "mp4" });
    const url = storage.publicUrl(gone.key, 600)!;
    await storage.remove(gone.key);
    expect((await raw(port, new URL(url).pathname)).status).toBe(410);
  });

  it("never lets a URL reach the file system: every traversal trick is a 404", async () => {
    writeFileSync(`${dir.path}/secret.txt`, "do not serve");
    const tricks = [
      "/f/../../etc/passwd",
      "/f/..%2f..%2fetc%2fpasswd",
      "/f/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "/f/%2E%2E/secret.txt",
      "/f/results%2F2026%2F01%2F01%2Fx.mp4",
      "/f/%252e%252e%252fsecret.txt",
      "/f/..%5c..%5csecret.txt",
      "/f/..\\..\\secret.txt",
      `/f/${token}%00`,
      `/f/${token}%00.txt`,
      "/f/secret.txt",
      "/f/",
      "/f",
      "/f//etc/passwd",
      "/secret.txt",
      "/inputs/",
      "/results/",
      `/f/${token}/`,
      `/f/${token}/../secret.txt`,
      `/f/${"A".repeat(5000)}`,
      `/f/${"A".repeat(300)}.${"B".repeat(43)}`,
      `/f/${Buffer.from("9999999999:../secret.txt").toString("base64url")}.${"A".repeat(43)}`,
    ];
    for (const path of tricks) {
      const r = await raw(port, path);
      expect(r.status, path).toBe(404);
      expect(r.body.toString()).not.toContain("do not serve");
    }
  });

  it("refuses methods other than GET and HEAD on file links", async () => {
    expect((await raw(port, `/f/${token}`, { method: "POST", body: "x" })).status).toBe(404);
    expect((await raw(port, `/f/${token}`, { method: "DELETE" })).status).toBe(404);
  });

  it("serves every byte intact to many concurrent, unevenly reading clients (buffers are reused)", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 777);
    const big = await storage.put("results", data, { ext: "mp4" });
    const path = new URL(storage.publicUrl(big.key, 600)!).pathname;
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    const download = (range?: string) =>
      new Promise<Buffer>((resolve, reject) => {
        get({ host: "127.0.0.1", port, path, headers: range ? { Range: range } : {} }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => {
            chunks.push(c);
            if (chunks.length % 5 === 0) {
              res.pause();
              setTimeout(() => res.resume(), chunks.length % 3);
            }
          });
          res.on("end", () => resolve(Buffer.concat(chunks)));
          res.on("error", reject);
        }).on("error", reject);
      });
    const whole = await Promise.all(Array.from({ length: 12 }, () => download()));
    for (const b of whole) expect(sha(b)).toBe(sha(data));
    const part = await download("bytes=1000000-2500000");
    expect(sha(part)).toBe(sha(data.subarray(1_000_000, 2_500_001)));
  });

  it("keeps serving after a client hangs up mid-download", async () => {
    const big = await storage.put("results", randomBytes(4 * 1024 * 1024), { ext: "mp4" });
    const path = new URL(storage.publicUrl(big.key, 600)!).pathname;
    await new Promise<void>((resolve) => {
      const req = get({ host: "127.0.0.1", port, path }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", () => {});
    });
    const r = await raw(port, `/f/${token}`);
    expect(r.status).toBe(200);
    expect(r.body.equals(content)).toBe(true);
  });

  it("answers 404 for anything else without a stack trace", async () => {
    const r = await raw(port, "/nothing/here");
    expect(r.status).toBe(404);
    expect(r.body.toString()).toBe("Not found\n");
  });
});

describe("symlinks inside storage", () => {
  const dir = tempDir();
  const outside = tempDir();
  const config = testConfig(dir.path);
  let storage: Storage;
  let server: HttpServer;
  let port: number;
  const secretText = "root:x:0:0:do not serve\n";

  beforeAll(async () => {
    storage = createStorage(config, silentLogger());
    writeFileSync(join(outside.path, "passwd"), secretText);
    server = testHttpServer(config, { storage });
    ({ port } = await server.listen());
  });
  afterAll(async () => {
    await server.close();
    dir.cleanup();
    outside.cleanup();
  });

  const linkTo = (key: string) => new URL(storage.publicUrl(key, 600)!).pathname;

  it("never serves a file through a symlink planted under a valid key, even with a signed link", async () => {
    const key = "results/2026/02/02/0123456789abcdef0123456789abcdef.mp4";
    const path = storage.localPath(key)!;
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(join(outside.path, "passwd"), path);
    for (const method of ["GET", "HEAD"]) {
      const r = await raw(port, linkTo(key), { method });
      expect(r.status, method).toBe(404);
      expect(r.body.toString()).not.toContain("do not serve");
    }
    expect((await raw(port, linkTo(key), { headers: { Range: "bytes=0-10" } })).status).toBe(404);
  });

  it("treats a planted symlink as no file in the storage itself (stat and open answer null)", async () => {
    const key = "inputs/2026/02/02/00112233445566778899aabbccddeeff.jpg";
    const path = storage.localPath(key)!;
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(join(outside.path, "passwd"), path);
    expect(await storage.stat(key)).toBeNull();
    expect(await storage.open(key)).toBeNull();
  });

  it("never serves a file through a symlinked folder under the storage root", async () => {
    const name = "fedcba9876543210fedcba9876543210.mp4";
    writeFileSync(join(outside.path, name), secretText);
    mkdirSync(join(dir.path, "results/2026/03"), { recursive: true });
    symlinkSync(outside.path, join(dir.path, "results/2026/03/03"));
    const r = await raw(port, linkTo(`results/2026/03/03/${name}`));
    expect(r.status).toBe(404);
    expect(r.body.toString()).not.toContain("do not serve");
  });

  it("refuses to stream a symlink swapped in after the check (the last step opens with O_NOFOLLOW)", async () => {
    const link = join(dir.path, "swapped.mp4");
    symlinkSync(join(outside.path, "passwd"), link);
    const streamFile = createFileStreamer(64 * 1024, 1_000);
    await expect(streamFile(link, 0, 10, {} as ServerResponse)).rejects.toMatchObject({ code: "ELOOP" });
  });

  it("still serves real files when the storage root itself is reached through a symlink", async () => {
    const real = tempDir();
    const alias = join(outside.path, "alias");
    symlinkSync(real.path, alias);
    const aliased = testConfig(alias);
    const aliasedStorage = createStorage(aliased, silentLogger());
    const file = await aliasedStorage.put("results", Buffer.from("video bytes"), { ext: "mp4" });
    const s = testHttpServer(aliased, { storage: aliasedStorage });
    const { port: p } = await s.listen();
    try {
      const r = await raw(p, new URL(aliasedStorage.publicUrl(file.key, 600)!).pathname);
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe("video bytes");
    } finally {
      await s.close();
      real.cleanup();
    }
  });
});
