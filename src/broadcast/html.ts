// Turns a Telegram message's text + entities into HTML, so a broadcast keeps the admin's
// formatting (bold, links, spoilers...) while the store keeps a single string.
import type { MessageEntity } from "grammy/types";

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function tags(e: MessageEntity): [string, string] | null {
  switch (e.type) {
    case "bold":
      return ["<b>", "</b>"];
    case "italic":
      return ["<i>", "</i>"];
    case "underline":
      return ["<u>", "</u>"];
    case "strikethrough":
      return ["<s>", "</s>"];
    case "spoiler":
      return ["<tg-spoiler>", "</tg-spoiler>"];
    case "code":
      return ["<code>", "</code>"];
    case "pre":
      return e.language
        ? [`<pre><code class="language-${escapeHtml(e.language)}">`, "</code></pre>"]
        : ["<pre>", "</pre>"];
    case "blockquote":
      return ["<blockquote>", "</blockquote>"];
    case "expandable_blockquote":
      return ["<blockquote expandable>", "</blockquote>"];
    case "text_link":
      return [`<a href="${escapeHtml(e.url).replace(/"/g, "&quot;")}">`, "</a>"];
    case "text_mention":
      return [`<a href="tg://user?id=${e.user.id}">`, "</a>"];
    case "custom_emoji":
      return [`<tg-emoji emoji-id="${e.custom_emoji_id}">`, "</tg-emoji>"];
    default:
      // Mentions, hashtags, plain URLs: Telegram detects them again on its own.
      return null;
  }
}

/** Offsets are UTF-16 code units in Telegram and in JS strings alike, so plain indexing is exact. */
export function entitiesToHtml(text: string, entities: readonly MessageEntity[] = []): string {
  const opens = new Map<number, Array<{ end: number; tag: [string, string] }>>();
  for (const e of entities) {
    const t = tags(e);
    if (!t) continue;
    const list = opens.get(e.offset) ?? [];
    list.push({ end: e.offset + e.length, tag: t });
    opens.set(e.offset, list);
  }
  const stack: Array<{ end: number; close: string }> = [];
  let out = "";
  for (let i = 0; i <= text.length; i++) {
    // Telegram's entities nest properly, so closing from the top of the stack is enough.
    while (stack.length > 0 && stack[stack.length - 1]!.end <= i) out += stack.pop()!.close;
    for (const o of (opens.get(i) ?? []).sort((a, b) => b.end - a.end)) {
      out += o.tag[0];
      stack.push({ end: o.end, close: o.tag[1] });
    }
    if (i < text.length) out += escapeHtml(text[i]!);
  }
  return out;
}
