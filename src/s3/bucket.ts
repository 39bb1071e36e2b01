// One S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Supabase Storage's S3 endpoint, …) through
// the AWS SDK v3 client: the few operations object storage and off-site backups need, with the
// SDK's errors turned into the answers callers act on (missing → null, 304/412/416 → a status).
//
// The SDK (./sdk.ts) is imported on first use, never at start: a local install (the default) does
// not load it at all, and one with object storage pays for it only when a file is first touched.
import type { Readable } from "node:stream";
import type { S3Bucket } from "../config/index.ts";

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

/** The HTTP conditions and range of a read, passed through to S3, which evaluates them itself. */
export interface ReadConditions {
  /** HEAD: headers only. */
  head?: boolean;
  range?: string;
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
}

export type ReadResult =
  | {
      status: 200 | 206;
      /** Bytes of this answer (the range's length for 206). */
      length: number;
      contentRange: string | undefined;
      etag: string | undefined;
      lastModified: Date | undefined;
      /** Null for HEAD. */
      body: Readable | null;
    }
  | { status: 304 | 412 | 416 };

export interface PutOptions {
  contentType?: string;
  signal?: AbortSignal;
}

export interface Bucket {
  readonly name: string;
  /** `s3://bucket` with the endpoint when it is not AWS, for messages. */
  readonly location: string;
  head(key: string): Promise<ObjectInfo | null>;
  /** The object's bytes as a stream, or null when there is no such object. */
  get(key: string, signal?: AbortSignal): Promise<Readable | null>;
  /** A conditional, ranged read or HEAD (the HTTP server relays it); null when missing. */
  read(key: string, c: ReadConditions): Promise<ReadResult | null>;
  /**
   * Streams `body` to `key`. S3 shows an object only once PutObject or CompleteMultipartUpload
   * succeeded, never part of one; a failed multipart upload is aborted (its parts deleted).
   */
  put(key: string, body: Readable | Uint8Array, o?: PutOptions): Promise<void>;
  remove(key: string): Promise<void>;
  /** Every object under `prefix`, in key order (which for dated keys is the order of days). */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** HeadBucket: throws when the bucket cannot be reached, refuses the keys or does not exist. */
  check(): Promise<void>;
  /** Closes the client's idle connections. */
  close(): void;
}

export interface BucketOptions {
  /** Attempts per request (the SDK's own bounded retries with backoff); doctor asks once. */
  maxAttempts?: number;
}

/**
 * Parts of a multipart upload: S3's minimum. Parts are buffered in memory while they are sent, so
 * one upload holds at most PART_SIZE × (UPLOAD_QUEUE + 1) bytes, whatever the file's size.
 */
const PART_SIZE = 5 * 1024 * 1024;
const UPLOAD_QUEUE = 2;
const CONNECT_TIMEOUT_MS = 10_000;
/** A socket silent this long is given up (a stalled upload, a reader that stopped reading). */
const SOCKET_IDLE_MS = 120_000;
const DELETE_CONCURRENCY = 8;

export function describeBucket(b: Pick<S3Bucket, "bucket" | "endpoint">): string {
  return `s3://${b.bucket}${b.endpoint ? ` at ${b.endpoint}` : ""}`;
}

/** The HTTP status of an SDK error (undefined for network errors). */
export function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export type S3Problem = "unreachable" | "credentials" | "no-bucket" | "region" | "other";

/**
 * What an S3 failure means for the owner. HEAD answers have no body, so a 403 there cannot tell a
 * wrong key from a key without rights on the bucket: both are "credentials".
 */
export function explainS3Error(err: unknown): { problem: S3Problem; detail: string } {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const status = statusOf(err);
  const name = e.name && e.name !== "Unknown" && e.name !== "UnknownError" ? e.name : undefined;
  const said = [status, name].filter(Boolean).join(" ");
  if (status === undefined) {
    const code = e.code ?? e.cause?.code ?? e.name;
    return { problem: "unreachable", detail: `${e.message ?? String(err)}${code ? ` (${code})` : ""}` };
  }
  if (status === 401 || status === 403) return { problem: "credentials", detail: `access denied (${said})` };
  if (status === 404 || name === "NoSuchBucket")
    return { problem: "no-bucket", detail: `no such bucket (${said})` };
  if (status === 301 || name === "PermanentRedirect" || name === "AuthorizationHeaderMalformed")
    return { problem: "region", detail: `the bucket is in another region (${said})` };
  return {
    problem: "other",
    detail: `${said}${e.message && e.message !== "UnknownError" ? `: ${e.message}` : ""}`,
  };
}

export async function openBucket(b: S3Bucket, o: BucketOptions = {}): Promise<Bucket> {
  // In the single executable this import is the SDK asset, compiled now (build/bundle.ts).
  const sdk = await import("./sdk.ts");
  const client = new sdk.S3Client({
    endpoint: b.endpoint,
    region: b.region,
    forcePathStyle: b.forcePathStyle,
    credentials: { accessKeyId: b.accessKeyId, secretAccessKey: b.secretAccessKey },
    maxAttempts: o.maxAttempts ?? 3,
    // The SDK's default adds CRC32 checksums to every upload and asks for them on every read;
    // several S3-compatible services refuse or mangle those headers. Only what an operation
    // itself requires is sent: the bytes are verified end to end by callers that need it
    // (`storage migrate`, backups' manifests).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: SOCKET_IDLE_MS },
  });
  const Bucket = b.bucket;

  const missing = (err: unknown) => {
    const status = statusOf(err);
    return status === 404 || (err as { name?: string }).name === "NoSuchKey";
  };

  return {
    name: Bucket,
    location: describeBucket(b),

    async head(key) {
      try {
        const r = await client.send(new sdk.HeadObjectCommand({ Bucket, Key: key }));
        return { key, size: r.ContentLength ?? 0, lastModified: r.LastModified ?? new Date(0) };
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },

    async get(key, signal) {
      try {
        const r = await client.send(new sdk.GetObjectCommand({ Bucket, Key: key }), { abortSignal: signal });
        return r.Body as Readable;
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },

    async read(key, c) {
      const input = {
        Bucket,
        Key: key,
        Range: c.range,
        IfMatch: c.ifMatch,
        IfNoneMatch: c.ifNoneMatch,
        IfModifiedSince: c.ifModifiedSince,
        IfUnmodifiedSince: c.ifUnmodifiedSince,
      };
      try {
        const r = c.head
          ? await client.send(new sdk.HeadObjectCommand(input))
          : await client.send(new sdk.GetObjectCommand(input));
        return {
          status: r.ContentRange ? 206 : 200,
          length: r.ContentLength ?? 0,
          contentRange: r.ContentRange,
          etag: r.ETag,
          lastModified: r.LastModified,
          body: "Body" in r ? (r.Body as Readable) : null,
        };
      } catch (err) {
        const status = statusOf(err);
        if (status === 304 || status === 412 || status === 416) return { status };
        if (missing(err)) return null;
        throw err;
      }
    },

    async put(key, body, p = {}) {
      const upload = new sdk.Upload({
        client,
        params: { Bucket, Key: key, Body: body, ContentType: p.contentType },
        partSize: PART_SIZE,
        queueSize: UPLOAD_QUEUE,
        leavePartsOnError: false,
      });
      const abort = () => void upload.abort();
      p.signal?.addEventListener("abort", abort, { once: true });
      try {
        await upload.done();
      } finally {
        p.signal?.removeEventListener("abort", abort);
      }
    },

    async remove(key) {
      await client.send(new sdk.DeleteObjectCommand({ Bucket, Key: key }));
    },

    async *list(prefix) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new sdk.ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key) yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async check() {
      await client.send(new sdk.HeadBucketCommand({ Bucket }));
    },

    close() {
      client.destroy();
    },
  };
}

/**
 * Deletes `keys` a few at a time. One DeleteObject per key rather than the batch DeleteObjects:
 * the batch call requires a Content-MD5 or checksum header that S3-compatible services disagree
 * about, and retention deletes a day's files, not millions.
 */
export async function removeAll(bucket: Bucket, keys: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) await bucket.remove(keys[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
}
