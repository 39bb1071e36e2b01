// Postgres side of a backup: every table read inside one REPEATABLE READ, READ ONLY transaction,
// so all tables come from the same snapshot while the bot keeps writing. Rows are paged by primary
// key (keyset, not OFFSET) so each page costs the same however deep into a big table it is.
import { join } from "node:path";
import type pg from "pg";
import { connectPostgres } from "../db/driver/postgres.ts";
import { MIGRATIONS_TABLE } from "../db/migrate.ts";
import type { DatabaseExport, TableExport } from "./export-sqlite.ts";
import { tableEntry } from "./manifest.ts";
import { createNdjsonWriter } from "./ndjson.ts";
import type { ProgressCallback } from "./progress.ts";
import { fromPostgres, TABLES } from "./tables.ts";

const PAGE = 5000;

export async function exportPostgres(
  url: string,
  stagingDir: string,
  onProgress?: ProgressCallback,
): Promise<DatabaseExport> {
  const client = await connectPostgres({ url, applicationName: "neurocards-backup" });
  try {
    await client.query("begin isolation level repeatable read read only");
    const reg = await client.query<{ t: string | null }>("select to_regclass($1)::text as t", [
      MIGRATIONS_TABLE,
    ]);
    const schema = reg.rows[0]?.t
      ? ((await client.query<{ name: string | null }>(`select max(name) as name from ${MIGRATIONS_TABLE}`))
          .rows[0]?.name ?? null)
      : null;
    const tables: TableExport[] = [];
    for (const spec of TABLES) {
      const entry = tableEntry(spec.name);
      const file = join(stagingDir, `${spec.name}.ndjson`);
      const total = Number(
        (await client.query<{ n: string }>(`select count(*) as n from "${spec.name}"`)).rows[0]?.n ?? 0,
      );
      const cols = spec.columns.map((c) => `"${c.name}"`).join(", ");
      const keys = spec.key.map((k) => `"${k}"`).join(", ");
      const after = spec.key.map((_, i) => `$${i + 1}`).join(", ");
      const first = `select ${cols} from "${spec.name}" order by ${keys} limit ${PAGE}`;
      const next = `select ${cols} from "${spec.name}" where (${keys}) > (${after}) order by ${keys} limit ${PAGE}`;
      const toRow = fromPostgres(spec);
      const out = createNdjsonWriter(file);
      const phase = `export ${spec.name}`;
      let rows = 0;
      let last: unknown[] | null = null;
      onProgress?.({ phase, done: 0, total, unit: "rows" });
      for (;;) {
        const res: pg.QueryResult<Record<string, unknown>> = last
          ? await client.query(next, last)
          : await client.query(first);
        for (const raw of res.rows) {
          const wait = out.push(toRow(raw));
          if (wait) await wait;
        }
        rows += res.rows.length;
        onProgress?.({ phase, done: rows, total, unit: "rows" });
        const tail = res.rows.at(-1);
        if (!tail || res.rows.length < PAGE) break;
        last = spec.key.map((k) => tail[k]);
      }
      await out.close();
      tables.push({ table: spec.name, rows, entry, file });
    }
    await client.query("commit");
    return { schema, tables };
  } finally {
    await client.end();
  }
}
