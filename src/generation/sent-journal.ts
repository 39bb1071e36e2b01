// What this machine has already handed to Telegram, kept on local disk. Telegram has no
// idempotency key: once sendVideo returned, the only record that the seller has the video is ours,
// and the database may be away exactly then (an outage) while the process is killed (a restart,
// the OOM killer). A line appended and fsynced here right after Telegram answered — a millisecond,
// where the database write can wait out a whole outage — lets the next process on this machine
// finish the job without a second video. Processes on one machine share the file (appends of one
// short line are atomic); a job resumed on another machine does not see it, which is why the
// database stays the record and this is only the bridge over its absence.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

export interface SentRecord {
  /** The video's file_id, or null when a link was sent instead. */
  fileId: string | null;
}

export interface SentJournal {
  /** Called right after Telegram took the job's result. */
  record(jobId: number, fileId: string | null): void;
  /** What was sent for this job, if this machine sent it. */
  lookup(jobId: number): SentRecord | undefined;
  close(): void;
}

/** Past this size the journal is cut down to its newest lines when opened. */
const COMPACT_BYTES = 1024 * 1024;
const KEEP_LINES = 2000;

export function openSentJournal(path: string): SentJournal {
  mkdirSync(dirname(path), { recursive: true });
  compact(path);
  const fd = openSync(path, "a");
  return {
    record(jobId, fileId) {
      writeSync(fd, `${jobId}\t${fileId ?? ""}\n`);
      fsyncSync(fd);
    },
    lookup(jobId) {
      // Read each time: another process on this machine may have written the line.
      let found: SentRecord | undefined;
      for (const line of readFileSync(path, "utf8").split("\n")) {
        const [id, fileId] = line.split("\t");
        if (id === String(jobId)) found = { fileId: fileId || null };
      }
      return found;
    },
    close() {
      closeSync(fd);
    },
  };
}

function compact(path: string): void {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    return;
  }
  if (size <= COMPACT_BYTES) return;
  const lines = readFileSync(path, "utf8").split("\n").filter(Boolean).slice(-KEEP_LINES);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${lines.join("\n")}\n`, { flush: true });
  renameSync(tmp, path);
}
