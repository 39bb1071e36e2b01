// HTML built from template literals where every interpolated value is escaped unless it is
// already Html: a page cannot forget to escape a user's name, a job's error or a broadcast's text.
// Hand-written: a tagged template and an escape function are all it takes, and the console's
// pages need no template engine.

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

type Value = Html | string | number | null | undefined | false | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return "";
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(render).join("");
  return escapeText(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "");
  return new Html(out);
}

/**
 * JSON for a `<script type="application/json">` block: `<` is written as \u003c, so no value can
 * close the script element, whatever text it holds.
 */
export function jsonScript(id: string, value: unknown): Html {
  const json = JSON.stringify(value).replace(/</g, "\\u003c");
  return new Html(`<script type="application/json" id="${escapeText(id)}">${json}</script>`);
}
