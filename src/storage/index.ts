// The storage factory: picks the backend from config (local disk today; an S3-compatible backend
// would be chosen here, callers only see `Storage`).
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import { createLinkSigner } from "./links.ts";
import { createLocalStorage } from "./local.ts";
import type { Storage } from "./types.ts";

export function createStorage(config: Config, logger: Logger): Storage {
  return createLocalStorage({
    root: config.storage.path,
    publicBaseUrl: config.http.publicBaseUrl,
    signer: createLinkSigner(config.http.linkSecret),
    logger,
  });
}

export { createLinkSigner, type LinkSigner } from "./links.ts";
export { type FileKind, FileTooLargeError, type Storage, type StoredFile } from "./types.ts";
