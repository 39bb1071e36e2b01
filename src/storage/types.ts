// The storage interface. The local-disk implementation (./local.ts) is the only one today; an
// S3-compatible one must fit behind the same interface without touching callers, so callers speak
// in keys, never in paths.
import type { Readable } from "node:stream";

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

export interface Storage {
  /**
   * Streams `source` into a temporary file and renames it into place once complete: a crash never
   * leaves half a file under a real key.
   */
  put(kind: FileKind, source: Readable | Uint8Array, opts: PutOptions): Promise<StoredFile>;
  /** A readable stream of the file, or null when it does not exist (expired or swept). */
  open(key: string): Promise<Readable | null>;
  stat(key: string): Promise<{ size: number; mtime: Date } | null>;
  remove(key: string): Promise<void>;
  /** Local path of a key, for uploads by multipart; null when the backend has no local files. */
  localPath(key: string): string | null;
  /**
   * A public URL under PUBLIC_BASE_URL that serves the file (`/f/<token>`), valid for `ttlSeconds`.
   * Undefined when no public base URL is configured.
   */
  publicUrl(key: string, ttlSeconds?: number): string | undefined;
  /** Deletes files older than `before`; returns the deleted keys. */
  sweep(before: Date): Promise<string[]>;
  /** Free bytes on the volume, for health and warnings. */
  freeBytes(): Promise<number>;
  /** Root folder (local backend), for backups. */
  readonly root: string;
}
