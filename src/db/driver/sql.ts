// SQL text written once for both dialects. A tagged template keeps values apart from text:
//
//   sql`select * from users where id = ${id} ${forUpdate}`
//
// renders `… where id = ?` for SQLite and `… where id = $1 for update` for Postgres, with the values
// encoded for the driver (SQLite has no dates or booleans: epoch milliseconds and 0/1). Nested
// fragments compose; `dialect({ sqlite, postgres })` picks text per dialect where the SQL must differ.
//
// Hand-written rather than drizzle's `sql`: drizzle binds column objects of one dialect's schema,
// so a query built on it is still written per dialect, and its per-call param walk costs the hot
// paths more than this renderer, which caches the rendered text per call site (the template's
// strings array is one object per call site) and per dialect.
import { createHash } from "node:crypto";

export type Dialect = "sqlite" | "postgres";

const FRAGMENT = Symbol("sql");

export interface Sql {
  readonly [FRAGMENT]: true;
  readonly strings: readonly string[];
  readonly values: readonly unknown[];
}

interface DialectChoice {
  readonly [FRAGMENT]: "choice";
  readonly sqlite: Sql;
  readonly postgres: Sql;
}

function isSql(v: unknown): v is Sql {
  return typeof v === "object" && v !== null && (v as Sql)[FRAGMENT] === true;
}

function isChoice(v: unknown): v is DialectChoice {
  return typeof v === "object" && v !== null && (v as DialectChoice)[FRAGMENT] === "choice";
}

export function sql(strings: TemplateStringsArray | readonly string[], ...values: unknown[]): Sql {
  return { [FRAGMENT]: true, strings, values };
}

/** Text that must differ between the dialects (locking, upserts, date arithmetic). */
export function dialect(choice: { sqlite: Sql | string; postgres: Sql | string }): DialectChoice {
  const asSql = (v: Sql | string) => (typeof v === "string" ? raw(v) : v);
  return { [FRAGMENT]: "choice", sqlite: asSql(choice.sqlite), postgres: asSql(choice.postgres) };
}

/** Trusted text spliced in as is (identifiers, keywords) — never a value from outside. */
export function raw(text: string): Sql {
  return sql([text]);
}

/** `a, b, c` from fragments or values. */
export function join(parts: readonly unknown[], separator = ", "): Sql {
  if (parts.length === 0) return raw("");
  const strings = [""];
  for (let i = 1; i < parts.length; i++) strings.push(separator);
  strings.push("");
  return sql(strings, ...parts);
}

/**
 * A flat fragment from text assembled at run time (a column list, a literal LIMIT): `parts` are the
 * pieces of text around the values, one more than there are values. The parts array is memoized
 * per `shape`, so — like a template literal's strings — it renders to text once per dialect, and a
 * statement built from a patch costs a map look-up rather than a walk over nested fragments.
 */
export function shaped(shape: string, parts: readonly string[] | (() => string[]), values: unknown[]): Sql {
  let strings = shapes.get(shape);
  if (strings === undefined) {
    strings = typeof parts === "function" ? parts() : parts;
    if (strings.length !== values.length + 1) throw new Error(`sql shape ${shape}: parts do not fit values`);
    shapes.set(shape, strings);
  }
  // The caller's array, not a copy of it (`sql(strings, ...values)`): it is made for this fragment.
  return { [FRAGMENT]: true, strings, values };
}

/**
 * The parts memoized for `shape`, if any. A hot path passes `knownShape(key) ?? build(...)` to
 * `shaped` instead of a closure: a closure over the call's variables is allocated on every call,
 * used or not (the claim and the finish each allocated ~70 bytes that way).
 */
export function knownShape(shape: string): readonly string[] | undefined {
  return shapes.get(shape);
}

// Bounded like the statement caches: call sites times the shapes of their patches, times the
// claims' literal limits (up to the slots) and the finishes' batch sizes (powers of two up to them).
const shapes = new Map<string, readonly string[]>();

/**
 * A statement's pieces before they become a `shaped` fragment, so that another statement can embed
 * them (as a CTE) and still be one flat shape: `key` names the text `parts` builds.
 */
export interface Shape {
  key: string;
  /**
   * Written as a method (`parts() { return [...]; }`), not an arrow property: the build names an
   * arrow assigned to a property with Object.defineProperty each time it is created (keepNames),
   * and shapes are made on every Postgres claim and grouped finish (see store.ts, finishJobs).
   */
  parts(): string[];
  values: unknown[];
}

/**
 * One flat shape from text and embedded shapes, in order. `tag` names the call site (its text
 * around the shapes is fixed); the shapes' own keys are added to it.
 */
export function composed(tag: string, pieces: ReadonlyArray<string | Shape>): Sql {
  const values: unknown[] = [];
  let key = tag;
  for (const p of pieces)
    if (typeof p !== "string") {
      values.push(...p.values);
      key += `|${p.key}`;
    }
  return shaped(
    key,
    () => {
      const parts = [""];
      for (const p of pieces) {
        if (typeof p === "string") parts[parts.length - 1] += p;
        else {
          const [head = "", ...rest] = p.parts();
          parts[parts.length - 1] += head;
          parts.push(...rest);
        }
      }
      return parts;
    },
    values,
  );
}

/** `for update` on Postgres; nothing on SQLite, whose BEGIN IMMEDIATE already holds the write lock. */
export const forUpdate = dialect({ sqlite: "", postgres: "for update" });

export interface Rendered {
  text: string;
  values: unknown[];
}

export function encodeValue(d: Dialect, v: unknown): unknown {
  if (v === undefined) return null;
  if (d === "sqlite") {
    if (v instanceof Date) return v.getTime();
    if (typeof v === "boolean") return v ? 1 : 0;
  }
  return v;
}

// Rendered text of fragments without nested fragments, per dialect: the text is a pure function of
// the strings array, which is the same object on every call from one template literal.
const textCache: Record<Dialect, WeakMap<readonly string[], string>> = {
  sqlite: new WeakMap(),
  postgres: new WeakMap(),
};

/** A nested fragment or dialect choice (one property read, not two: this runs for every value). */
function isFragment(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as Sql)[FRAGMENT] !== undefined;
}

export function render(d: Dialect, q: Sql): Rendered {
  // One pass encodes the values and finds out whether the fragment is flat (the common case).
  const n = q.values.length;
  const values: unknown[] = new Array(n);
  let flat = true;
  for (let i = 0; i < n; i++) {
    const v = q.values[i];
    if (isFragment(v)) {
      flat = false;
      break;
    }
    values[i] = encodeValue(d, v);
  }
  if (flat) {
    let text = textCache[d].get(q.strings);
    if (text === undefined) {
      text = q.strings[0] ?? "";
      for (let i = 1; i < q.strings.length; i++) text += (d === "postgres" ? `$${i}` : "?") + q.strings[i];
      textCache[d].set(q.strings, text);
    }
    return { text, values };
  }
  return renderNested(d, q);
}

function renderNested(d: Dialect, q: Sql): Rendered {
  const values: unknown[] = [];
  const walk = (f: Sql): string => {
    let text = f.strings[0] ?? "";
    for (let i = 0; i < f.values.length; i++) {
      const v = f.values[i];
      if (isSql(v)) text += walk(v);
      else if (isChoice(v)) text += walk(v[d]);
      else {
        values.push(encodeValue(d, v));
        text += d === "postgres" ? `$${values.length}` : "?";
      }
      text += f.strings[i + 1] ?? "";
    }
    return text;
  };
  return { text: walk(q), values };
}

// Names of Postgres server-side prepared statements, one per distinct text. The set of texts is
// bounded (call sites times the shapes of their fragments), so the memo is too.
const names = new Map<string, string>();

/**
 * A stable prepared-statement name for a text: each shape is parsed once per connection, and from its
 * sixth run on it keeps one plan — as long as Postgres finds that plan no dearer than a fresh one.
 * A parameter that hides how many rows a statement touches (a `limit $n`) can make the kept plan
 * look dearer, and then the statement is planned on every run: claimJobs spells its limit out.
 */
export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `nc_${createHash("sha1").update(text).digest("base64url").slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}
