// manifest.json: the last entry of every archive. It says what made the archive and lists every
// other entry with its size and sha256, so restore can prove the archive whole before it touches
// anything.
import { z } from "zod";

export const MANIFEST_NAME = "manifest.json";
/**
 * Restore holds the manifest in memory and parses it (~4x its size at peak). One listed file takes
 * ~140 bytes, so 64 MB is ~450,000 stored files: far beyond what RETENTION_DAYS leaves behind.
 */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
export const FORMAT = "neurocards-backup";
export const FORMAT_VERSION = 1;

export const manifestSchema = z.object({
  format: z.literal(FORMAT),
  formatVersion: z.literal(FORMAT_VERSION),
  program: z.object({ name: z.string(), version: z.string() }),
  /** Name of the last migration applied to the source database. */
  schema: z.string().nullable(),
  dialect: z.enum(["sqlite", "postgres"]),
  createdAt: z.string(),
  tables: z.record(z.string(), z.object({ rows: z.number().int().min(0), entry: z.string() })),
  files: z.object({ count: z.number().int().min(0), bytes: z.number().int().min(0) }),
  /**
   * Made with object storage (STORAGE_TYPE=s3): the files are not in the archive, they stay in
   * this bucket (whose own durability and versioning keep them). Absent: the files are inside.
   */
  storage: z
    .object({ type: z.literal("s3"), bucket: z.string(), endpoint: z.string().optional() })
    .optional(),
  entries: z.record(
    z.string(),
    z.object({ size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
});

export type Manifest = z.infer<typeof manifestSchema>;

export const tableEntry = (table: string) => `db/${table}.ndjson`;
export const FILES_PREFIX = "files/";
