// Streaming NDJSON files: one JSON object per line, written in chunks with backpressure and read
// line by line, so a million rows never sit in memory at once.
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
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

/** Rows of an NDJSON file in batches of `size`. */
export async function* readNdjson(file: string, size: number): AsyncGenerator<NeutralRow[]> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let batch: NeutralRow[] = [];
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line === "") continue;
    try {
      batch.push(JSON.parse(line) as NeutralRow);
    } catch {
      throw new Error(`${file}:${n} is not valid JSON`);
    }
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
