// SQLite side of a backup. The online backup API copies the live file page by page between event
// loop turns, so the bot (in this process or another) keeps answering. A read transaction is held
// on the backup's own connection for the whole copy: without it every write by the bot restarts
// the copy from page one (measured: it never finishes under a write every few ms); with it the copy
// is one consistent snapshot and WAL mode lets the bot keep writing meanwhile. The neutral export
// is then read from the copy, holding nothing on the live database.
import { join } from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { openSqliteDatabase } from "../db/driver/sqlite.ts";
import { MIGRATIONS_TABLE } from "../db/migrate.ts";
import { tableEntry } from "./manifest.ts";
import { createNdjsonWriter } from "./ndjson.ts";
import type { ProgressCallback } from "./progress.ts";
import { fromSqlite, TABLES } from "./tables.ts";

export interface TableExport {
  table: string;
  rows: number;
  /** Archive entry name, e.g. db/users.ndjson. */
  entry: string;
  file: string;
}

export interface DatabaseExport {
  schema: string | null;
  tables: TableExport[];
}

/** Pages per backup step: about 4 MB, a few ms of work between event loop turns. */
const PAGES_PER_STEP = 1024;
/**
 * Longest stretch of synchronous export work before giving the event loop a turn: the bot may
 * share this process (automatic backups), and its replies wait behind this.
 */
const SLICE_MS = 8;

export async function snapshotSqlite(
  dbPath: string,
  snapshotFile: string,
  onProgress?: ProgressCallback,
  nativeBinding?: string | object,
): Promise<void> {
  const src = openSqliteDatabase({ path: dbPath, readonly: true, nativeBinding });
  try {
    src.exec("begin");
    src.prepare("select count(*) from sqlite_master").get();
    await src.backup(snapshotFile, {
      progress({ totalPages, remainingPages }) {
        onProgress?.({
          phase: "snapshot",
          done: totalPages - remainingPages,
          total: totalPages,
          unit: "pages",
        });
        return PAGES_PER_STEP;
      },
    });
    src.exec("commit");
  } finally {
    src.close();
  }
}

export async function exportSqliteSnapshot(
  snapshotFile: string,
  stagingDir: string,
  onProgress?: ProgressCallback,
  nativeBinding?: string | object,
): Promise<DatabaseExport> {
  const db = openSqliteDatabase({ path: snapshotFile, readonly: true, nativeBinding });
  try {
    const hasMigrations = db
      .prepare("select 1 from sqlite_master where type = 'table' and name = ?")
      .get(MIGRATIONS_TABLE);
    const schema = hasMigrations
      ? ((db.prepare(`select max(name) as name from ${MIGRATIONS_TABLE}`).get() as { name: string | null })
          .name ?? null)
      : null;
    const tables: TableExport[] = [];
    for (const spec of TABLES) {
      const entry = tableEntry(spec.name);
      const file = join(stagingDir, `${spec.name}.ndjson`);
      // Progress total only: count(*) scans a million-row table in one blocking call, max(id) is
      // one index probe (ids have gaps, so the bar may finish a little early).
      const total =
        (
          db
            .prepare(
              spec.serial
                ? `select max(id) as n from "${spec.name}"`
                : `select count(*) as n from "${spec.name}"`,
            )
            .get() as {
            n: number | null;
          }
        ).n ?? 0;
      const cols = spec.columns.map((c) => `"${c.name}"`).join(", ");
      const order = spec.key.map((k) => `"${k}"`).join(", ");
      const stmt = db.prepare(`select ${cols} from "${spec.name}" order by ${order}`).raw(true);
      const toRow = fromSqlite(spec);
      const out = createNdjsonWriter(file);
      const phase = `export ${spec.name}`;
      let rows = 0;
      let sliceStart = performance.now();
      onProgress?.({ phase, done: 0, total, unit: "rows" });
      for (const values of stmt.iterate() as IterableIterator<unknown[]>) {
        const wait = out.push(toRow(values));
        if (wait) await wait;
        if (++rows % 64 === 0 && performance.now() - sliceStart > SLICE_MS) {
          onProgress?.({ phase, done: rows, total, unit: "rows" });
          // The iterator holds the statement open across the yield: fine on a read-only copy.
          await yieldToLoop();
          sliceStart = performance.now();
        }
      }
      await out.close();
      onProgress?.({ phase, done: rows, total: Math.max(total, rows), unit: "rows" });
      tables.push({ table: spec.name, rows, entry, file });
    }
    return { schema, tables };
  } finally {
    db.close();
  }
}
