// `neurocards storage migrate --to s3|local`: copies every stored file to the other backend under
// the same key (so the database's keys, and /f/ links already sent, keep working), proves each copy
// by reading it back (size and sha256 equal to the bytes read from the source), and with
// `removeSource` deletes the original once its copy is proven.
//
// Resumable: each proven copy is one line of a journal beside the local files; a run that was
// stopped (Ctrl+C, a lost connection, kill -9) starts again where it was, skipping files whose
// proven copy is still there. A copy is never visible half-written on either backend (Storage.put),
// so an interrupted file is simply copied again.
import { createHash } from "node:crypto";
import { appendFile, readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import type { Logger } from "../logger.ts";
import type { Storage } from "./types.ts";

/** The same shape as the backup progress the CLI renders. */
export type MigrateProgress = (p: { phase: string; done: number; total: number; unit: "files" }) => void;

export interface MigrateOptions {
  from: Storage;
  to: Storage;
  /** The journal of proven copies (a dot file in STORAGE_PATH: never a key, never archived). */
  journal: string;
  /** Delete each source file once its copy is proven. */
  removeSource?: boolean;
  onProgress?: MigrateProgress;
  /** Stops between files; the run rejects and the next one resumes. */
  signal?: AbortSignal;
  logger: Logger;
}

export interface MigrateReport {
  /** Files found at the source. */
  files: number;
  copied: number;
  copiedBytes: number;
  /** Proven by an earlier run and still there: not copied again. */
  alreadyThere: number;
  removed: number;
  /** Copies that did not read back equal to the source; each was deleted and is tried again next run. */
  failed: Array<{ key: string; reason: string }>;
}

interface Proven {
  size: number;
  sha256: string;
}

async function readJournal(path: string): Promise<Map<string, Proven>> {
  const proven = new Map<string, Proven>();
  const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return "";
    throw err;
  });
  for (const line of text.split("\n")) {
    // The last line of a run killed mid-write may be cut: it only costs that file's copy.
    try {
      const e = JSON.parse(line) as { key?: unknown; size?: unknown; sha256?: unknown };
      if (typeof e.key === "string" && typeof e.size === "number" && typeof e.sha256 === "string")
        proven.set(e.key, { size: e.size, sha256: e.sha256 });
    } catch {}
  }
  return proven;
}

/** Bytes and sha256 of everything `stream` yields, passed on unchanged. */
function hashing(stream: AsyncIterable<Uint8Array>) {
  const hash = createHash("sha256");
  const seen = { size: 0, sha256: "" };
  async function* pass(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream) {
      hash.update(chunk);
      seen.size += chunk.byteLength;
      yield chunk;
    }
    seen.sha256 = hash.digest("hex");
  }
  return { body: Readable.from(pass(), { objectMode: false }), seen };
}

async function digest(stream: AsyncIterable<Uint8Array>): Promise<Proven> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, sha256: hash.digest("hex") };
}

export async function migrateStorage(o: MigrateOptions): Promise<MigrateReport> {
  const { from, to, signal } = o;
  const log = o.logger.child({ module: "storage-migrate" });
  const files: Array<{ key: string; size: number }> = [];
  for await (const f of from.list()) files.push(f);
  const proven = await readJournal(o.journal);
  const report: MigrateReport = {
    files: files.length,
    copied: 0,
    copiedBytes: 0,
    alreadyThere: 0,
    removed: 0,
    failed: [],
  };
  o.onProgress?.({ phase: "copy", done: 0, total: files.length, unit: "files" });

  for (const [i, { key, size }] of files.entries()) {
    signal?.throwIfAborted();
    const before = proven.get(key);
    if (before && before.size === size && (await to.stat(key))?.size === size) {
      report.alreadyThere++;
    } else {
      const source = await from.open(key);
      // Swept by retention since the listing: nothing to move.
      if (!source) {
        o.onProgress?.({ phase: "copy", done: i + 1, total: files.length, unit: "files" });
        continue;
      }
      const { body, seen } = hashing(source);
      await to.putAt(key, body);
      const copy = await to.open(key);
      const got = copy ? await digest(copy) : null;
      if (!got || got.size !== seen.size || got.sha256 !== seen.sha256) {
        const reason = got
          ? `the copy reads back as ${got.size} bytes, sha256 ${got.sha256.slice(0, 12)}…; the original is ${seen.size} bytes, sha256 ${seen.sha256.slice(0, 12)}…`
          : "the copy is not there after writing it";
        log.error({ key, reason }, "copy not verified; removed");
        await to.remove(key);
        report.failed.push({ key, reason });
        o.onProgress?.({ phase: "copy", done: i + 1, total: files.length, unit: "files" });
        continue;
      }
      await appendFile(o.journal, `${JSON.stringify({ key, size: seen.size, sha256: seen.sha256 })}\n`);
      report.copied++;
      report.copiedBytes += seen.size;
    }
    if (o.removeSource) {
      await from.remove(key);
      report.removed++;
    }
    o.onProgress?.({ phase: "copy", done: i + 1, total: files.length, unit: "files" });
  }
  log.info({ ...report, failed: report.failed.length }, "storage migrated");
  return report;
}
