// Loads better-sqlite3's native addon. Outside the single executable better-sqlite3 finds its own
// prebuilt file in node_modules; inside it the addon travels as a SEA asset, and a shared library
// can only be loaded from a real file, so it is written once to a cache directory and dlopen'ed.
import { createHash, randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, constants as osConstants } from "node:os";
import { dirname, join, resolve } from "node:path";
import { getRawAsset, isSea } from "node:sea";

export const SQLITE_ADDON_ASSET = "better_sqlite3.node";

/** The addon object better-sqlite3 accepts as `nativeBinding`. */
export type NativeAddon = object;

export function isSingleExecutable(): boolean {
  return isSea();
}

/**
 * Directories to try for the extracted addon, best first: the XDG cache, ~/.cache, then the data
 * directory (HOME unset or read-only, e.g. a systemd DynamicUser), then the system temp folder.
 */
export function cacheDirCandidates(env: NodeJS.ProcessEnv, dataDir: string): string[] {
  const out: string[] = [];
  if (env.XDG_CACHE_HOME) out.push(join(env.XDG_CACHE_HOME, "neurocards"));
  const home = env.HOME || safeHomedir();
  if (home) out.push(join(home, ".cache", "neurocards"));
  out.push(join(resolve(dataDir), ".cache"));
  out.push(join(env.TMPDIR || "/tmp", `neurocards-${process.getuid?.() ?? "user"}`));
  return out;
}

function safeHomedir(): string | null {
  try {
    return homedir() || null;
  } catch {
    return null;
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdirSync loops forever where mkdir answers
 * ENOENT for an existing parent (/proc, sysfs — e.g. a service user whose HOME points there).
 */
function mkdirs(dir: string): void {
  const parent = dirname(dir);
  if (parent !== dir && !existsSync(parent)) mkdirs(parent);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
}

function writable(dir: string): boolean {
  try {
    mkdirs(dir);
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `bytes` to `<dir>/<version>-<hash>/<name>` unless an identical file is already there, and
 * returns its path. Temp file + rename: two copies starting at once each write their own temp file
 * and the second rename replaces the first with identical bytes, so a reader never sees half a file.
 */
export function extractOnce(bytes: Uint8Array, name: string, version: string, candidates: string[]): string {
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  const tried: string[] = [];
  for (const base of candidates) {
    const dir = join(base, `${version}-${hash}`);
    const file = join(dir, name);
    if (existsSync(file) && statSync(file).size === bytes.byteLength) return file;
    if (!writable(dir)) {
      tried.push(dir);
      continue;
    }
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      writeFileSync(tmp, bytes, { mode: 0o755 });
      renameSync(tmp, file);
      return file;
    } catch {
      rmSync(tmp, { force: true });
      tried.push(dir);
    }
  }
  throw new Error(`cannot write the SQLite addon to any cache directory (tried ${tried.join(", ")})`);
}

/**
 * Returns the addon to pass as better-sqlite3's `nativeBinding`, or undefined when not running as a
 * single executable (better-sqlite3 then loads its own prebuilt file).
 */
export function loadSqliteAddon(opts: {
  version: string;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
}): NativeAddon | undefined {
  if (!isSea()) return undefined;
  const bytes = new Uint8Array(getRawAsset(SQLITE_ADDON_ASSET));
  const file = extractOnce(
    bytes,
    SQLITE_ADDON_ASSET,
    opts.version,
    cacheDirCandidates(opts.env ?? process.env, opts.dataDir),
  );
  const mod = { exports: {} as NativeAddon };
  process.dlopen(mod, file, osConstants.dlopen.RTLD_NOW);
  return mod.exports;
}

/** Data directory of a SQLite database path (where the cache falls back to). */
export function dataDirOf(databasePath: string): string {
  return dirname(resolve(databasePath));
}
