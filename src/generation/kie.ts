// kie.ai client: market models (createTask/recordInfo) and Veo (generate/record-info), the file
// upload host, and the credit endpoint — exactly as /work/shared/reference/kie-ai.md documents.
// Each model's own request fields come from src/models. HTTP 200 with a non-200 `code` is an error
// like any other.
import type { Dispatcher } from "undici";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { type KieApi, type ModelSpec, models, type RenderParams, renderChoice } from "../models/index.ts";
import { undici } from "../undici.ts";
import { classifyTaskFailure, GenerationError, KieApiError, TaskFailedError } from "./errors.ts";
import type { KeyPool, KieKey } from "./keys.ts";

export type { KieApi };

export type TaskStatus =
  | { state: "pending"; detail: string }
  | { state: "success"; urls: string[] }
  | { state: "fail"; error: TaskFailedError };

export interface RenderRequest {
  model: string;
  prompt: string;
  imageUrl: string;
  /** Length in seconds; unset: the model's first (what jobs got before lengths were chosen). */
  seconds?: number | null;
  /** Format; unset: the model's first (vertical). Ignored by a model that takes the photo's shape. */
  format?: string | null;
  callBackUrl?: string;
}

export interface KieClientDeps {
  baseUrl: string;
  uploadBaseUrl: string;
  keys: KeyPool;
  logger: Logger;
  metrics: Pick<Metrics, "providerLatency">;
  /** Per request; a hanging provider becomes a transient timeout. */
  requestTimeoutMs?: number;
}

interface Envelope {
  code?: number;
  msg?: string;
  data?: unknown;
}

export function createKieClient({
  baseUrl,
  uploadBaseUrl,
  keys,
  logger,
  metrics,
  requestTimeoutMs = 30_000,
}: KieClientDeps) {
  async function call(
    key: KieKey,
    operation: string,
    url: string,
    init: { method: "GET" | "POST"; json?: unknown; form?: FormData },
    signal?: AbortSignal,
  ): Promise<unknown> {
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    const stop = timer(operation);
    try {
      const headers = {
        authorization: `Bearer ${key.key}`,
        ...(init.json !== undefined ? { "content-type": "application/json" } : {}),
      };
      const res = await send(url, init, headers, signal ? AbortSignal.any([signal, timeout]) : timeout);
      const text = res.text;
      const ok = res.status >= 200 && res.status < 300;
      let body: Envelope | null = null;
      try {
        body = JSON.parse(text) as Envelope;
      } catch {
        body = null;
      }
      const code = typeof body?.code === "number" ? body.code : res.status;
      if (!ok || code !== 200) {
        throw new KieApiError(
          ok ? code : (body?.code ?? res.status),
          body?.msg ?? text.slice(0, 200),
          res.status,
        );
      }
      return body?.data;
    } finally {
      stop();
    }
  }

  function timer(operation: string) {
    return metrics.providerLatency.startTimer({ provider: "kie", operation });
  }

  /** Runs `fn` with the usable keys in rotation; 401/402 rest the key and move on to the next. */
  async function withKeys<T>(fn: (key: KieKey) => Promise<T>): Promise<{ value: T; key: KieKey }> {
    let last: unknown;
    for (const key of await keys.usable()) {
      try {
        return { value: await fn(key), key };
      } catch (e) {
        if (e instanceof KieApiError && (e.code === 401 || e.code === 402)) {
          await keys.rest(key, e.code, e.message);
          last = e;
          continue;
        }
        throw e;
      }
    }
    // Every key just failed with 401/402: the pool now reports when one wakes up.
    await keys.usable();
    throw last;
  }

  function taskIdOf(data: unknown): string {
    const id = (data as { taskId?: unknown } | null)?.taskId;
    if (typeof id !== "string" || !id) throw new KieApiError(500, "no taskId in the answer", 200);
    return id;
  }

  return {
    /** Creates a render task; the returned key must be used to poll it (tasks belong to an account). */
    async createTask(
      req: RenderRequest,
      signal?: AbortSignal,
    ): Promise<{ taskId: string; api: KieApi; key: KieKey }> {
      const spec = models.get(req.model);
      if (!spec) throw new GenerationError("unknown", "no_model", `model ${req.model} is not known`);
      const fields = spec.request(renderParams(spec, req));
      const callBack = req.callBackUrl ? { callBackUrl: req.callBackUrl } : {};
      const api = spec.api;
      const body =
        api === "veo"
          ? { ...fields, model: spec.id, ...callBack }
          : { model: spec.id, ...callBack, input: fields };
      const path = api === "veo" ? "/api/v1/veo/generate" : "/api/v1/jobs/createTask";
      const { value, key } = await withKeys(async (k) =>
        taskIdOf(await call(k, "create", `${baseUrl}${path}`, { method: "POST", json: body }, signal)),
      );
      logger.debug({ taskId: value, model: req.model }, "kie task created");
      return { taskId: value, api, key };
    },

    async getTask(api: KieApi, taskId: string, key: KieKey, signal?: AbortSignal): Promise<TaskStatus> {
      const path = api === "veo" ? "/api/v1/veo/record-info" : "/api/v1/jobs/recordInfo";
      const url = `${baseUrl}${path}?taskId=${encodeURIComponent(taskId)}`;
      let data: Record<string, unknown>;
      try {
        data = ((await call(key, "poll", url, { method: "GET" }, signal)) ?? {}) as Record<string, unknown>;
      } catch (e) {
        if (e instanceof KieApiError && (e.code === 401 || e.code === 402))
          await keys.rest(key, e.code, e.message);
        throw e;
      }
      return api === "veo" ? veoStatus(data) : marketStatus(data);
    },

    /**
     * Sends a photo to kie.ai's upload host; returns the URL to put in image_urls. A file-backed
     * Blob (openAsBlob) is read lazily while the body is sent: the photo is never whole in memory.
     */
    async uploadFile(file: Blob, fileName: string, signal?: AbortSignal): Promise<string> {
      const { value } = await withKeys(async (k) => {
        const form = new FormData();
        form.set("file", file, fileName);
        form.set("uploadPath", "neurocards");
        form.set("fileName", fileName);
        const data = (await call(
          k,
          "upload",
          `${uploadBaseUrl}/api/file-stream-upload`,
          { method: "POST", form },
          signal,
        )) as {
          downloadUrl?: unknown;
        } | null;
        if (typeof data?.downloadUrl !== "string")
          throw new KieApiError(500, "no downloadUrl in the answer", 200);
        return data.downloadUrl;
      });
      return value;
    },

    /** Remaining credit of each key (for doctor and the admin panel). */
    async credits(): Promise<Array<{ label: string; credits: number | null; error?: string }>> {
      const out: Array<{ label: string; credits: number | null; error?: string }> = [];
      for (const k of await keys.usable().catch(() => [] as KieKey[])) {
        try {
          out.push({
            label: k.label,
            credits: Number(await call(k, "credit", `${baseUrl}/api/v1/chat/credit`, { method: "GET" })),
          });
        } catch (e) {
          out.push({ label: k.label, credits: null, error: e instanceof Error ? e.message : String(e) });
        }
      }
      return out;
    },
  };
}

/**
 * One HTTP exchange. JSON calls go through undici's request API (a fraction of fetch's CPU per
 * call, see src/telegram/fetch.ts). The multipart upload stays on the global fetch: Node's FormData
 * and its file-backed Blob belong to the undici bundled inside Node, which the undici package's
 * request cannot read.
 */
async function send(
  url: string,
  init: { method: "GET" | "POST"; json?: unknown; form?: FormData },
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<{ status: number; text: string }> {
  if (init.form) {
    const res = await fetch(url, { method: init.method, headers, body: init.form, signal });
    return { status: res.status, text: await res.text() };
  }
  const { request } = await undici();
  const res = await request(url, {
    method: init.method as Dispatcher.HttpMethod,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
    signal,
  });
  return { status: res.statusCode, text: await res.body.text() };
}

/**
 * The request's length and format as the model takes them. A length or format the model does not
 * render is a job that cannot be made (its template and model disagree): refused before paying.
 */
function renderParams(spec: ModelSpec, req: RenderRequest): RenderParams {
  const { seconds, format, fits } = renderChoice(spec, req.seconds, req.format);
  if (!fits) {
    const what = spec.durations.includes(seconds) ? `the format ${req.format}` : `${seconds} s`;
    throw new GenerationError("unknown", "bad_choice", `${spec.id} does not render ${what}`);
  }
  const prompt = req.prompt.length > spec.promptMax ? req.prompt.slice(0, spec.promptMax) : req.prompt;
  return { prompt, imageUrl: req.imageUrl, seconds, format };
}

function marketStatus(d: Record<string, unknown>): TaskStatus {
  const state = String(d.state ?? "");
  if (state === "success") {
    let urls: unknown;
    try {
      urls = (JSON.parse(String(d.resultJson ?? "")) as { resultUrls?: unknown }).resultUrls;
    } catch {
      urls = undefined;
    }
    if (!Array.isArray(urls) || urls.length === 0) {
      return {
        state: "fail",
        error: new TaskFailedError("unknown", "no_result", "success without resultUrls"),
      };
    }
    return { state: "success", urls: urls.map(String) };
  }
  if (state === "fail") {
    return { state: "fail", error: classifyTaskFailure(String(d.failCode ?? ""), String(d.failMsg ?? "")) };
  }
  return { state: "pending", detail: state || "unknown" };
}

function veoStatus(d: Record<string, unknown>): TaskStatus {
  const flag = Number(d.successFlag);
  if (flag === 1) {
    const urls = (d.response as { resultUrls?: unknown } | null)?.resultUrls;
    if (!Array.isArray(urls) || urls.length === 0) {
      return {
        state: "fail",
        error: new TaskFailedError("unknown", "no_result", "success without resultUrls"),
      };
    }
    return { state: "success", urls: urls.map(String) };
  }
  if (flag === 2 || flag === 3) {
    return {
      state: "fail",
      error: classifyTaskFailure(String(d.errorCode ?? flag), String(d.errorMessage ?? "")),
    };
  }
  return { state: "pending", detail: "generating" };
}

export type KieClient = ReturnType<typeof createKieClient>;
