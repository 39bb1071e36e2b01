// The storage interface: local disk (./local.ts) or an S3-compatible bucket (./s3.ts), chosen by
// STORAGE_TYPE in ./index.ts. Callers speak in keys, never in paths: a key names the same file on
// either backend, so the database's keys keep working when `storage migrate` moves the files.
import type { Readable } from "node:stream";
import type { ReadConditions, ReadResult } from "../s3/bucket.ts";

export type FileKind = "inputs" | "results";

export interface StoredFile {
  /** Stable relative key, e.g. `results/2026/11/25/9f2c…e1.mp4`. Stored in the database. */
  key: string;
  size: number;
  contentType: string;
}

export interface PutOptions {
  /** File extension without the dot, e.g. `jpg`, `mp4`. */
  ext: string;
  /** Refuse (and leave nothing behind) when the stream grows past this many bytes. */
  maxBytes?: number;
}

export class FileTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`file is larger than ${limit} bytes`);
    this.name = "FileTooLargeError";
  }
}

export type { ReadConditions, ReadResult };

export interface Storage {
  /**
   * Streams `source` under a new key. A crash or a refusal never leaves half a file under a real
   * key: local storage renames a complete temporary file into place, S3 shows an object only once
   * its upload completed.
   */
  put(kind: FileKind, source: Readable | Uint8Array, opts: PutOptions): Promise<StoredFile>;
  /** The same under a key that exists elsewhere (`storage migrate` copies keep their keys). */
  putAt(key: string, source: Readable | Uint8Array, opts?: { maxBytes?: number }): Promise<StoredFile>;
  /** A readable stream of the file, or null when it does not exist (expired or swept). */
  open(key: string): Promise<Readable | null>;
  stat(key: string): Promise<{ size: number; mtime: Date } | null>;
  remove(key: string): Promise<void>;
  /** Every stored file, in key order (`storage migrate`). */
  list(): AsyncIterable<{ key: string; size: number }>;
  /** Local path of a key, for uploads by multipart; null when the backend has no local files. */
  localPath(key: string): string | null;
  /**
   * Object storage only: a conditional, ranged read (or HEAD) that the HTTP server relays for
   * `/f/` links. Local files are served from `localPath` instead.
   */
  read?(key: string, conditions: ReadConditions): Promise<ReadResult | null>;
  /**
   * A public URL under PUBLIC_BASE_URL that serves the file (`/f/<token>`), valid for `ttlSeconds`.
   * Undefined when no public base URL is configured. The same link on both backends.
   */
  publicUrl(key: string, ttlSeconds?: number): string | undefined;
  /** Deletes files older than `before`; returns the deleted keys. */
  sweep(before: Date): Promise<string[]>;
  /** Free bytes on the volume, for health and warnings; null when there is no disk to fill (S3). */
  freeBytes(): Promise<number | null>;
  /** The storage can take files: disk space left, or the bucket answers. For /healthz. */
  healthy(): Promise<boolean>;
  /** Root folder of local storage (the HTTP server serves below it); null for object storage. */
  readonly root: string | null;
  /** Where the files are, for messages: the folder, or `s3://bucket`. */
  readonly location: string;
  /** Releases connections (S3); nothing to do for local files. */
  close(): Promise<void>;
}
