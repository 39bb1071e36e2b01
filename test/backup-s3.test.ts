// Off-site backups and object storage in backups, against a real S3-protocol server (s3rver):
// archives uploaded and rotated in the bucket, `restore s3://…` restoring from it, and the archive
// of an object-storage install stating that its files stay in their bucket.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { BackupResult } from "../src/backup/index.ts";
import { createBackup, OffsiteError, restoreBackup, startBackupSchedule } from "../src/backup/index.ts";
import { createStore } from "../src/db/index.ts";
import { createStorage } from "../src/storage/index.ts";
import { type FakeS3, startFakeS3 } from "./fakes/s3-server.ts";
import { quietLogger, type Sandbox, sandbox, TEST_TOKEN } from "./fixtures/ops.ts";
import { runCliIn } from "./helpers/cli.ts";
import { safeGetBalance } from "./helpers/store-ops.ts";

const logger = quietLogger();
let s3: FakeS3;
beforeAll(async () => {
  s3 = await startFakeS3(["backups", "files", "empty"]);
});
afterAll(() => s3.close());

const boxes: Sandbox[] = [];
afterEach(async () => {
  for (const b of boxes.splice(0)) await b.cleanup();
  for (const name of ["backups", "files"]) {
    const bucket = await s3.open(name);
    for (const key of await s3.keys(name)) await bucket.remove(key);
  }
});

/** A sandbox whose backups go off-site to the `backups` bucket (the S3_* connection, local storage). */
async function box(env: Record<string, string> = {}): Promise<Sandbox> {
  const b = await sandbox({
    env: { ...s3.env("files"), STORAGE_TYPE: "local", BACKUP_S3_BUCKET: "backups", ...env },
  });
  boxes.push(b);
  return b;
}

/** The sandbox's own settings as the environment a `neurocards` command reads, plus `extra`. */
function envOf(b: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BOT_TOKEN: TEST_TOKEN,
    DATABASE_PATH: join(b.dir, "data", "neurocards.db"),
    STORAGE_PATH: b.config.storage.path,
    BACKUP_DIR: b.config.backup.dir,
    ...extra,
  };
}

async function seed(b: Sandbox, tgId: number): Promise<void> {
  const st = await createStore(b.config, logger);
  const { user } = await st.getOrCreateUser({ tgId, username: `seller${tgId}` });
  await st.addCredits({ userId: user.id, amount: 7, reason: "admin_grant", reference: `r${tgId}` });
  await st.close();
}

async function balanceOf(b: Sandbox, tgId: number): Promise<number | null> {
  const st = await createStore(b.config, logger);
  try {
    const user = await st.getUserByTgId(tgId);
    return user && safeGetBalance(st, user.id);
  } finally {
    await st.close();
  }
}

describe("off-site backups (BACKUP_S3_BUCKET)", () => {
  it("uploads every backup under the prefix and rotates the bucket like the folder", async () => {
    const src = await box();
    await seed(src, 1);
    const made: BackupResult[] = [];
    for (let i = 0; i < 3; i++) {
      made.push(await createBackup({ config: src.config, logger, keep: 2 }));
      await new Promise((r) => setTimeout(r, 5));
    }
    const names = made.map((m) => m.path.split("/").at(-1)!);
    expect(made[0]!.uploaded?.url).toBe(`s3://backups/neurocards-backups/${names[0]}`);
    expect(await s3.keys("backups")).toEqual(names.slice(1).map((n) => `neurocards-backups/${n}`));
    expect(made[2]!.uploaded?.rotated).toEqual([`s3://backups/neurocards-backups/${names[0]}`]);
    expect(readdirSync(src.config.backup.dir).filter((n) => n.endsWith(".tar.gz"))).toEqual(names.slice(1));

    const cli = await runCliIn(
      src.dir,
      ["backup", "--keep", "2"],
      envOf(src, { ...s3.env("files"), STORAGE_TYPE: "local", BACKUP_S3_BUCKET: "backups" }),
    );
    expect(cli.code).toBe(0);
    expect(cli.out).toMatch(
      /^ {2}uploaded to s3:\/\/backups\/neurocards-backups\/neurocards-backup-.+\.tar\.gz$/m,
    );
    expect(cli.out).toContain(`  removed old backup s3://backups/neurocards-backups/${names[1]}`);
  });

  it("restores from s3://bucket/key, and s3://bucket/prefix/ takes the newest; nothing downloaded is left behind", async () => {
    const src = await box();
    await seed(src, 1);
    const first = await createBackup({ config: src.config, logger });
    await seed(src, 2);
    await new Promise((r) => setTimeout(r, 5));
    const second = await createBackup({ config: src.config, logger });

    const dst = await box();
    const r = await restoreBackup({ config: dst.config, logger, archive: first.uploaded!.url });
    expect(r.tables.users).toBe(1);
    expect(await balanceOf(dst, 1)).toBe(7);
    expect(readdirSync(dst.config.backup.dir)).toEqual([]);

    const newest = await box();
    const cli = await runCliIn(
      newest.dir,
      ["restore", "s3://backups/neurocards-backups/"],
      envOf(newest, { ...s3.env("files"), STORAGE_TYPE: "local" }),
    );
    expect(cli.err).toContain("download: 100%");
    expect(cli.out).toMatch(/^restored 2 users, /);
    expect(cli.code).toBe(0);
    expect(await balanceOf(newest, 2)).toBe(7);
    expect(second.uploaded!.url.endsWith(second.path.split("/").at(-1)!)).toBe(true);

    const missing = await runCliIn(
      newest.dir,
      ["restore", "s3://empty/"],
      envOf(newest, { ...s3.env("files"), STORAGE_TYPE: "local" }),
    );
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("the archive cannot be used: there is no backup under s3://empty/");
  });

  it("an upload that fails leaves the whole archive on disk and says where it is", async () => {
    const src = await box({ BACKUP_S3_BUCKET: "no-such-bucket" });
    await seed(src, 1);
    const err = await createBackup({ config: src.config, logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OffsiteError);
    const local = (err as OffsiteError).localPath;
    expect(existsSync(local)).toBe(true);
    expect((err as Error).message).toMatch(
      /^the backup is at .+\.tar\.gz, but its upload to s3:\/\/no-such-bucket\/neurocards-backups\/.+ failed/,
    );
    const cli = await runCliIn(
      src.dir,
      ["backup"],
      envOf(src, { ...s3.env("files"), STORAGE_TYPE: "local", BACKUP_S3_BUCKET: "no-such-bucket" }),
    );
    expect(cli.code).toBe(1);
    expect(cli.err).toMatch(
      /^error: the backup is at .+, but its upload to s3:\/\/no-such-bucket\/.+ failed/m,
    );
  });

  it("automatic backups are uploaded too", async () => {
    const src = await box({ BACKUP_INTERVAL_HOURS: "6", BACKUP_KEEP: "3" });
    await seed(src, 1);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const made: BackupResult[] = [];
      const stop = startBackupSchedule({ config: src.config, logger, onBackup: (r) => made.push(r) });
      await vi.waitFor(() => expect(vi.getTimerCount()).toBeGreaterThan(0));
      await vi.advanceTimersByTimeAsync(60_000);
      vi.useRealTimers();
      await vi.waitFor(() => expect(made).toHaveLength(1), { timeout: 10_000 });
      await stop();
      expect(await s3.keys("backups")).toEqual([`neurocards-backups/${made[0]!.path.split("/").at(-1)}`]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("backups of an object-storage install (STORAGE_TYPE=s3)", () => {
  it("hold the database only and state that the files stay in the bucket; restore leaves the bucket as it is", async () => {
    const src = await box({ STORAGE_TYPE: "s3", BACKUP_S3_BUCKET: "" });
    await seed(src, 1);
    const storage = createStorage(src.config, logger);
    const photo = await storage.put("inputs", Buffer.from("photo"), { ext: "jpg" });
    const r = await createBackup({ config: src.config, logger });
    expect(r.manifest.storage).toEqual({ type: "s3", bucket: "files", endpoint: s3.endpoint });
    expect(r.manifest.files).toEqual({ count: 0, bytes: 0 });
    expect(Object.keys(r.manifest.entries).some((e) => e.startsWith("files/"))).toBe(false);
    expect(r.uploaded).toBeUndefined();

    const dst = await box({ STORAGE_TYPE: "s3" });
    const cli = await runCliIn(dst.dir, ["restore", r.path], envOf(dst, s3.env("files")));
    expect(cli.out).toMatch(
      /^restored 1 users, 0 jobs, 1 ledger rows, 0 payments, files staying in s3:\/\/files/,
    );
    expect(cli.code).toBe(0);
    expect(await balanceOf(dst, 1)).toBe(7);
    expect((await storage.stat(photo.key))?.size).toBe(5);

    // Into a local install: the rows come back and the owner is told where the files are.
    const local = await box();
    const told = await runCliIn(local.dir, ["restore", r.path], envOf(local));
    expect(told.out).toContain(
      "the files are in s3://files: set STORAGE_TYPE=s3 and S3_BUCKET=files (with its S3_* connection), or copy them here with `neurocards storage migrate --to local`",
    );
    await storage.close();
  });

  it("an archive holding files is not restored into object storage: the way there is restore locally, then migrate", async () => {
    const src = await box({ BACKUP_S3_BUCKET: "" });
    await seed(src, 1);
    const key = "results/2026/11/25/aa.mp4";
    mkdirSync(join(src.config.storage.path, "results/2026/11/25"), { recursive: true });
    writeFileSync(join(src.config.storage.path, key), "video");
    const { path } = await createBackup({ config: src.config, logger });
    const dst = await box({ STORAGE_TYPE: "s3" });
    await expect(restoreBackup({ config: dst.config, logger, archive: path })).rejects.toThrow(
      "the backup holds 1 stored file(s) and this install keeps files in s3://files: restore it with STORAGE_TYPE=local, then move the files with `neurocards storage migrate --to s3` and set STORAGE_TYPE=s3",
    );
    expect(await balanceOf(dst, 1)).toBeNull();
  });
});
