import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Progress } from "../src/backup/progress.ts";
import { createStore } from "../src/db/index.ts";
import type { Store } from "../src/db/store.ts";
import { formatImportReport, importSupabase } from "../src/import/index.ts";
import { PG_URL, pgNotice, quietLogger, type Sandbox, sandbox } from "./fixtures/ops.ts";
import { claimNextJob, ledgerSum } from "./helpers/store-ops.ts";

const logger = quietLogger();
const fixtures = join(import.meta.dirname, "fixtures", "old-bot");
const files = {
  usersCsv: join(fixtures, "users.csv"),
  jobsCsv: join(fixtures, "jobs.csv"),
  creditsHistoryCsv: join(fixtures, "credits_history.csv"),
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const dialects = [
  { name: "sqlite", postgres: false },
  ...(PG_URL ? [{ name: "postgres", postgres: true }] : []),
];
pgNotice("import");

for (const d of dialects) {
  describe(`import from the old bot's CSV exports (${d.name})`, () => {
    async function setup(): Promise<{ box: Sandbox; store: () => Promise<Store> }> {
      const box = await sandbox({ postgres: d.postgres, env: { FREE_CREDITS: "1" } });
      cleanups.push(() => box.cleanup());
      return {
        box,
        async store() {
          const st = await createStore(box.config, logger);
          cleanups.push(() => st.close());
          return st;
        },
      };
    }

    it("imports users with their balances and jobs as history, and reports every rejected row with its line and reason", async () => {
      const { box, store } = await setup();
      // Bob already talked to the new bot (1 free credit): his old 3 credits are added on top.
      const early = await store();
      await early.getOrCreateUser({ tgId: 100002, username: "bob_new" });

      const report = await importSupabase({ config: box.config, logger, ...files });
      expect(report.users).toEqual({ read: 11, created: 4, merged: 1, alreadyImported: 0, rejected: 6 });
      expect(report.creditsGranted).toBe(5 + 3 + 0 + 1 + 4);
      expect(report.jobs).toEqual({
        read: 12,
        imported: 6,
        alreadyImported: 0,
        rejected: 6,
        succeeded: 2,
        failed: 4,
      });
      expect(report.creditsHistory).toEqual({
        read: 6,
        rejected: 1,
        mismatches: [{ tgId: 100002, credits: 3, historySum: 1 }],
      });
      expect(report.rejected).toEqual([
        { file: "users", line: 4, reason: 'tg_user_id "not-a-number" is not a Telegram id' },
        { file: "users", line: 7, reason: 'credits "-2" is not a whole number ≥ 0' },
        { file: "users", line: 8, reason: "tg_user_id 100001 appears again (first on line 2)" },
        { file: "users", line: 9, reason: 'created_at "yesterday" is not a timestamp' },
        { file: "users", line: 10, reason: "has 6 fields, the header has 8" },
        { file: "users", line: 12, reason: expect.stringMatching(/^unreadable CSV: .*quote/i) },
        {
          file: "jobs",
          line: 7,
          reason: 'status "cancelled" is not one of queued, processing, completed, failed',
        },
        { file: "jobs", line: 8, reason: "product_text is not valid JSON" },
        { file: "jobs", line: 9, reason: 'tg_user_id "12x" is not a Telegram id' },
        { file: "jobs", line: 10, reason: "no user with tg_user_id 555555 (not in the users export)" },
        { file: "jobs", line: 11, reason: "error_details is not valid JSON" },
        { file: "jobs", line: 13, reason: "has 13 fields, the header has 17" },
        { file: "credits_history", line: 6, reason: 'delta "one" is not a whole number' },
      ]);
      expect(formatImportReport(report)).toContain("jobs.csv line 10: no user with tg_user_id 555555");

      const st = await store();
      const balances: Record<number, number> = {};
      for (const tg of [100001, 100002, 100004, 100009, 100011]) {
        const u = await st.getUserByTgId(tg);
        expect(u, `user ${tg}`).not.toBeNull();
        balances[tg] = u!.credits;
        expect(await ledgerSum(st, u!.id)).toBe(u!.credits);
      }
      expect(balances).toEqual({ 100001: 5, 100002: 4, 100004: 0, 100009: 1, 100011: 4 });
      const maria = await st.getUserByTgId(100004);
      expect(maria?.firstName).toBe("Мария\nИванова");
      expect(maria?.createdAt.toISOString()).toBe("2024-03-04T05:15:00.000Z");
      const bob = await st.getUserByTgId(100002);
      expect(bob?.username).toBe("bob_new");
      const [opening] = await st.getLedger(bob!.id, { limit: 1 });
      expect(opening).toMatchObject({
        reason: "import",
        delta: 3,
        balanceAfter: 4,
        reference: "import:user:100002",
      });

      const alice = await st.getUserByTgId(100001);
      const aliceJobs = await st.getUserJobs(alice!.id, { limit: 10 });
      const done = aliceJobs.find((j) => j.idempotencyKey === "import:idem-1");
      expect(done).toMatchObject({
        status: "succeeded",
        template: "broll",
        model: "veo3_fast",
        productText: "Керамическая кружка 350 мл\nс крышкой",
        wishes: "без людей",
        generatedPrompt: "A mug on a table",
        providerTaskId: "task-1",
        resultFileId: "BAACAgIAAxkBAAIBZ2X",
        creditsCharged: 1,
        leaseOwner: null,
      });
      expect(done?.createdAt.toISOString()).toBe("2024-04-01T10:00:00.000Z");
      expect(done?.finishedAt?.toISOString()).toBe("2024-04-01T10:06:00.000Z");
      const failed = aliceJobs.find((j) => j.idempotencyKey === "import:idem-2");
      expect(failed).toMatchObject({
        status: "failed",
        template: "own",
        ownPrompt: "show it in a kitchen",
        wishes: "на кухне,\nутром",
        errorCode: "provider_error",
        errorMessage: "kie.ai returned 500",
        creditsCharged: 0,
      });
      const bobJobs = await st.getUserJobs(bob!.id, { limit: 10 });
      expect(bobJobs.map((j) => [j.idempotencyKey, j.status, j.errorCode, j.creditsCharged]).sort()).toEqual([
        ["import:idem-3", "failed", "import_unfinished", 0],
        ["import:idem-4", "failed", "import_unfinished", 0],
      ]);
      const lamp = (await st.getUserJobs(maria!.id, { limit: 10 }))[0];
      expect(lamp).toMatchObject({
        idempotencyKey: "import:a0000000-0000-0000-0000-000000000010",
        productText: "Настольная лампа (plain text from the first version)",
        creditsCharged: 1,
      });
      // Nothing imported is ever picked up by the workers.
      expect(await claimNextJob(st, "w1", 60_000)).toBeNull();
      expect((await st.getQueueStats()).queued).toBe(0);
    });

    it("changes nothing when run a second time", async () => {
      const { box, store } = await setup();
      await importSupabase({ config: box.config, logger, ...files });
      const again = await importSupabase({ config: box.config, logger, ...files });
      expect(again.users).toEqual({ read: 11, created: 0, merged: 0, alreadyImported: 5, rejected: 6 });
      expect(again.creditsGranted).toBe(0);
      expect(again.jobs).toMatchObject({ imported: 0, alreadyImported: 6, rejected: 6 });
      const st = await store();
      expect(await st.countUsers()).toBe(5);
      const alice = await st.getUserByTgId(100001);
      expect(alice?.credits).toBe(5);
      expect(await ledgerSum(st, alice!.id)).toBe(5);
      expect(await st.countUserJobs(alice!.id)).toBe(2);
    });

    /** A users.csv with the given rows after the header; an empty jobs.csv. */
    function exports(box: Sandbox, rows: string[]) {
      const usersCsv = join(box.dir, "users.csv");
      const jobsCsv = join(box.dir, "jobs.csv");
      writeFileSync(usersCsv, `id,tg_user_id,username,credits\n${rows.join("\n")}\n`);
      writeFileSync(jobsCsv, "id,tg_user_id,status\n");
      return { usersCsv, jobsCsv };
    }

    it("an unclosed quote rejects the row where it opened and every row it swallowed, each by its line", async () => {
      const { box, store } = await setup();
      const rows = [`u1,200001,first,1`, `u2,200002,"never closed,2`];
      for (let i = 3; i <= 11; i++) rows.push(`u${i},2000${String(i).padStart(2, "0")},user${i},1`);
      rows[rows.length - 1] = `u11,200011,"quoted",1`; // where the parser finally notices
      rows.push(`u12,200012,after,3`);
      const report = await importSupabase({ config: box.config, logger, ...exports(box, rows) });

      // Lines 3 to 12 hold ten rows: none of them can be read.
      expect(report.users).toEqual({ read: 12, created: 2, merged: 0, alreadyImported: 0, rejected: 10 });
      expect(report.rejected.map((r) => r.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(report.rejected[0]!.reason).toMatch(
        /^unreadable CSV: a quote opened on this line is not closed properly, so lines 3-12 could not be read/,
      );
      expect(report.rejected[1]!.reason).toBe("inside the unclosed quote of line 3: not read");
      const st = await store();
      expect((await st.getUserByTgId(200001))?.credits).toBe(1);
      expect((await st.getUserByTgId(200012))?.credits).toBe(3);
    });

    it("a quote left open to the end of the file rejects every row after it", async () => {
      const { box } = await setup();
      const report = await importSupabase({
        config: box.config,
        logger,
        ...exports(box, [`u1,200101,ok,1`, `u2,200102,"open,1`, `u3,200103,lost,1`, `u4,200104,lost,1`]),
      });
      expect(report.users).toMatchObject({ read: 4, created: 1, rejected: 3 });
      expect(report.rejected.map((r) => r.line)).toEqual([3, 4, 5]);
    });

    it("a balance too large for the database rejects that row, not the whole import", async () => {
      const { box, store } = await setup();
      const early = await store();
      const { user } = await early.getOrCreateUser({ tgId: 200203 });
      await early.addCredits({
        userId: user.id,
        amount: 2_000_000_000,
        reason: "admin_grant",
        reference: "rich",
      });
      const report = await importSupabase({
        config: box.config,
        logger,
        ...exports(box, [`u1,200201,huge,3000000000`, `u2,200202,fine,7`, `u3,200203,overflow,200000000`]),
      });
      expect(report.users).toEqual({ read: 3, created: 1, merged: 0, alreadyImported: 0, rejected: 2 });
      expect(report.rejected).toEqual([
        {
          file: "users",
          line: 2,
          reason: "credits 3000000000 is larger than 2147483647, the most the database can hold",
        },
        {
          file: "users",
          line: 4,
          reason: "credits 200000000 on top of the 2000000001 the user already has would exceed 2147483647",
        },
      ]);
      const st = await store();
      expect((await st.getUserByTgId(200202))?.credits).toBe(7);
      expect(await st.getUserByTgId(200201)).toBeNull();
      expect((await st.getUserByTgId(200203))?.credits).toBe(2_000_000_001);
    });

    it("reports how far each file has been read", async () => {
      const { box } = await setup();
      const seen: Progress[] = [];
      await importSupabase({ config: box.config, logger, ...files, onProgress: (p) => seen.push(p) });
      for (const phase of ["import users", "import jobs", "check credits history"]) {
        const last = seen.filter((p) => p.phase === phase).at(-1);
        expect(last, phase).toMatchObject({ unit: "bytes" });
        expect(last!.done, phase).toBe(last!.total);
        expect(last!.total, phase).toBeGreaterThan(0);
      }
    });

    it("imports without the optional credits history file", async () => {
      const { box } = await setup();
      const report = await importSupabase({
        config: box.config,
        logger,
        usersCsv: files.usersCsv,
        jobsCsv: files.jobsCsv,
      });
      expect(report.creditsHistory).toBeUndefined();
      expect(report.jobs.imported).toBe(6);
    });
  });
}
