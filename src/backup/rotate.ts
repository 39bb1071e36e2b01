// `--keep N`: after a successful backup only the N newest archives stay in the folder. Names carry
// a sortable UTC timestamp, so "newest" is the name order, independent of file times.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

export const ARCHIVE_PREFIX = "neurocards-backup-";
export const ARCHIVE_SUFFIX = ".tar.gz";

export function archiveName(at: Date): string {
  return `${ARCHIVE_PREFIX}${at.toISOString().replace(/:/g, "-").replace(".", "-")}${ARCHIVE_SUFFIX}`;
}

export async function listArchives(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => n.startsWith(ARCHIVE_PREFIX) && n.endsWith(ARCHIVE_SUFFIX)).sort();
}

/** Deletes all but the `keep` newest archives; returns the deleted paths. */
export async function rotateArchives(dir: string, keep: number): Promise<string[]> {
  if (keep < 1) throw new Error("keep must be at least 1");
  const names = await listArchives(dir);
  const old = names.slice(0, Math.max(0, names.length - keep)).map((n) => join(dir, n));
  for (const p of old) await rm(p, { force: true });
  return old;
}
