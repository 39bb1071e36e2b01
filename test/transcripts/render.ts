// Markdown for what the fake Bot API holds: a message's text with its entities (Telegram's own
// representation, after the HTML was parsed) as a quote a reviewer reads on GitHub or in an editor,
// its inline keyboard as `[Button]` rows, media as a label with the caption, an invoice as its
// title, description and price. Hand-written: no library turns Bot API entities into Markdown, and
// the rules are few (bold, italic, code, links, nested quotes, hard line breaks, escaping).
import type { MessageEntity } from "../fakes/telegram-html.ts";
import type { FakeMessage, InlineButton } from "../fakes/telegram-server.ts";

/**
 * Whatever differs from run to run or names the test machine: addresses of the fake servers and
 * signed file links (their tokens). Replaced by `<link>` everywhere.
 */
const VOLATILE_URL = /https?:\/\/(?:127\.0\.0\.1|localhost)(?::\d+)?[^\s)\]"'>]*/g;

export function mask(text: string): string {
  return text.replace(VOLATILE_URL, "<link>");
}

const URL = /(?:https?|tg):\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;

/** Backslash-escapes what Markdown would read as formatting; URLs stay as they are (autolinks). */
export function escapeInline(s: string): string {
  let out = "";
  let last = 0;
  for (const m of s.matchAll(URL)) {
    out += escapePlain(s.slice(last, m.index));
    out += m[0];
    last = (m.index ?? 0) + m[0].length;
  }
  return out + escapePlain(s.slice(last));
}

function escapePlain(s: string): string {
  return s.replace(/[\\`*_[\]<>~|]/g, "\\$&").replace(/&(?=#?\w+;)/g, "\\&");
}

/** Markers around an entity's text, per line (Markdown emphasis cannot span a line break). */
function markers(e: MessageEntity): [string, string] | null {
  switch (e.type) {
    case "bold":
      return ["**", "**"];
    case "italic":
      return ["*", "*"];
    case "strikethrough":
      return ["~~", "~~"];
    case "code":
    case "pre":
      return ["`", "`"];
    case "text_link":
      return ["[", `](${mask(e.url ?? "")})`];
    default:
      // underline, spoiler, blockquote (a nested quote, see `lines`), mentions: plain text.
      return null;
  }
}

interface Mark {
  at: number;
  open: boolean;
  text: string;
  /** The other end of the span, to order marks at one position (inner spans close first). */
  other: number;
  code: boolean;
}

/** One line of text (text[from, to)) with the entities that touch it, as Markdown. */
function inline(text: string, from: number, to: number, entities: MessageEntity[]): string {
  const marks: Mark[] = [];
  for (const e of entities) {
    const m = markers(e);
    if (!m) continue;
    let start = Math.max(from, e.offset);
    let end = Math.min(to, e.offset + e.length);
    // Markdown emphasis must not start or end with a space.
    while (start < end && /\s/.test(text[start] ?? "")) start++;
    while (end > start && /\s/.test(text[end - 1] ?? "")) end--;
    if (start >= end) continue;
    const code = e.type === "code" || e.type === "pre";
    marks.push({ at: start, open: true, text: m[0], other: end, code });
    marks.push({ at: end, open: false, text: m[1], other: start, code });
  }
  // At one position: closes before opens; the inner span closes first, the outer one opens first.
  marks.sort((a, b) => a.at - b.at || Number(a.open) - Number(b.open) || b.other - a.other);
  let out = "";
  let pos = from;
  let inCode = 0;
  const chunk = (end: number) => {
    const s = text.slice(pos, end);
    out += inCode > 0 ? mask(s) : escapeInline(mask(s));
    pos = end;
  };
  for (const m of marks) {
    chunk(m.at);
    out += m.text;
    if (m.code) inCode += m.open ? 1 : -1;
  }
  chunk(to);
  return plainLineStart(out);
}

/**
 * Telegram shows every line as written; Markdown would make a heading of "# …", a list of "1. …"
 * or "- …" (and print the hard break before it), or a heading of the line above "===" / "---".
 */
function plainLineStart(line: string): string {
  return line
    .replace(/^#/, "\\#")
    .replace(/^(\d+)([.)])(?=\s|$)/, "$1\\$2")
    .replace(/^([-+=])(?=\s|$|[-=]*\s*$)/, "\\$1");
}

/** The text's lines as Markdown, each with its quote depth (1, or 2 inside a blockquote entity). */
function lines(rawText: string, rawEntities: MessageEntity[] = []): Array<{ depth: number; md: string }> {
  const text = rawText;
  const quotes = rawEntities.filter((e) => e.type === "blockquote" || e.type === "expandable_blockquote");
  const out: Array<{ depth: number; md: string }> = [];
  let from = 0;
  for (const line of text.split("\n")) {
    const to = from + line.length;
    const quoted = quotes.some((q) => q.offset < Math.max(to, from + 1) && q.offset + q.length > from);
    out.push({ depth: quoted ? 2 : 1, md: inline(text, from, to, rawEntities) });
    from = to + 1;
  }
  return out;
}

/** Lines of a quote block: hard breaks inside a paragraph, a blank line where the depth changes. */
function quoteBlock(rows: Array<{ depth: number; md: string }>): string[] {
  const out: string[] = [];
  rows.forEach((row, i) => {
    const prev = rows[i - 1];
    if (prev && prev.depth !== row.depth && prev.md !== "" && row.md !== "") out.push(">");
    const next = rows[i + 1];
    const prefix = row.depth === 2 ? "> > " : "> ";
    if (row.md === "") {
      out.push(row.depth === 2 ? "> >" : ">");
      return;
    }
    const hardBreak = next && next.md !== "" && next.depth === row.depth;
    out.push(`${prefix}${row.md}${hardBreak ? "\\" : ""}`);
  });
  return out;
}

function button(b: InlineButton): string {
  const target = b.url ? ` ↗ ${mask(b.url)}` : "";
  return `\`[${b.text}${target}]\``;
}

/** Keyboard rows as quote lines: one line per row, buttons side by side. */
export function keyboardLines(rows: InlineButton[][]): string[] {
  const kept = rows.filter((r) => r.length > 0);
  return kept.map((r, i) => `> ${r.map(button).join(" ")}${i < kept.length - 1 ? "\\" : ""}`);
}

function keyboardOf(m: FakeMessage): InlineButton[][] {
  return m.reply_markup?.inline_keyboard ?? [];
}

/** What kind of message it is, when it is not plain text: "🎬 video", "🧾 invoice"… */
export function mediaLabel(m: FakeMessage): string | null {
  if (m.video) return "🎬 video";
  if (m.animation) return "🎞 animation";
  if (m.photo) return "🖼 photo";
  if (m.document) {
    const d = m.document as { file_name?: string };
    return `📎 file${d.file_name ? ` ${mask(d.file_name)}` : ""}`;
  }
  if (m.invoice) return "🧾 invoice";
  return null;
}

export interface InvoiceView {
  title: string;
  description: string;
  /** Price lines as Telegram shows them on the payment form: "label: price". */
  prices: string[];
  /** The total as the Pay button reads it. */
  total: string;
}

/**
 * A message as a quote block: its text (or caption, or invoice), then its keyboard. `invoice` is
 * what the bot asked for in sendInvoice (the message itself keeps only the title, description
 * and total).
 */
export function messageBlock(m: FakeMessage, invoice?: InvoiceView): string[] {
  const body: string[] = [];
  if (invoice) {
    body.push(
      ...quoteBlock([
        { depth: 1, md: `**${escapeInline(invoice.title)}**` },
        { depth: 1, md: escapeInline(invoice.description) },
        ...invoice.prices.map((p) => ({ depth: 1, md: escapeInline(p) })),
      ]),
    );
  } else {
    const text = m.text ?? m.caption;
    const entities = (m.text !== undefined ? m.entities : m.caption_entities) as MessageEntity[] | undefined;
    if (text !== undefined) body.push(...quoteBlock(lines(text, entities)));
  }
  const rows = keyboardOf(m);
  // Telegram shows a Pay button on an invoice that brings no keyboard of its own.
  if (invoice && rows.length === 0) {
    body.push(">", `> \`[Pay ${invoice.total}]\` *(Telegram's own button)*`);
  } else if (rows.length > 0) {
    if (body.length > 0) body.push(">");
    body.push(...keyboardLines(rows));
  }
  return body;
}

/** A user's text as a one-line quote (Markdown-escaped, volatile links masked). */
export function userText(text: string): string[] {
  return quoteBlock(
    text.split("\n").map((line) => ({ depth: 1, md: plainLineStart(escapeInline(mask(line))) })),
  );
}

/** Markdown of a button for the narration ("taps `[✅ Confirm]`"). */
export function buttonLabel(b: InlineButton): string {
  return button(b);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}
