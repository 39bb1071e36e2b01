// The storage factory: local disk (STORAGE_TYPE=local, the default) or an S3-compatible bucket
// (STORAGE_TYPE=s3); callers only see `Storage`.
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import { createLinkSigner } from "./links.ts";
import { createLocalStorage } from "./local.ts";
import { createS3Storage } from "./s3.ts";
import type { Storage } from "./types.ts";

export function createStorage(config: Config, logger: Logger, type = config.storage.type): Storage {
  const common = {
    publicBaseUrl: config.http.publicBaseUrl,
    signer: createLinkSigner(config.http.linkSecret),
    logger,
  };
  if (type === "s3") {
    const bucket = config.storage.s3;
    if (!bucket) throw new Error("object storage needs S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY");
    return createS3Storage({ ...common, bucket });
  }
  return createLocalStorage({ ...common, root: config.storage.path });
}

export { createLinkSigner, type LinkSigner } from "./links.ts";
export { type FileKind, FileTooLargeError, type Storage, type StoredFile } from "./types.ts";
