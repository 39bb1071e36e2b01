// GET|HEAD /f/<token>: a stored file by signed link. The URL never reaches the file system: the
// token is verified, the key inside it passes the storage key grammar, and only then does `send`
// (Range/206/416, ETag, Last-Modified, 304, content types, backpressured streaming) get a path.
// With object storage the same link is relayed from the bucket (`relay` below).
import { realpath } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import send from "send";
import type { Logger } from "../logger.ts";
import { contentTypeOf } from "../storage/keys.ts";
import type { LinkSigner } from "../storage/links.ts";
import type { Storage } from "../storage/types.ts";
import { FILE_READ_CHUNK } from "./limits.ts";
import { notFound, sendText } from "./reply.ts";
import { createFileStreamer } from "./stream-file.ts";

interface HttpError extends Error {
  status?: number;
  headers?: Record<string, string>;
}

/** Browsers and players may cache a file this long, never beyond the link's own expiry. */
const MAX_CACHE_SECONDS = 3600;

export function createFileHandler(deps: {
  storage: Storage;
  signer: LinkSigner;
  logger: Logger;
  /** A download whose client takes no chunk for this long is cut (limits.SOCKET_IDLE_TIMEOUT_MS). */
  idleMs: number;
}) {
  const { storage, signer, logger } = deps;
  const streamFile = createFileStreamer(FILE_READ_CHUNK, deps.idleMs);

  return async function serveFile(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    const check = signer.verify(token);
    if (!check.ok) {
      if (check.reason === "expired") sendText(res, 410, "This link has expired");
      else notFound(res);
      return;
    }
    const left = Math.floor((check.expiresAt.getTime() - Date.now()) / 1000);
    const cacheControl = `private, max-age=${Math.max(0, Math.min(left, MAX_CACHE_SECONDS))}`;
    if (storage.read) return relay(storage, req, res, check.key, cacheControl);
    const path = storage.localPath(check.key);
    const root = storage.root;
    if (path === null || root === null || !(await noSymlinkBelow(root, path))) {
      if (path !== null) logger.warn({ key: check.key }, "a symlink in storage was not followed");
      notFound(res);
      return;
    }
    res.setHeader("Cache-Control", cacheControl);
    res.setHeader("X-Content-Type-Options", "nosniff");

    // `send` takes a URL-style path relative to `root`; keys contain no `%`, so its decoding is a
    // no-op and its own traversal checks are a second line behind the key grammar.
    const options: send.SendOptions = {
      root,
      dotfiles: "deny",
      index: false,
      cacheControl: false,
      acceptRanges: true,
      etag: true,
      lastModified: true,
    };
    const sending = send(req, `/${check.key}`, options);
    // send has decided status, headers and the byte range when it calls `stream` (a public method
    // of SendStream); only the copy loop is replaced (./stream-file.ts).
    sending.stream = (path: string, o: { start?: number }) => {
      const length = Number(res.getHeader("Content-Length") ?? 0);
      streamFile(path, o.start ?? 0, length, res).catch((err: unknown) => {
        logger.warn({ err, key: check.key }, "file stream aborted");
        // Swept between send's stat and our open: nothing was written yet, say so properly.
        if (!res.headersSent && !res.destroyed) {
          for (const h of ["Content-Range", "ETag", "Last-Modified", "Accept-Ranges"]) res.removeHeader(h);
          sendText(res, 410, "This file is no longer available");
        } else res.destroy();
      });
    };
    sending
      .on("directory", () => notFound(res))
      .on("error", (err: HttpError) => {
        const status = err.status ?? 500;
        if (status >= 500) logger.error({ err, key: check.key }, "file serving failed");
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // A valid link whose file is gone was swept by retention: Gone, not Not Found.
        if (status === 404) sendText(res, 410, "This file is no longer available");
        else if (status === 416) sendText(res, 416, "Range not satisfiable", err.headers ?? {});
        else if (status === 412) sendText(res, 412, "Precondition failed");
        else sendText(res, status >= 500 ? 500 : 404, status >= 500 ? "Internal error" : "Not found");
      })
      .pipe(res);
  };
}

/**
 * A file of object storage: S3 evaluates the range and the conditions itself (GetObject and
 * HeadObject take them), this relays its answer and streams the body with backpressure. A client
 * that stops reading is cut by the server's socket idle timeout, which ends the S3 request too.
 */
async function relay(
  storage: Storage,
  req: IncomingMessage,
  res: ServerResponse,
  key: string,
  cacheControl: string,
): Promise<void> {
  const h = req.headers;
  const r = await storage.read!(key, {
    head: req.method === "HEAD",
    range: singleRange(h.range, h["if-range"]),
    ifMatch: h["if-match"],
    ifNoneMatch: h["if-none-match"],
    ifModifiedSince: httpDate(h["if-modified-since"]),
    ifUnmodifiedSince: httpDate(h["if-unmodified-since"]),
  });
  // A valid link whose object is gone was swept by retention: Gone, not Not Found.
  if (!r) return sendText(res, 410, "This file is no longer available");
  const common = { "Cache-Control": cacheControl, "X-Content-Type-Options": "nosniff" };
  if (!("body" in r)) {
    if (r.status === 304) {
      res.writeHead(304, common);
      res.end();
    } else if (r.status === 412) sendText(res, 412, "Precondition failed");
    else {
      const size = (await storage.stat(key))?.size;
      const range: Record<string, string> = size === undefined ? {} : { "Content-Range": `bytes */${size}` };
      sendText(res, 416, "Range not satisfiable", range);
    }
    return;
  }
  res.writeHead(r.status, {
    ...common,
    "Content-Type": contentTypeOf(key),
    "Content-Length": r.length,
    "Accept-Ranges": "bytes",
    ...(r.etag ? { ETag: r.etag } : {}),
    ...(r.lastModified ? { "Last-Modified": r.lastModified.toUTCString() } : {}),
    ...(r.contentRange ? { "Content-Range": r.contentRange } : {}),
  });
  if (!r.body) {
    res.end();
    return;
  }
  // Headers are out: a failure now can only cut the connection (pipeline destroys both sides).
  await pipeline(r.body, res).catch(() => {});
}

/**
 * The Range to ask S3 for. S3 answers one range only, and cannot evaluate If-Range: in both cases
 * the whole file is sent (200), which HTTP always allows a server to do.
 */
function singleRange(range: string | undefined, ifRange: string | string[] | undefined): string | undefined {
  if (!range || ifRange !== undefined) return undefined;
  return /^bytes=(\d+-\d*|-\d+)$/.test(range.trim()) ? range.trim() : undefined;
}

function httpDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/**
 * The storage never makes symlinks, so one under the root was planted: following it would turn a
 * signed link into a read of any file this process can open. True when `path` resolves to itself
 * below the real root (the root itself may be reached through a symlink), or does not exist (then
 * `send` answers that it is gone). The last component is also opened with O_NOFOLLOW
 * (./stream-file.ts), so a symlink swapped in after this check is refused too.
 */
async function noSymlinkBelow(root: string, path: string): Promise<boolean> {
  try {
    const [realRoot, real] = await Promise.all([realpath(root), realpath(path)]);
    return real === join(realRoot, relative(root, path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR";
  }
}
