import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_ID, type PaymentsBot, startPaymentsBot } from "./payments-harness.ts";

let h: PaymentsBot;
afterEach(() => h?.close());

const TEXT = "Weekend sale: 30% off all packages";

describe("a broadcast started from /admin", () => {
  it("reaches 500 users through 429s and a restart of the bot mid-way, nobody messaged twice", async () => {
    h = await startPaymentsBot();
    const ids: number[] = [];
    for (let i = 0; i < 500; i++) {
      await h.member({ id: 5000 + i });
      ids.push(5000 + i);
    }
    h.tg.blockChat(5007);
    const { u: admin } = await h.member({ id: ADMIN_ID });
    admin.command("admin");
    admin.tap(await admin.next("Neurocards —"), "adm:bc");
    admin.tap(await admin.next("Who gets the broadcast?"), "adm:bca:all");
    await admin.next("Send the broadcast message");
    admin.send(TEXT);
    await admin.next(TEXT);
    const confirm = await admin.next("This is how it will look");
    h.tg.inject({ method: "sendMessage", times: 10, error: { status: 429, retryAfter: 1 } });
    admin.tap(confirm, /Send/);

    const delivered = () =>
      h.tg.callsTo("sendMessage").filter((c) => c.params.text === TEXT && c.status === 200);
    while (delivered().length < 150) await new Promise((r) => setTimeout(r, 10));
    await h.restart();
    const mid = await h.store.getBroadcast(1);
    expect(mid?.sent).toBeLessThan(500);

    await admin.next((m) => m.message_id === confirm.message_id && /finished/.test(m.text ?? ""), 60_000);
    expect(h.tg.message(ADMIN_ID, confirm.message_id)?.text).toBe(
      "✅ Broadcast #1 finished: 501 recipients · sent 500 · failed 0 · blocked the bot 1",
    );
    const perChat = new Map<number, number>();
    for (const c of delivered()) perChat.set(c.chatId ?? 0, (perChat.get(c.chatId ?? 0) ?? 0) + 1);
    for (const id of ids) expect(perChat.get(id) ?? 0, `chat ${id}`).toBe(id === 5007 ? 0 : 1);
    expect(perChat.get(ADMIN_ID)).toBe(2); // the preview and the broadcast itself
  });
});
