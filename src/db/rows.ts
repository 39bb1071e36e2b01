// Maps raw rows (snake_case, driver values) from hand-written SQL to domain objects, reusing the
// drizzle column definitions so both dialects decode dates, bigints and booleans exactly as the
// query builder does.
import { type Column, getTableColumns, type Table } from "drizzle-orm";

export type Raw = Record<string, unknown>;

interface ColumnInfo {
  key: string;
  name: string;
  column: Column;
}

// Memo of a pure function of the (immutable) schema objects: the hot paths ask on every call.
const known = new WeakMap<Table, { list: ColumnInfo[]; byKey: Map<string, ColumnInfo> }>();

function describeTable(table: Table) {
  let d = known.get(table);
  if (!d) {
    const list = Object.entries(getTableColumns(table)).map(([key, column]) => ({
      key,
      name: column.name,
      column,
    }));
    d = { list, byKey: new Map(list.map((c) => [c.key, c])) };
    known.set(table, d);
  }
  return d;
}

export function columnsOf(table: Table): ColumnInfo[] {
  return describeTable(table).list;
}

/** The column name of a table's key (`progressMessageId` → `progress_message_id`), or undefined. */
export function columnName(table: Table, key: string): string | undefined {
  return describeTable(table).byKey.get(key)?.name;
}

export function rowMapper<T>(table: Table): (raw: Raw) => T {
  const cols = columnsOf(table);
  return (raw) => {
    const out: Record<string, unknown> = {};
    for (const c of cols) {
      const v = raw[c.name];
      out[c.key] = v === null || v === undefined ? null : c.column.mapFromDriverValue(v);
    }
    return out as T;
  };
}
