import { afterEach, describe, expect, it } from "vitest";
import { encode } from "../src/bot/callbacks.ts";
import { ADMIN_ID, type PaymentsBot, startPaymentsBot } from "./payments-harness.ts";

let h: PaymentsBot;
afterEach(() => h?.close());

async function askForUser() {
  const { u: admin } = await h.member({ id: ADMIN_ID, language_code: "en" });
  admin.command("admin");
  const panel = await admin.next("Neurocards —");
  admin.tap(panel, "adm:find");
  await admin.next("Send a user's Telegram id");
  return { admin, panel };
}

describe("an open admin question", () => {
  it("is left by /cancel, which shows the menu; the next message is not taken as the answer", async () => {
    h = await startPaymentsBot();
    await h.member({ id: 41, username: "someone" });
    const { admin } = await askForUser();
    admin.command("cancel");
    const menu = await admin.next("Cancelled. Here is the menu.");
    expect(JSON.stringify(menu.reply_markup)).toContain(encode({ a: "create" }));
    admin.send("@someone");
    expect((await admin.next()).text).toContain("I did not understand that");
  });

  it("is left when the admin taps a bot button: the create flow gets the next message", async () => {
    h = await startPaymentsBot();
    const { admin, panel } = await askForUser();
    admin.forgeTap(panel, encode({ a: "create" }));
    await admin.next("product photo");
    admin.send("hello");
    expect((await admin.next()).text).toBe(
      "Please send a photo of the product (JPG, PNG or WebP up to 20 MB).",
    );
  });
});
