// The key-value table (`sessions`): grammY sessions, and the typed entries of other features
// (queue notices, admin input state, the reconciliation cursor: see ../kv.ts).
import { type Op, one, run, sql } from "../driver/index.ts";

export function* readValue(key: string): Op<string | undefined> {
  const r = yield* one(sql`select value from sessions where key = ${key}`);
  return typeof r?.value === "string" ? r.value : undefined;
}

export const writeValue = (key: string, value: string, now: Date) =>
  run(sql`insert into sessions (key, value, updated_at) values (${key}, ${value}, ${now})
    on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`);

export const deleteValue = (key: string) => run(sql`delete from sessions where key = ${key}`);
