// The HTTP server under abuse: clients that hold connections without reading, bodies that never
// stop. Each test runs the real server with the real mechanism, only with small limits.
import { closeSync, ftruncateSync, mkdirSync, openSync } from "node:fs";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { dirname } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type HttpServer,
  type HttpServerDeps,
  kieCallbackPath,
  telegramWebhookPath,
} from "../src/http/index.ts";
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

describe("request bodies that are too large or not JSON", () => {
  const dir = tempDir();
  const config = testConfig(dir.path, {
    WEBHOOK_URL: "https://hook.example.com",
    WEBHOOK_SECRET: "hook_secret_1",
  });
  const hook = { "X-Telegram-Bot-Api-Secret-Token": "hook_secret_1", "Content-Type": "application/json" };
  let server: HttpServer;
  let port: number;
  let updates: unknown[] = [];

  beforeAll(async () => {
    server = testHttpServer(config, {
      webhook: async (update) => {
        if (update.update_id === 666) throw new Error("the database is down");
        updates.push(update);
      },
    });
    ({ port } = await server.listen());
  });
  afterEach(() => {
    updates = [];
  });
  afterAll(async () => {
    await server.close();
    dir.cleanup();
  });

  /**
   * Streams up to `total` bytes as a chunked body (no Content-Length) as fast as the server takes
   * them, and keeps pushing after an answer arrives, until the server stops taking bytes for half a
   * second. Resolves with the status (or the error code) and how many bytes got written.
   */
  function flood(path: string, total: number, headers: Record<string, string> = {}) {
    return new Promise<{ status: number | string; written: number }>((resolve) => {
      let written = 0;
      let status: number | string = "no answer";
      let stall: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(stall);
        req.destroy();
        resolve({ status, written });
      };
      const req = request({ host: "127.0.0.1", port, path, method: "POST", headers, agent: false }, (res) => {
        status = res.statusCode ?? 0;
        res.resume();
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (typeof status === "string") status = err.code ?? "error";
        finish();
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        clearTimeout(stall);
        while (written < total) {
          written += chunk.length;
          if (!req.write(chunk)) {
            stall = setTimeout(finish, 500);
            req.once("drain", pump);
            return;
          }
        }
        req.end();
        stall = setTimeout(finish, 500);
      };
      pump();
    });
  }

  it("answers 413 to a chunked 200 MB webhook body once it passes the limit, and reads no further", async () => {
    const r = await flood(telegramWebhookPath(config), 200 * MB, hook);
    expect(r.status).toBe(413);
    // The limit is 1 MB; what else got written sits in socket buffers the server never read.
    expect(r.written).toBeLessThan(24 * MB);
    expect(updates).toEqual([]);
    expect((await raw(port, "/healthz")).status).toBe(200);
  });

  it("answers 413 to a chunked kie.ai callback past its limit", async () => {
    const r = await flood(kieCallbackPath(config), 50 * MB, { "Content-Type": "application/json" });
    expect(r.status).toBe(413);
    expect(r.written).toBeLessThan(24 * MB);
  });

  it("answers 413 to a webhook body that declares 200 MB, and reads no further", async () => {
    const r = await flood(telegramWebhookPath(config), 200 * MB, {
      ...hook,
      "Content-Length": String(200 * MB),
    });
    expect(r.status).toBe(413);
    expect(r.written).toBeLessThan(24 * MB);
    expect(updates).toEqual([]);
  });

  it("answers 400 to a webhook body that is not JSON or not an update, and hands nothing to the bot", async () => {
    const path = telegramWebhookPath(config);
    for (const body of [
      "not json",
      '{"update_id": 1',
      "[]",
      "null",
      '"x"',
      '{"message":{}}',
      '{"update_id":"1"}',
    ]) {
      const r = await raw(port, path, { method: "POST", headers: hook, body });
      expect(r.status, body).toBe(400);
      expect(r.body.toString(), body).toBe("Bad request\n");
    }
    expect(updates).toEqual([]);
  });

  it("hands a well-formed update to the bot, parsed, and answers 200 once it is handled", async () => {
    const update = { update_id: 7, message: { message_id: 1, text: "hi" } };
    const r = await raw(port, telegramWebhookPath(config), {
      method: "POST",
      headers: hook,
      body: JSON.stringify(update),
    });
    expect(r.status).toBe(200);
    expect(updates).toEqual([update]);
  });

  it("answers 503 when the bot fails to handle (or save) the update, so Telegram delivers it again", async () => {
    const r = await raw(port, telegramWebhookPath(config), {
      method: "POST",
      headers: hook,
      body: JSON.stringify({ update_id: 666, message: { message_id: 1, text: "hi" } }),
    });
    expect(r.status).toBe(503);
    expect(r.headers["retry-after"]).toBe("1");
  });
});
