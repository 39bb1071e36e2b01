// Reading the old bot's CSV exports (`COPY ... TO STDOUT WITH CSV HEADER`). Columns are found by
// header name, never by position: real exports drifted (extra columns, missing optional ones).
// A structurally broken record (unclosed quote, wrong field count) is reported and skipped, not
// fatal, and every record carries the line it starts on so the owner can find it.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { type CsvError, parse } from "csv-parse";

export interface CsvRecord {
  line: number;
  /** Value by lower-cased header name; empty fields are null (COPY writes NULL as an empty field). */
  get(column: string): string | null;
  has(column: string): boolean;
}

export type CsvItem = { ok: true; record: CsvRecord } | { ok: false; line: number; reason: string };

/** The line a record starts on: `lines` is where it ends, and quoted newlines inside it move its start up. */
function startLine(endLine: number, raw: string): number {
  return endLine - ((raw.match(/\n/g)?.length ?? 0) - (raw.endsWith("\n") ? 1 : 0));
}

const errorStart = (err: CsvError) => startLine(Number(err.lines ?? 0), String(err.raw ?? ""));

/**
 * An unreadable record. A quote that is opened and never properly closed makes the parser read on
 * across lines until something breaks: every line it swallowed is a lost row and is reported as
 * one, the first where the quote opened. The parser may report one broken record several times as
 * it reads on (each time with more of it): those reports are merged by the line they start on.
 */
function unreadable(errors: CsvError[]): CsvItem[] {
  const last = errors.at(-1)!;
  const end = Number(last.lines ?? 0);
  const raw = typeof last.raw === "string" ? last.raw : "";
  const start = startLine(end, raw);
  if (start >= end) return [{ ok: false, line: end, reason: `unreadable CSV: ${errors[0]!.message}` }];
  const items: CsvItem[] = [
    {
      ok: false,
      line: start,
      reason: `unreadable CSV: a quote opened on this line is not closed properly, so lines ${start}-${end} could not be read (${errors[0]!.message})`,
    },
  ];
  const lines = raw.split("\n");
  for (let i = 1; i < lines.length && start + i <= end; i++)
    if (lines[i]!.trim() !== "")
      items.push({
        ok: false,
        line: start + i,
        reason: `inside the unclosed quote of line ${start}: not read`,
      });
  return items;
}

export async function* readCsv(
  file: string,
  onProgress?: (readBytes: number, totalBytes: number) => void,
): AsyncGenerator<CsvItem, string[]> {
  const skipped: CsvItem[] = [];
  const { size: total } = await stat(file);
  let read = 0;
  const input = createReadStream(file);
  input.on("data", (chunk) => {
    read += chunk.length;
    onProgress?.(read, total);
  });
  const parser = input.pipe(
    parse({
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
    }),
  );
  // Errors of the record being read; reported once the parser has moved past it.
  let broken: CsvError[] = [];
  const flush = () => {
    if (broken.length) skipped.push(...unreadable(broken));
    broken = [];
  };
  parser.on("skip", (err: CsvError) => {
    if (broken[0] && errorStart(err) !== errorStart(broken[0])) flush();
    broken.push(err);
  });
  let header: string[] | null = null;
  let index = new Map<string, number>();
  for await (const item of parser as AsyncIterable<{
    record: string[];
    raw: string;
    info: { lines: number };
  }>) {
    flush();
    while (skipped.length) yield skipped.shift()!;
    const start = startLine(item.info.lines, item.raw);
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
  flush();
  while (skipped.length) yield skipped.shift()!;
  return header ?? [];
}
