// How docs/transcripts/ writes a bot message down (test/transcripts/render.ts): what the seller
// sees in Telegram must read the same in Markdown, and nothing that differs between runs may leak.
import { describe, expect, it } from "vitest";
import { parseHtml } from "./fakes/telegram-html.ts";
import type { FakeMessage } from "./fakes/telegram-server.ts";
import { messageBlock, userText } from "./transcripts/render.ts";

function message(html: string, keyboard: FakeMessage["reply_markup"] = undefined): FakeMessage {
  const { text, entities } = parseHtml(html);
  return { message_id: 1, date: 0, chat: { id: 1, type: "private" }, text, entities, reply_markup: keyboard };
}

describe("a bot message in a transcript", () => {
  it("keeps bold, links and quotes, and every line break Telegram shows", () => {
    const m = message(
      '<b>Step 1 of 5</b>\n\nSend a <a href="https://example.com/offer">photo</a>:\n• JPG\n<blockquote>your prompt\nsecond line</blockquote>',
    );
    expect(messageBlock(m)).toEqual([
      "> **Step 1 of 5**",
      ">",
      "> Send a [photo](https://example.com/offer):\\",
      "> • JPG",
      ">",
      "> > your prompt\\",
      "> > second line",
    ]);
  });

  it("does not let Markdown turn a line into a heading or a list, or read * _ < > as formatting", () => {
    const m = message("#2 · failed\n1. Send a photo\n- no people\n2 * 3 &lt;b&gt; snake_case");
    expect(messageBlock(m)).toEqual([
      "> \\#2 · failed\\",
      "> 1\\. Send a photo\\",
      "> \\- no people\\",
      "> 2 \\* 3 \\<b\\> snake\\_case",
    ]);
  });

  it("shows the keyboard as [Button] rows, URL buttons with their address", () => {
    const m = message("Menu", {
      inline_keyboard: [
        [{ text: "🎬 Create a video", callback_data: "n1:create" }],
        [
          { text: "👤 My cabinet", callback_data: "n1:cabinet:0" },
          { text: "📄 Public offer", url: "https://example.com/offer" },
        ],
      ],
    });
    expect(messageBlock(m)).toEqual([
      "> Menu",
      ">",
      "> `[🎬 Create a video]`\\",
      "> `[👤 My cabinet]` `[📄 Public offer ↗ https://example.com/offer]`",
    ]);
  });

  it("masks the fakes' addresses and signed links, in the text, in links and in buttons", () => {
    const m = message(
      'Your video: http://127.0.0.1:43117/f/v/abc.mp4?t=9f8e7d and <a href="http://127.0.0.1:43117/f/x?t=1">here</a>',
      { inline_keyboard: [[{ text: "📥 Download", url: "http://127.0.0.1:43117/f/v/abc.mp4?t=9f8e7d" }]] },
    );
    const block = messageBlock(m).join("\n");
    expect(block).not.toMatch(/127\.0\.0\.1|9f8e7d/);
    expect(block).toContain("Your video: \\<link\\> and [here](<link>)");
    expect(block).toContain("`[📥 Download ↗ <link>]`");
    expect(userText("see http://localhost:8080/f/a?t=secret").join("\n")).toBe("> see \\<link\\>");
  });
});
