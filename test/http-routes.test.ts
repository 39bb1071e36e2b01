import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Config } from "../src/config/index.ts";
import type { Store } from "../src/db/store.ts";
import {
  createHttpServer,
  type HealthSources,
  kieCallbackPath,
  kieCallbackUrl,
  telegramWebhookPath,
  telegramWebhookUrl,
} from "../src/http/index.ts";
import { createMetrics } from "../src/metrics.ts";
import { createStorage } from "../src/storage/index.ts";
import { raw, silentLogger, tempDir, testConfig, testHttpServer } from "./helpers/http.ts";
import { createJobAndConsumeCredit } from "./helpers/store-ops.ts";
import { storeFactories } from "./helpers/stores.ts";

/**
 * The Prometheus text exposition format, line by line. NaN in any case: Prometheus parses values
 * with Go's ParseFloat, and prom-client writes an empty event-loop histogram's mean as `Nan`.
 */
const METRIC_LINE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?[0-9.]+(e[+-]?\d+)?|[Nn][Aa][Nn]|\+Inf|-Inf)( -?\d+)?$/;
const COMMENT_LINE =
  /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;

function parsePrometheus(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      if (!COMMENT_LINE.test(line)) throw new Error(`bad comment line: ${line}`);
      continue;
    }
    if (!METRIC_LINE.test(line)) throw new Error(`bad sample line: ${line}`);
    const cut = line.lastIndexOf(" ");
    values.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return values;
}

const METRICS_TOKEN = "scrape-token-0123456789";
const scrape = (port: number, token = METRICS_TOKEN) =>
  raw(port, "/metrics", { headers: { Authorization: `Bearer ${token}` } });

for (const factory of storeFactories()) {
  describe(`health and metrics (${factory.name})`, () => {
    const dir = tempDir();
    let store: Store;
    let server: ReturnType<typeof createHttpServer>;
    let port: number;
    let polling = true;

    beforeEach(async () => {
      store = await factory.make({ freeCredits: 5 });
      const config = testConfig(dir.path, { METRICS_TOKEN });
      const storage = createStorage(config, silentLogger());
      const health: HealthSources = {
        database: () => store.ping(),
        storage: () => storage.healthy(),
        polling: () => polling,
      };
      const metrics = createMetrics();
      metrics.updatesHandled.inc({ type: "message" }, 3);
      metrics.providerLatency.observe({ provider: "kie", operation: "create" }, 0.4);
      server = createHttpServer({
        config,
        store,
        storage,
        metrics,
        logger: silentLogger(),
        health,
        onKieCallback: () => {},
        healthCacheMs: 0,
      });
      ({ port } = await server.listen());
    });
    afterEach(async () => {
      polling = true;
      await server.close();
      await store.close();
    });
    afterAll(() => dir.cleanup());

    it("reports 200 with every source up", async () => {
      const r = await raw(port, "/healthz");
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^application\/json/);
      expect(JSON.parse(r.body.toString())).toMatchObject({
        status: "ok",
        database: true,
        storage: true,
        polling: true,
      });
    });

    it("goes 503 when polling stops, and back to 200 when it resumes", async () => {
      polling = false;
      const down = await raw(port, "/healthz");
      expect(down.status).toBe(503);
      expect(JSON.parse(down.body.toString())).toMatchObject({
        status: "down",
        polling: false,
        database: true,
      });
      polling = true;
      expect((await raw(port, "/healthz")).status).toBe(200);
    });

    it("goes 503 when the database is closed", async () => {
      await store.close();
      const r = await raw(port, "/healthz");
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body.toString())).toMatchObject({ status: "down", database: false });
    });

    it("serves metrics as Prometheus text with jobs by status and queue depth from the store", async () => {
      const { user } = await store.getOrCreateUser({ tgId: 42 });
      for (const n of [1, 2]) {
        await createJobAndConsumeCredit(store, user.id, {
          chatId: 42,
          template: "ugc",
          model: "sora-2",
          language: "en",
          productText: "mug",
          cost: 1,
          idempotencyKey: `m${n}`,
        });
      }
      const r = await scrape(port);
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      const values = parsePrometheus(r.body.toString());
      expect(values.get('neurocards_jobs{status="queued"}')).toBe(2);
      expect(values.get('neurocards_jobs{status="failed"}')).toBe(0);
      expect(values.get("neurocards_queue_depth")).toBe(2);
      expect(values.get('neurocards_updates_handled_total{type="message"}')).toBe(3);
      expect(values.get('neurocards_provider_request_seconds_count{provider="kie",operation="create"}')).toBe(
        1,
      );
    });

    it("shows metrics only to the bearer of METRICS_TOKEN", async () => {
      expect((await raw(port, "/metrics")).status).toBe(401);
      const wrong = await scrape(port, "not-the-token-at-all");
      expect(wrong.status).toBe(401);
      expect(wrong.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(wrong.body.toString()).not.toContain("neurocards_");
      expect((await raw(port, "/metrics", { headers: { Authorization: METRICS_TOKEN } })).status).toBe(401);
      expect((await scrape(port)).status).toBe(200);
    });

    it("includes the process's own metrics: CPU, memory, heap, event loop lag", async () => {
      const values = parsePrometheus((await scrape(port)).body.toString());
      expect(values.get("process_cpu_seconds_total")).toBeGreaterThan(0);
      expect(values.get("process_resident_memory_bytes")).toBeGreaterThan(0);
      expect(values.get("nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
      expect(values.has("nodejs_eventloop_lag_seconds")).toBe(true);
    });

    it("still serves metrics when the database is down", async () => {
      await store.close();
      const r = await scrape(port);
      expect(r.status).toBe(200);
      expect(() => parsePrometheus(r.body.toString())).not.toThrow();
    });
  });
}

describe("kie.ai callback and Telegram webhook routes", () => {
  const dir = tempDir();
  let config: Config;
  let server: ReturnType<typeof createHttpServer>;
  let port: number;
  let tasks: string[];
  let webhookCalls: string[];

  beforeEach(async () => {
    config = testConfig(dir.path, {
      WEBHOOK_URL: "https://hook.example.com",
      WEBHOOK_SECRET: "hook_secret_1",
    });
    tasks = [];
    webhookCalls = [];
    server = testHttpServer(config, {
      onKieCallback: (id) => {
        tasks.push(id);
        // A slow check must not delay the answer.
        return new Promise((resolve) => setTimeout(resolve, 10_000).unref());
      },
      webhook: async (update) => {
        webhookCalls.push(JSON.stringify(update));
      },
    });
    ({ port } = await server.listen());
  });
  afterEach(() => server.close());
  afterAll(() => dir.cleanup());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    raw(port, path, {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      headers: { "Content-Type": "application/json", ...headers },
    });
  const settle = () => new Promise((r) => setImmediate(r));

  it("keeps /metrics (it shows revenue) private without METRICS_TOKEN: the route does not exist", async () => {
    const r = await raw(port, "/metrics");
    expect(r.status).toBe(404);
    expect(r.body.toString()).toBe("Not found\n");
    expect(
      (await raw(port, "/metrics", { headers: { Authorization: "Bearer anything-at-all-here" } })).status,
    ).toBe(404);
  });

  it("builds the callback URL under PUBLIC_BASE_URL with a secret path", () => {
    const url = kieCallbackUrl(config)!;
    expect(url).toMatch(/^https:\/\/bot\.example\.com\/kie\/callback\/[A-Za-z0-9_-]{43}$/);
    expect(kieCallbackUrl(testConfig(dir.path, { PUBLIC_BASE_URL: "" }))).toBeUndefined();
    expect(
      kieCallbackPath(testConfig(dir.path, { LINK_SECRET: "other-secret-value-0123456789abcdef" })),
    ).not.toBe(kieCallbackPath(config));
  });

  it("takes the task id of a market callback and triggers a check", async () => {
    const r = await post(kieCallbackPath(config), {
      code: 200,
      msg: "Playground task completed successfully.",
      data: { taskId: "task_abc", state: "success", resultJson: '{"resultUrls":["https://x/v.mp4"]}' },
    });
    expect(r.status).toBe(200);
    await settle();
    expect(tasks).toEqual(["task_abc"]);
  });

  it("takes the task id of a Veo callback", async () => {
    const r = await post(kieCallbackPath(config), {
      code: 200,
      msg: "Veo3.1 video generated successfully.",
      data: { taskId: "veo_task_1", info: { resultUrls: ["https://x/v.mp4"] }, fallbackFlag: false },
    });
    expect(r.status).toBe(200);
    await settle();
    expect(tasks).toEqual(["veo_task_1"]);
  });

  it("answers 404 to a wrong secret and triggers nothing", async () => {
    const good = kieCallbackPath(config);
    const wrong = `${good.slice(0, -1)}${good.endsWith("A") ? "B" : "A"}`;
    expect((await post(wrong, { data: { taskId: "t" } })).status).toBe(404);
    expect((await post("/kie/callback/", { data: { taskId: "t" } })).status).toBe(404);
    expect((await raw(port, good)).status).toBe(404);
    await settle();
    expect(tasks).toEqual([]);
  });

  it("refuses bodies that are not JSON, lack a task id, or are too large", async () => {
    const path = kieCallbackPath(config);
    expect((await post(path, "not json")).status).toBe(400);
    expect((await post(path, { data: {} })).status).toBe(400);
    expect((await post(path, { data: { taskId: "x".repeat(400_000) } })).status).toBe(413);
    await settle();
    expect(tasks).toEqual([]);
  });

  it("hands webhook updates to the bot only with the right secret token header", async () => {
    const path = telegramWebhookPath(config);
    expect(telegramWebhookUrl(config)).toBe(`https://hook.example.com${path}`);
    const update = { update_id: 1, message: { message_id: 1, text: "hi" } };
    expect((await post(path, update)).status).toBe(401);
    expect((await post(path, update, { "X-Telegram-Bot-Api-Secret-Token": "wrong" })).status).toBe(401);
    const ok = await post(path, update, { "X-Telegram-Bot-Api-Secret-Token": "hook_secret_1" });
    expect(ok.status).toBe(200);
    expect(webhookCalls).toEqual([JSON.stringify(update)]);
    expect(
      (await post("/telegram/guess", update, { "X-Telegram-Bot-Api-Secret-Token": "hook_secret_1" })).status,
    ).toBe(404);
  });

  it("answers a malformed request with 400 and keeps serving", async () => {
    const { connect } = await import("node:net");
    const reply = await new Promise<string>((resolve) => {
      const s = connect(port, "127.0.0.1", () => s.write("NONSENSE\r\n\r\n"));
      let data = "";
      s.on("data", (d) => {
        data += d;
      });
      s.on("close", () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await raw(port, "/healthz")).status).toBe(200);
  });
});

describe("slow and oversized clients", () => {
  const dir = tempDir();
  let server: ReturnType<typeof createHttpServer>;
  let port: number;

  beforeEach(async () => {
    const config = testConfig(dir.path);
    server = testHttpServer(config, {
      timeouts: { headersMs: 300, requestMs: 500, checkIntervalMs: 100, socketIdleMs: 1_000 },
    });
    ({ port } = await server.listen());
  });
  afterEach(() => server.close());
  afterAll(() => dir.cleanup());

  /** Writes `text` on a raw socket and resolves with whatever comes back before the server closes it. */
  async function exchange(text: string): Promise<string> {
    const { connect } = await import("node:net");
    return new Promise((resolve) => {
      const s = connect(port, "127.0.0.1", () => s.write(text));
      let data = "";
      s.on("data", (d) => {
        data += d;
      });
      s.on("error", () => {});
      s.on("close", () => resolve(data));
    });
  }

  it("cuts off a client that never finishes its headers (slowloris)", async () => {
    const reply = await exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
  });

  it("answers 431 to oversized headers", async () => {
    const reply = await exchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 431/);
  });

  it("cuts off a client that never finishes its body", async () => {
    const reply = await exchange(
      `POST ${kieCallbackPath(testConfig(dir.path))} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"data":`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
  });
});
