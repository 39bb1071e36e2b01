// Downloads a rendered video from the provider's URL into storage: streamed to a temp file and
// renamed (Storage.put), size-checked, with a deadline — result URLs expire, so this runs at once.
import type { Dispatcher } from "undici";
import type { Storage, StoredFile } from "../storage/types.ts";
import { undici } from "../undici.ts";
import { HttpStatusError } from "./errors.ts";

/** Larger than any 10–15 s video a model returns; guards the disk against a runaway response. */
export const RESULT_MAX_BYTES = 1024 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
/** Result links may redirect to a CDN (fetch followed them; undici's request needs this). */
let redirecting: Dispatcher | undefined;

export async function downloadResult(
  url: string,
  storage: Storage,
  signal?: AbortSignal,
): Promise<StoredFile> {
  const timeout = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  // undici's request API, whose body is already a Node stream (see src/telegram/fetch.ts).
  const { getGlobalDispatcher, interceptors, request } = await undici();
  redirecting ??= getGlobalDispatcher().compose(interceptors.redirect({ maxRedirections: 5 }));
  const res = await request(url, {
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    dispatcher: redirecting,
  });
  if (res.statusCode < 200 || res.statusCode >= 300) {
    await res.body.dump();
    throw new HttpStatusError(res.statusCode, `result download failed with HTTP ${res.statusCode}`);
  }
  const ext = /\.(mp4|mov|webm)(\?|$)/i.exec(url)?.[1]?.toLowerCase() ?? "mp4";
  return storage.put("results", res.body, {
    ext,
    maxBytes: RESULT_MAX_BYTES,
  });
}
