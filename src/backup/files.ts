// The stored files that go into a backup: every regular file under STORAGE_PATH except the
// storage's own in-flight temp files (dot names), listed as storage keys ("results/2026/…").
import { readdir } from "node:fs/promises";
import { join } from "node:path";

export interface StorageListing {
  files: string[];
  /** Symlinks, sockets and the like: never written by the storage, never archived. */
  others: string[];
}

export async function listStorage(root: string): Promise<StorageListing> {
  const files: string[] = [];
  const others: string[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [];
      throw err;
    });
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      // Symlinks and devices are never written by the storage; following one could archive
      // anything on the machine.
      if (e.isDirectory()) await walk(join(dir, e.name), `${prefix}${e.name}/`);
      else if (e.isFile()) files.push(`${prefix}${e.name}`);
      else others.push(`${prefix}${e.name}`);
    }
  }
  await walk(root, "");
  return { files: files.sort(), others: others.sort() };
}

export async function listStoredFiles(root: string): Promise<string[]> {
  return (await listStorage(root)).files;
}
