// Automatic backups inside the running program (BACKUP_INTERVAL_HOURS > 0): one backup every
// interval into BACKUP_DIR, rotated to BACKUP_KEEP. A failure is logged and tried again next
// interval; it never stops the bot. Runs never overlap.
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import { type BackupResult, createBackup } from "./create.ts";

export interface BackupScheduleOptions {
  config: Config;
  logger: Logger;
  nativeBinding?: string | object;
  /** Called after each successful automatic backup (tests, admin notices). */
  onBackup?: (result: BackupResult) => void;
  /** Called after a failed one. */
  onError?: (err: unknown) => void;
}

/** Starts the schedule; returns a stop function that waits for a running backup to finish. */
export function startBackupSchedule(o: BackupScheduleOptions): () => Promise<void> {
  const { config, logger } = o;
  const hours = config.backup.intervalHours;
  if (hours <= 0) return async () => {};
  const intervalMs = hours * 3_600_000;
  let running: Promise<void> | null = null;
  let stopped = false;

  const run = () => {
    if (running || stopped) return;
    running = createBackup({
      config,
      logger,
      outDir: config.backup.dir,
      keep: config.backup.keep,
      nativeBinding: o.nativeBinding,
    })
      .then((r) => o.onBackup?.(r))
      .catch((err: unknown) => {
        logger.error({ err }, "automatic backup failed; trying again at the next interval");
        o.onError?.(err);
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, intervalMs);
  // The schedule alone must not keep the process alive.
  timer.unref();
  logger.info(
    { everyHours: hours, dir: config.backup.dir, keep: config.backup.keep },
    "automatic backups on",
  );
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
