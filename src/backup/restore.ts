// `neurocards restore ARCHIVE`. Order matters for "nothing changed on failure":
//  1. read the whole archive and prove every checksum (nothing written anywhere yet);
//  2. extract into a fresh empty temp folder next to STORAGE_PATH (same volume, so the files can be
//     renamed into place);
//  3. migrate the target database, then in ONE transaction: refuse a running bot, a non-empty
//     database or a storage folder holding anything but the archive's own files (unless force),
//     load every table with its ids, fix Postgres sequences, swap the storage folder in by rename
//     — and commit. A failure anywhere rolls the rows back and puts the old storage folder back.
// One transaction for the whole load (not one per batch) is deliberate: a restore that dies half
// way must not leave half a database behind.
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Config } from "../config/index.ts";
import { migrateDatabase } from "../db/index.ts";
import { MIGRATIONS } from "../db/migrations.generated.ts";
import type { Logger } from "../logger.ts";
import { ArchiveError, extractArchive, verifyArchive } from "./archive.ts";
import { listStorage } from "./files.ts";
import { FILES_PREFIX, type Manifest } from "./manifest.ts";
import { readNdjson } from "./ndjson.ts";
import { downloadBackup } from "./offsite.ts";
import type { ProgressCallback } from "./progress.ts";
import { insertSql, openSqlConn, quote, type SqlConn } from "./sql.ts";
import { DATA_TABLES, TABLES, type TableSpec, toDriver } from "./tables.ts";

export interface RestoreOptions {
  config: Config;
  logger: Logger;
  /** A .tar.gz file, or `s3://bucket/key` of an off-site copy. */
  archive: string;
  /** Overwrite a database (and storage folder) that already holds data. */
  force?: boolean;
  onProgress?: ProgressCallback;
  nativeBinding?: string | object;
}

export interface RestoreResult {
  manifest: Manifest;
  /** Rows loaded per table. */
  tables: Record<string, number>;
  files: number;
  /** True when existing data was replaced (force). */
  replaced: boolean;
}

export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreRefusedError";
  }
}

/** Parameters per INSERT stay far below both dialects' limits (SQLite 32766, Postgres 65535). */
const PARAMS_PER_STATEMENT = 16_000;

async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => [])).length === 0;
}

/**
 * Stored files that the archive does not hold byte for byte (by size and sha256). None means the
 * folder holds only copies of the archive's files — the move from SQLite to Postgres restores into
 * the STORAGE_PATH the backup was taken from — so swapping the archive's folder in loses nothing.
 * Dot files are the storage's unfinished writes, never content (backups leave them out as well);
 * anything else that is not a plain file (a symlink someone put there) is never the archive's.
 * `seen` remembers files already hashed (by size and mtime) so a second look does not read them again.
 */
async function filesNotInArchive(
  root: string,
  manifest: Manifest,
  seen: Map<string, string>,
  onProgress?: ProgressCallback,
): Promise<string[]> {
  const { files: keys, others } = await listStorage(root);
  const foreign = [...others];
  for (const [i, key] of keys.entries()) {
    const want = manifest.entries[`${FILES_PREFIX}${key}`];
    const path = join(root, key);
    const st = await stat(path).catch(() => null);
    const stamp = st ? `${st.size}:${st.mtimeMs}` : "";
    if (!want || !st || st.size !== want.size) foreign.push(key);
    else if (seen.get(key) !== stamp) {
      const hash = createHash("sha256");
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      if (hash.digest("hex") === want.sha256) seen.set(key, stamp);
      else foreign.push(key);
    }
    onProgress?.({ phase: "compare files", done: i + 1, total: keys.length, unit: "files" });
  }
  return foreign;
}

async function checkTarget(conn: SqlConn, force: boolean): Promise<boolean> {
  const now = Date.now();
  const leases = await conn.all<{ owner: string; expires_at: unknown }>(
    "select owner, expires_at from instance_leases",
  );
  const live = leases.find((l) => new Date(l.expires_at as string | number | Date).getTime() > now);
  if (live)
    throw new RestoreRefusedError(
      `a Neurocards instance (${live.owner}) is running on this database; stop it before restoring`,
    );
  const busy: string[] = [];
  for (const t of DATA_TABLES) {
    const [row] = await conn.all<{ one: unknown }>(`select 1 as one from ${quote(t)} limit 1`);
    if (row) busy.push(t);
  }
  if (busy.length && !force)
    throw new RestoreRefusedError(
      `the target database is not empty (${busy.join(", ")} hold rows); run restore with --force to replace its data`,
    );
  return busy.length > 0;
}

async function clearTables(conn: SqlConn, specs: TableSpec[]): Promise<void> {
  if (conn.dialect === "postgres") {
    await conn.run(`truncate table ${specs.map((s) => quote(s.name)).join(", ")}`);
    return;
  }
  for (const s of [...specs].reverse()) await conn.run(`delete from ${quote(s.name)}`);
}

async function loadTable(
  conn: SqlConn,
  spec: TableSpec,
  file: string,
  expected: number,
  onProgress?: ProgressCallback,
): Promise<number> {
  const phase = `load ${spec.name}`;
  const encode = toDriver(spec, conn.dialect);
  let loaded = 0;
  onProgress?.({ phase, done: 0, total: expected, unit: "rows" });
  const perStatement = Math.max(1, Math.floor(PARAMS_PER_STATEMENT / spec.columns.length));
  for await (const batch of readNdjson(file, perStatement)) {
    // Columns come from the rows themselves, so an archive from an older schema (fewer columns)
    // loads with the newer columns' defaults.
    const first = batch[0]!;
    const present = spec.columns.filter((c) => c.name in first);
    const unknown = Object.keys(first).filter((k) => !spec.columns.some((c) => c.name === k));
    if (unknown.length)
      throw new ArchiveError(
        `${spec.name} rows have columns this version does not know: ${unknown.join(", ")}`,
      );
    const sub: TableSpec = { ...spec, columns: present };
    const enc = present.length === spec.columns.length ? encode : toDriver(sub, conn.dialect);
    const params: unknown[] = [];
    for (const row of batch) params.push(...enc(row));
    await conn.run(
      insertSql(
        spec.name,
        present.map((c) => c.name),
        batch.length,
      ),
      params,
    );
    loaded += batch.length;
    onProgress?.({ phase, done: loaded, total: expected, unit: "rows" });
  }
  if (loaded !== expected)
    throw new ArchiveError(
      `${spec.name}: the archive holds ${loaded} rows but its manifest says ${expected}`,
    );
  return loaded;
}

async function fixSequences(conn: SqlConn, specs: TableSpec[]): Promise<void> {
  if (conn.dialect !== "postgres") return;
  for (const s of specs.filter((t) => t.serial)) {
    const t = quote(s.name);
    // is_called=false: the next nextval() returns exactly max(id)+1 (or 1 on an empty table).
    await conn.run(
      `select setval(pg_get_serial_sequence('${t}', 'id'), coalesce((select max(id) from ${t}), 0) + 1, false)`,
    );
  }
}

/**
 * Restores `o.archive`: a file, or `s3://bucket/key` (downloaded next to BACKUP_DIR's archives
 * first, and deleted afterwards; `s3://bucket/prefix/` takes the newest archive there).
 */
export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  if (!o.archive.startsWith("s3://")) return restoreFile(o);
  const dir = resolve(o.config.backup.dir);
  await mkdir(dir, { recursive: true });
  // A ".staging-" folder: the next backup removes it if this process dies before it does.
  const work = await mkdtemp(join(dir, ".staging-"));
  try {
    const file = await downloadBackup(o.config, o.archive, work, o.onProgress);
    return await restoreFile({ ...o, archive: file });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function restoreFile(o: RestoreOptions): Promise<RestoreResult> {
  const { config, logger, onProgress } = o;
  const archive = resolve(o.archive);
  if (!existsSync(archive)) throw new ArchiveError(`${archive} does not exist`);

  const { manifest } = await verifyArchive(archive, (done, total) =>
    onProgress?.({ phase: "verify", done, total, unit: "bytes" }),
  );
  // Named against the migrations of the database the backup was made from: the two dialects'
  // migration lists need not be the same length (an index-only change may exist in one alone).
  const known = MIGRATIONS[manifest.dialect].map((m) => m.name);
  if (manifest.schema && !known.includes(manifest.schema))
    throw new RestoreRefusedError(
      `the backup was made by a newer Neurocards (${manifest.program.version}, schema ${manifest.schema}); upgrade before restoring it`,
    );

  const fileCount = Object.keys(manifest.entries).filter((e) => e.startsWith(FILES_PREFIX)).length;
  // An archive of an object-storage install holds no files: the bucket still has them, and the
  // storage folder here is left as it is. One with files restores them into STORAGE_PATH only.
  const withFiles = !manifest.storage;
  if (withFiles && fileCount > 0 && config.storage.type === "s3")
    throw new RestoreRefusedError(
      `the backup holds ${fileCount} stored file(s) and this install keeps files in ${config.storage.s3?.bucket ? `s3://${config.storage.s3.bucket}` : "a bucket"}: restore it with STORAGE_TYPE=local, then move the files with \`neurocards storage migrate --to s3\` and set STORAGE_TYPE=s3`,
    );
  const storageRoot = resolve(config.storage.path);
  const identical = new Map<string, string>();
  const checkStorage = async () => {
    if (!withFiles || o.force || (await isEmptyDir(storageRoot))) return;
    const foreign = await filesNotInArchive(storageRoot, manifest, identical, onProgress);
    if (foreign.length)
      throw new RestoreRefusedError(
        `the storage folder ${storageRoot} holds ${foreign.length} file(s) that are not in the archive or differ from it (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", …" : ""}); run restore with --force to replace its files`,
      );
  };
  await migrateDatabase(config, logger, { nativeBinding: o.nativeBinding });
  const conn = await openSqlConn(config, o.nativeBinding);
  let work: string | null = null;
  try {
    // Refuse early, before extracting gigabytes; checked again inside the transaction.
    await checkTarget(conn, Boolean(o.force));
    await checkStorage();
    const storageParent = dirname(storageRoot);
    await mkdir(storageParent, { recursive: true });
    work = await mkdtemp(join(storageParent, ".neurocards-restore-"));
    onProgress?.({ phase: "extract", done: 0, total: 1, unit: "files" });
    await extractArchive(archive, work, manifest);
    onProgress?.({ phase: "extract", done: 1, total: 1, unit: "files" });

    const c = conn;
    const dir = work;
    const specs = TABLES.filter((t) => !t.runtimeOnly);
    const filesIn = join(dir, FILES_PREFIX);

    // Set once the storage folder has been swapped, so a failed commit can swap it back.
    let aside: string | null | undefined;
    const result = await c
      .transaction(async () => {
        if (c.dialect === "postgres")
          await c.run(`lock table ${specs.map((s) => quote(s.name)).join(", ")} in exclusive mode`);
        const replaced = await checkTarget(c, Boolean(o.force));
        await checkStorage();
        if (replaced) await clearTables(c, specs);
        const tables: Record<string, number> = {};
        for (const spec of specs) {
          const info = manifest.tables[spec.name];
          if (!info) continue;
          tables[spec.name] = await loadTable(c, spec, join(dir, info.entry), info.rows, onProgress);
        }
        await fixSequences(c, specs);

        if (!withFiles) return { tables, replaced };
        // Files last, by rename, while the rows are still uncommitted: if the swap fails the
        // transaction rolls back; if the commit fails the old folder is put back below.
        if (!existsSync(filesIn)) await mkdir(filesIn, { recursive: true });
        const old = existsSync(storageRoot) ? join(dir, `old-${basename(storageRoot)}`) : null;
        if (old) await rename(storageRoot, old);
        try {
          await rename(filesIn, storageRoot);
        } catch (err) {
          if (old) await rename(old, storageRoot);
          throw err;
        }
        aside = old;
        return { tables, replaced };
      })
      .catch(async (err: unknown) => {
        if (aside !== undefined) {
          await rm(storageRoot, { recursive: true, force: true });
          if (aside) await rename(aside, storageRoot);
        }
        throw err;
      });
    logger.info(
      {
        archive,
        dialect: config.database.type,
        from: manifest.dialect,
        tables: result.tables,
        files: fileCount,
      },
      "backup restored",
    );
    return { manifest, tables: result.tables, files: fileCount, replaced: result.replaced };
  } finally {
    await conn.close();
    if (work) await rm(work, { recursive: true, force: true });
  }
}
