// `neurocards update`: replaces this executable with the latest release for its CPU.
// Trust comes from one Ed25519 key. A release is a folder of files (build/release.mjs makes them):
// neurocards-linux-<arch>, VERSION, SHA256SUMS (sha256sum's format, over the others) and
// SHA256SUMS.sig (the base64 Ed25519 signature of SHA256SUMS). SHA256SUMS must be signed by the
// key whose public half is embedded (package.json → neurocards.releasePublicKey), and every
// file is checked against it before use. The new file is swapped in with a rename in the same
// folder, so the path always holds a whole executable, old or new; the old one stays as .prev.
import { execFile } from "node:child_process";
import { createHash, createPublicKey, randomBytes, verify } from "node:crypto";
import { access, constants, copyFile, link, open, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import type { Command } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { isSingleExecutable } from "../native/sqlite-addon.ts";
import { VERSION } from "../version.ts";
import { CliError, type CliIo, EXIT } from "./io.ts";

const run = promisify(execFile);

export const RELEASE_PUBLIC_KEY: string = pkg.neurocards.releasePublicKey;
export const DEFAULT_RELEASE_URL: string = pkg.neurocards.releaseUrl;

/** Sizes past which a release file is refused unread, and how long a download may take. */
export const UPDATE_LIMITS = {
  sumsBytes: 64 * 1024,
  signatureBytes: 1024,
  versionBytes: 64,
  executableBytes: 512 * 1024 * 1024,
  /** SHA256SUMS, its signature, VERSION. */
  smallFileMs: 30_000,
  /** The executable (~110 MB) over a slow VPS link. */
  executableMs: 15 * 60_000,
  /** `<new file> --version`, before it replaces anything. */
  versionCheckMs: 60_000,
} as const;

/** The release file for a CPU (process.arch: x64, arm64). */
export const assetName = (arch: string): string => `neurocards-linux-${arch}`;

/** `sha256sum` lines (`<hex>  <name>`, or ` *<name>` in binary mode) as name → hex. */
export function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m?.[1] && m[2]) sums.set(m[2], m[1]);
  }
  return sums;
}

/** True when `signature` (base64) is `publicKey`'s (base64 SPKI DER) Ed25519 signature of `data`. */
export function verifySignature(data: Uint8Array, signature: string, publicKey: string): boolean {
  const sig = Buffer.from(signature.trim(), "base64");
  if (sig.length !== 64) return false;
  const key = createPublicKey({ key: Buffer.from(publicKey, "base64"), format: "der", type: "spki" });
  return verify(null, data, key, sig);
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if ((err as Error).name === "TimeoutError") return "timed out";
  return cause?.message ?? (err as Error).message;
}

async function get(url: string, timeoutMs: number): Promise<ReadableStream<Uint8Array>> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new CliError(`cannot download ${url}: ${reason(err)}`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new CliError(`cannot download ${url}: HTTP ${res.status}`);
  }
  return res.body;
}

/**
 * Reads `body` chunk by chunk into `sink`, refusing it past `maxBytes` (a release server answering
 * with something endless must not fill the disk or the memory).
 */
async function drain(
  url: string,
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  sink: (chunk: Uint8Array) => unknown,
): Promise<void> {
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new CliError(`${url} is larger than ${maxBytes} bytes: refused`);
      await sink(chunk);
    }
  } catch (err) {
    await body.cancel().catch(() => {});
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot download ${url}: ${reason(err)}`);
  }
}

async function getSmall(url: string, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await drain(url, await get(url, UPDATE_LIMITS.smallFileMs), maxBytes, (c) => chunks.push(c));
  return Buffer.concat(chunks);
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

export interface UpdateOptions {
  /** Folder URL of the release (…/releases/latest/download). */
  baseUrl: string;
  /** The file to replace. */
  executable: string;
  arch: string;
  publicKey: string;
  currentVersion: string;
  /** Install even when the release's version is the running one. */
  force?: boolean;
  out(line: string): void;
}

export type UpdateResult =
  | { updated: false; version: string }
  | { updated: true; from: string; to: string; previous: string };

export async function updateExecutable(o: UpdateOptions): Promise<UpdateResult> {
  const base = o.baseUrl.replace(/\/+$/, "");
  const url = (name: string) => `${base}/${name}`;
  const sumsText = await getSmall(url("SHA256SUMS"), UPDATE_LIMITS.sumsBytes);
  const signature = await getSmall(url("SHA256SUMS.sig"), UPDATE_LIMITS.signatureBytes);
  if (!verifySignature(sumsText, signature.toString("utf8"), o.publicKey)) {
    throw new CliError(
      `${url("SHA256SUMS")} is not signed with the Neurocards release key: refused, nothing was replaced`,
    );
  }
  const sums = parseSums(sumsText.toString("utf8"));
  const name = assetName(o.arch);
  const wantHash = sums.get(name);
  const versionHash = sums.get("VERSION");
  if (!wantHash || !versionHash) {
    throw new CliError(
      `the release at ${base} has no ${wantHash ? "VERSION" : name} (this machine is linux-${o.arch})`,
    );
  }
  const versionFile = await getSmall(url("VERSION"), UPDATE_LIMITS.versionBytes);
  if (sha256(versionFile) !== versionHash) {
    throw new CliError(`${url("VERSION")} does not match SHA256SUMS: refused, nothing was replaced`);
  }
  const version = versionFile.toString("utf8").trim();
  if (version === o.currentVersion && !o.force) return { updated: false, version };

  // Through a symlink (/usr/local/bin/neurocards → /opt/…) the file is replaced, not the link.
  const executable = await realpath(resolve(o.executable));
  const dir = dirname(executable);
  const current = await stat(executable);
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new CliError(
      `cannot write to ${dir} (${(err as NodeJS.ErrnoException).code}): run update as the owner of ${executable} or with sudo`,
    );
  }
  o.out(`downloading neurocards ${version} (${name}) from ${base}`);
  // In the executable's own folder: rename() is atomic only within one filesystem.
  const tmp = join(dir, `.${basename(executable)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const hash = createHash("sha256");
    const file = await open(tmp, "wx", 0o700);
    try {
      const body = await get(url(name), UPDATE_LIMITS.executableMs);
      await drain(url(name), body, UPDATE_LIMITS.executableBytes, async (chunk) => {
        hash.update(chunk);
        await file.write(chunk);
      });
      const got = hash.digest("hex");
      if (got !== wantHash) {
        throw new CliError(
          `${url(name)} does not match SHA256SUMS (sha256 ${got}, expected ${wantHash}): refused, nothing was replaced`,
        );
      }
      await file.chmod(current.mode & 0o7777);
      // Run as root on a service user's file, the new file keeps that user as its owner.
      if (process.getuid?.() === 0) await file.chown(current.uid, current.gid);
      await file.sync();
    } finally {
      await file.close();
    }
    await checkRuns(tmp, version);
    const previous = `${executable}.prev`;
    // The old file as .prev: a hard link (no copy of ~110 MB) put in place with a rename.
    const prevTmp = `${tmp}.prev`;
    await link(executable, prevTmp).catch(() => copyFile(executable, prevTmp));
    await rename(prevTmp, previous);
    await rename(tmp, executable);
    await syncDir(dir);
    return { updated: true, from: o.currentVersion, to: version, previous };
  } finally {
    await rm(tmp, { force: true });
    await rm(`${tmp}.prev`, { force: true });
  }
}

/** The downloaded file must start and report the release's version before it replaces anything. */
async function checkRuns(file: string, version: string): Promise<void> {
  let printed: string;
  try {
    printed = (await run(file, ["--version"], { timeout: UPDATE_LIMITS.versionCheckMs })).stdout.trim();
  } catch (err) {
    throw new CliError(`the downloaded executable does not run here (${reason(err)}): nothing was replaced`);
  }
  if (printed !== version) {
    throw new CliError(
      `the downloaded executable reports version ${printed || "(nothing)"}, the release says ${version}: nothing was replaced`,
    );
  }
}

/** fsync of the folder, so that the renames survive a power cut. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `publicKey`: the release key's public half; tests pass their own. */
export function registerUpdate(program: Command, io: CliIo, publicKey = RELEASE_PUBLIC_KEY): void {
  program
    .command("update")
    .description("download the latest release for this CPU, check its signature, and replace this executable")
    .option(
      "--from <url>",
      "release folder URL (default: NEUROCARDS_RELEASE_URL, else the project's latest GitHub release)",
    )
    .option("--force", "install even when the latest release is this version")
    .option("--restart [unit]", "then restart the systemd unit (default: neurocards)")
    .action(async (opts: { from?: string; force?: boolean; restart?: string | true }) => {
      const baseUrl = opts.from ?? io.env.NEUROCARDS_RELEASE_URL ?? DEFAULT_RELEASE_URL;
      if (!/^https?:\/\/[^/]/.test(baseUrl)) {
        throw new CliError(`the release URL must be http(s)://…, got "${baseUrl}"`, EXIT.usage);
      }
      // From source (npm start) execPath is Node itself, which update must not overwrite.
      if (resolve(io.execPath) === resolve(process.execPath) && !isSingleExecutable()) {
        throw new CliError(
          "update replaces the neurocards executable; this is running from source (use git pull)",
        );
      }
      const result = await updateExecutable({
        baseUrl,
        executable: io.execPath,
        arch: process.arch,
        publicKey,
        currentVersion: VERSION,
        force: opts.force,
        out: io.out,
      });
      if (!result.updated) {
        io.out(`neurocards ${result.version} is the latest release: nothing to do`);
        return;
      }
      io.out(`updated neurocards ${result.from} → ${result.to}; the previous file is ${result.previous}`);
      if (opts.restart === undefined) {
        io.out("restart to run it: sudo systemctl restart neurocards (or stop and start it by hand)");
        return;
      }
      const unit = opts.restart === true ? "neurocards" : opts.restart;
      try {
        await run("systemctl", ["restart", unit], { env: io.env, timeout: 60_000 });
      } catch (err) {
        const e = err as { stderr?: string };
        throw new CliError(
          `updated, but systemctl restart ${unit} failed (${e.stderr?.trim() || reason(err)}): restart it by hand`,
        );
      }
      io.out(`restarted ${unit}`);
    });
}
