// A fake OpenAI Chat Completions endpoint (`POST /v1/chat/completions`) for the prompt writer and
// the photo check: it checks the bearer key, accepts text and image_url content parts, and answers
// structured output (`response_format: { type: "json_schema" }`) with an object that fits the
// requested schema — strings quote the user's text, enums take their first value, arrays are empty.
//
// Vision answers are decided by the image: an inline (data:) image whose bytes contain
// `FAKE-VISION:{…json…}` followed by a newline gets that JSON laid over the answer, e.g. a photo
// made with `visionMarker({ problems: ["people"] })` is seen with people in it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type OpenAiMode = "ok" | "429" | "500" | "hang" | "refusal";

interface ChatRequest {
  model?: string;
  messages?: Array<{ role: string; content: unknown }>;
  response_format?: { type?: string; json_schema?: { name?: string; schema?: JsonSchema; strict?: boolean } };
}

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
}

const MARKER = "FAKE-VISION:";

/** Bytes to put into a fake image so that the fake's vision sees `answer` in it. */
export function visionMarker(answer: Record<string, unknown>): Buffer {
  return Buffer.from(`\n${MARKER}${JSON.stringify(answer)}\n`);
}

/** The answer a marker in an inline image asks for, if any. */
function markedAnswer(imageUrl: string): Record<string, unknown> | undefined {
  const m = /^data:[^;,]*;base64,(.*)$/s.exec(imageUrl);
  if (!m) return undefined;
  const bytes = Buffer.from(m[1] ?? "", "base64").toString("latin1");
  const at = bytes.indexOf(MARKER);
  if (at < 0) return undefined;
  const end = bytes.indexOf("\n", at);
  const json = Buffer.from(bytes.slice(at + MARKER.length, end < 0 ? undefined : end), "latin1");
  return JSON.parse(json.toString("utf8")) as Record<string, unknown>;
}

export interface SeenRequest {
  model: string;
  text: string;
  imageUrls: string[];
  schemaName: string | undefined;
}

/** `latencyMs`: how long the model "thinks" before a completion (default 0: at once). */
export function createOpenAiServer(opts: { apiKey?: string; latencyMs?: number } = {}) {
  const apiKey = opts.apiKey ?? "sk-test";
  const seen: SeenRequest[] = [];
  let mode: OpenAiMode = "ok";
  let server: Server | null = null;
  let url = "";
  const hanging = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  // Fills a JSON schema with plausible strings; `videoPrompt`-like fields quote the user's text so a
  // test can see the prompt came from the model.
  function fill(schema: JsonSchema | undefined, name: string, text: string): unknown {
    if (!schema) return null;
    if (schema.type === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = fill(v, k, text);
      return out;
    }
    if (schema.enum) return schema.enum[0];
    if (schema.type === "array") return [];
    if (schema.type === "number" || schema.type === "integer") return 1;
    if (schema.type === "boolean") return true;
    return `FAKE-OPENAI ${name}: ${text.replace(/\s+/g, " ").slice(0, 120)}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      return send(res, 404, { error: { message: "not found", type: "invalid_request_error" } });
    }
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return send(res, 401, {
        error: { message: "Incorrect API key provided", type: "invalid_request_error" },
      });
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
    const texts: string[] = [];
    const imageUrls: string[] = [];
    for (const m of body.messages ?? []) {
      if (typeof m.content === "string") texts.push(m.content);
      else if (Array.isArray(m.content)) {
        for (const part of m.content as Array<Record<string, unknown>>) {
          if (part.type === "text") texts.push(String(part.text));
          else if (part.type === "image_url") {
            imageUrls.push(String((part.image_url as { url?: string } | undefined)?.url ?? ""));
          } else return send(res, 400, { error: { message: `unknown part ${String(part.type)}` } });
        }
      }
    }
    const rf = body.response_format;
    seen.push({
      model: String(body.model),
      text: texts.join("\n"),
      imageUrls,
      schemaName: rf?.json_schema?.name,
    });
    if (mode === "hang") {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    if (mode === "429") {
      return send(
        res,
        429,
        { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } },
        { "retry-after-ms": "10" },
      );
    }
    if (mode === "500")
      return send(res, 500, { error: { message: "The server had an error", type: "server_error" } });
    if (rf?.type !== "json_schema" || !rf.json_schema?.schema) {
      return send(res, 400, { error: { message: "this fake only answers structured output" } });
    }
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    const userText = texts.slice(1).join("\n") || texts.join("\n");
    const filled = fill(rf.json_schema.schema, "root", userText) as Record<string, unknown>;
    const marked = imageUrls.map(markedAnswer).find((x) => x !== undefined);
    const message =
      mode === "refusal"
        ? { role: "assistant", content: null, refusal: "I can't help with that." }
        : { role: "assistant", content: JSON.stringify({ ...filled, ...marked }), refusal: null };
    send(res, 200, {
      id: `chatcmpl-${seen.length}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
    });
  }

  return {
    get url() {
      return url;
    },
    apiKey,
    seen,
    setMode(m: OpenAiMode): void {
      mode = m;
    },
    async start(host = "127.0.0.1"): Promise<string> {
      server = createServer((req, res) => {
        handle(req, res).catch((e: unknown) => send(res, 500, { error: { message: String(e) } }));
      });
      await new Promise<void>((resolve) => server!.listen(0, host, resolve));
      url = `http://${host}:${(server.address() as AddressInfo).port}/v1`;
      return url;
    },
    async close(): Promise<void> {
      for (const r of hanging) r.destroy();
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

export type FakeOpenAi = ReturnType<typeof createOpenAiServer>;
