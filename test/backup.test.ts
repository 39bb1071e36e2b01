import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as tick } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifyArchive } from "../src/backup/archive.ts";
import {
  createBackup,
  createProgressBar,
  createProgressLines,
  type Progress,
  restoreBackup,
  startBackupSchedule,
} from "../src/backup/index.ts";
import { createStore } from "../src/db/index.ts";
import { costsRepo } from "../src/db/ops/costs.ts";
import { promoRepo } from "../src/db/ops/promo.ts";
import { supportRepo } from "../src/db/ops/support.ts";
import type { Store } from "../src/db/store.ts";
import { PG_URL, pgNotice, quietLogger, type Sandbox, sandbox } from "./fixtures/ops.ts";
import { createJobAndConsumeCredit, ledgerSum, moveJob } from "./helpers/store-ops.ts";

const logger = quietLogger();
const open: Array<{ close(): Promise<void> } | Sandbox> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ("cleanup" in x ? x.cleanup() : x.close());
});

async function box(opts: Parameters<typeof sandbox>[0] = {}): Promise<Sandbox> {
  const s = await sandbox(opts);
  open.push(s);
  return s;
}

async function store(s: Sandbox): Promise<Store> {
  const st = await createStore(s.config, logger);
  open.push(st);
  return st;
}

function putFile(s: Sandbox, key: string, bytes: Buffer): void {
  const p = join(s.config.storage.path, key);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, bytes);
}

function filesOf(root: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, filesOf(root, rel));
    else
      out[rel] = createHash("sha256")
        .update(readFileSync(join(root, rel)))
        .digest("hex");
  }
  return out;
}

const job = (i: number) => ({
  chatId: 1000 + (i % 5),
  template: "ugc",
  model: "veo3_fast",
  language: "ru" as const,
  productText: `товар №${i}\nс переносом "и кавычками"`,
  cost: 1,
  idempotencyKey: `k-${i}`,
});

/** Five users with 20 credits each, a couple of jobs in other states, and stored files. */
async function seed(s: Sandbox, st: Store): Promise<number[]> {
  const ids: number[] = [];
  for (let u = 0; u < 5; u++) {
    const { user } = await st.getOrCreateUser({ tgId: 1000 + u, username: `user${u}`, firstName: "Имя" });
    await st.addCredits({ userId: user.id, amount: 20, reason: "admin_grant", reference: `seed:${u}` });
    ids.push(user.id);
  }
  await st.setBlocked(ids[4]!, true);
  const failed = await createJobAndConsumeCredit(st, ids[0]!, { ...job(900), idempotencyKey: "failed-1" });
  if (!failed.ok) throw new Error("seed job refused");
  await moveJob(st, failed.job.id, "failed", { errorCode: "x", errorMessage: "boom" });
  await st.refundCredit(failed.job.id);
  await st.writeSession("1000", JSON.stringify({ step: "menu" }));
  const promos = promoRepo(st.driver);
  await promos.create({ code: "SEED5", credits: 5, maxUses: 10, expiresAt: null, createdBy: "cli" });
  await promos.redeem("SEED5", ids[1]!);
  await costsRepo(st.driver).set({
    model: "veo3_fast",
    unit: "second",
    amountMicros: 50_000,
    currency: "USD",
    updatedBy: "cli",
  });
  // A support thread: the seller's message, its copy in an admin's chat, the admin's answer.
  const support = supportRepo(st.driver);
  const msg = { userId: ids[0]!, senderTgId: 1000, chatId: 1000, messageId: 7, fileId: null };
  const asked = await support.receive({ ...msg, kind: "text", text: "где моё видео?" }, []);
  if (asked.status !== "accepted") throw new Error("support message refused");
  await support.addCopies(asked.message.id, [{ chatId: 4242, messageId: 12 }]);
  await support.answer(asked.thread.id, {
    ...msg,
    senderTgId: 4242,
    chatId: 4242,
    messageId: 13,
    kind: "text",
    text: "Уже едет",
  });
  putFile(s, "results/2026/11/25/aa.mp4", Buffer.from("video bytes \u0000\u00ff".repeat(5000)));
  putFile(s, "inputs/2026/11/25/bb.jpg", Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  putFile(s, "inputs/2026/11/25/.tmp-partial", Buffer.from("in-flight write, not a file yet"));
  return ids;
}

async function snapshotOf(st: Store, userIds: number[]) {
  const users = [];
  for (const id of userIds) {
    const u = await st.getUserById(id);
    users.push({ tgId: u?.tgId, credits: u?.credits, ledger: await ledgerSum(st, id), blocked: u?.blocked });
  }
  const jobs = await st.listLastJobs({ limit: 1000 });
  const repo = supportRepo(st.driver);
  const support = [];
  for (const id of userIds)
    for (const thread of await repo.threadsOf(id)) {
      const messages = await repo.messages(thread.id);
      const copies = await Promise.all(messages.map((m) => repo.copiesOf(m.id)));
      support.push({ thread, messages, copies });
    }
  const promos = promoRepo(st.driver);
  return {
    users,
    jobs: jobs.map((j) => ({ ...j })).sort((a, b) => a.id - b.id),
    support,
    promos: await promos.list({ limit: 10 }),
    redeemed: await promos.inspect("SEED5", userIds[1]!),
    costs: await costsRepo(st.driver).list(),
  };
}

pgNotice("backup while jobs are created");

describe("backup and restore", () => {
  it("backs up while 50 jobs are being created, and the archive restores into a fresh SQLite and a fresh Postgres with the same balances, ledgers and files", async () => {
    pgNotice("restore target");
    const src = await box();
    const st = await store(src);
    const userIds = await seed(src, st);

    // 50 job creations spread over the event loop turns the backup yields between its steps.
    const creating = (async () => {
      const made = [];
      for (let i = 0; i < 50; i++) {
        await tick();
        made.push(createJobAndConsumeCredit(st, userIds[i % 5]!, job(i)));
      }
      return Promise.all(made);
    })();
    const phases: Progress[] = [];
    const [backup, created] = await Promise.all([
      createBackup({ config: src.config, logger, onProgress: (p) => phases.push(p) }),
      creating,
    ]);
    expect(created.every((r) => r.ok)).toBe(true);
    expect(phases.some((p) => p.phase === "snapshot")).toBe(true);

    const m = backup.manifest;
    expect(m.dialect).toBe("sqlite");
    expect(m.schema).toMatch(/^\d{4}_/);
    expect(m.files).toEqual({ count: 2, bytes: expect.any(Number) });
    const snapJobs = m.tables.jobs!.rows;
    expect(snapJobs).toBeGreaterThanOrEqual(1);
    expect(snapJobs).toBeLessThanOrEqual(51);

    const after = await snapshotOf(st, userIds);
    const targets = [await box(), ...(PG_URL ? [await box({ postgres: true })] : [])];
    for (const target of targets) {
      const res = await restoreBackup({ config: target.config, logger, archive: backup.path });
      expect(res.tables.jobs).toBe(snapJobs);
      const restored = await store(target);
      const copy = await snapshotOf(restored, userIds);
      // The archive is one consistent moment: every job it holds exists in the source unchanged,
      // and each user's balance is the source balance plus the charges made after that moment.
      expect(copy.jobs.length).toBe(snapJobs);
      const sourceJobs = new Map(after.jobs.map((j) => [j.id, j]));
      for (const j of copy.jobs) expect(j).toEqual(sourceJobs.get(j.id));
      for (const [i, u] of copy.users.entries()) {
        const later = after.jobs.filter(
          (j) => j.userId === userIds[i] && !copy.jobs.some((c) => c.id === j.id),
        );
        expect(u.credits).toBe(after.users[i]!.credits! + later.length);
        expect(u.ledger).toBe(u.credits);
        expect(u.blocked).toBe(i === 4);
      }
      expect(await restored.readSession("1000")).toBe(JSON.stringify({ step: "menu" }));
      expect(filesOf(target.config.storage.path)).toEqual({
        "inputs/2026/11/25/bb.jpg": filesOf(src.config.storage.path)["inputs/2026/11/25/bb.jpg"],
        "results/2026/11/25/aa.mp4": filesOf(src.config.storage.path)["results/2026/11/25/aa.mp4"],
      });
      // New rows continue after the restored ids (Postgres sequences were moved past them).
      const { user } = await restored.getOrCreateUser({ tgId: 5555 });
      expect(user.id).toBeGreaterThan(Math.max(...userIds));
      await restored.addCredits({ userId: user.id, amount: 3, reason: "admin_grant", reference: "new" });
      const made = await createJobAndConsumeCredit(restored, user.id, job(777));
      expect(made.ok && made.job.id).toBeGreaterThan(Math.max(...copy.jobs.map((j) => j.id)));
    }
  });

  it.skipIf(!PG_URL)(
    "backs up Postgres from one snapshot while 50 jobs are being created: every charge in the archive has its job and balances match ledgers",
    async () => {
      const src = await box({ postgres: true });
      const st = await store(src);
      const userIds = await seed(src, st);
      const creating = Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          await new Promise((r) => setTimeout(r, i * 4));
          return createJobAndConsumeCredit(st, userIds[i % 5]!, job(i));
        }),
      );
      const [backup, created] = await Promise.all([createBackup({ config: src.config, logger }), creating]);
      expect(created.every((r) => r.ok)).toBe(true);
      expect(backup.manifest.dialect).toBe("postgres");

      const dst = await box();
      await restoreBackup({ config: dst.config, logger, archive: backup.path });
      const copy = await store(dst);
      let charged = 0;
      for (const id of userIds) {
        const u = await copy.getUserById(id);
        expect(await ledgerSum(copy, id)).toBe(u!.credits);
        charged += (await copy.getLedger(id, { limit: 1000 })).filter(
          (l) => l.reason === "job_charge",
        ).length;
      }
      expect(charged).toBe(backup.manifest.tables.jobs!.rows);
    },
  );

  it("a quiet database round-trips exactly, also from Postgres back to SQLite", async () => {
    pgNotice("backup source");
    const src = await box();
    const st = await store(src);
    const userIds = await seed(src, st);
    for (let i = 0; i < 7; i++) await createJobAndConsumeCredit(st, userIds[i % 5]!, job(i));
    const before = await snapshotOf(st, userIds);
    expect(before.support.map((x) => x.messages.map((m) => m.direction))).toEqual([["in", "out"]]);
    let archive = (await createBackup({ config: src.config, logger })).path;
    if (PG_URL) {
      const pgBox = await box({ postgres: true });
      await restoreBackup({ config: pgBox.config, logger, archive });
      const fromPg = await createBackup({ config: pgBox.config, logger });
      expect(fromPg.manifest.dialect).toBe("postgres");
      archive = fromPg.path;
    }
    const dst = await box();
    await restoreBackup({ config: dst.config, logger, archive });
    expect(await snapshotOf(await store(dst), userIds)).toEqual(before);
  });

  it("refuses to restore over a database that holds data unless forced", async () => {
    const src = await box();
    const st = await store(src);
    await seed(src, st);
    const { path } = await createBackup({ config: src.config, logger });

    const dst = await box();
    const other = await store(dst);
    await other.getOrCreateUser({ tgId: 42 });
    await other.close();
    await expect(restoreBackup({ config: dst.config, logger, archive: path })).rejects.toThrow(
      /not empty.*--force/,
    );
    const check = await store(dst);
    expect(await check.getUserByTgId(42)).not.toBeNull();
    await check.close();

    const res = await restoreBackup({ config: dst.config, logger, archive: path, force: true });
    expect(res.replaced).toBe(true);
    const after = await store(dst);
    expect(await after.getUserByTgId(42)).toBeNull();
    expect(await after.countUsers()).toBe(5);
  });

  it("stores photos and videos as they are (no second compression) and compresses the rest; the archive restores", async () => {
    const src = await box();
    const st = await store(src);
    await st.getOrCreateUser({ tgId: 31 });
    // Highly compressible bytes, so any attempt to deflate them would show in the archive's size.
    const mb = Buffer.alloc(1 << 20, "abcdefgh");
    putFile(src, "results/2026/12/01/clip.mp4", mb);
    putFile(src, "inputs/2026/12/01/photo.jpg", mb);
    putFile(src, "inputs/2026/12/01/notes.txt", mb);
    const { path, bytes } = await createBackup({ config: src.config, logger });
    // Two media files stored byte for byte (2 MB), the text file squeezed to a few KB.
    expect(bytes).toBeGreaterThan(2 << 20);
    expect(bytes).toBeLessThan((2 << 20) + (64 << 10));

    const dst = await box();
    await restoreBackup({ config: dst.config, logger, archive: path });
    expect(filesOf(dst.config.storage.path)).toEqual(filesOf(src.config.storage.path));
  });

  it("restores into a storage folder that holds only the archive's own files; one extra, changed or linked file refuses it and changes nothing", async () => {
    const src = await box();
    const st = await store(src);
    const userIds = await seed(src, st);
    const { path: archive } = await createBackup({ config: src.config, logger });
    // The storage's unfinished writes (dot files) are not content: backups leave them out too.
    const content = () =>
      Object.fromEntries(Object.entries(filesOf(src.config.storage.path)).filter(([k]) => !k.includes("/.")));
    const files = content();
    expect(Object.keys(files)).toHaveLength(2);

    // A second database, the same files folder: the SQLite → Postgres move of README §7.
    const dst = await box({ postgres: Boolean(PG_URL) });
    const shared = { ...dst.config, storage: { ...dst.config.storage, path: src.config.storage.path } };
    const sneaked = join(src.config.storage.path, "results/2026/11/25/after-backup.mp4");
    writeFileSync(sneaked, "a video made after the backup");
    await expect(restoreBackup({ config: shared, logger, archive })).rejects.toThrow(
      /holds 1 file\(s\) that are not in the archive or differ from it \(results\/2026\/11\/25\/after-backup\.mp4\); run restore with --force/,
    );
    rmSync(sneaked);
    const link = join(src.config.storage.path, "results/2026/11/25/link.mp4");
    symlinkSync(join(src.config.storage.path, "results/2026/11/25/aa.mp4"), link);
    await expect(restoreBackup({ config: shared, logger, archive })).rejects.toThrow(
      /holds 1 file\(s\) .*link\.mp4/,
    );
    rmSync(link);
    const changed = join(src.config.storage.path, "results/2026/11/25/aa.mp4");
    const original = readFileSync(changed);
    const same = Buffer.from(original);
    same[0]! ^= 1; // same size, different bytes: only the checksum tells
    writeFileSync(changed, same);
    await expect(restoreBackup({ config: shared, logger, archive })).rejects.toThrow(
      /holds 1 file\(s\) .*aa\.mp4/,
    );
    expect(readFileSync(changed)).toEqual(same);
    expect(await (await store(dst)).countUsers()).toBe(0);

    writeFileSync(changed, original);
    await restoreBackup({ config: shared, logger, archive });
    expect(content()).toEqual(files);
    const restored = await store(dst);
    expect((await snapshotOf(restored, userIds)).users).toEqual((await snapshotOf(st, userIds)).users);
  });

  it("a cancelled backup rejects and leaves nothing in the backup folder", async () => {
    const src = await box();
    const st = await store(src);
    await seed(src, st);
    const abort = new AbortController();
    const phases: string[] = [];
    const running = createBackup({
      config: src.config,
      logger,
      signal: abort.signal,
      onProgress: (p) => {
        phases.push(p.phase);
        if (p.phase.startsWith("export")) abort.abort();
      },
    });
    await expect(running).rejects.toThrow(/abort/i);
    expect(phases.some((p) => p.startsWith("archive"))).toBe(false);
    expect(readdirSync(src.config.backup.dir)).toEqual([]);
  });

  it("keeps only the newest N archives with keep", async () => {
    const src = await box();
    await store(src);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await createBackup({ config: src.config, logger, keep: 2 }));
    const left = readdirSync(src.config.backup.dir).filter((n) => n.endsWith(".tar.gz"));
    expect(left.sort()).toEqual(made.slice(1).map((b) => b.path.split("/").at(-1)));
    expect(made[2]!.rotated).toEqual([made[0]!.path]);
    await verifyArchive(made[2]!.path);
  });

  it("runs automatic backups into BACKUP_DIR, due an interval after the newest archive even across restarts", async () => {
    const src = await box({ env: { BACKUP_INTERVAL_HOURS: "6", BACKUP_KEEP: "3" } });
    await store(src);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const made: string[] = [];
      const start = () =>
        startBackupSchedule({
          config: src.config,
          logger,
          onBackup: (r) => made.push(r.path),
          onError: (e) => made.push(String(e)),
        });
      // No archive yet: the first one a minute after start.
      let stop = start();
      await vi.waitFor(() => expect(vi.getTimerCount()).toBe(1));
      await vi.advanceTimersByTimeAsync(60_000);
      await vi.waitFor(() => expect(made).toHaveLength(1));
      expect(made[0]!.startsWith(src.config.backup.dir)).toBe(true);
      await stop();

      // A restart right after: the fresh archive counts, nothing is due for six hours.
      stop = start();
      await vi.waitFor(() => expect(vi.getTimerCount()).toBe(1));
      await vi.advanceTimersByTimeAsync(5 * 3_600_000);
      expect(made).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(3_600_000);
      await vi.waitFor(() => expect(made).toHaveLength(2));
      await stop();
      expect(statSync(made[1]!).size).toBeGreaterThan(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("draws progress as one bar redrawn in place on a terminal", () => {
    let screen = "";
    const bar = createProgressBar({ write: (s: string) => (screen += s), isTTY: true, columns: 70 });
    bar({ phase: "load jobs", done: 0, total: 4, unit: "rows" });
    bar({ phase: "load jobs", done: 4, total: 4, unit: "rows" });
    bar.end();
    const frames = screen.split("\r").filter(Boolean);
    expect(frames.at(-1)).toBe(`${"load jobs".padEnd(22)} [####################] 100%  4/4 rows\n`);
    expect(screen.split("\n")).toHaveLength(2);
  });

  it("shows progress as plain lines when not on a terminal", () => {
    const lines: string[] = [];
    const render = createProgressLines({ write: (s: string) => lines.push(s) });
    for (let i = 0; i <= 100; i += 5)
      render({ phase: "export jobs", done: i * 10, total: 1000, unit: "rows" });
    render({ phase: "archive", done: 1 << 20, total: 2 << 20, unit: "bytes" });
    expect(lines[0]).toBe("export jobs: 0% (0/1000 rows)\n");
    expect(lines.filter((l) => l.startsWith("export jobs"))).toHaveLength(11);
    expect(lines.at(-1)).toBe("archive: 50% (1.0 MB/2.0 MB)\n");
  });
});
