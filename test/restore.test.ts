import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { Header } from "tar";
import { afterEach, describe, expect, it } from "vitest";
import { createBackup, restoreBackup } from "../src/backup/index.ts";
import { FORMAT, FORMAT_VERSION, MAX_MANIFEST_BYTES } from "../src/backup/manifest.ts";
import { createStore } from "../src/db/index.ts";
import { quietLogger, type Sandbox, sandbox } from "./fixtures/ops.ts";

const logger = quietLogger();
const boxes: Sandbox[] = [];
afterEach(async () => {
  for (const b of boxes.splice(0)) await b.cleanup();
});
async function box(): Promise<Sandbox> {
  const b = await sandbox();
  boxes.push(b);
  return b;
}

/** A real backup of a small database with one stored file. */
async function realArchive(): Promise<string> {
  const src = await box();
  const st = await createStore(src.config, logger);
  const { user } = await st.getOrCreateUser({ tgId: 7, username: "seller" });
  await st.addCredits({ userId: user.id, amount: 5, reason: "admin_grant", reference: "r1" });
  await st.close();
  const { path } = await createBackup({ config: src.config, logger });
  return path;
}

/** A target that already holds one user and one file, to prove a refused restore changed nothing. */
async function occupiedTarget(): Promise<Sandbox> {
  const dst = await box();
  const st = await createStore(dst.config, logger);
  await st.getOrCreateUser({ tgId: 99 });
  await st.close();
  return dst;
}

async function unchanged(dst: Sandbox): Promise<void> {
  const st = await createStore(dst.config, logger);
  expect(await st.countUsers()).toBe(1);
  expect(await st.getUserByTgId(99)).not.toBeNull();
  await st.close();
  const parent = dirname(dst.config.storage.path);
  expect(readdirSync(parent).filter((n) => n.startsWith(".neurocards-restore"))).toEqual([]);
}

interface RawEntry {
  path: string;
  type?: "File" | "SymbolicLink" | "Link" | "CharacterDevice" | "Directory";
  linkpath?: string;
  data?: Buffer;
}

/** Hand-made .tar.gz with whatever headers an attacker likes, plus a manifest that vouches for them. */
function craftedArchive(file: string, entries: RawEntry[]): void {
  const blocks: Buffer[] = [];
  const add = (e: RawEntry) => {
    const data = e.data ?? Buffer.alloc(0);
    const h = new Header({
      path: e.path,
      type: e.type ?? "File",
      linkpath: e.linkpath,
      size: e.type && e.type !== "File" ? 0 : data.length,
      mode: 0o644,
      mtime: new Date(),
    });
    h.encode();
    blocks.push(h.block!);
    if (!e.type || e.type === "File") {
      blocks.push(data);
      if (data.length % 512) blocks.push(Buffer.alloc(512 - (data.length % 512)));
    }
  };
  const listed: Record<string, { size: number; sha256: string }> = {};
  for (const e of entries) {
    add(e);
    const d = e.data ?? Buffer.alloc(0);
    listed[e.path] = { size: d.length, sha256: createHash("sha256").update(d).digest("hex") };
  }
  const manifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    program: { name: "neurocards", version: "0.0.0" },
    schema: null,
    dialect: "sqlite",
    createdAt: new Date().toISOString(),
    tables: {},
    files: { count: 0, bytes: 0 },
    entries: listed,
  };
  add({ path: "manifest.json", data: Buffer.from(JSON.stringify(manifest)) });
  blocks.push(Buffer.alloc(1024));
  writeFileSync(file, gzipSync(Buffer.concat(blocks)));
}

describe("restore refuses archives it cannot trust, before touching anything", () => {
  it("refuses an archive with one flipped byte and leaves the database as it was", async () => {
    const archive = await realArchive();
    const bytes = readFileSync(archive);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(archive, bytes);
    const dst = await occupiedTarget();
    await expect(restoreBackup({ config: dst.config, logger, archive, force: true })).rejects.toThrow(
      /damaged|corrupted|checksum/,
    );
    await unchanged(dst);
  });

  it("refuses an archive whose content no longer matches its manifest checksum", async () => {
    const archive = await realArchive();
    const tar = gunzipSync(readFileSync(archive));
    // Change one byte of the users table's content (not of a header): gzip and tar stay valid.
    const at = tar.indexOf(Buffer.from('"username":"seller"'));
    expect(at).toBeGreaterThan(0);
    tar[at + 13] = "S".charCodeAt(0);
    writeFileSync(archive, gzipSync(tar));
    const dst = await occupiedTarget();
    await expect(restoreBackup({ config: dst.config, logger, archive, force: true })).rejects.toThrow(
      /checksum of db\/users\.ndjson does not match/,
    );
    await unchanged(dst);
  });

  it("refuses a truncated archive", async () => {
    const archive = await realArchive();
    truncateSync(archive, Math.floor(readFileSync(archive).length * 0.6));
    const dst = await occupiedTarget();
    await expect(restoreBackup({ config: dst.config, logger, archive, force: true })).rejects.toThrow(
      /damaged|truncated|missing/,
    );
    await unchanged(dst);
  });

  it("refuses a file that is not a backup at all", async () => {
    const dst = await occupiedTarget();
    const archive = join(dst.dir, "notes.tar.gz");
    writeFileSync(archive, "just some text");
    await expect(restoreBackup({ config: dst.config, logger, archive, force: true })).rejects.toThrow(
      /not a Neurocards backup/,
    );
    await unchanged(dst);
  });

  const attacks: Array<[string, RawEntry]> = [
    ["a ../ path", { path: "files/../../../escaped.txt", data: Buffer.from("pwned") }],
    ["an absolute path", { path: "/tmp/neurocards-escaped.txt", data: Buffer.from("pwned") }],
    ["a symlink", { path: "files/results/link.mp4", type: "SymbolicLink", linkpath: "/etc/passwd" }],
    ["a hard link", { path: "files/results/hard.mp4", type: "Link", linkpath: "../../../etc/passwd" }],
    ["a device", { path: "files/results/dev", type: "CharacterDevice" }],
  ];
  for (const [what, entry] of attacks) {
    it(`refuses an archive holding ${what} and writes nothing`, async () => {
      const dst = await occupiedTarget();
      const archive = join(dst.dir, "evil.tar.gz");
      craftedArchive(archive, [{ path: "db/users.ndjson", data: Buffer.from("") }, entry]);
      await expect(restoreBackup({ config: dst.config, logger, archive, force: true })).rejects.toThrow(
        /unsafe entry/,
      );
      await unchanged(dst);
      expect(existsSync("/tmp/neurocards-escaped.txt")).toBe(false);
      expect(existsSync(join(dst.dir, "escaped.txt"))).toBe(false);
      expect(existsSync(join(dirname(dst.dir), "escaped.txt"))).toBe(false);
    });
  }

  it("refuses a manifest over 64 MB without reading it into memory, and changes nothing", async () => {
    const dst = await occupiedTarget();
    const archive = join(dst.dir, "huge-manifest.tar.gz");
    // A valid manifest padded with JSON whitespace: parsed, it would be an empty backup that
    // replaces the target's data.
    craftedArchiveWithSchema(archive, null, MAX_MANIFEST_BYTES + 1024);
    await expect(restoreBackup({ config: dst.config, logger, archive, force: true })).rejects.toThrow(
      /has a 64 MB manifest\.json, over the 64 MB a Neurocards backup's manifest can be; it was not read, nothing was changed/,
    );
    await unchanged(dst);
  });

  it("refuses to restore under a running bot, even with force", async () => {
    const archive = await realArchive();
    const dst = await occupiedTarget();
    const st = await createStore(dst.config, logger);
    await st.acquireInstanceLease("bot", "vps-1:4242", 60_000);
    await st.close();
    await expect(restoreBackup({ config: dst.config, logger, archive, force: true })).rejects.toThrow(
      /vps-1:4242\) is running on this database; stop it/,
    );
    await unchanged(dst);
  });

  it("refuses an archive made by a newer schema", async () => {
    const dst = await occupiedTarget();
    const manifestOnly = join(dst.dir, "future.tar.gz");
    craftedArchiveWithSchema(manifestOnly, "9999_from_the_future");
    await expect(
      restoreBackup({ config: dst.config, logger, archive: manifestOnly, force: true }),
    ).rejects.toThrow(/newer Neurocards/);
    await unchanged(dst);
  });
});

function craftedArchiveWithSchema(file: string, schema: string | null, padTo = 0): void {
  const json = Buffer.from(
    JSON.stringify({
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      program: { name: "neurocards", version: "9.9.9" },
      schema,
      dialect: "sqlite",
      createdAt: new Date().toISOString(),
      tables: {},
      files: { count: 0, bytes: 0 },
      entries: {},
    }),
  );
  const manifest = Buffer.concat([json, Buffer.alloc(Math.max(0, padTo - json.length), " ")]);
  const h = new Header({
    path: "manifest.json",
    type: "File",
    size: manifest.length,
    mode: 0o644,
    mtime: new Date(),
  });
  h.encode();
  const pad = Buffer.alloc((512 - (manifest.length % 512)) % 512);
  writeFileSync(file, gzipSync(Buffer.concat([h.block!, manifest, pad, Buffer.alloc(1024)]), { level: 1 }));
}
