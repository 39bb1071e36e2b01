// Local-disk storage under STORAGE_PATH (STORAGE_TYPE=local, the default). Writes stream into a hidden temporary file in the target
// folder, are fsynced, then renamed into place: rename within one folder is atomic, so a reader (or
// a crash) sees either no file or the whole file under its key, never half of one.
import { randomBytes } from "node:crypto";
import { constants as fsConstants, mkdirSync } from "node:fs";
import * as fs from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import type { Logger } from "../logger.ts";
import { contentTypeOf, FILE_KINDS, isValidKey, newKey } from "./keys.ts";
import { DEFAULT_LINK_TTL_SECONDS, type LinkSigner } from "./links.ts";
import { type FileKind, FileTooLargeError, type PutOptions, type Storage, type StoredFile } from "./types.ts";

export interface LocalStorageOptions {
  /** Folder that holds `inputs/` and `results/`; created when missing. */
  root: string;
  /** PUBLIC_BASE_URL without a trailing slash; no public links without it. */
  publicBaseUrl: string | undefined;
  signer: LinkSigner;
  logger: Logger;
  now?: () => Date;
  /** Makes a folder's entries durable; the default fsyncs the folder. Tests pass one that counts. */
  syncDir?: (dir: string) => Promise<void>;
}

/** Bytes gathered from a stream before they are written with one call. */
const WRITE_BATCH = 1 << 20;
/** Temporary files start with a dot: no valid key can name them, so they are never served. */
const TEMP_PREFIX = ".tmp-";
/** Temp files older than this are leftovers of a crash (a live write renames long before). */
const STALE_TEMP_MS = 6 * 3600_000;

export function createLocalStorage(opts: LocalStorageOptions): Storage {
  const root = resolve(opts.root);
  const now = opts.now ?? (() => new Date());
  const log = opts.logger.child({ module: "storage" });
  mkdirSync(root, { recursive: true });
  const syncFolder = groupCommit(opts.syncDir ?? syncDir);
  // Day folders this process has made: mkdir is a syscall per write otherwise, for a folder that
  // almost always exists. Cleared now and then so a long-running process does not collect days.
  const madeDirs = new Set<string>();

  // Creates the temp file, making its folder first when this process has not made it yet. A folder
  // we made can still vanish (the retention sweep rmdirs empty day folders): then make it again,
  // once. The file is opened before any byte of the source is read, so the retry costs no data.
  async function openTemp(dir: string, temp: string): Promise<fs.FileHandle> {
    if (!madeDirs.has(dir)) await makeDir(dir);
    try {
      return await fs.open(temp, "wx", 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      madeDirs.delete(dir);
      await makeDir(dir);
      return await fs.open(temp, "wx", 0o644);
    }
  }

  async function makeDir(dir: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    if (madeDirs.size >= 64) madeDirs.clear();
    madeDirs.add(dir);
  }

  // A string that is not one of our keys (a legacy path from an import, a forged value) names no
  // file here: reads answer "missing" rather than throwing, and it never becomes a path.
  function pathOf(key: string): string | null {
    if (!isValidKey(key)) {
      log.warn({ key: key.slice(0, 300) }, "not a storage key; treated as missing");
      return null;
    }
    const p = resolve(root, key);
    // Belt and braces: the key grammar already forbids escaping the root.
    return p.startsWith(root + sep) ? p : null;
  }

  async function put(kind: FileKind, source: Readable | Uint8Array, o: PutOptions): Promise<StoredFile> {
    if (!FILE_KINDS.includes(kind)) throw new Error(`unknown file kind: ${kind}`);
    return putAt(newKey(kind, o.ext, now()), source, o);
  }

  async function putAt(
    key: string,
    source: Readable | Uint8Array,
    o: { maxBytes?: number } = {},
  ): Promise<StoredFile> {
    const target = pathOf(key);
    if (!target) throw new Error(`not a storage key: ${key.slice(0, 300)}`);
    const dir = dirname(target);
    const temp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
    const limit = o.maxBytes ?? Number.POSITIVE_INFINITY;
    if (source instanceof Uint8Array && source.byteLength > limit) throw new FileTooLargeError(limit);
    // A stream we cannot write (disk full, no permission) is given up at once, not left holding
    // its connection until the other side times out.
    const handle = await openTemp(dir, temp).catch((err: unknown) => {
      if (source instanceof Readable) source.destroy();
      throw err;
    });

    let size = 0;
    try {
      if (source instanceof Uint8Array) {
        size = source.byteLength;
        await writeAll(handle, [source]);
      } else {
        // Chunks are gathered up to WRITE_BATCH bytes and written with one writev: a 100 KB result
        // takes one write instead of a Transform, a WriteStream and a write per chunk. The next
        // chunks are read only once a batch is written, so a slow disk slows the download down.
        let batch: Uint8Array[] = [];
        let batchBytes = 0;
        for await (const chunk of source as AsyncIterable<Uint8Array>) {
          size += chunk.byteLength;
          if (size > limit) throw new FileTooLargeError(limit);
          batch.push(chunk);
          batchBytes += chunk.byteLength;
          if (batchBytes >= WRITE_BATCH) {
            await writeAll(handle, batch);
            batch = [];
            batchBytes = 0;
          }
        }
        await writeAll(handle, batch);
      }
      // The data is on disk before the name is published: the rename below never makes a key
      // whose bytes are still only in the page cache.
      await handle.sync();
      await handle.close();
      await fs.rename(temp, target);
    } catch (err) {
      // (A stream that failed or was too large was destroyed when the loop over it ended.)
      await handle.close().catch(() => {});
      await fs.rm(temp, { force: true });
      throw err;
    }
    await syncFolder(dir);
    return { key, size, contentType: contentTypeOf(key) };
  }

  // stat and open never follow a symlink (we never write one; a planted one could point at any
  // file the process can read): one under a key is no file. Folders above it are checked where a
  // file leaves the program for a stranger (src/http/files.ts).
  async function stat(key: string) {
    const path = pathOf(key);
    if (!path) return null;
    try {
      const s = await fs.lstat(path);
      return s.isFile() ? { size: s.size, mtime: s.mtime } : null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async function open(key: string): Promise<Readable | null> {
    const path = pathOf(key);
    if (!path) return null;
    try {
      const handle = await fs.open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
      return handle.createReadStream({ highWaterMark: 256 * 1024 });
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === "ELOOP") return null;
      throw err;
    }
  }

  async function remove(key: string): Promise<void> {
    const path = pathOf(key);
    if (path) await fs.rm(path, { force: true });
  }

  // Walks kind/yyyy/mm/dd. The day in the key is when the file was written, and it survives
  // copies and restores that reset mtimes, so it decides: days wholly before `before` go entirely,
  // days after it are skipped unread, and only the day containing `before` is judged by mtime.
  async function sweep(before: Date): Promise<string[]> {
    const deleted: string[] = [];
    const staleTemp = now().getTime() - STALE_TEMP_MS;
    for (const kind of FILE_KINDS) {
      for (const dayDir of await dayFolders(join(root, kind))) {
        if (dayDir.start.getTime() > before.getTime()) continue;
        const wholeDay = dayDir.start.getTime() + 86400_000 <= before.getTime();
        for (const entry of await readDir(dayDir.path)) {
          if (!entry.isFile()) continue;
          const full = join(dayDir.path, entry.name);
          const s = await fs.stat(full).catch(() => null);
          if (!s) continue;
          if (entry.name.startsWith(TEMP_PREFIX)) {
            if (s.mtimeMs < staleTemp) await fs.rm(full, { force: true });
            continue;
          }
          const key = `${kind}/${dayDir.rel}/${entry.name}`;
          if ((wholeDay || s.mtimeMs < before.getTime()) && isValidKey(key)) {
            await fs.rm(full, { force: true });
            deleted.push(key);
          }
        }
        // rmdir only succeeds on empty folders: that is exactly the cleanup we want.
        await fs.rmdir(dayDir.path).catch(() => {});
      }
    }
    if (deleted.length) log.info({ count: deleted.length, before }, "swept old files");
    return deleted;
  }

  async function freeBytes(): Promise<number> {
    const s = await fs.statfs(root);
    return s.bavail * s.bsize;
  }

  async function* list(): AsyncIterable<{ key: string; size: number }> {
    for (const kind of FILE_KINDS) {
      const days = (await dayFolders(join(root, kind))).sort((a, b) => a.rel.localeCompare(b.rel));
      for (const dayDir of days) {
        const names = (await readDir(dayDir.path)).filter((e) => e.isFile()).map((e) => e.name);
        for (const name of names.sort()) {
          const key = `${kind}/${dayDir.rel}/${name}`;
          if (!isValidKey(key)) continue;
          const s = await fs.lstat(join(dayDir.path, name)).catch(() => null);
          if (s?.isFile()) yield { key, size: s.size };
        }
      }
    }
  }

  return {
    root,
    location: root,
    put,
    putAt,
    list,
    open,
    stat,
    remove,
    localPath: pathOf,
    publicUrl(key, ttlSeconds = DEFAULT_LINK_TTL_SECONDS) {
      if (!opts.publicBaseUrl || !pathOf(key)) return undefined;
      const token = opts.signer.sign(key, new Date(now().getTime() + ttlSeconds * 1000));
      return `${opts.publicBaseUrl}/f/${token}`;
    },
    sweep,
    freeBytes,
    healthy: async () => (await freeBytes()) > 0,
    close: async () => {},
  };
}

interface DayFolder {
  path: string;
  /** `yyyy/mm/dd` */
  rel: string;
  start: Date;
}

async function dayFolders(kindDir: string): Promise<DayFolder[]> {
  const out: DayFolder[] = [];
  for (const y of await readDir(kindDir)) {
    if (!y.isDirectory() || !/^\d{4}$/.test(y.name)) continue;
    for (const m of await readDir(join(kindDir, y.name))) {
      if (!m.isDirectory() || !/^\d{2}$/.test(m.name)) continue;
      for (const d of await readDir(join(kindDir, y.name, m.name))) {
        if (!d.isDirectory() || !/^\d{2}$/.test(d.name)) continue;
        out.push({
          path: join(kindDir, y.name, m.name, d.name),
          rel: `${y.name}/${m.name}/${d.name}`,
          start: new Date(Date.UTC(Number(y.name), Number(m.name) - 1, Number(d.name))),
        });
      }
    }
  }
  return out;
}

async function readDir(dir: string) {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

interface FolderSync {
  inFlight?: Promise<void>;
  /** Starts when `inFlight` ends; every put that renamed since `inFlight` started waits for it. */
  queued?: Promise<void>;
}

/**
 * Group commit of folder fsyncs: concurrent puts into one folder share one fsync instead of one
 * each. A put may only rely on an fsync that started after its rename finished (one already
 * running may have read the folder before the new entry), so per folder there is at most one fsync
 * in flight and one queued behind it: a put joins the queued one (queueing it if needed), which
 * starts when the one in flight ends, or starts one itself when the folder is idle.
 */
export function groupCommit(sync: (dir: string) => Promise<void>): (dir: string) => Promise<void> {
  // A folder is in the map only while an fsync of it is in flight or queued.
  const folders = new Map<string, FolderSync>();

  function start(dir: string, f: FolderSync): Promise<void> {
    const run: Promise<void> = sync(dir).finally(() => {
      f.inFlight = undefined;
      if (!f.queued) folders.delete(dir);
    });
    f.inFlight = run;
    return run;
  }

  return (dir) => {
    let f = folders.get(dir);
    if (!f) {
      f = {};
      folders.set(dir, f);
    }
    const folder = f;
    if (folder.queued) return folder.queued;
    if (!folder.inFlight) return start(dir, folder);
    const next = () => {
      folder.queued = undefined;
      return start(dir, folder);
    };
    folder.queued = folder.inFlight.then(next, next);
    return folder.queued;
  };
}

/** Makes the rename itself durable: without it a power cut can forget the new directory entry. */
async function syncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, "r").catch(() => null);
  if (!h) return;
  await h.sync().catch(() => {});
  await h.close();
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Writes every byte of `chunks` at the file's position (writev may write only part of them). */
async function writeAll(handle: fs.FileHandle, chunks: Uint8Array[]): Promise<void> {
  let rest = chunks.filter((c) => c.byteLength > 0);
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest);
    let skip = bytesWritten;
    const next: Uint8Array[] = [];
    for (const c of rest) {
      if (skip >= c.byteLength) skip -= c.byteLength;
      else {
        next.push(skip > 0 ? c.subarray(skip) : c);
        skip = 0;
      }
    }
    rest = next;
  }
}
