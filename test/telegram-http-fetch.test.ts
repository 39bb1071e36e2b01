// The polling bot's HTTP client (src/telegram/http-fetch.ts) against a real local HTTP server:
// what grammY gets back for each kind of answer Telegram (or a proxy in front of it) can give.
// Timeouts and aborts are in test/telegram.test.ts, with the queue's client beside it.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Api, GrammyError, HttpError, InputFile } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { pollingClient } from "../src/telegram/http-fetch.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";

interface Seen {
  method: string;
  contentType: string;
  body: string;
}

/** A Bot API that answers each call with `answer`, recording what it was sent and on how many connections. */
async function server(answer: (seen: Seen, res: ServerResponse) => void) {
  const calls: Seen[] = [];
  const stats = { connections: 0 };
  const s = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const seen = {
        method: req.url?.split("/").at(-1) ?? "",
        contentType: req.headers["content-type"] ?? "",
        body: Buffer.concat(chunks).toString("latin1"),
      };
      calls.push(seen);
      answer(seen, res);
    });
  });
  s.on("connection", () => stats.connections++);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const api = new Api(TOKEN, pollingClient(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
  open.push(() => {
    s.closeAllConnections();
    return new Promise((r) => s.close(() => r()));
  });
  return { api, calls, stats };
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

describe("the polling bot's HTTP client", () => {
  it("sends the call as JSON and hands grammY Telegram's result", async () => {
    const { api, calls } = await server((_seen, res) =>
      json(res, 200, { ok: true, result: { message_id: 7, text: "Привет 👋" } }),
    );
    const sent = await api.sendMessage(42, "Привет 👋");
    expect(sent).toMatchObject({ message_id: 7, text: "Привет 👋" });
    expect(calls[0]?.method).toBe("sendMessage");
    expect(calls[0]?.contentType).toBe("application/json");
    expect(JSON.parse(Buffer.from(calls[0]?.body ?? "", "latin1").toString())).toEqual({
      chat_id: 42,
      text: "Привет 👋",
    });
  });

  it("reads a large answer that arrives in many chunks (a full batch of updates)", async () => {
    const updates = Array.from({ length: 100 }, (_, i) => ({
      update_id: i,
      message: { message_id: i, date: 0, chat: { id: i, type: "private" }, text: "x".repeat(2000) },
    }));
    const { api } = await server((_seen, res) => json(res, 200, { ok: true, result: updates }));
    expect(await api.getUpdates({ limit: 100 })).toEqual(updates);
  });

  it("a refusal (400 with Telegram's description) is a GrammyError carrying it, not a network error", async () => {
    const { api } = await server((_seen, res) =>
      json(res, 400, { ok: false, error_code: 400, description: "Bad Request: message is not modified" }),
    );
    const error = await api.editMessageText(1, 2, "same").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).description).toContain("message is not modified");
  });

  it("a proxy's HTML error page fails the call as a network error (HttpError)", async () => {
    const { api } = await server((_seen, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html><body>502 Bad Gateway</body></html>");
    });
    expect(await api.getMe().catch((e: unknown) => e)).toBeInstanceOf(HttpError);
  });

  it("a connection closed halfway through the answer fails the call as a network error", async () => {
    const { api } = await server((_seen, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"ok":true,"result":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    expect(await api.getMe().catch((e: unknown) => e)).toBeInstanceOf(HttpError);
  });

  it("a server that is not there fails the call as a network error", async () => {
    const { api } = await server(() => {});
    await open.splice(0)[0]?.();
    expect(await api.getMe().catch((e: unknown) => e)).toBeInstanceOf(HttpError);
  });

  it("calls one after the other share one kept-alive connection", async () => {
    const { api, stats } = await server((_seen, res) => json(res, 200, { ok: true, result: true }));
    for (let i = 0; i < 5; i++) await api.answerCallbackQuery(`q${i}`);
    expect(stats.connections).toBe(1);
  });

  it("a file goes up as multipart form data with its name and bytes", async () => {
    const { api, calls } = await server((_seen, res) =>
      json(res, 200, { ok: true, result: { message_id: 1, date: 0, chat: { id: 1, type: "private" } } }),
    );
    const bytes = Buffer.alloc(300_000, 7);
    await api.sendDocument(1, new InputFile(bytes, "card.mp4"), { caption: "готово" });
    const call = calls[0];
    expect(call?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(call?.body).toContain("filename=card.mp4");
    expect(call?.body).toContain(bytes.toString("latin1"));
    expect(call?.body).toContain(Buffer.from("готово").toString("latin1"));
  });
});
