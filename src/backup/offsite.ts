// Off-site backups (BACKUP_S3_*): each archive, once complete on disk, is uploaded to
// `s3://BACKUP_S3_BUCKET/BACKUP_S3_PREFIX<archive name>`, checked by size, and the bucket is
// rotated like the folder (the newest `keep` archives under the prefix stay). `restore s3://…`
// downloads one back. The archive carries its own manifest of sha256 checksums, which restore
// proves before it touches anything, so a damaged download is refused there.
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Config, S3Bucket } from "../config/index.ts";
import { type Bucket, describeBucket, openBucket } from "../s3/bucket.ts";
import { ArchiveError } from "./archive.ts";
import type { ProgressCallback } from "./progress.ts";
import { ARCHIVE_PREFIX, ARCHIVE_SUFFIX } from "./rotate.ts";

export class OffsiteError extends Error {
  constructor(
    message: string,
    /** The archive on disk, which is whole: only its off-site copy failed. */
    readonly localPath: string,
  ) {
    super(message);
    this.name = "OffsiteError";
  }
}

export interface Uploaded {
  /** `s3://bucket/key` of the copy. */
  url: string;
  /** Older copies deleted by rotation, as `s3://` URLs. */
  rotated: string[];
}

const isArchive = (name: string) => name.startsWith(ARCHIVE_PREFIX) && name.endsWith(ARCHIVE_SUFFIX);

async function withBucket<T>(b: S3Bucket, fn: (bucket: Bucket) => Promise<T>): Promise<T> {
  const bucket = await openBucket(b);
  try {
    return await fn(bucket);
  } finally {
    bucket.close();
  }
}

/** Archives directly under `prefix`, oldest first (names carry a sortable UTC time). */
async function listArchives(bucket: Bucket, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of bucket.list(prefix)) {
    const name = o.key.slice(prefix.length);
    if (!name.includes("/") && isArchive(name)) keys.push(o.key);
  }
  return keys.sort();
}

export async function uploadBackup(
  target: S3Bucket & { prefix: string },
  path: string,
  keep: number | undefined,
  signal?: AbortSignal,
): Promise<Uploaded> {
  const key = `${target.prefix}${basename(path)}`;
  const url = `s3://${target.bucket}/${key}`;
  try {
    return await withBucket(target, async (bucket) => {
      const { size } = await stat(path);
      await bucket.put(key, createReadStream(path), { contentType: "application/gzip", signal });
      const there = await bucket.head(key);
      if (there?.size !== size)
        throw new Error(`the uploaded copy is ${there ? `${there.size} bytes` : "missing"}, not ${size}`);
      const rotated: string[] = [];
      if (keep) {
        const all = await listArchives(bucket, target.prefix);
        for (const old of all.slice(0, Math.max(0, all.length - keep))) {
          await bucket.remove(old);
          rotated.push(`s3://${target.bucket}/${old}`);
        }
      }
      return { url, rotated };
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new OffsiteError(`the backup is at ${path}, but its upload to ${url} failed: ${why}`, path);
  }
}

/** `s3://bucket/key` → its parts; a key ending in `/` (or none) means "the newest archive there". */
export function parseS3Url(url: string): { bucket: string; key: string } | null {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  return m ? { bucket: m[1]!, key: m[2]! } : null;
}

/**
 * Downloads `s3://bucket/key` (or the newest archive under `s3://bucket/prefix/`) into `dir`, with
 * the connection `restore` uses (BACKUP_S3_*'s, else S3_*'s). Returns the file's path.
 */
export async function downloadBackup(
  config: Config,
  url: string,
  dir: string,
  onProgress?: ProgressCallback,
): Promise<string> {
  const parsed = parseS3Url(url);
  if (!parsed) throw new ArchiveError(`${url} is not an s3://bucket/key address`);
  const connection = config.backup.connection;
  if (!connection)
    throw new ArchiveError(
      `to read ${url}, set BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY (or the S3_* keys), with the endpoint and region of its service`,
    );
  const where: S3Bucket = { ...connection, bucket: parsed.bucket };
  return withBucket(where, async (bucket) => {
    let key = parsed.key;
    if (key === "" || key.endsWith("/")) {
      const newest = (await listArchives(bucket, key)).at(-1);
      if (!newest) throw new ArchiveError(`there is no backup under ${url} (${describeBucket(where)})`);
      key = newest;
    }
    const info = await bucket.head(key);
    const body = info && (await bucket.get(key));
    if (!info || !body)
      throw new ArchiveError(`s3://${parsed.bucket}/${key} does not exist (${describeBucket(where)})`);
    const file = join(dir, basename(key));
    let done = 0;
    body.on("data", (chunk: Buffer) => {
      done += chunk.length;
      onProgress?.({ phase: "download", done, total: info.size, unit: "bytes" });
    });
    await pipeline(body, createWriteStream(file, { flags: "wx" }));
    return file;
  });
}
