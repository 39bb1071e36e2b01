// Automatic backups inside the running program (BACKUP_INTERVAL_HOURS > 0): one backup every
// interval into BACKUP_DIR, rotated to BACKUP_KEEP (and uploaded to BACKUP_S3_BUCKET, rotated there
// to the same number). The next one is due an interval after the newest
// archive in the folder, not after the program started: a bot restarted daily by updates would
// otherwise never reach a 24-hour mark. A failure is logged and tried again next interval; it never
// stops the bot. Runs never overlap.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import type { BackupResult } from "./create.ts";
import type { OffsiteError } from "./offsite.ts";
import { listArchives } from "./rotate.ts";

/** Never right at start: the bot has better things to do in its first minute. */
export const FIRST_BACKUP_DELAY_MS = 60_000;

async function newestArchiveAt(dir: string): Promise<number> {
  const names = await listArchives(dir).catch(() => []);
  const newest = names.at(-1);
  return newest ? (await stat(join(dir, newest))).mtimeMs : 0;
}

export interface BackupScheduleOptions {
  config: Config;
  logger: Logger;
  nativeBinding?: string | object;
  /** Called after each successful automatic backup (tests, admin notices). */
  onBackup?: (result: BackupResult) => void;
  /** Called after a failed one. */
  onError?: (err: unknown) => void;
}

/** Starts the schedule; returns a stop function that cancels a running backup (no archive is left). */
export function startBackupSchedule(o: BackupScheduleOptions): () => Promise<void> {
  const { config, logger } = o;
  const hours = config.backup.intervalHours;
  if (hours <= 0) return async () => {};
  const intervalMs = hours * 3_600_000;
  let running: Promise<void> | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const abort = new AbortController();

  // The archive code (tar, zlib, the Postgres export) is loaded when a backup is due, not with the
  // schedule: the running bot keeps none of it between backups' first run.
  const run = (): Promise<void> =>
    import("./create.ts")
      .then(({ createBackup }) =>
        createBackup({
          config,
          logger,
          outDir: config.backup.dir,
          keep: config.backup.keep,
          nativeBinding: o.nativeBinding,
          signal: abort.signal,
        }),
      )
      .then((r) => o.onBackup?.(r))
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        // By name: the off-site code (../s3, the archive) is loaded only with a backup.
        if ((err as OffsiteError | null)?.name === "OffsiteError")
          logger.error(
            { err },
            "automatic backup written, but its off-site upload failed; trying again at the next interval",
          );
        else logger.error({ err }, "automatic backup failed; trying again at the next interval");
        o.onError?.(err);
      });
  const plan = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run().finally(() => {
        running = null;
        plan(intervalMs);
      });
    }, delayMs);
    // The schedule alone must not keep the process alive.
    timer.unref();
  };
  void newestArchiveAt(config.backup.dir).then((last) =>
    plan(Math.min(intervalMs, Math.max(FIRST_BACKUP_DELAY_MS, last + intervalMs - Date.now()))),
  );
  logger.info(
    { everyHours: hours, dir: config.backup.dir, keep: config.backup.keep },
    "automatic backups on",
  );
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    // A backup of a big database takes a minute: shutdown must not wait for it.
    abort.abort();
    await running;
  };
}
