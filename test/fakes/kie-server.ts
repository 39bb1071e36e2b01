// A fake kie.ai that answers like the documented API (/work/shared/reference/kie-ai.md): envelopes
// `{code,msg,data}` with HTTP 200 even for errors, market createTask/recordInfo with `resultJson` as
// a JSON string, each market model's own `input` checked as its page documents it (MARKET_MODELS
// below; a bad length or format is refused with `code` 422), Veo generate/record-info with
// `successFlag`, the file stream upload host, the credit endpoint and bearer auth. Each test picks
// the scenario of the tasks it creates.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

export type TaskScenario =
  /** Finishes with a video after `polls` status checks (0: done at the first check) or after `afterMs`. */
  | { outcome: "success"; polls?: number; afterMs?: number; resultBytes?: number }
  /** Fails like a content-policy refusal (or any `failMsg`). */
  | { outcome: "fail"; polls?: number; afterMs?: number; failCode?: string; failMsg?: string }
  /** Never finishes. */
  | { outcome: "hang" };

export interface FakeKieOptions {
  /** Keys the fake accepts; a key mapped to `false` has no balance (402). */
  keys?: Record<string, boolean>;
  /** Scenario of every new task unless a test queues specific ones with `nextTasks`. */
  scenario?: TaskScenario;
  /** Fetch the image URL at create time like the real service does; an unreachable image fails the task. */
  checkImages?: boolean;
}

export interface FakeTask {
  taskId: string;
  api: "market" | "veo";
  model: string;
  prompt: string;
  imageUrls: string[];
  callBackUrl: string | undefined;
  body: Record<string, unknown>;
  key: string;
  /** The address the task was created from (which host rendered, when hosts have their own). */
  from: string | undefined;
  scenario: TaskScenario;
  polls: number;
  createdAt: number;
  imageBytes: number | null;
  done: "success" | "fail" | null;
  callbackSent: boolean;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, key: string) => Promise<void> | void;

export function createKieServer(options: FakeKieOptions = {}) {
  const keys = new Map(Object.entries(options.keys ?? { "test-key": true }));
  const tasks = new Map<string, FakeTask>();
  const uploads = new Map<string, Buffer>();
  const queued: TaskScenario[] = [];
  const requests: Array<{ method: string; path: string; key: string | null }> = [];
  let scenario: TaskScenario = options.scenario ?? { outcome: "success", polls: 1 };
  /** Every request hangs (never answered) while true. */
  let hangAll = false;
  /** The next N API requests answer with this failure. */
  let storm: { count: number; http: number | null; code: number } | null = null;
  let server: Server | null = null;
  let baseUrl = "";
  const hanging = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  const envelope = (res: ServerResponse, code: number, msg: string, data: unknown = null) =>
    send(res, 200, { code, msg, data });

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const v = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
      return v && typeof v === "object" ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  function finish(task: FakeTask): void {
    if (task.done || task.scenario.outcome === "hang") return;
    task.done = task.scenario.outcome;
    if (task.callBackUrl && !task.callbackSent) {
      task.callbackSent = true;
      // Like kie.ai: the same record, posted once; our server's answer does not matter.
      fetch(task.callBackUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: 200, msg: "callback", data: record(task) }),
      }).catch(() => {});
    }
  }

  function advance(task: FakeTask): void {
    const s = task.scenario;
    if (s.outcome === "hang" || task.done) return;
    task.polls += 1;
    if (s.polls !== undefined && task.polls > s.polls) finish(task);
    else if (s.polls === undefined && s.afterMs === undefined) finish(task);
  }

  function resultUrl(task: FakeTask): string {
    return `${baseUrl}/results/${task.taskId}.mp4`;
  }

  function record(task: FakeTask): Record<string, unknown> {
    const s = task.scenario;
    if (task.api === "market") {
      const state = task.done ?? (task.polls === 0 ? "waiting" : task.polls === 1 ? "queuing" : "generating");
      return {
        taskId: task.taskId,
        model: task.model,
        state,
        param: JSON.stringify(task.body),
        resultJson: task.done === "success" ? JSON.stringify({ resultUrls: [resultUrl(task)] }) : "",
        failCode: task.done === "fail" && s.outcome === "fail" ? (s.failCode ?? "400") : "",
        failMsg: task.done === "fail" && s.outcome === "fail" ? (s.failMsg ?? failText) : "",
        costTime: task.done ? Date.now() - task.createdAt : 0,
        completeTime: task.done ? Date.now() : null,
        createTime: task.createdAt,
        updateTime: Date.now(),
      };
    }
    return {
      taskId: task.taskId,
      paramJson: JSON.stringify(task.body),
      successFlag: task.done === "success" ? 1 : task.done === "fail" ? 2 : 0,
      response: task.done === "success" ? { taskId: task.taskId, resultUrls: [resultUrl(task)] } : null,
      errorCode: task.done === "fail" && s.outcome === "fail" ? Number(s.failCode ?? 400) : null,
      errorMessage: task.done === "fail" && s.outcome === "fail" ? (s.failMsg ?? failText) : "",
      createTime: task.createdAt,
    };
  }

  async function createTask(
    api: "market" | "veo",
    body: Record<string, unknown>,
    key: string,
    from: string | undefined,
  ) {
    const input = (api === "market" ? body.input : body) as Record<string, unknown> | undefined;
    const imageUrls = imagesOf(api, input ?? {});
    const task: FakeTask = {
      taskId: `${api === "veo" ? "veo_" : ""}task_${randomBytes(8).toString("hex")}`,
      api,
      model: String(body.model ?? ""),
      prompt: String(input?.prompt ?? ""),
      imageUrls,
      callBackUrl: typeof body.callBackUrl === "string" ? body.callBackUrl : undefined,
      body,
      key,
      from,
      scenario: queued.shift() ?? scenario,
      polls: 0,
      createdAt: Date.now(),
      imageBytes: null,
      done: null,
      callbackSent: false,
    };
    if (options.checkImages ?? true) {
      try {
        const r = await fetch(task.imageUrls[0] ?? "", { signal: AbortSignal.timeout(5000) });
        const bytes = Buffer.from(await r.arrayBuffer());
        if (!r.ok) throw new Error(String(r.status));
        task.imageBytes = bytes.length;
      } catch {
        task.scenario = {
          outcome: "fail",
          polls: 0,
          failCode: "422",
          failMsg: "image url is not accessible",
        };
      }
    }
    tasks.set(task.taskId, task);
    const s = task.scenario;
    if (s.outcome !== "hang" && s.afterMs !== undefined) {
      const t = setTimeout(() => {
        timers.delete(t);
        finish(task);
      }, s.afterMs);
      timers.add(t);
    }
    return task;
  }

  const routes: Record<string, Handler> = {
    "POST /api/v1/jobs/createTask": async (req, res, _url, key) => {
      const body = await readJson(req);
      const input = body?.input as Record<string, unknown> | undefined;
      if (!body || typeof body.model !== "string" || !input || typeof input !== "object") {
        return envelope(res, 422, "model and input are required");
      }
      const refused = checkMarketInput(body.model, input);
      if (refused) return envelope(res, 422, refused);
      const task = await createTask("market", body, key, req.socket.remoteAddress);
      envelope(res, 200, "success", { taskId: task.taskId });
    },
    "GET /api/v1/jobs/recordInfo": (_req, res, url) => {
      const task = tasks.get(url.searchParams.get("taskId") ?? "");
      if (task?.api !== "market") return envelope(res, 422, "recordInfo is null");
      advance(task);
      envelope(res, 200, "success", record(task));
    },
    "POST /api/v1/veo/generate": async (req, res, _url, key) => {
      const body = await readJson(req);
      if (!body || typeof body.prompt !== "string" || !["veo3", "veo3_fast"].includes(String(body.model))) {
        return envelope(res, 422, "prompt and model (veo3 | veo3_fast) are required");
      }
      if (body.aspectRatio !== undefined && !["9:16", "16:9", "Auto"].includes(String(body.aspectRatio))) {
        return envelope(res, 422, "aspectRatio must be 9:16 or 16:9");
      }
      if (!Array.isArray(body.imageUrls) || body.imageUrls.length === 0) {
        return envelope(res, 422, "imageUrls is required for image-to-video");
      }
      const task = await createTask("veo", body, key, req.socket.remoteAddress);
      envelope(res, 200, "success", { taskId: task.taskId });
    },
    "GET /api/v1/veo/record-info": (_req, res, url) => {
      const task = tasks.get(url.searchParams.get("taskId") ?? "");
      if (task?.api !== "veo") return envelope(res, 422, "record is null");
      advance(task);
      envelope(res, 200, "success", record(task));
    },
    "GET /api/v1/chat/credit": (_req, res) => envelope(res, 200, "success", 1000),
    "POST /api/file-stream-upload": async (req, res) => {
      const form = await new Request("http://fake/upload", {
        method: "POST",
        headers: req.headers as Record<string, string>,
        body: Readable.toWeb(req) as ReadableStream,
        duplex: "half",
      } as RequestInit)
        .formData()
        .catch(() => null);
      const file = form?.get("file");
      const uploadPath = form?.get("uploadPath");
      if (!form || !(file instanceof Blob) || typeof uploadPath !== "string" || uploadPath === "") {
        return send(res, 200, {
          success: false,
          code: 422,
          msg: "file and uploadPath are required",
          data: null,
        });
      }
      const given = form.get("fileName");
      const fileName = typeof given === "string" && given ? given : `${randomBytes(6).toString("hex")}.bin`;
      const bytes = Buffer.from(await file.arrayBuffer());
      const path = `${uploadPath}/${fileName}`;
      uploads.set(path, bytes);
      send(res, 200, {
        success: true,
        code: 200,
        msg: "File uploaded successfully",
        data: {
          fileName,
          filePath: path,
          downloadUrl: `${baseUrl}/uploads/${path}`,
          fileSize: bytes.length,
          mimeType: file.type || "application/octet-stream",
          uploadedAt: new Date().toISOString(),
        },
      });
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.method === "GET" && url.pathname.startsWith("/results/")) return serveResult(url, res);
    if (req.method === "GET" && url.pathname.startsWith("/uploads/")) {
      const bytes = uploads.get(decodeURIComponent(url.pathname.slice("/uploads/".length)));
      if (!bytes) return send(res, 404, { error: "not found" });
      res.writeHead(200, { "content-type": "image/jpeg", "content-length": bytes.length });
      res.end(bytes);
      return;
    }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? null;
    requests.push({ method: req.method ?? "", path: url.pathname, key: auth });
    if (hangAll) {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    if (storm && storm.count > 0) {
      storm.count -= 1;
      if (storm.http) return send(res, storm.http, { code: storm.http, msg: "storm", data: null });
      return envelope(res, storm.code, "storm");
    }
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) return send(res, 404, { code: 404, msg: "not found", data: null });
    if (!auth || !keys.has(auth)) return envelope(res, 401, "You do not have access permissions");
    if (keys.get(auth) === false) return envelope(res, 402, "The current credits are insufficient");
    await route(req, res, url, auth);
  }

  function serveResult(url: URL, res: ServerResponse): void {
    const task = tasks.get(url.pathname.slice("/results/".length).replace(/\.mp4$/, ""));
    if (task?.done !== "success") {
      send(res, 404, { error: "not found" });
      return;
    }
    const size = task.scenario.outcome === "success" ? (task.scenario.resultBytes ?? 2048) : 0;
    res.writeHead(200, { "content-type": "video/mp4", "content-length": size });
    // Streamed in chunks so a 60 MB result does not sit in the fake's memory either.
    const chunk = Buffer.alloc(64 * 1024, 7);
    let left = size;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    pump();
  }

  return {
    get url() {
      return baseUrl;
    },
    tasks,
    uploads,
    requests,
    /** How many render tasks were created (each one costs money at the real provider). */
    get created() {
      return tasks.size;
    },
    /** `host`: another address than loopback, for programs in other network namespaces. */
    async start(port = 0, host = "127.0.0.1"): Promise<string> {
      server = createServer((req, res) => {
        handle(req, res).catch((e: unknown) => {
          if (!res.headersSent) send(res, 500, { code: 500, msg: String(e), data: null });
        });
      });
      await new Promise<void>((resolve) => server!.listen(port, host, resolve));
      baseUrl = `http://${host}:${(server.address() as AddressInfo).port}`;
      return baseUrl;
    },
    async close(): Promise<void> {
      for (const t of timers) clearTimeout(t);
      for (const r of hanging) r.destroy();
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
    setScenario(s: TaskScenario): void {
      scenario = s;
    },
    /** Scenarios for the next tasks, in order; afterwards the default applies again. */
    nextTasks(...s: TaskScenario[]): void {
      queued.push(...s);
    },
    setKey(key: string, hasBalance: boolean): void {
      keys.set(key, hasBalance);
    },
    removeKey(key: string): void {
      keys.delete(key);
    },
    /** Every request hangs (the connection stays open, nothing is answered). */
    setHang(on: boolean): void {
      hangAll = on;
    },
    /** The next `count` API requests fail: with an HTTP status (`http`) or HTTP 200 and an envelope `code`. */
    setStorm(count: number, opts: { http?: number; code?: number } = { http: 500 }): void {
      storm = { count, http: opts.http ?? null, code: opts.code ?? 500 };
    },
    /** Marks a task finished now (a hanging one as a success), sending its callback. */
    complete(taskId: string): void {
      const t = tasks.get(taskId);
      if (!t) return;
      if (t.scenario.outcome === "hang") t.scenario = { outcome: "success" };
      finish(t);
    },
  };
}

const failText = "Content policy violation: the image contains a real person";

/** A field of a market model's `input`, as its documentation page describes it. */
type Field = { required?: boolean } & (
  | { kind: "text"; max: number }
  | { kind: "url" }
  | { kind: "urls"; min: number; max: number }
  | { kind: "option"; values: readonly string[] }
  | { kind: "flag" }
);

interface MarketModel {
  fields: Record<string, Field>;
  /** A rule between fields, e.g. "10 s is not rendered at 1080P"; returns the refusal. */
  check?: (input: Record<string, unknown>) => string | null;
}

const prompt = (max: number): Field => ({ kind: "text", max, required: true });
const oneImage: Field = { kind: "urls", min: 1, max: 1, required: true };
const option = (...values: string[]): Field => ({ kind: "option", values });
const flag: Field = { kind: "flag" };

const sora = (extra: Record<string, Field> = {}): MarketModel => ({
  fields: {
    prompt: prompt(10_000),
    image_urls: oneImage,
    aspect_ratio: option("portrait", "landscape"),
    n_frames: option("10", "15"),
    remove_watermark: flag,
    ...extra,
  },
});

const hailuo23: MarketModel = {
  fields: {
    prompt: prompt(5000),
    image_url: { kind: "url", required: true },
    duration: option("6", "10"),
    resolution: option("768P", "1080P"),
  },
  check: (i) =>
    i.duration === "10" && i.resolution === "1080P" ? "10 seconds videos are not supported for 1080P" : null,
};

/**
 * The image-to-video market models kie.ai documents (docs.kie.ai/market/<family>/<model>) and the
 * `input` each takes. This is the fake's own reading of those pages, written apart from
 * src/models, so the client is checked against the documentation rather than against itself.
 * Fields a page does not list are refused: kie.ai is known to drop some silently, and a dropped
 * length or format is a video the seller paid for and did not get — a test must see that.
 */
const MARKET_MODELS: Record<string, MarketModel> = {
  "sora-2-image-to-video": sora(),
  "sora-2-pro-image-to-video": sora({ size: option("standard", "high") }),
  "kling-2.6/image-to-video": {
    fields: {
      prompt: prompt(1000),
      image_urls: oneImage,
      sound: { kind: "flag", required: true },
      duration: { ...option("5", "10"), required: true },
    },
  },
  "hailuo/02-image-to-video-standard": {
    fields: {
      prompt: prompt(1500),
      image_url: { kind: "url", required: true },
      end_image_url: { kind: "url" },
      duration: option("6", "10"),
      resolution: option("512P", "768P"),
      prompt_optimizer: flag,
    },
  },
  "hailuo/02-image-to-video-pro": {
    fields: {
      prompt: prompt(1500),
      image_url: { kind: "url", required: true },
      end_image_url: { kind: "url" },
      prompt_optimizer: flag,
    },
  },
  "hailuo/2-3-image-to-video-standard": hailuo23,
  "hailuo/2-3-image-to-video-pro": hailuo23,
  "bytedance/seedance-1.5-pro": {
    fields: {
      prompt: prompt(2000),
      input_urls: { kind: "urls", min: 0, max: 2 },
      aspect_ratio: option("1:1", "4:3", "3:4", "16:9", "9:16", "21:9"),
      resolution: option("480p", "720p"),
      duration: option("4", "8", "12"),
      fixed_lens: flag,
      generate_audio: flag,
    },
  },
  "wan/2-6-image-to-video": {
    fields: {
      prompt: prompt(2000),
      image_urls: oneImage,
      duration: option("5", "10", "15"),
      resolution: option("720p", "1080p"),
      multi_shots: flag,
    },
  },
};

/** Why kie.ai would refuse this `input` for `model`, or null when it takes it. */
function checkMarketInput(model: string, input: Record<string, unknown>): string | null {
  const spec = MARKET_MODELS[model];
  if (!spec) return `model ${model} is not supported`;
  for (const [name, value] of Object.entries(input)) {
    if (!(name in spec.fields)) return `input.${name} is not a parameter of ${model}`;
    if (value === undefined || value === null) return `input.${name} must not be null`;
  }
  for (const [name, field] of Object.entries(spec.fields)) {
    const value = input[name];
    if (value === undefined) {
      if (field.required) return `input.${name} is required`;
      continue;
    }
    const wrong = checkField(name, field, value);
    if (wrong) return wrong;
  }
  return spec.check?.(input) ?? null;
}

function checkField(name: string, field: Field, value: unknown): string | null {
  const isUrl = (v: unknown) => typeof v === "string" && /^https?:\/\//.test(v);
  switch (field.kind) {
    case "text":
      if (typeof value !== "string" || value.trim() === "") return `input.${name} must be a non-empty string`;
      return value.length > field.max ? `input.${name} is longer than ${field.max} characters` : null;
    case "url":
      return isUrl(value) ? null : `input.${name} must be a URL`;
    case "urls":
      if (!Array.isArray(value) || !value.every(isUrl)) return `input.${name} must be a list of URLs`;
      return value.length < field.min || value.length > field.max
        ? `input.${name} takes ${field.min}–${field.max} URLs`
        : null;
    case "option":
      return typeof value === "string" && field.values.includes(value)
        ? null
        : `input.${name} must be one of ${field.values.join(", ")}`;
    case "flag":
      return typeof value === "boolean" ? null : `input.${name} must be a boolean`;
  }
}

/** The image URLs of a task, whatever the model calls the field. */
function imagesOf(api: "market" | "veo", fields: Record<string, unknown>): string[] {
  const raw = api === "veo" ? fields.imageUrls : (fields.image_urls ?? fields.input_urls ?? fields.image_url);
  if (typeof raw === "string") return [raw];
  return Array.isArray(raw) ? raw.map(String) : [];
}

export type FakeKie = ReturnType<typeof createKieServer>;
