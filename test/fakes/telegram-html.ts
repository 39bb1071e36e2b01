// Parses Bot API "HTML" parse mode the way Telegram does: only the documented tags, balanced,
// entities decoded. An unescaped "<" from user text makes the send fail with the same 400 as on
// Telegram, which is how the e2e tests catch HTML injection.

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export class EntityParseError extends Error {}

const TAGS: Record<string, string> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  a: "text_link",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  "tg-emoji": "custom_emoji",
};

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(attrs);
  return m ? decode(m[1] ?? m[2] ?? m[3] ?? "") : undefined;
}

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[e.toLowerCase()] ?? whole;
  });
}

const offsetOf = (src: string, i: number) => Buffer.byteLength(src.slice(0, i));

export function parseHtml(src: string): { text: string; entities: MessageEntity[] } {
  let text = "";
  const entities: MessageEntity[] = [];
  const stack: Array<{ name: string; start: number; entity: MessageEntity | null }> = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === "&") {
      const m = /^&(#x[0-9a-f]+|#\d+|[a-z]+);/i.exec(src.slice(i, i + 12));
      if (m) {
        text += decode(m[0]);
        i += m[0].length;
        continue;
      }
      text += ch;
      i++;
      continue;
    }
    if (ch !== "<") {
      text += ch;
      i++;
      continue;
    }
    const end = src.indexOf(">", i);
    if (end < 0) throw new EntityParseError(`Can't find end of the tag at byte offset ${offsetOf(src, i)}`);
    const body = src.slice(i + 1, end);
    if (body.startsWith("/")) {
      const name = body.slice(1).trim().toLowerCase();
      const top = stack.pop();
      if (!top || top.name !== name) {
        throw new EntityParseError(
          `Unmatched end tag at byte offset ${offsetOf(src, i)}, expected "</${top?.name ?? ""}>", found "</${name}>"`,
        );
      }
      if (top.entity && text.length > top.start) {
        top.entity.offset = top.start;
        top.entity.length = text.length - top.start;
        entities.push(top.entity);
      }
    } else {
      const m = /^([a-z-]+)(.*)$/is.exec(body);
      const name = (m?.[1] ?? "").toLowerCase();
      const attrs = m?.[2] ?? "";
      const type = TAGS[name];
      if (!type || (name === "span" && attr(attrs, "class") !== "tg-spoiler")) {
        throw new EntityParseError(`Unsupported start tag "${name}" at byte offset ${offsetOf(src, i)}`);
      }
      const entity: MessageEntity = { type, offset: 0, length: 0 };
      if (name === "a") {
        const href = attr(attrs, "href");
        if (!href) throw new EntityParseError(`Can't find href attribute at byte offset ${offsetOf(src, i)}`);
        entity.url = href;
      }
      if (name === "tg-emoji") entity.custom_emoji_id = attr(attrs, "emoji-id") ?? "";
      stack.push({ name, start: text.length, entity });
    }
    i = end + 1;
  }
  const open = stack.pop();
  if (open) throw new EntityParseError(`Can't find end tag corresponding to start tag "${open.name}"`);
  entities.sort((a, b) => a.offset - b.offset);
  return { text, entities };
}
