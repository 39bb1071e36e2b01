// Streaming NDJSON files: one JSON object per line, written in chunks with backpressure and read
// line by line, so a million rows never sit in memory at once.
import { createReadStream, createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import type { NeutralRow } from "./tables.ts";

export interface NdjsonWriter {
  push(row: NeutralRow): Promise<void> | undefined;
  close(): Promise<void>;
}

const CHUNK = 256 * 1024;

export function createNdjsonWriter(file: string): NdjsonWriter {
  const out = createWriteStream(file, { flags: "wx" });
  const done = finished(out);
  done.catch(() => {});
  let buf = "";
  const flush = (): Promise<void> | undefined => {
    const ok = out.write(buf);
    buf = "";
    return ok ? undefined : new Promise((resolve) => out.once("drain", resolve));
  };
  return {
    push(row) {
      buf += `${JSON.stringify(row)}\n`;
      return buf.length >= CHUNK ? flush() : undefined;
    },
    async close() {
      if (buf) await flush();
      out.end();
      await done;
    },
  };
}

/**
 * Rows of an NDJSON file in batches of `size`. Reads the file through the stream's own async
 * iterator, which only reads when asked: readline's iterator keeps reading ahead of a slow consumer
 * and held a whole 500 MB table in memory during a restore.
 */
export async function* readNdjson(file: string, size: number): AsyncGenerator<NeutralRow[]> {
  const batch: NeutralRow[] = [];
  let rest = "";
  let n = 0;
  const take = (line: string) => {
    n++;
    if (line === "") return;
    try {
      batch.push(JSON.parse(line) as NeutralRow);
    } catch {
      throw new Error(`${file}:${n} is not valid JSON`);
    }
  };
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      take(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
    while (batch.length >= size) yield batch.splice(0, size);
  }
  take(rest);
  while (batch.length) yield batch.splice(0, size);
}
