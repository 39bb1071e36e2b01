// The fake Bot API must behave like Telegram for the e2e tests to mean anything: these pin the
// parts the bot relies on, through grammY's real client.
import { Api, GrammyError, InputFile } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeTelegram, startFakeTelegram } from "./fakes/telegram-server.ts";

let tg: FakeTelegram;
let api: Api;

beforeEach(async () => {
  tg = await startFakeTelegram();
  api = new Api(tg.token, { apiRoot: tg.apiRoot });
});
afterEach(() => tg.close());

async function apiError(p: Promise<unknown>): Promise<GrammyError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof GrammyError)) throw new Error(`expected a GrammyError, got ${String(e)}`);
  return e;
}

describe("fake Telegram Bot API", () => {
  it("answers getMe and rejects a wrong token with 401", async () => {
    expect((await api.getMe()).username).toBe("neurocards_test_bot");
    const wrong = new Api("1:wrong-token-wrong-token-wrong", { apiRoot: tg.apiRoot });
    expect((await apiError(wrong.getMe())).error_code).toBe(401);
  });

  it("long-polls: getUpdates waits for a pushed update and offset confirms it", async () => {
    const u = tg.user({ id: 42 });
    const polling = api.getUpdates({ timeout: 5 });
    await new Promise((r) => setTimeout(r, 30));
    u.send("hello");
    const got = await polling;
    expect(got.map((x) => x.message?.text)).toEqual(["hello"]);
    const first = got[0]?.update_id ?? 0;
    expect(await api.getUpdates({ offset: first + 1, timeout: 0 })).toEqual([]);
    expect(tg.pendingUpdates()).toBe(0);
  });

  it("drops updates of types not listed in allowed_updates", async () => {
    const u = tg.user({ id: 42 });
    u.setBotStatus("kicked");
    u.send("hi");
    const got = await api.getUpdates({ timeout: 0, allowed_updates: ["message"] });
    expect(got.map((x) => Object.keys(x).filter((k) => k !== "update_id")[0])).toEqual(["message"]);
  });

  it("gives 409 to the earlier poller when a second one polls, and while a webhook is set", async () => {
    const first = apiError(api.getUpdates({ timeout: 5 }));
    await new Promise((r) => setTimeout(r, 30));
    const second = api.getUpdates({ timeout: 0 });
    expect((await first).error_code).toBe(409);
    await second;
    await api.setWebhook("https://example.com/hook");
    const e = await apiError(api.getUpdates({ timeout: 0 }));
    expect(e.error_code).toBe(409);
    expect(e.description).toMatch(/webhook is active/);
    await api.deleteWebhook();
    expect(await api.getUpdates({ timeout: 0 })).toEqual([]);
  });

  it("rejects HTML that is not Telegram HTML, and too long texts", async () => {
    tg.user({ id: 7 });
    const sent = await api.sendMessage(7, "<b>ok</b> &lt;tag&gt;", { parse_mode: "HTML" });
    expect(sent.text).toBe("ok <tag>");
    expect(sent.entities?.[0]).toMatchObject({ type: "bold", offset: 0, length: 2 });
    const injected = await apiError(api.sendMessage(7, "name: <script>", { parse_mode: "HTML" }));
    expect(injected.description).toMatch(/can't parse entities: Unsupported start tag "script"/);
    expect((await apiError(api.sendMessage(7, "x".repeat(4097)))).description).toMatch(/message is too long/);
    expect((await apiError(api.sendMessage(7, "  "))).description).toMatch(/message text is empty/);
    expect((await apiError(api.sendMessage(99, "hi"))).description).toMatch(/chat not found/);
  });

  it("validates callback_data length and the 100-button limit", async () => {
    tg.user({ id: 7 });
    const long = await apiError(
      api.sendMessage(7, "x", {
        reply_markup: { inline_keyboard: [[{ text: "a", callback_data: "y".repeat(65) }]] },
      }),
    );
    expect(long.description).toMatch(/BUTTON_DATA_INVALID/);
    const rows = Array.from({ length: 101 }, (_, i) => [{ text: `b${i}`, callback_data: `d${i}` }]);
    const many = await apiError(api.sendMessage(7, "x", { reply_markup: { inline_keyboard: rows } }));
    expect(many.description).toMatch(/REPLY_MARKUP_TOO_LONG/);
  });

  it("edits in place and refuses an edit that changes nothing", async () => {
    const u = tg.user({ id: 7 });
    const m = await api.sendMessage(7, "one", {
      reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] },
    });
    await api.editMessageText(7, m.message_id, "two");
    expect(u.last()?.text).toBe("two");
    expect(u.last()?.reply_markup).toBeUndefined();
    const e = await apiError(api.editMessageText(7, m.message_id, "two"));
    expect(e.description).toMatch(/message is not modified/);
  });

  it("uploads a video by multipart, serves it back by file_id, getFile and download", async () => {
    const u = tg.user({ id: 7 });
    const bytes = Buffer.alloc(300_000, 7);
    const sent = await api.sendVideo(7, new InputFile(bytes, "result.mp4"), { caption: "done" });
    expect(sent.video?.file_size).toBe(300_000);
    const again = await api.sendVideo(7, sent.video?.file_id ?? "");
    expect(again.video?.file_id).toBe(sent.video?.file_id);
    const file = await api.getFile(sent.video?.file_id ?? "");
    const r = await fetch(`${tg.apiRoot}/file/bot${tg.token}/${file.file_path}`);
    expect(Buffer.from(await r.arrayBuffer()).equals(bytes)).toBe(true);
    expect(u.messages()).toHaveLength(2);
  });

  it("has no file_path for files over 20 MB", async () => {
    const f = tg.registerFile({ size: 21 * 1024 * 1024 });
    const e = await apiError(api.getFile(f.fileId));
    expect(e.description).toMatch(/file is too big/);
  });

  it("refuses uploads over 50 MB", async () => {
    tg.user({ id: 7 });
    const e = await apiError(api.sendDocument(7, new InputFile(Buffer.alloc(51 * 1024 * 1024), "big.bin")));
    expect(e.error_code).toBe(413);
  });

  it("sends an album of 2-10 items only", async () => {
    tg.user({ id: 7 });
    const a = tg.registerFile({ fileId: "demo-a", mimeType: "video/mp4" });
    const b = tg.registerFile({ fileId: "demo-b", mimeType: "video/mp4" });
    const msgs = await api.sendMediaGroup(7, [
      { type: "video", media: a.fileId },
      { type: "video", media: b.fileId },
    ]);
    expect(new Set(msgs.map((m) => ("media_group_id" in m ? m.media_group_id : undefined))).size).toBe(1);
    expect(msgs[0] && "media_group_id" in msgs[0]).toBe(true);
    expect((await apiError(api.sendMediaGroup(7, [{ type: "video", media: a.fileId }]))).error_code).toBe(
      400,
    );
  });

  it("answers a callback query once; stale ones are too old", async () => {
    const u = tg.user({ id: 7 });
    const m = await api.sendMessage(7, "menu", {
      reply_markup: { inline_keyboard: [[{ text: "Go", callback_data: "go" }]] },
    });
    const q = u.tap(m.message_id, "Go");
    await api.answerCallbackQuery(q, { text: "ok" });
    expect((await tg.callbackAnswer(q)).text).toBe("ok");
    expect((await apiError(api.answerCallbackQuery(q))).description).toMatch(/query is too old/);
    const q2 = u.tap(m.message_id, "go");
    tg.expireCallbackQueries();
    expect((await apiError(api.answerCallbackQuery(q2))).description).toMatch(/query is too old/);
  });

  it("injects 429 with retry_after, 5xx and a blocked chat", async () => {
    tg.user({ id: 7 });
    tg.inject({ method: "sendMessage", error: { status: 429, retryAfter: 3 } });
    const flood = await apiError(api.sendMessage(7, "x"));
    expect(flood.error_code).toBe(429);
    expect(flood.parameters.retry_after).toBe(3);
    tg.inject({ method: /^send/, error: { status: 502 } });
    expect((await apiError(api.sendMessage(7, "x"))).error_code).toBe(502);
    tg.blockChat(7);
    const blocked = await apiError(api.sendMessage(7, "x"));
    expect([blocked.error_code, blocked.description]).toEqual([
      403,
      "Forbidden: bot was blocked by the user",
    ]);
    expect(tg.callsTo("sendMessage", 7).map((c) => c.status)).toEqual([429, 502, 403]);
  });

  it("runs a Stars purchase: invoice, pre-checkout, successful payment, refund", async () => {
    const u = tg.user({ id: 7 });
    const inv = await api.sendInvoice(7, "5 credits", "Videos", "pkg:p5", "XTR", [
      { label: "5", amount: 250 },
    ]);
    const invoice = tg.message(7, inv.message_id);
    if (!invoice) throw new Error("invoice not stored");
    const paying = u.pay(invoice);
    const [pcq] = await api.getUpdates({ timeout: 5 });
    expect(pcq?.pre_checkout_query).toMatchObject({
      total_amount: 250,
      currency: "XTR",
      invoice_payload: "pkg:p5",
    });
    await api.answerPreCheckoutQuery(pcq?.pre_checkout_query?.id ?? "", true);
    const { chargeId } = await paying;
    const [paid] = await api.getUpdates({ offset: (pcq?.update_id ?? 0) + 1, timeout: 5 });
    expect(paid?.message?.successful_payment?.telegram_payment_charge_id).toBe(chargeId);
    await api.refundStarPayment(7, chargeId ?? "");
    expect((await apiError(api.refundStarPayment(7, chargeId ?? ""))).description).toMatch(
      /ALREADY_REFUNDED/,
    );
  });
});
