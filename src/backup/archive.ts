// Writing and reading the backup archive (.tar.gz). Entries are framed with the tar package's
// Header/Pax encoders and hashed in the same read that writes them, so the checksum in the manifest
// is of exactly the bytes in the archive (tar's Pack reads files itself and has no hook for that).
// Reading goes through tar's Parser in strict mode; every entry path is checked here as well.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { createGzip, type Gzip } from "node:zlib";
import { x as extract, Header, Parser, Pax, type ReadEntry } from "tar";
import { MANIFEST_NAME, MAX_MANIFEST_BYTES, type Manifest, manifestSchema } from "./manifest.ts";

const BLOCK = 512;

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveError";
  }
}

function write(stream: Writable, chunk: Buffer): Promise<void> | undefined {
  if (stream.write(chunk)) return undefined;
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.off("error", onError);
      resolve();
    };
    const onError = (err: Error) => {
      stream.off("drain", onDrain);
      reject(err);
    };
    stream.once("drain", onDrain);
    stream.once("error", onError);
  });
}

/** NDJSON compresses ~25x at level 3, nearly as well as at 6, in a quarter of the CPU time. */
const TEXT_LEVEL = 3;
/**
 * Photos and videos are already compressed: deflating them again costs ~10 MB/s of CPU for
 * nothing, so they are stored (level 0).
 */
const STORED = /\.(mp4|mov|webm|mkv|jpe?g|png|webp|gif|zip|gz)$/i;

export interface ArchiveWriter {
  /** Adds the file at `source` as entry `name`; returns its size and sha256. Null when the file vanished. */
  addFile(name: string, source: string): Promise<{ size: number; sha256: string } | null>;
  addBuffer(name: string, data: Buffer): Promise<{ size: number; sha256: string }>;
  close(): Promise<void>;
  /** Uncompressed bytes written so far. */
  readonly bytes: number;
}

/**
 * The archive is a series of gzip members, a new one whenever the level changes (text ↔ media).
 * zlib's params() cannot do this within one stream: Node calls deflateParams() with no output
 * space, zlib answers Z_BUF_ERROR and keeps the old level. Concatenated members are plain gzip
 * (RFC 1952 §2.2): gunzip, GNU tar and node-tar read them as one stream.
 */
export function createArchiveWriter(file: string, signal?: AbortSignal): ArchiveWriter {
  const out = createWriteStream(file, { flags: "wx" });
  const outDone = finished(out);
  outDone.catch(() => {});
  // pipe() does not pass a write error (disk full) upstream: without this the next write would
  // wait for a drain that never comes.
  out.on("error", (err) => gzip.destroy(err));
  let level = TEXT_LEVEL;
  let gzip = member(level);
  let bytes = 0;
  const mtime = new Date();

  function member(lvl: number): Gzip {
    const z = createGzip({ level: lvl });
    z.pipe(out, { end: false });
    return z;
  }

  async function endMember(): Promise<void> {
    const z = gzip;
    const ended = new Promise<void>((resolve, reject) => {
      z.once("end", resolve);
      z.once("error", reject);
    });
    z.end();
    await ended;
  }

  async function push(chunk: Buffer): Promise<void> {
    bytes += chunk.length;
    await write(gzip, chunk);
  }

  async function header(name: string, size: number): Promise<void> {
    const want = STORED.test(name) ? 0 : TEXT_LEVEL;
    if (want !== level) {
      await endMember();
      level = want;
      gzip = member(level);
    }
    const h = new Header({ path: name, mode: 0o644, size, mtime, type: "File", uid: 0, gid: 0 });
    if (h.encode()) await push(new Pax({ path: name, size, mtime }).encode());
    await push(h.block!);
  }

  async function pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest) await push(Buffer.alloc(BLOCK - rest));
  }

  return {
    get bytes() {
      return bytes;
    },
    async addFile(name, source) {
      const fh = await open(source, "r").catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return null;
        throw err;
      });
      if (!fh) return null;
      try {
        const { size } = await fh.stat();
        await header(name, size);
        const hash = createHash("sha256");
        let read = 0;
        for await (const chunk of fh.createReadStream({ autoClose: false, end: Math.max(0, size - 1) })) {
          signal?.throwIfAborted();
          const buf = chunk as Buffer;
          read += buf.length;
          hash.update(buf);
          await push(buf);
        }
        if (read !== size) throw new ArchiveError(`${source} changed size while it was archived`);
        await pad(size);
        return { size, sha256: hash.digest("hex") };
      } finally {
        await fh.close();
      }
    },
    async addBuffer(name, data) {
      await header(name, data.length);
      await push(data);
      await pad(data.length);
      return { size: data.length, sha256: createHash("sha256").update(data).digest("hex") };
    },
    async close() {
      signal?.throwIfAborted();
      await push(Buffer.alloc(BLOCK * 2));
      await endMember();
      out.end();
      await outDone;
    },
  };
}

/** Why an entry may not come out of an archive, or null when it is a plain file at a safe relative path. */
export function unsafeEntry(path: string, type: string): string | null {
  if (type !== "File" && type !== "OldFile") return `${path}: ${type} entries are not allowed`;
  if (path.length === 0 || path.includes("\0")) return "an entry has an empty or binary name";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path) || path.includes("\\"))
    return `${path}: absolute or Windows paths are not allowed`;
  const parts = path.split("/");
  if (parts.some((p) => p === ".." || p === "." || p === ""))
    return `${path}: "..", "." or empty path segments are not allowed`;
  return null;
}

export interface VerifiedArchive {
  manifest: Manifest;
  /** Uncompressed size of all entries. */
  bytes: number;
}

/**
 * Reads the whole archive without writing anything: every entry must be a plain file at a safe
 * path, listed in the manifest with the same size and sha256, and every listed entry present.
 */
export async function verifyArchive(
  file: string,
  onProgress?: (readBytes: number, totalBytes: number) => void,
): Promise<VerifiedArchive> {
  const seen = new Map<string, { size: number; sha256: string }>();
  let manifestText: string | null = null;
  let problem: string | null = null;
  let bytes = 0;
  const { size: total } = await stat(file);
  const input = createReadStream(file);
  let stop: (err: Error) => void = () => {};

  const parser = new Parser({
    strict: true,
    onReadEntry(entry: ReadEntry) {
      const why =
        unsafeEntry(entry.path, entry.type) ?? (seen.has(entry.path) ? `${entry.path}: appears twice` : null);
      if (why) {
        problem ??= why;
        entry.resume();
        return;
      }
      const hash = createHash("sha256");
      const parts: Buffer[] = [];
      let size = 0;
      const isManifest = entry.path === MANIFEST_NAME;
      if (isManifest && entry.size > MAX_MANIFEST_BYTES) {
        // Stop reading here: the rest of the archive cannot make this manifest usable.
        input.destroy();
        stop(
          new ArchiveError(
            `${file} has a ${(entry.size / 1024 / 1024).toFixed(0)} MB manifest.json, over the ${MAX_MANIFEST_BYTES / 1024 / 1024} MB a Neurocards backup's manifest can be; it was not read, nothing was changed`,
          ),
        );
        return;
      }
      entry.on("data", (chunk: Buffer) => {
        size += chunk.length;
        bytes += chunk.length;
        hash.update(chunk);
        if (isManifest) parts.push(chunk);
      });
      entry.on("end", () => {
        if (isManifest) manifestText = Buffer.concat(parts).toString("utf8");
        else seen.set(entry.path, { size, sha256: hash.digest("hex") });
      });
    },
  });

  let read = 0;
  input.on("data", (c) => {
    read += c.length;
    onProgress?.(read, total);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      stop = reject;
      parser.on("error", reject);
      parser.on("warn", (code: string, message: string | Error) =>
        reject(new Error(`${code}: ${message instanceof Error ? message.message : message}`)),
      );
      input.on("error", reject);
      parser.on("end", resolve);
      input.pipe(parser);
    });
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    throw new ArchiveError(
      `${file} is damaged or not a Neurocards backup (${err instanceof Error ? err.message : String(err)}); nothing was changed`,
    );
  }
  if (problem) throw new ArchiveError(`${file} holds an unsafe entry: ${problem}; nothing was changed`);
  if (manifestText === null)
    throw new ArchiveError(
      `${file} has no manifest.json: it is truncated or not a Neurocards backup; nothing was changed`,
    );

  let manifest: Manifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(manifestText));
  } catch (err) {
    throw new ArchiveError(
      `${file} has an unreadable manifest.json (${err instanceof Error ? err.message : String(err)}); nothing was changed`,
    );
  }
  for (const [name, want] of Object.entries(manifest.entries)) {
    const got = seen.get(name);
    if (!got)
      throw new ArchiveError(`${file} is missing ${name} listed in its manifest; nothing was changed`);
    if (got.size !== want.size || got.sha256 !== want.sha256)
      throw new ArchiveError(
        `${file}: checksum of ${name} does not match the manifest; the archive is corrupted, nothing was changed`,
      );
  }
  for (const [table, info] of Object.entries(manifest.tables)) {
    if (!(info.entry in manifest.entries))
      throw new ArchiveError(
        `${file}: the manifest names ${info.entry} for ${table} but does not list it; nothing was changed`,
      );
  }
  for (const name of seen.keys()) {
    if (!(name in manifest.entries))
      throw new ArchiveError(`${file} holds ${name}, which its manifest does not list; nothing was changed`);
  }
  return { manifest, bytes };
}

/**
 * Extracts a verified archive into `dir`, which must exist and be empty (a fresh mkdtemp): only
 * plain files at safe paths that the manifest lists; tar's strict mode turns any warning into a
 * failure.
 */
export async function extractArchive(file: string, dir: string, manifest: Manifest): Promise<void> {
  if ((await readdir(dir)).length > 0)
    throw new ArchiveError(`refusing to extract into ${dir}: it is not empty`);
  const problems: string[] = [];
  await extract({
    file,
    cwd: dir,
    strict: true,
    // tar reads 16 MB of the file at a time by default; NDJSON inflates ~25x, so one read became
    // ~400 MB of buffered entry data. Small reads keep extraction at a few MB.
    maxReadSize: 256 * 1024,
    preservePaths: false,
    preserveOwner: false,
    noChmod: true,
    filter(path, entry) {
      const type = "type" in entry ? entry.type : "File";
      const why =
        unsafeEntry(path, type) ??
        (path === MANIFEST_NAME || path in manifest.entries ? null : `${path} is not listed in the manifest`);
      if (why) problems.push(why);
      return why === null;
    },
  });
  if (problems.length) throw new ArchiveError(`archive holds unsafe entries: ${problems.join("; ")}`);
}
