// The parts of the AWS SDK that ./bucket.ts uses, as one module. The single executable carries it
// as a separate asset (build/build.mjs), compiled only when a bucket is first opened: bundled into
// the main script, V8's code cache made every install (local storage too) hold its compiled code,
// 16 MB of idle RSS for nothing (BENCHMARKS.md).
export {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
export { Upload } from "@aws-sdk/lib-storage";
