// The rendered video's way from the provider's URL to our disk (src/generation/result.ts).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classify } from "../src/generation/errors.ts";
import { downloadResult } from "../src/generation/result.ts";
import { createLogger } from "../src/logger.ts";
import { createLinkSigner } from "../src/storage/index.ts";
import { createLocalStorage } from "../src/storage/local.ts";

const VIDEO = Buffer.alloc(300 * 1024, 7);
let server: Server;
let base = "";
const dir = mkdtempSync(join(tmpdir(), "nc-result-"));
const storage = createLocalStorage({
  root: dir,
  publicBaseUrl: undefined,
  signer: createLinkSigner("x".repeat(32)),
  logger: createLogger({ level: "silent" }),
});

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/cdn/video.mp4") {
      res.writeHead(200, { "content-type": "video/mp4", "content-length": VIDEO.length });
      res.end(VIDEO);
    } else if (req.url === "/r/video.mp4") {
      res.writeHead(302, { location: "/cdn/video.mp4" });
      res.end();
    } else if (req.url === "/drop/video.mp4") {
      res.writeHead(200, { "content-type": "video/mp4", "content-length": VIDEO.length });
      res.write(VIDEO.subarray(0, 1000));
      setTimeout(() => res.socket?.destroy(), 20);
    } else {
      res.writeHead(404);
      res.end("expired");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("downloading a rendered video", () => {
  it("follows the provider's redirect to its CDN and stores the whole file", async () => {
    const file = await downloadResult(`${base}/r/video.mp4`, storage);
    expect(file.size).toBe(VIDEO.length);
    expect(readFileSync(storage.localPath(file.key)!).equals(VIDEO)).toBe(true);
  });

  it("an expired link (404) is an HTTP error, not a file", async () => {
    const e = await downloadResult(`${base}/gone/video.mp4`, storage).catch(classify);
    expect(e).toMatchObject({ errorClass: "unknown", code: "http_404" });
  });

  it("a connection dropped halfway is a transient network error and leaves no file", async () => {
    const before = filesUnder(dir);
    const e = await downloadResult(`${base}/drop/video.mp4`, storage).catch(classify);
    expect(e).toMatchObject({ errorClass: "transient", code: "network" });
    expect(filesUnder(dir)).toEqual(before);
  });
});

/** Every file (temporary ones included) under `root`. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
