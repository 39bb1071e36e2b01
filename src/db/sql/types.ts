// What the hand-written queue SQL needs from a connection. SQLite functions are synchronous and run
// cached prepared statements; Postgres functions send named (server-side prepared) queries.
import type BetterSqlite3 from "better-sqlite3";
import type { Raw } from "../rows.ts";

export type Dialect = "sqlite" | "postgres";

/** Returns a cached prepared statement for the text. */
export type SqlitePrepare = (text: string) => BetterSqlite3.Statement;

/** Runs one statement; `name` makes Postgres prepare it once per connection. */
export type PgQuery = (
  text: string,
  values: unknown[],
  name?: string,
) => Promise<{ rows: Raw[]; rowCount: number | null }>;

export function placeholder(dialect: Dialect): (i: number) => string {
  return dialect === "postgres" ? (i) => `$${i + 1}` : () => "?";
}

/** SQLite stores timestamps as epoch milliseconds; pg takes Dates. */
export function tsValue(dialect: Dialect, d: Date): number | Date {
  return dialect === "sqlite" ? d.getTime() : d;
}

/** A stable statement name for generated text, so each shape is prepared once per connection. */
export function statementName(prefix: string, text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return `${prefix}_${(h >>> 0).toString(36)}`;
}
