// Retention: a daily sweep deletes inputs and results older than RETENTION_DAYS and makes the
// database forget their paths (the jobs themselves stay for history and accounting); a periodic
// free-space check warns admins before the disk fills up.
import type { Config } from "../config/index.ts";
import type { JobsRepository } from "../db/store.ts";
import type { Job, Language } from "../db/types.ts";
import type { AdminText } from "../i18n/texts.ts";
import { sharedTexts } from "../i18n/texts.ts";
import type { Logger } from "../logger.ts";
import { isValidKey } from "./keys.ts";
import type { Storage } from "./types.ts";

export interface RetentionDeps {
  config: Config;
  store: JobsRepository;
  storage: Storage;
  logger: Logger;
  /** Where low-disk warnings go: `warn(text)`, or else `telegram.notifyAdmins`. Failures are logged. */
  warn?: (text: AdminText) => void | Promise<void>;
  // Structural, not telegram/types' Telegram: telegram/ stores downloads here, so storage/ stays below it.
  telegram?: { notifyAdmins(text: AdminText): Promise<void> };
  now?: () => Date;
}

/** First sweep a minute after start, so it never competes with startup work. */
const FIRST_SWEEP_DELAY_MS = 60_000;
const SWEEP_INTERVAL_MS = 24 * 3600_000;
const DISK_CHECK_INTERVAL_MS = 15 * 60_000;
/** While the disk stays low, repeat the warning at most this often. */
const DISK_WARN_REPEAT_MS = 24 * 3600_000;
const PAGE = 500;

export interface SweepReport {
  deletedFiles: number;
  forgottenPaths: number;
}

export function createRetention(deps: RetentionDeps) {
  const { config, store, storage } = deps;
  const log = deps.logger.child({ module: "retention" });
  const now = deps.now ?? (() => new Date());
  const timers: NodeJS.Timeout[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let lastDiskWarnAt = 0;

  // A path is forgotten when this sweep deleted it, or when its dated key is past the cutoff and
  // the file is gone (a previous sweep that crashed between deleting and patching). Values that
  // are not our keys (imported rows, Telegram-only results) are left alone.
  async function isGone(path: string | null, deleted: Set<string>, cutoffDay: string): Promise<boolean> {
    if (!path) return false;
    if (deleted.has(path)) return true;
    if (!isValidKey(path) || keyDay(path) > cutoffDay) return false;
    return (await storage.stat(path)) === null;
  }

  async function sweepOnce(): Promise<SweepReport> {
    const cutoff = new Date(now().getTime() - config.storage.retentionDays * 86400_000);
    const deleted = new Set(await storage.sweep(cutoff));
    const cutoffDay = cutoff.toISOString().slice(0, 10).replaceAll("-", "/");
    let forgottenPaths = 0;
    // A job's files are written at or after its creation (the photo is fetched by the pipeline),
    // so every file dated up to the cutoff day belongs to a job created before the next day.
    const before = new Date(Date.parse(`${cutoff.toISOString().slice(0, 10)}T00:00:00Z`) + 86400_000);
    for (let afterId = 0; ; ) {
      const jobs: Job[] = await store.listJobsWithFilesBefore(before, PAGE, afterId);
      for (const job of jobs) {
        const photo = await isGone(job.photoPath, deleted, cutoffDay);
        const result = await isGone(job.resultPath, deleted, cutoffDay);
        if (!photo && !result) continue;
        await store.patchJob(job.id, {
          ...(photo ? { photoPath: null } : {}),
          ...(result ? { resultPath: null } : {}),
        });
        forgottenPaths += Number(photo) + Number(result);
      }
      const last = jobs.at(-1);
      if (!last || jobs.length < PAGE) break;
      afterId = last.id;
    }
    log.info({ deletedFiles: deleted.size, forgottenPaths, cutoff }, "retention sweep done");
    return { deletedFiles: deleted.size, forgottenPaths };
  }

  // Object storage has no disk of its own to fill (freeBytes is null): nothing to watch.
  async function checkDisk(): Promise<{ freeBytes: number | null; low: boolean }> {
    const freeBytes = await storage.freeBytes();
    const threshold = config.storage.diskFreeWarnBytes;
    if (freeBytes === null) return { freeBytes, low: false };
    const low = threshold > 0 && freeBytes < threshold;
    if (!low) {
      lastDiskWarnAt = 0;
      return { freeBytes, low };
    }
    const t = now().getTime();
    if (lastDiskWarnAt === 0 || t - lastDiskWarnAt >= DISK_WARN_REPEAT_MS) {
      lastDiskWarnAt = t;
      const mb = (n: number) => Math.floor(n / 1024 / 1024);
      const vars = { free: mb(freeBytes), root: storage.location, threshold: mb(threshold) };
      const text = (l: Language) => sharedTexts.t(l, "alert-low-disk", vars);
      log.warn({ freeBytes, threshold }, "low disk space");
      try {
        await (deps.warn ?? ((t: AdminText) => deps.telegram?.notifyAdmins(t)))(text);
      } catch (err) {
        log.error({ err }, "could not deliver the low disk warning");
      }
    }
    return { freeBytes, low };
  }

  // Passes never overlap: a slow sweep delays the next one instead of racing it.
  function serial<T>(name: string, fn: () => Promise<T>): () => Promise<T | undefined> {
    return () => {
      const next = running.then(fn).catch((err: unknown) => {
        log.error({ err }, `${name} failed`);
        return undefined;
      });
      running = next;
      return next;
    };
  }
  const sweepPass = serial("retention sweep", sweepOnce);
  const diskPass = serial("disk check", checkDisk);

  return {
    sweepOnce,
    checkDisk,
    start() {
      const first = setTimeout(() => {
        void diskPass();
        void sweepPass();
        const every = setInterval(() => void sweepPass(), SWEEP_INTERVAL_MS);
        every.unref();
        timers.push(every);
      }, FIRST_SWEEP_DELAY_MS);
      const disk = setInterval(() => void diskPass(), DISK_CHECK_INTERVAL_MS);
      first.unref();
      disk.unref();
      timers.push(first, disk);
    },
    /** Stops the timers and waits for a pass in progress. */
    async stop() {
      for (const t of timers.splice(0)) clearTimeout(t);
      await running;
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
/** The name the wiring (src/app.ts) uses. */
export const createRetentionSweeper = createRetention;

/** `yyyy/mm/dd` of a dated key (`results/2026/11/25/x.mp4` → `2026/11/25`). */
function keyDay(key: string): string {
  return key.split("/").slice(1, 4).join("/");
}
