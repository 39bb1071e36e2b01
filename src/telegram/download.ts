// Downloads a file users sent to the bot: getFile, then the file URL streamed into storage with a
// size limit (20 MB on Telegram's Bot API server) — never whole in memory; or, for a small file
// looked at once (the photo check), read into memory up to a limit.
import { createReadStream } from "node:fs";
import { extname } from "node:path";
import type { Readable } from "node:stream";
import type { Api } from "grammy";
import { type FileKind, FileTooLargeError, type Storage, type StoredFile } from "../storage/types.ts";
import { undici } from "../undici.ts";
import { TELEGRAM_TIMEOUTS } from "./timeouts.ts";

/** getFile refuses larger files (no file_path). */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export interface FileSource {
  api: Api;
  /** TELEGRAM_API_ROOT, e.g. https://api.telegram.org */
  apiRoot: string;
  token: string;
  fileId: string;
  maxBytes?: number;
  signal?: AbortSignal;
  /** Extension when the file path has none. */
  defaultExt?: string;
}

export interface DownloadOptions extends FileSource {
  storage: Storage;
  kind: FileKind;
}

/** getFile, then the file's bytes as a stream; refuses a file over the limit before reading it. */
async function openTelegramFile(o: FileSource): Promise<{ ext: string; body: Readable; maxBytes: number }> {
  const maxBytes = o.maxBytes ?? TELEGRAM_DOWNLOAD_LIMIT;
  // grammY types its signal with the abort-controller polyfill; the platform one is compatible.
  const file = await o.api.getFile(o.fileId, o.signal as Parameters<Api["getFile"]>[1]);
  if (file.file_size !== undefined && file.file_size > maxBytes) throw new FileTooLargeError(maxBytes);
  if (!file.file_path) throw new FileTooLargeError(maxBytes);
  const ext = (extname(file.file_path).slice(1) || o.defaultExt || "jpg").toLowerCase();
  // A local telegram-bot-api server (--local) answers with an absolute path on its own disk.
  if (file.file_path.startsWith("/")) return { ext, body: createReadStream(file.file_path), maxBytes };
  const url = `${o.apiRoot}/file/bot${o.token}/${file.file_path}`;
  // undici's request API: its body is already a Node stream (see ./fetch.ts for the CPU it saves).
  const { request } = await undici();
  const res = await request(url, {
    signal: o.signal ?? AbortSignal.timeout(TELEGRAM_TIMEOUTS.downloadSeconds * 1000),
  });
  if (res.statusCode < 200 || res.statusCode >= 300) {
    await res.body.dump();
    throw new Error(`file download failed with HTTP ${res.statusCode}`);
  }
  if (Number(res.headers["content-length"] ?? "0") > maxBytes) {
    res.body.destroy();
    throw new FileTooLargeError(maxBytes);
  }
  return { ext, body: res.body, maxBytes };
}

export async function downloadTelegramFile(o: DownloadOptions): Promise<StoredFile> {
  const { ext, body, maxBytes } = await openTelegramFile(o);
  return o.storage.put(o.kind, body, { ext, maxBytes });
}

/** The whole file in memory, for a small one looked at once; over `maxBytes` it is refused, not cut. */
export async function readTelegramFile(o: FileSource): Promise<{ bytes: Buffer; ext: string }> {
  const { ext, body, maxBytes } = await openTelegramFile(o);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new FileTooLargeError(maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return { bytes: Buffer.concat(chunks), ext };
}
