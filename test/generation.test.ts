import { createServer, type Server } from "node:http";
import { type AddressInfo, connect, createServer as createNetServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/index.ts";
import type { ProviderKeyState } from "../src/db/types.ts";
import { classify, classifyTaskFailure, GenerationError, KieApiError } from "../src/generation/errors.ts";
import { createKeyPool, keyHash } from "../src/generation/keys.ts";
import { createKieClient } from "../src/generation/kie.ts";
import { createPromptWriter } from "../src/generation/prompt.ts";
import { createLogger } from "../src/logger.ts";
import { createMetrics } from "../src/metrics.ts";
import { type Format, models } from "../src/models/index.ts";
import { createCatalogue } from "../src/templates/index.ts";
import { createKieServer, type FakeKie } from "./fakes/kie-server.ts";
import { createOpenAiServer, type FakeOpenAi } from "./fakes/openai-server.ts";

const logger = createLogger({ level: "silent" });
const catalogue = createCatalogue();

function keyStore() {
  const rows = new Map<string, ProviderKeyState>();
  return {
    rows,
    getProviderKeys: async () => [...rows.values()],
    restProviderKey: async (keyHash: string, label: string, until: Date, error: string) => {
      rows.set(keyHash, { keyHash, label, restedUntil: until, lastError: error, updatedAt: new Date() });
    },
  };
}

// A tiny public file server standing in for PUBLIC_BASE_URL, so kie's image fetch succeeds.
let images: Server;
let imageUrl = "";
beforeAll(async () => {
  images = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "image/jpeg" });
    res.end(Buffer.alloc(1000, 1));
  });
  await new Promise<void>((r) => images.listen(0, "127.0.0.1", r));
  imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/photo.jpg`;
});
afterAll(() => new Promise<void>((r) => images.close(() => r())));

describe("kie.ai key pool", () => {
  const pool = (keys: string[], store = keyStore()) =>
    createKeyPool({ keys, store, telegram: { notifyAdmins: async () => {} }, logger });
  const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);

  it("is not ready without keys, and ready while one configured key is not resting", async () => {
    expect(await pool([]).availability()).toEqual({ ok: false, reason: "no_keys" });
    const store = keyStore();
    await store.restProviderKey(keyHash("a"), "a", inMinutes(30), "402: no balance");
    expect(await pool(["a", "b"], store).availability()).toEqual({ ok: true });
  });

  it("every configured key resting: back when the first one wakes; a key removed from the config does not count", async () => {
    const store = keyStore();
    await store.restProviderKey(keyHash("a"), "a", inMinutes(40), "402: no balance");
    await store.restProviderKey(keyHash("b"), "b", inMinutes(25), "402: no balance");
    await store.restProviderKey(keyHash("removed"), "old", inMinutes(5), "401: rejected");
    const p = pool(["a", "b"], store);
    const back = store.rows.get(keyHash("b"))!.restedUntil;
    expect(await p.availability()).toEqual({ ok: false, reason: "keys_rested", until: back });
    const err = (await p.usable().catch((e: unknown) => e)) as GenerationError;
    expect(err.code).toBe("keys_rested");
    expect(err.retryAt).toEqual(back);
  });
});

describe("kie.ai client", () => {
  let kie: FakeKie;
  afterEach(() => kie.close());

  async function setup(keys: Record<string, boolean>, timeoutMs = 5000) {
    kie = createKieServer({ keys });
    await kie.start();
    const store = keyStore();
    const alerts: string[] = [];
    const pool = createKeyPool({
      keys: Object.keys(keys),
      store,
      telegram: { notifyAdmins: async (t) => void alerts.push(typeof t === "string" ? t : t("en")) },
      logger,
    });
    const client = createKieClient({
      baseUrl: kie.url,
      uploadBaseUrl: kie.url,
      keys: pool,
      logger,
      metrics: createMetrics(),
      requestTimeoutMs: timeoutMs,
    });
    return { client, pool, store, alerts };
  }

  it("renders a Sora 2 market task: portrait, 10 s, no watermark, resultJson parsed", async () => {
    const { client } = await setup({ k1: true });
    const t = await client.createTask({ model: "sora-2-image-to-video", prompt: "p", imageUrl });
    expect(t.api).toBe("market");
    const task = kie.tasks.get(t.taskId)!;
    expect(task.body).toMatchObject({
      model: "sora-2-image-to-video",
      input: {
        prompt: "p",
        image_urls: [imageUrl],
        aspect_ratio: "portrait",
        n_frames: "10",
        remove_watermark: true,
      },
    });
    expect(task.imageBytes).toBe(1000);
    expect(await client.getTask("market", t.taskId, t.key)).toMatchObject({ state: "pending" });
    const done = await client.getTask("market", t.taskId, t.key);
    expect(done).toEqual({ state: "success", urls: [`${kie.url}/results/${t.taskId}.mp4`] });
  });

  it("renders a Veo task in 9:16 and reads successFlag", async () => {
    const { client } = await setup({ k1: true });
    kie.setScenario({ outcome: "success", polls: 0 });
    const t = await client.createTask({ model: "veo3_fast", prompt: "p", imageUrl });
    expect(t.api).toBe("veo");
    expect(kie.tasks.get(t.taskId)!.body).toMatchObject({
      model: "veo3_fast",
      aspectRatio: "9:16",
      imageUrls: [imageUrl],
    });
    const done = await client.getTask("veo", t.taskId, t.key);
    expect(done.state).toBe("success");
  });

  it("treats a content-policy failure as the user's content refused", async () => {
    const { client } = await setup({ k1: true });
    kie.setScenario({
      outcome: "fail",
      polls: 0,
      failMsg: "Your image contains a real person (public figure)",
    });
    const t = await client.createTask({ model: "sora-2-image-to-video", prompt: "p", imageUrl });
    const s = await client.getTask("market", t.taskId, t.key);
    expect(s.state === "fail" && s.error.errorClass).toBe("content_refused");
  });

  it("rests a key without balance, warns the admins once and uses the next key", async () => {
    const { client, store, alerts } = await setup({ broke: false, rich: true });
    const first = await client.createTask({ model: "sora-2-image-to-video", prompt: "p", imageUrl });
    const second = await client.createTask({ model: "sora-2-image-to-video", prompt: "p", imageUrl });
    expect([first.key.key, second.key.key]).toEqual(["rich", "rich"]);
    expect([...store.rows.values()].map((r) => r.lastError)).toEqual([expect.stringMatching(/^402/)]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatch(/no balance/);
  });

  it("says provider_unavailable with a retry time when every key is out of money", async () => {
    const { client } = await setup({ a: false, b: false });
    const err = await client.createTask({ model: "veo3", prompt: "p", imageUrl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenerationError);
    expect((err as GenerationError).errorClass).toBe("provider_unavailable");
    expect((err as GenerationError).retryAt!.getTime()).toBeGreaterThan(Date.now());
    expect(kie.created).toBe(0);
  });

  it("reads HTTP 200 with a non-200 code as an error (transient for 500, 455 unavailable)", async () => {
    const { client } = await setup({ k1: true });
    kie.setStorm(1, { code: 500 });
    const e1 = await client.createTask({ model: "veo3", prompt: "p", imageUrl }).catch(classify);
    expect(e1).toMatchObject({ errorClass: "transient", code: "kie_500" });
    kie.setStorm(1, { code: 455 });
    const e2 = await client.createTask({ model: "veo3", prompt: "p", imageUrl }).catch(classify);
    expect(e2).toMatchObject({ errorClass: "provider_unavailable", code: "kie_455" });
    kie.setStorm(1, { http: 502 });
    const e3 = await client.createTask({ model: "veo3", prompt: "p", imageUrl }).catch(classify);
    expect(e3).toMatchObject({ errorClass: "transient", code: "kie_502" });
  });

  it("turns a hanging provider into a transient timeout", async () => {
    const { client } = await setup({ k1: true }, 200);
    kie.setHang(true);
    const e = await client.createTask({ model: "veo3", prompt: "p", imageUrl }).catch(classify);
    expect(e).toMatchObject({ errorClass: "transient", code: "timeout" });
  });

  it("turns a connection kie.ai drops mid-request into a transient network error", async () => {
    const { client } = await setup({ k1: true });
    // A server that accepts the connection and closes it without answering.
    const dropper = createNetServer((socket) => socket.destroy());
    await new Promise<void>((r) => dropper.listen(0, "127.0.0.1", r));
    const { port } = dropper.address() as AddressInfo;
    const dropping = createKieClient({
      baseUrl: `http://127.0.0.1:${port}`,
      uploadBaseUrl: `http://127.0.0.1:${port}`,
      keys: createKeyPool({
        keys: ["k1"],
        store: keyStore(),
        telegram: { notifyAdmins: async () => {} },
        logger,
      }),
      logger,
      metrics: createMetrics(),
    });
    try {
      const e = await dropping.createTask({ model: "veo3", prompt: "p", imageUrl }).catch(classify);
      expect(e).toMatchObject({ errorClass: "transient", code: "network" });
      // The healthy client is unaffected.
      expect((await client.createTask({ model: "veo3", prompt: "p", imageUrl })).taskId).toBeTruthy();
    } finally {
      dropper.close();
    }
  });

  it("uploads a photo by multipart and returns kie's download URL", async () => {
    const { client } = await setup({ k1: true });
    const { writeFileSync, mkdtempSync, openAsBlob } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const path = join(mkdtempSync(join(tmpdir(), "nc-up-")), "p.jpg");
    writeFileSync(path, Buffer.alloc(5000, 3));
    const url = await client.uploadFile(await openAsBlob(path, { type: "image/jpeg" }), "p.jpg");
    expect(url).toBe(`${kie.url}/uploads/neurocards/p.jpg`);
    expect(kie.uploads.get("neurocards/p.jpg")?.length).toBe(5000);
  });

  describe("market models: each asked with the inputs its kie.ai page documents", () => {
    const cases: Array<[string, { model: string; seconds: number; format?: string }, object]> = [
      [
        "Sora 2, 15 s vertical",
        { model: "sora-2-image-to-video", seconds: 15, format: "9:16" },
        { aspect_ratio: "portrait", n_frames: "15", remove_watermark: true, image_urls: ["IMG"] },
      ],
      [
        "Sora 2 Pro, 10 s horizontal, high quality",
        { model: "sora-2-pro-image-to-video", seconds: 10, format: "16:9" },
        {
          aspect_ratio: "landscape",
          n_frames: "10",
          size: "high",
          remove_watermark: true,
          image_urls: ["IMG"],
        },
      ],
      [
        "Kling 2.6, 10 s with sound, the photo's shape",
        { model: "kling-2.6/image-to-video", seconds: 10, format: "16:9" },
        { image_urls: ["IMG"], duration: "10", sound: true },
      ],
      [
        "Hailuo 02, 10 s at 768P",
        { model: "hailuo/02-image-to-video-standard", seconds: 10 },
        { image_url: "IMG", duration: "10", resolution: "768P", prompt_optimizer: true },
      ],
      [
        "Hailuo 02 Pro, its one length (no length field)",
        { model: "hailuo/02-image-to-video-pro", seconds: 6 },
        { image_url: "IMG", prompt_optimizer: true },
      ],
      [
        "Hailuo 2.3, 6 s at 1080P",
        { model: "hailuo/2-3-image-to-video-standard", seconds: 6 },
        { image_url: "IMG", duration: "6", resolution: "1080P" },
      ],
      [
        "Hailuo 2.3 Pro, 10 s at 768P (1080P is 6 s only)",
        { model: "hailuo/2-3-image-to-video-pro", seconds: 10 },
        { image_url: "IMG", duration: "10", resolution: "768P" },
      ],
      [
        "Seedance 1.5 Pro, 12 s square with sound",
        { model: "bytedance/seedance-1.5-pro", seconds: 12, format: "1:1" },
        {
          input_urls: ["IMG"],
          aspect_ratio: "1:1",
          duration: "12",
          resolution: "720p",
          fixed_lens: false,
          generate_audio: true,
        },
      ],
      [
        "Wan 2.6, 15 s at 1080p, the photo's shape",
        { model: "wan/2-6-image-to-video", seconds: 15 },
        { image_urls: ["IMG"], duration: "15", resolution: "1080p" },
      ],
    ];

    it.each(cases)("%s", async (_name, req, expected) => {
      const { client } = await setup({ k1: true });
      const t = await client.createTask({ ...req, prompt: "a mug on a table", imageUrl });
      const withUrl = JSON.parse(JSON.stringify(expected).replaceAll('"IMG"', JSON.stringify(imageUrl)));
      expect(kie.tasks.get(t.taskId)!.body).toEqual({
        model: req.model,
        input: { prompt: "a mug on a table", ...withUrl },
      });
      expect(kie.tasks.get(t.taskId)!.imageBytes).toBe(1000);
    });

    it("Veo 3.1 Fast horizontal: aspectRatio 16:9 on its own endpoint", async () => {
      const { client } = await setup({ k1: true });
      const t = await client.createTask({
        model: "veo3_fast",
        seconds: 8,
        format: "16:9",
        prompt: "p",
        imageUrl,
      });
      expect(kie.tasks.get(t.taskId)!.body).toEqual({
        model: "veo3_fast",
        prompt: "p",
        imageUrls: [imageUrl],
        aspectRatio: "16:9",
      });
    });

    it("kie.ai takes every length and format each model lists", async () => {
      const { client } = await setup({ k1: true });
      for (const m of models.all)
        for (const seconds of m.durations)
          for (const format of m.formats.length ? m.formats : [null])
            await expect(
              client.createTask({ model: m.id, seconds, format, prompt: "p", imageUrl }),
              `${m.id} ${seconds} s ${format}`,
            ).resolves.toMatchObject({ api: m.api });
    });

    it("a job that names no length or format gets what every job got before: Sora 10 s portrait", async () => {
      const { client } = await setup({ k1: true });
      const t = await client.createTask({ model: "sora-2-image-to-video", prompt: "p", imageUrl });
      expect(kie.tasks.get(t.taskId)!.body).toMatchObject({
        input: { n_frames: "10", aspect_ratio: "portrait" },
      });
    });

    it("a length the model does not render is refused before anything is paid for", async () => {
      const { client } = await setup({ k1: true });
      const e = await client
        .createTask({ model: "kling-2.6/image-to-video", seconds: 15, prompt: "p", imageUrl })
        .catch(classify);
      expect(e).toMatchObject({ errorClass: "unknown", code: "bad_choice" });
      const unknown = await client.createTask({ model: "kling-9", prompt: "p", imageUrl }).catch(classify);
      expect(unknown).toMatchObject({ code: "no_model" });
      expect(kie.created).toBe(0);
    });

    it("a prompt longer than the model takes is cut to its limit (Kling: 1,000 characters)", async () => {
      const { client } = await setup({ k1: true });
      const t = await client.createTask({
        model: "kling-2.6/image-to-video",
        seconds: 5,
        prompt: "x".repeat(1500),
        imageUrl,
      });
      expect(kie.tasks.get(t.taskId)!.prompt).toHaveLength(1000);
    });

    it("kie.ai refuses an undocumented length, a forbidden pair or a field the model lacks with code 422", async () => {
      await setup({ k1: true });
      const post = async (model: string, input: object) => {
        const res = await fetch(`${kie.url}/api/v1/jobs/createTask`, {
          method: "POST",
          headers: { authorization: "Bearer k1", "content-type": "application/json" },
          body: JSON.stringify({ model, input: { prompt: "p", ...input } }),
        });
        return { http: res.status, ...((await res.json()) as { code: number; msg: string }) };
      };
      expect(
        await post("kling-2.6/image-to-video", { image_urls: [imageUrl], sound: true, duration: "15" }),
      ).toMatchObject({ http: 200, code: 422, msg: expect.stringMatching(/duration/) });
      expect(
        await post("hailuo/2-3-image-to-video-pro", {
          image_url: imageUrl,
          duration: "10",
          resolution: "1080P",
        }),
      ).toMatchObject({ code: 422, msg: expect.stringMatching(/1080P/) });
      expect(
        await post("wan/2-6-image-to-video", { image_urls: [imageUrl], duration: "5", aspect_ratio: "9:16" }),
      ).toMatchObject({ code: 422, msg: expect.stringMatching(/aspect_ratio/) });
      expect(await post("sora-2-image-to-video", { image_urls: [imageUrl], n_frames: 15 })).toMatchObject({
        code: 422,
        msg: expect.stringMatching(/n_frames/),
      });
      expect(kie.created).toBe(0);
    });
  });
});

describe("prompt writer", () => {
  let openai: FakeOpenAi;
  beforeAll(async () => {
    openai = createOpenAiServer();
    await openai.start();
  });
  afterAll(() => openai.close());
  afterEach(() => openai.setMode("ok"));

  function writer(timeoutSeconds = 5) {
    const config = parseConfig({
      BOT_TOKEN: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef",
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.url,
      OPENAI_TIMEOUT_SECONDS: String(timeoutSeconds),
    });
    return createPromptWriter({ openai: config.openai, logger, metrics: createMetrics(), maxRetries: 1 });
  }
  const input = (
    id: string,
    extra: Partial<{ ownPrompt: string; productText: string; format: Format | null; seconds: number }> = {},
  ) => ({
    template: catalogue.get(id)!,
    productText: extra.productText ?? "Ceramic mug 350 ml, matte black",
    wishes: "cosy morning",
    ownPrompt: extra.ownPrompt ?? null,
    language: "ru",
    imageUrl: "data:image/jpeg;base64,AAAA",
    seconds: extra.seconds ?? 15,
    format: extra.format === undefined ? ("9:16" as const) : extra.format,
  });

  it("sends the photo as vision input and uses only the structured videoPrompt", async () => {
    const r = await writer().write(input("ugc"));
    expect(r.source).toBe("openai");
    expect(r.prompt).toMatch(/^FAKE-OPENAI videoPrompt: /);
    expect(r.prompt).not.toMatch(/scenePlan|productSeen/);
    const seen = openai.seen.at(-1)!;
    expect(seen.imageUrls).toEqual(["data:image/jpeg;base64,AAAA"]);
    expect(seen.text).toContain("Ceramic mug");
    expect(seen.text).toContain(catalogue.get("ugc")!.instructions);
  });

  it("tells the writer the length and format the seller bought and gives it the whole description", async () => {
    // A WB card pasted whole: its last benefit, past the 3,000th character, still reaches the writer.
    const card = `Ceramic mug 350 ml. ${"Details. ".repeat(520)}LAST-BENEFIT: keeps tea hot for 2 hours.`;
    expect(card.length).toBeGreaterThan(4000);
    await writer().write(input("ugc", { productText: card }));
    const seen = openai.seen.at(-1)!.text;
    expect(seen).toContain("LAST-BENEFIT: keeps tea hot for 2 hours.");
    expect(seen).toContain("15 seconds, vertical 9:16");
    expect(seen).toMatch(/spoken lines in Russian/);
    await writer().write(input("motion", { seconds: 10, format: null }));
    expect(openai.seen.at(-1)!.text).toContain("10 seconds, in the proportions of the photo");
  });

  it("falls back to the template's own prompt when OpenAI keeps failing", async () => {
    openai.setMode("500");
    const r = await writer().write(input("broll", { seconds: 8, format: "16:9" }));
    expect(r.source).toBe("fallback");
    expect(r.prompt).toContain(catalogue.get("broll")!.fallbackPrompt);
    expect(r.prompt).toContain("8 seconds, horizontal 16:9");
    expect(r.prompt).toContain("Ceramic mug");
  });

  it("keeps the prompt within the renderer's limit (Kling takes 1,000 characters)", async () => {
    openai.setMode("500");
    const long = `Mug. ${"A very long product description. ".repeat(100)}`;
    const r = await writer().write({
      ...input("motion", { productText: long, format: null }),
      maxChars: 1000,
    });
    expect(r.source).toBe("fallback");
    expect(r.prompt.length).toBeLessThanOrEqual(1000);
  });

  it("falls back when OpenAI hangs past its timeout", async () => {
    openai.setMode("hang");
    const r = await writer(1).write(input("ugc"));
    expect(r.source).toBe("fallback");
  });

  it("goes through OPENAI_PROXY_URL when it is set", async () => {
    // A minimal HTTP CONNECT proxy that counts the tunnels it opened.
    let tunnels = 0;
    const sockets = new Set<{ destroy(): void }>();
    const proxy = createServer();
    proxy.on("connect", (req, client, head) => {
      tunnels += 1;
      sockets.add(client);
      const [host, port] = String(req.url).split(":");
      const upstream = connect(Number(port), host!, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const config = parseConfig({
        BOT_TOKEN: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef",
        OPENAI_API_KEY: openai.apiKey,
        OPENAI_BASE_URL: openai.url,
        OPENAI_PROXY_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      });
      const w = createPromptWriter({
        openai: config.openai,
        logger,
        metrics: createMetrics(),
        maxRetries: 0,
      });
      const r = await w.write(input("ugc"));
      expect(r.source).toBe("openai");
      expect(tunnels).toBeGreaterThan(0);
    } finally {
      for (const c of sockets) c.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it("skips OpenAI for an own prompt and keeps the product as in the photo", async () => {
    const before = openai.seen.length;
    const r = await writer().write(input("own", { ownPrompt: "Mug spins on a table" }));
    expect(r).toMatchObject({ source: "own" });
    expect(r.prompt).toContain("Mug spins on a table");
    expect(r.prompt).toContain("Ceramic mug");
    expect(r.prompt).toMatch(/exactly as in the photo/);
    expect(openai.seen.length).toBe(before);
  });
});

describe("refusal classifier", () => {
  it.each([
    ["400", "Your image contains a real person (public figure)"],
    ["400", "Content policy violation: the image contains a real person"],
    ["400", "Your prompt was flagged by Website as violating content policies."],
    ["400", "Your request was rejected by the safety system."],
    ["400", "public error prominent people upload"],
    ["400", "public error minor upload"],
    ["400", "The prompt contains sensitive words, please modify it"],
    ["content_policy_violation", "blocked"],
    ["moderation_blocked", ""],
  ])("a refusal by the provider (%s: %s) fails at once as content refused", (code, message) => {
    expect(classifyTaskFailure(code, message).errorClass).toBe("content_refused");
  });

  it.each([
    ["500", "Face detection service timed out, please retry"],
    ["500", "Internal error while uploading content to storage"],
    ["503", "Person segmentation worker is restarting"],
    ["429", "Too many requests from people in your region, slow down"],
    ["501", "Brand overlay step failed"],
    ["400", "Failed to fetch the image: content-length mismatch"],
    ["400", "logo detection model unavailable"],
    ["", "The render node serving faces went away"],
  ])(
    "a transient failure that merely mentions such a word (%s: %s) is retried, not refused",
    (code, message) => {
      expect(classifyTaskFailure(code, message).errorClass).not.toBe("content_refused");
    },
  );

  it("a provider code 5xx or 429 on a task is transient", () => {
    expect(classifyTaskFailure("500", "Internal error while uploading content").errorClass).toBe("transient");
    expect(classifyTaskFailure("429", "rate limited").errorClass).toBe("transient");
  });

  it("an API error 422 is a refusal only with a known moderation message", () => {
    expect(classify(new KieApiError(422, "Content policy violation", 200)).errorClass).toBe(
      "content_refused",
    );
    expect(classify(new KieApiError(422, "content is required", 200)).errorClass).toBe("unknown");
    expect(classify(new KieApiError(422, "image_urls: face field invalid", 200)).errorClass).toBe("unknown");
  });
});
