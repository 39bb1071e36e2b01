// Downloads a rendered video from the provider's URL into storage: streamed to a temp file and
// renamed (Storage.put), size-checked, with a deadline — result URLs expire, so this runs at once.
import { Readable } from "node:stream";
import type { ReadableStream } from "node:stream/web";
import type { Storage, StoredFile } from "../storage/types.ts";
import { HttpStatusError } from "./errors.ts";

/** Larger than any 10–15 s video a model returns; guards the disk against a runaway response. */
export const RESULT_MAX_BYTES = 1024 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

export async function downloadResult(
  url: string,
  storage: Storage,
  signal?: AbortSignal,
): Promise<StoredFile> {
  const timeout = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  const res = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new HttpStatusError(res.status, `result download failed with HTTP ${res.status}`);
  }
  const ext = /\.(mp4|mov|webm)(\?|$)/i.exec(url)?.[1]?.toLowerCase() ?? "mp4";
  return storage.put("results", Readable.fromWeb(res.body as ReadableStream), {
    ext,
    maxBytes: RESULT_MAX_BYTES,
  });
}
