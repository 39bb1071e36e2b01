// The HTTP server under abuse: clients that hold connections without reading, bodies that never
// stop. Each test runs the real server with the real mechanism, only with small limits.
import { closeSync, ftruncateSync, mkdirSync, openSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { dirname } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { HttpServer, HttpServerDeps } from "../src/http/index.ts";
import { createStorage } from "../src/storage/index.ts";
import type { Storage } from "../src/storage/types.ts";
import { raw, silentLogger, tempDir, testConfig, testHttpServer } from "./helpers/http.ts";

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("clients that hold connections without reading", () => {
  const dir = tempDir();
  const config = testConfig(dir.path);
  let storage: Storage;
  let filePath: string;
  let server: HttpServer | undefined;
  let sockets: Socket[] = [];

  beforeAll(() => {
    storage = createStorage(config, silentLogger());
    // A sparse 50 MB video: much more than the socket buffers of loopback can hold.
    const key = "results/2026/01/01/0123456789abcdef0123456789abcdef.mp4";
    const path = storage.localPath(key)!;
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, "w");
    ftruncateSync(fd, 50 * MB);
    closeSync(fd);
    filePath = new URL(storage.publicUrl(key, 600)!).pathname;
  });
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets = [];
    await server?.close();
  });
  afterAll(() => dir.cleanup());

  async function start(overrides: Partial<HttpServerDeps>): Promise<number> {
    server = testHttpServer(config, { storage, ...overrides });
    return (await server.listen()).port;
  }

  /** Opens a socket that sends `text` and then never reads a byte. */
  async function neverReading(port: number, text: string): Promise<Socket> {
    const s = connect(port, "127.0.0.1");
    s.on("error", () => {});
    s.pause();
    sockets.push(s);
    await new Promise((r) => s.once("connect", r));
    if (text) s.write(text);
    return s;
  }

  const probe = (port: number) =>
    raw(port, "/healthz").then(
      (r) => r.status,
      (err: NodeJS.ErrnoException) => err.code ?? "error",
    );

  /** Milliseconds from now until /healthz answers 200 (polling), or Infinity after `giveUpMs`. */
  async function msUntilHealthy(port: number, giveUpMs: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < giveUpMs) {
      if ((await probe(port)) === 200) return Date.now() - started;
      await sleep(50);
    }
    return Number.POSITIVE_INFINITY;
  }

  it("frees every slot at the header timeout when more clients than the cap never finish a request", async () => {
    const cap = 8;
    const port = await start({
      maxConnections: cap,
      timeouts: { headersMs: 300, requestMs: 500, checkIntervalMs: 100, socketIdleMs: 10_000 },
    });
    for (let i = 0; i < cap + 4; i++) {
      await neverReading(port, i % 2 ? "GET /healthz HTTP/1.1\r\nHost: x\r\n" : "");
    }
    // The server is full: the cap is what is being tested, not a friendlier path.
    expect(await probe(port)).not.toBe(200);
    // They were answered 408 and closed; a half-closed socket would keep its slot for the idle limit.
    expect(await msUntilHealthy(port, 6_000)).toBeLessThan(3_000);
  });

  it("frees the slots of clients that stop reading a 50 MB download at the idle limit", async () => {
    const cap = 4;
    const idle = 2_000;
    const port = await start({ maxConnections: cap, timeouts: { socketIdleMs: idle } });
    for (let i = 0; i < cap + 2; i++) {
      await neverReading(port, `GET ${filePath} HTTP/1.1\r\nHost: x\r\n\r\n`);
    }
    expect(await probe(port)).not.toBe(200);
    const waited = await msUntilHealthy(port, 3 * idle);
    // Node's own socket timeout re-arms once for a write that moved: that alone would take 2×.
    expect(waited).toBeGreaterThan(idle * 0.7);
    expect(waited).toBeLessThan(idle * 1.5);
  });
});
