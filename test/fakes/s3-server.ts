// A real S3-protocol server for tests: s3rver (the S3 REST API over files in a temp folder) on
// loopback, with its one key pair, so the AWS SDK client talks to it exactly as to a bucket
// elsewhere. Buckets are made up front; a test asks for the environment that points at one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import type { S3Bucket } from "../../src/config/index.ts";
import { type Bucket, openBucket } from "../../src/s3/bucket.ts";

/** s3rver's built-in account. */
export const S3_KEY_ID = "S3RVER";
export const S3_SECRET = "S3RVER";

export interface FakeS3 {
  endpoint: string;
  /** STORAGE_TYPE=s3 and the S3_* variables for `bucket`. */
  env(bucket: string): Record<string, string>;
  /** The same as config's S3Bucket. */
  bucket(name: string): S3Bucket;
  /** A client on a bucket, for looking at what the program left there. */
  open(name: string): Promise<Bucket>;
  /** Every key in a bucket. */
  keys(name: string): Promise<string[]>;
  close(): Promise<void>;
}

/** `host`: the address to listen on (loopback by default; a bridge's serves other network namespaces). */
export async function startFakeS3(buckets: string[], host = "127.0.0.1"): Promise<FakeS3> {
  const dir = mkdtempSync(join(tmpdir(), "nc-s3-"));
  const server = new S3rver({
    address: host,
    port: 0,
    silent: true,
    directory: dir,
    resetOnClose: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://${host}:${port}`;
  const clients: Bucket[] = [];
  const bucket = (name: string): S3Bucket => ({
    endpoint,
    region: "us-east-1",
    bucket: name,
    accessKeyId: S3_KEY_ID,
    secretAccessKey: S3_SECRET,
    forcePathStyle: true,
  });
  const open = async (name: string) => {
    const b = await openBucket(bucket(name));
    clients.push(b);
    return b;
  };
  return {
    endpoint,
    bucket,
    open,
    env: (name) => ({
      STORAGE_TYPE: "s3",
      S3_ENDPOINT: endpoint,
      S3_REGION: "us-east-1",
      S3_BUCKET: name,
      S3_ACCESS_KEY_ID: S3_KEY_ID,
      S3_SECRET_ACCESS_KEY: S3_SECRET,
      S3_FORCE_PATH_STYLE: "true",
    }),
    async keys(name) {
      const b = await open(name);
      const out: string[] = [];
      for await (const o of b.list("")) out.push(o.key);
      return out;
    },
    async close() {
      for (const c of clients.splice(0)) c.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
