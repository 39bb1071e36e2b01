// `neurocards backup`: one .tar.gz holding a neutral NDJSON export of every table (restorable into
// either dialect), the stored files (with local storage; with S3 the manifest names the bucket
// they stay in), and manifest.json (last entry) with counts and checksums. With BACKUP_S3_BUCKET
// the finished archive is also uploaded there (./offsite.ts); a failed upload leaves the archive
// on disk and throws OffsiteError.
// The archive is written under a temporary name and renamed when complete, so a crash never
// leaves a half archive that rotation would count as a backup.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import { VERSION } from "../version.ts";
import { createArchiveWriter } from "./archive.ts";
import { exportPostgres } from "./export-postgres.ts";
import { type DatabaseExport, exportSqliteSnapshot, snapshotSqlite } from "./export-sqlite.ts";
import { listStoredFiles } from "./files.ts";
import { FILES_PREFIX, FORMAT, FORMAT_VERSION, MANIFEST_NAME, type Manifest } from "./manifest.ts";
import { type Uploaded, uploadBackup } from "./offsite.ts";
import type { ProgressCallback } from "./progress.ts";
import { archiveName, rotateArchives } from "./rotate.ts";

export interface BackupOptions {
  config: Config;
  logger: Logger;
  /** Folder for the archive (default BACKUP_DIR). Created when missing. */
  outDir?: string;
  /** Keep only this many newest archives in `outDir` afterwards; undefined keeps all. */
  keep?: number;
  onProgress?: ProgressCallback;
  /** better-sqlite3 addon for the single executable (as for createStore). */
  nativeBinding?: string | object;
  /** Stops a running backup (program shutdown): it rejects and leaves no archive behind. */
  signal?: AbortSignal;
}

export interface BackupResult {
  path: string;
  manifest: Manifest;
  /** Compressed size of the archive. */
  bytes: number;
  /** Archives deleted by rotation. */
  rotated: string[];
  /** The off-site copy (BACKUP_S3_BUCKET), rotated to the same `keep`. */
  uploaded: Uploaded | undefined;
}

async function exportDatabase(o: BackupOptions, staging: string): Promise<DatabaseExport> {
  const db = o.config.database;
  if (db.type === "postgres") return exportPostgres(db.url, staging, o.onProgress);
  if (!existsSync(db.path)) throw new Error(`there is no database at ${resolve(db.path)} to back up`);
  const snapshot = join(staging, "snapshot.db");
  await snapshotSqlite(db.path, snapshot, o.onProgress, o.nativeBinding);
  const result = await exportSqliteSnapshot(snapshot, staging, o.onProgress, o.nativeBinding);
  await rm(snapshot, { force: true });
  return result;
}

/** Leftovers of a backup killed mid-way (staging folders, partial archives) older than this go. */
const STALE_MS = 6 * 3_600_000;

async function removeStale(outDir: string): Promise<void> {
  for (const name of await readdir(outDir)) {
    if (!name.startsWith(".staging-") && !name.endsWith(".tar.gz.partial")) continue;
    const p = join(outDir, name);
    const st = await stat(p).catch(() => null);
    if (st && Date.now() - st.mtimeMs > STALE_MS) await rm(p, { recursive: true, force: true });
  }
}

export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  // Every step reports progress often (each export slice, page batch, file): the natural place to
  // notice a shutdown.
  const onProgress: ProgressCallback = (p) => {
    signal?.throwIfAborted();
    options.onProgress?.(p);
  };
  const o = { ...options, onProgress };
  const { config, logger } = o;
  const outDir = resolve(o.outDir ?? config.backup.dir);
  await mkdir(outDir, { recursive: true });
  await removeStale(outDir);
  const createdAt = new Date();
  const started = performance.now();
  const staging = await mkdtemp(join(outDir, ".staging-"));
  const final = join(outDir, archiveName(createdAt));
  const partial = `${final}.partial`;
  try {
    const exported = await exportDatabase(o, staging);
    const storageRoot = resolve(config.storage.path);
    // With object storage the files stay in their bucket (see Manifest.storage); a backup of the
    // database alone is what makes the bucket's keys meaningful again.
    const bucket = config.storage.type === "s3" ? config.storage.s3 : undefined;
    const keys = bucket ? [] : await listStoredFiles(storageRoot);

    const writer = createArchiveWriter(partial, signal);
    const entries: Manifest["entries"] = {};
    const tables: Manifest["tables"] = {};
    for (const t of exported.tables) {
      entries[t.entry] = (await writer.addFile(t.entry, t.file))!;
      tables[t.table] = { rows: t.rows, entry: t.entry };
      onProgress?.({
        phase: "archive tables",
        done: Object.keys(tables).length,
        total: exported.tables.length,
        unit: "files",
      });
    }
    let fileBytes = 0;
    let fileCount = 0;
    for (const [i, key] of keys.entries()) {
      // A file swept between listing and reading is simply no longer part of the backup.
      const got = await writer.addFile(`${FILES_PREFIX}${key}`, join(storageRoot, key));
      if (got) {
        entries[`${FILES_PREFIX}${key}`] = got;
        fileBytes += got.size;
        fileCount++;
      }
      onProgress?.({ phase: "archive files", done: i + 1, total: keys.length, unit: "files" });
    }
    const manifest: Manifest = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      program: { name: "neurocards", version: VERSION },
      schema: exported.schema,
      dialect: config.database.type,
      createdAt: createdAt.toISOString(),
      tables,
      files: { count: fileCount, bytes: fileBytes },
      ...(bucket
        ? { storage: { type: "s3" as const, bucket: bucket.bucket, endpoint: bucket.endpoint } }
        : {}),
      entries,
    };
    await writer.addBuffer(MANIFEST_NAME, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    await writer.close();
    await rename(partial, final);
    const { size } = await stat(final);
    const rotated = o.keep ? await rotateArchives(outDir, o.keep) : [];
    const offsite = config.backup.s3;
    const uploaded = offsite ? await uploadBackup(offsite, final, o.keep, signal) : undefined;
    logger.info(
      {
        path: final,
        bytes: size,
        tables: Object.fromEntries(Object.entries(tables).map(([k, v]) => [k, v.rows])),
        files: fileCount,
        rotated: rotated.length,
        uploaded: uploaded?.url,
        ms: Math.round(performance.now() - started),
      },
      "backup written",
    );
    return { path: final, manifest, bytes: size, rotated, uploaded };
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
