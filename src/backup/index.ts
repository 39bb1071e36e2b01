// Backup and restore: the functions the CLI (`neurocards backup|restore`) and the app (automatic
// backups) call.
export { ArchiveError, verifyArchive } from "./archive.ts";
export { type BackupOptions, type BackupResult, createBackup } from "./create.ts";
export type { Manifest } from "./manifest.ts";
export { OffsiteError, type Uploaded } from "./offsite.ts";
export {
  createProgressBar,
  createProgressLines,
  createProgressRenderer,
  type Progress,
  type ProgressCallback,
} from "./progress.ts";
export { type RestoreOptions, RestoreRefusedError, type RestoreResult, restoreBackup } from "./restore.ts";
export { listArchives, rotateArchives } from "./rotate.ts";
export { type BackupScheduleOptions, startBackupSchedule } from "./schedule.ts";
