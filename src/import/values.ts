// Parsing single values of the old exports. Each returns the value or throws a short reason that
// ends up in the rejected-rows report next to the line number.
export class RowError extends Error {}

/** A Telegram user id: a positive whole number. */
export function tgId(v: string | null, column: string): number {
  if (v === null) throw new RowError(`${column} is empty`);
  const t = v.trim();
  if (!/^\d{1,16}$/.test(t) || !Number.isSafeInteger(Number(t)) || Number(t) <= 0)
    throw new RowError(`${column} "${v}" is not a Telegram id`);
  return Number(t);
}

/**
 * The largest value an integer column holds (credits, attempts, charges): Postgres `integer` is
 * 32-bit. SQLite would store more, but such a database could never be restored into Postgres.
 */
export const MAX_INTEGER_COLUMN = 2_147_483_647;

export function wholeNumber(
  v: string | null,
  column: string,
  fallback: number,
  min = 0,
  max = MAX_INTEGER_COLUMN,
): number {
  if (v === null) return fallback;
  const t = v.trim();
  if (!/^-?\d+$/.test(t) || Number(t) < min || !Number.isSafeInteger(Number(t)))
    throw new RowError(`${column} "${v}" is not a whole number${min === 0 ? " ≥ 0" : ""}`);
  if (Number(t) > max)
    throw new RowError(`${column} ${t} is larger than ${max}, the most the database can hold`);
  return Number(t);
}

/** Postgres timestamps as COPY writes them: `2024-03-01 10:00:00.123456+00`; ISO is fine too. */
export function timestamp(v: string | null, column: string): Date | null {
  if (v === null) return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(
    v.trim(),
  );
  if (!m) throw new RowError(`${column} "${v}" is not a timestamp`);
  const frac = m[3] ? m[3].slice(0, 4).padEnd(4, "0") : "";
  let zone = m[4] ?? "Z";
  if (/^[+-]\d{2}$/.test(zone)) zone += ":00";
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const d = new Date(`${m[1]}T${m[2]}${frac}${zone}`);
  if (Number.isNaN(d.getTime())) throw new RowError(`${column} "${v}" is not a timestamp`);
  return d;
}

/** Postgres booleans (t/f), words, or a count. */
export function countOrFlag(v: string | null): number {
  if (v === null) return 0;
  const t = v.trim().toLowerCase();
  if (["t", "true", "yes", "y"].includes(t)) return 1;
  if (["f", "false", "no", "n"].includes(t)) return 0;
  if (/^\d+$/.test(t)) return wholeNumber(t, "credits_deducted", 0);
  throw new RowError(`credits_deducted "${v}" is neither a flag nor a number`);
}

export function jsonObject(v: string | null, column: string): Record<string, unknown> | null {
  if (v === null) return null;
  try {
    const parsed: unknown = JSON.parse(v);
    if (parsed === null) return null;
    if (typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch {
    throw new RowError(`${column} is not valid JSON`);
  }
}

export function text(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v : null;
}
