// What this machine has already handed to Telegram, kept on local disk. Telegram has no
// idempotency key: once sendVideo returned, the only record that the seller has the video is ours,
// and the database may be away exactly then (an outage) while the process is killed (a restart,
// the OOM killer). A line appended and fsynced here right after Telegram answered — a millisecond,
// where the database write can wait out a whole outage — lets the next process on this machine
// finish the job without a second video. Processes on one machine share the file: each record
// opens it for appending (one short line is written atomically), so nothing holds it open and no
// close can race a delivery. A job resumed on another machine does not see it, which is why the
// database stays the record and this is only the bridge over its absence.
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Job } from "../db/types.ts";

export interface SentRecord {
  /** The video's file_id, or null when a link was sent instead. */
  fileId: string | null;
}

type JobRef = Pick<Job, "id" | "idempotencyKey">;

export interface SentJournal {
  /** Called right after Telegram took the job's result. */
  record(job: JobRef, fileId: string | null): void;
  /** What was sent for this job, if a process on this machine sent it. */
  lookup(job: JobRef): SentRecord | undefined;
}

/** Beside the stored files, on this machine's disk. */
export const sentJournalPath = (storagePath: string) => join(storagePath, ".sent", "journal");

/** Past this size the journal is cut down to its newest lines when opened. */
const COMPACT_BYTES = 1024 * 1024;
const KEEP_LINES = 2000;

// Keyed by id and idempotency key: a database started afresh beside the same files reuses ids.
const keyOf = (job: JobRef) => `${job.id}:${job.idempotencyKey}`;

export function openSentJournal(path: string): SentJournal {
  mkdirSync(dirname(path), { recursive: true });
  compact(path);
  const known = new Map<string, SentRecord>();
  let readUpTo = 0;

  /** Reads what other processes appended since the last look (a size check when nothing did). */
  function refresh(): void {
    const size = existsSync(path) ? statSync(path).size : 0;
    if (size === readUpTo) return;
    const text = readFileSync(path, "utf8");
    readUpTo = Buffer.byteLength(text);
    for (const line of text.split("\n")) {
      const [key, fileId] = line.split("\t");
      if (key) known.set(key, { fileId: fileId || null });
    }
  }

  return {
    record(job, fileId) {
      appendFileSync(path, `${keyOf(job)}\t${fileId ?? ""}\n`, { flush: true });
      known.set(keyOf(job), { fileId });
    },
    lookup(job) {
      refresh();
      return known.get(keyOf(job));
    },
  };
}

/**
 * In place (truncate and rewrite, not a rename), so a process appending meanwhile keeps writing to
 * the same file; only at open, when the file has grown past COMPACT_BYTES.
 */
function compact(path: string): void {
  if (!existsSync(path) || statSync(path).size <= COMPACT_BYTES) return;
  const lines = readFileSync(path, "utf8").split("\n").filter(Boolean).slice(-KEEP_LINES);
  writeFileSync(path, `${lines.join("\n")}\n`, { flush: true });
}
