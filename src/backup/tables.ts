// The dialect-neutral table description the backup format is written in. It is derived from the
// SQLite schema (kept column-for-column equal to the Postgres one), so a new column is backed up
// without touching this file. Neutral values: integers as numbers, booleans as booleans,
// timestamps as ISO-8601 strings, text as strings, NULL as null.
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import * as schema from "../db/schema/sqlite.ts";

export type ColumnKind = "int" | "text" | "bool" | "time";

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
}

export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  /** Primary-key columns, for keyset paging and ordering. */
  key: string[];
  /** Integer `id` column backed by a sequence in Postgres (needs setval after a restore). */
  serial: boolean;
  /** Runtime state of a running process: exported for inspection, never restored. */
  runtimeOnly: boolean;
}

// Parents before children so foreign keys hold while loading; deletion goes in reverse.
const ORDER: SQLiteTable[] = [
  schema.users,
  schema.broadcasts,
  schema.jobs,
  schema.payments,
  schema.creditLedger,
  schema.broadcastRecipients,
  schema.supportThreads,
  schema.supportMessages,
  schema.supportCopies,
  schema.sessions,
  schema.providerKeys,
  schema.promoCodes,
  schema.promoRedemptions,
  schema.modelCosts,
  schema.templates,
  schema.consoleTokens,
  schema.consoleSessions,
  schema.instanceLeases,
];

const KINDS: Record<string, ColumnKind> = {
  SQLiteInteger: "int",
  SQLiteText: "text",
  SQLiteBoolean: "bool",
  SQLiteTimestamp: "time",
};

function describe(table: SQLiteTable): TableSpec {
  const cfg = getTableConfig(table);
  const columns = cfg.columns.map((c) => {
    const kind = KINDS[c.columnType];
    if (!kind)
      throw new Error(`backup format does not know column type ${c.columnType} (${cfg.name}.${c.name})`);
    return { name: c.name, kind };
  });
  const key = cfg.columns.filter((c) => c.primary).map((c) => c.name);
  if (key.length === 0) key.push(...(cfg.primaryKeys[0]?.columns.map((c) => c.name) ?? []));
  if (key.length === 0) throw new Error(`table ${cfg.name} has no primary key`);
  const serial = key.length === 1 && key[0] === "id" && columns.find((c) => c.name === "id")?.kind === "int";
  return { name: cfg.name, columns, key, serial, runtimeOnly: cfg.name === "instance_leases" };
}

export const TABLES: readonly TableSpec[] = ORDER.map(describe);

/** Tables whose rows make a database "not empty" for restore's overwrite guard. */
export const DATA_TABLES = ["users", "jobs", "credit_ledger", "payments", "broadcasts"];

export type NeutralValue = number | string | boolean | null;
export type NeutralRow = Record<string, NeutralValue>;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A SQLite row (raw driver values, in column order) to the neutral form. */
export function fromSqlite(spec: TableSpec): (values: unknown[]) => NeutralRow {
  const cols = spec.columns;
  return (values) => {
    const row: NeutralRow = {};
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!;
      const v = values[i];
      if (v === null || v === undefined) row[c.name] = null;
      else if (c.kind === "bool") row[c.name] = v === 1 || v === true;
      else if (c.kind === "time") row[c.name] = iso(Number(v));
      else if (c.kind === "int") row[c.name] = Number(v);
      else row[c.name] = String(v);
    }
    return row;
  };
}

/** A Postgres row (pg driver values: bigint as string, timestamptz as Date) to the neutral form. */
export function fromPostgres(spec: TableSpec): (raw: Record<string, unknown>) => NeutralRow {
  const cols = spec.columns;
  return (raw) => {
    const row: NeutralRow = {};
    for (const c of cols) {
      const v = raw[c.name];
      if (v === null || v === undefined) row[c.name] = null;
      else if (c.kind === "bool") row[c.name] = Boolean(v);
      else if (c.kind === "time") row[c.name] = (v instanceof Date ? v : new Date(String(v))).toISOString();
      else if (c.kind === "int") row[c.name] = Number(v);
      else row[c.name] = String(v);
    }
    return row;
  };
}

/** Neutral row to the parameter values of an insert, in column order. */
export function toDriver(spec: TableSpec, dialect: "sqlite" | "postgres"): (row: NeutralRow) => unknown[] {
  const cols = spec.columns;
  return (row) =>
    cols.map((c) => {
      const v = row[c.name];
      if (v === null || v === undefined) return null;
      if (dialect === "sqlite") {
        if (c.kind === "bool") return v ? 1 : 0;
        if (c.kind === "time") {
          const ms = Date.parse(String(v));
          if (Number.isNaN(ms)) throw new Error(`${spec.name}.${c.name}: "${v}" is not a timestamp`);
          return ms;
        }
      }
      return v;
    });
}
