// Storage keys: the only names callers and the database ever hold. A key is a relative path
// `<kind>/<yyyy>/<mm>/<dd>/<random>.<ext>` made by `newKey`; `isValidKey` is the single gate every
// key passes before it becomes a file-system path, so nothing from outside can name a file outside
// the root (no `..`, no leading dots, no separators other than `/`, no NUL, bounded length).
import { randomBytes } from "node:crypto";
import type { FileKind } from "./types.ts";

export const FILE_KINDS: readonly FileKind[] = ["inputs", "results"];

/** Long enough for any key we make, short enough to keep signed links small. */
export const MAX_KEY_LENGTH = 200;

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const EXT = /^[a-z0-9]{1,8}$/;

export function isValidKey(key: string): boolean {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) return false;
  const parts = key.split("/");
  if (parts.length < 2 || parts.length > 6) return false;
  if (!FILE_KINDS.includes(parts[0] as FileKind)) return false;
  return parts.every((p) => SEGMENT.test(p));
}

export function normalizeExt(ext: string): string {
  const e = ext.replace(/^\./, "").toLowerCase();
  if (!EXT.test(e)) throw new Error(`file extension "${ext}" is not 1-8 letters or digits`);
  return e;
}

/** A fresh key for a file written now: dated folders keep directories small and make sweeps cheap. */
export function newKey(kind: FileKind, ext: string, now: Date = new Date()): string {
  const y = String(now.getUTCFullYear());
  const m = String(now.getUTCMonth() + 1).padStart(2, "0");
  const d = String(now.getUTCDate()).padStart(2, "0");
  // 128 random bits: keys are never guessable even if a listing leaked part of the layout.
  return `${kind}/${y}/${m}/${d}/${randomBytes(16).toString("hex")}.${normalizeExt(ext)}`;
}

const TYPES: Record<string, string> = {
  mp4: "video/mp4",
  mov: "video/quicktime",
  webm: "video/webm",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  json: "application/json",
  txt: "text/plain; charset=utf-8",
};

export function contentTypeOf(key: string): string {
  const ext = key.slice(key.lastIndexOf(".") + 1).toLowerCase();
  return TYPES[ext] ?? "application/octet-stream";
}
