// Object storage (STORAGE_TYPE=s3): the same keys, the same contract as local storage, in an
// S3-compatible bucket, so extra `neurocards worker` machines share photos and results.
//
// - Writes go straight to the real key: S3 makes an object visible only when its PutObject or
//   CompleteMultipartUpload succeeds, so a crash or a refused (too large) stream never shows half
//   a file. A stream over its limit is cut and its multipart upload aborted. Parts of an upload
//   killed mid-way stay invisible; the bucket's lifecycle rule removes them (README).
// - Links are the same `/f/<token>` links as on local storage, served by our HTTP server from the
//   bucket (relaying Range and conditional requests to S3): the bucket stays private, its endpoint
//   need not be reachable by kie.ai or users, links live as long as results are kept (a presigned
//   URL dies after at most 7 days) and a link given before `storage migrate` still works after.
// - The SDK client is opened on first use (./../s3/bucket.ts loads the SDK lazily).
import { Readable } from "node:stream";
import type { S3Bucket } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import { type Bucket, openBucket, removeAll } from "../s3/bucket.ts";
import { contentTypeOf, FILE_KINDS, isValidKey, newKey } from "./keys.ts";
import { DEFAULT_LINK_TTL_SECONDS, type LinkSigner } from "./links.ts";
import { type FileKind, FileTooLargeError, type Storage, type StoredFile } from "./types.ts";

export interface S3StorageOptions {
  bucket: S3Bucket;
  /** PUBLIC_BASE_URL without a trailing slash; no public links without it. */
  publicBaseUrl: string | undefined;
  signer: LinkSigner;
  logger: Logger;
  now?: () => Date;
}

/** /healthz asks the bucket at most this often; a probe storm costs one HeadBucket per interval. */
const HEALTH_CACHE_MS = 10_000;

export function createS3Storage(opts: S3StorageOptions): Storage {
  const now = opts.now ?? (() => new Date());
  const log = opts.logger.child({ module: "storage" });
  let opened: Promise<Bucket> | undefined;
  const bucket = (): Promise<Bucket> => {
    opened ??= openBucket(opts.bucket).catch((err: unknown) => {
      opened = undefined;
      throw err;
    });
    return opened;
  };
  let health: { at: number; ok: Promise<boolean> } | undefined;

  // Not one of our keys (a legacy path, a forged value): names no object, as on local storage.
  function ours(key: string): boolean {
    if (isValidKey(key)) return true;
    log.warn({ key: key.slice(0, 300) }, "not a storage key; treated as missing");
    return false;
  }

  async function putAt(
    key: string,
    source: Readable | Uint8Array,
    o: { maxBytes?: number } = {},
  ): Promise<StoredFile> {
    if (!isValidKey(key)) throw new Error(`not a storage key: ${key.slice(0, 300)}`);
    const limit = o.maxBytes ?? Number.POSITIVE_INFINITY;
    const contentType = contentTypeOf(key);
    if (source instanceof Uint8Array) {
      if (source.byteLength > limit) throw new FileTooLargeError(limit);
      await (await bucket()).put(key, source, { contentType });
      return { key, size: source.byteLength, contentType };
    }
    let size = 0;
    let over = false;
    // Counted on the way to the SDK: the upload fails the moment the stream passes the limit.
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of source as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > limit) {
          over = true;
          throw new FileTooLargeError(limit);
        }
        yield chunk;
      }
    }
    const body = Readable.from(counted(), { objectMode: false });
    try {
      await (await bucket()).put(key, body, { contentType });
    } catch (err) {
      (source as Readable).destroy();
      // Aborting the multipart upload may itself fail (a server without AbortMultipartUpload):
      // the refusal is still the answer, and nothing is visible under the key either way.
      if (over) throw new FileTooLargeError(limit);
      throw err;
    }
    return { key, size, contentType };
  }

  async function sweep(before: Date): Promise<string[]> {
    const b = await bucket();
    const old: string[] = [];
    for (const kind of FILE_KINDS) {
      // Listed in key order, which for `kind/yyyy/mm/dd/…` is the order of days: the listing
      // stops at the first day after `before`, so a sweep reads only what it may delete.
      for await (const o of b.list(`${kind}/`)) {
        if (!isValidKey(o.key)) continue;
        const [, y, m, d] = o.key.split("/");
        const dayStart = Date.UTC(Number(y), Number(m) - 1, Number(d));
        if (!Number.isFinite(dayStart)) continue;
        if (dayStart > before.getTime()) break;
        const wholeDay = dayStart + 86400_000 <= before.getTime();
        if (wholeDay || o.lastModified.getTime() < before.getTime()) old.push(o.key);
      }
    }
    await removeAll(b, old);
    if (old.length) log.info({ count: old.length, before }, "swept old objects");
    return old;
  }

  return {
    root: null,
    location: `s3://${opts.bucket.bucket}`,
    async put(kind: FileKind, source, o) {
      if (!FILE_KINDS.includes(kind)) throw new Error(`unknown file kind: ${kind}`);
      return putAt(newKey(kind, o.ext, now()), source, o);
    },
    putAt,
    async open(key) {
      return ours(key) ? (await bucket()).get(key) : null;
    },
    async stat(key) {
      if (!ours(key)) return null;
      const info = await (await bucket()).head(key);
      return info ? { size: info.size, mtime: info.lastModified } : null;
    },
    async remove(key) {
      if (ours(key)) await (await bucket()).remove(key);
    },
    async *list() {
      const b = await bucket();
      for (const kind of FILE_KINDS) {
        for await (const o of b.list(`${kind}/`)) if (isValidKey(o.key)) yield { key: o.key, size: o.size };
      }
    },
    localPath: () => null,
    async read(key, conditions) {
      return ours(key) ? (await bucket()).read(key, conditions) : null;
    },
    publicUrl(key, ttlSeconds = DEFAULT_LINK_TTL_SECONDS) {
      if (!opts.publicBaseUrl || !isValidKey(key)) return undefined;
      const token = opts.signer.sign(key, new Date(now().getTime() + ttlSeconds * 1000));
      return `${opts.publicBaseUrl}/f/${token}`;
    },
    sweep,
    // A bucket has no free space to run out of; the low-disk warning is for local storage.
    freeBytes: async () => null,
    healthy() {
      const t = Date.now();
      if (!health || t - health.at >= HEALTH_CACHE_MS) {
        const ok = bucket()
          .then((b) => b.check())
          .then(
            () => true,
            (err: unknown) => {
              log.warn({ err }, "the storage bucket does not answer");
              return false;
            },
          );
        health = { at: t, ok };
      }
      return health.ok;
    },
    async close() {
      const b = opened;
      opened = undefined;
      (await b?.catch(() => undefined))?.close();
    },
  };
}
