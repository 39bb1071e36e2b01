// Reading the old bot's CSV exports (`COPY ... TO STDOUT WITH CSV HEADER`). Columns are found by
// header name, never by position: real exports drifted (extra columns, missing optional ones).
// A structurally broken record (unclosed quote, wrong field count) is reported and skipped, not
// fatal, and every record carries the line it starts on so the owner can find it.
import { createReadStream } from "node:fs";
import { type CsvError, parse } from "csv-parse";

export interface CsvRecord {
  line: number;
  /** Value by lower-cased header name; empty fields are null (COPY writes NULL as an empty field). */
  get(column: string): string | null;
  has(column: string): boolean;
}

export type CsvItem = { ok: true; record: CsvRecord } | { ok: false; line: number; reason: string };

export async function* readCsv(file: string): AsyncGenerator<CsvItem, string[]> {
  const skipped: CsvItem[] = [];
  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
    }),
  );
  parser.on("skip", (err: CsvError) => {
    skipped.push({ ok: false, line: Number(err.lines ?? 0), reason: `unreadable CSV: ${err.message}` });
  });
  let header: string[] | null = null;
  let index = new Map<string, number>();
  for await (const item of parser as AsyncIterable<{
    record: string[];
    raw: string;
    info: { lines: number };
  }>) {
    while (skipped.length) yield skipped.shift()!;
    // `lines` is where the record ends; quoted newlines inside it move its start up.
    const start =
      item.info.lines - ((item.raw.match(/\n/g)?.length ?? 0) - (item.raw.endsWith("\n") ? 1 : 0));
    const fields = item.record;
    if (!header) {
      header = fields.map((h) => h.trim().toLowerCase());
      index = new Map(header.map((h, i) => [h, i]));
      continue;
    }
    if (fields.length !== header.length) {
      yield {
        ok: false,
        line: start,
        reason: `has ${fields.length} fields, the header has ${header.length}`,
      };
      continue;
    }
    yield {
      ok: true,
      record: {
        line: start,
        has: (c) => index.has(c),
        get(c) {
          const i = index.get(c);
          const v = i === undefined ? undefined : fields[i];
          return v === undefined || v === "" ? null : v;
        },
      },
    };
  }
  while (skipped.length) yield skipped.shift()!;
  return header ?? [];
}
