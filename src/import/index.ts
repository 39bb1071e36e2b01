// `neurocards import-supabase`: moves users, balances and job history from the old Python bot's
// CSV exports into our database. Idempotent: a user's opening balance is one ledger row with the
// reference `import:user:<tg id>` (unique), and each job keeps the old idempotency key prefixed
// with `import:` (unique) — a second run finds both and changes nothing. Rows that cannot be read
// are skipped and reported with their line and the reason; they never stop the import. Opening
// balances go through the ledger's own `move`, like every other balance change.

import type { ProgressCallback } from "../backup/progress.ts";
import type { Config } from "../config/index.ts";
import { type Driver, join, type Op, one, openDriver, raw, run, sql } from "../db/driver/index.ts";
import { lockBalance, move, referenceTaken } from "../db/ops/ledger.ts";
import { newReferralCode } from "../db/util.ts";
import type { Logger } from "../logger.ts";
import { type Catalogue, createCatalogue } from "../templates/index.ts";
import { type CsvRecord, readCsv } from "./csv.ts";
import { type ImportedJob, mapJob } from "./jobs.ts";
import { MAX_INTEGER_COLUMN, RowError, text, tgId, timestamp, wholeNumber } from "./values.ts";

export interface ImportOptions {
  config: Config;
  logger: Logger;
  usersCsv: string;
  jobsCsv: string;
  creditsHistoryCsv?: string;
  catalogue?: Catalogue;
  nativeBinding?: string | object;
  now?: Date;
  /** How far each file has been read ("import users", "import jobs", "check credits history"). */
  onProgress?: ProgressCallback;
}

export interface RejectedRow {
  file: "users" | "jobs" | "credits_history";
  line: number;
  reason: string;
}

export interface ImportReport {
  users: { read: number; created: number; merged: number; alreadyImported: number; rejected: number };
  /** Sum of the opening balances credited by this run. */
  creditsGranted: number;
  jobs: {
    read: number;
    imported: number;
    alreadyImported: number;
    rejected: number;
    succeeded: number;
    failed: number;
  };
  creditsHistory?: {
    read: number;
    rejected: number;
    mismatches: Array<{ tgId: number; credits: number; historySum: number }>;
  };
  rejected: RejectedRow[];
}

interface OldUser {
  line: number;
  tgId: number;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  credits: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Rows per transaction: big enough to be fast, small enough not to hold the bot's writes for long. */
const BATCH = 500;

function mapUser(r: CsvRecord, now: Date): OldUser {
  const createdAt = timestamp(r.get("created_at"), "created_at") ?? now;
  return {
    line: r.line,
    tgId: tgId(r.get("tg_user_id") ?? r.get("tg_id"), r.has("tg_user_id") ? "tg_user_id" : "tg_id"),
    username: text(r.get("username")),
    firstName: text(r.get("first_name")),
    lastName: text(r.get("last_name")),
    credits: wholeNumber(r.get("credits"), "credits", 0),
    createdAt,
    updatedAt: timestamp(r.get("updated_at"), "updated_at") ?? createdAt,
  };
}

function* userByTg(tg: number): Op<{ id: number; credits: number } | null> {
  const row = yield* one(sql`select id, credits from users where tg_id = ${tg}`);
  return row ? { id: Number(row.id), credits: Number(row.credits) } : null;
}

type UserOutcome = "created" | "merged" | "already" | { rejected: string };

/** Creates the user (when new) and credits the opening balance once; returns what happened. */
function* importUser(u: OldUser, now: Date): Op<UserOutcome> {
  const reference = `import:user:${u.tgId}`;
  if (yield* referenceTaken(reference)) return "already";
  const existing = yield* userByTg(u.tgId);
  // Checked before anything is written, so the rest of the batch goes on without this row.
  if (existing && existing.credits + u.credits > MAX_INTEGER_COLUMN)
    return {
      rejected: `credits ${u.credits} on top of the ${existing.credits} the user already has would exceed ${MAX_INTEGER_COLUMN}`,
    };
  let id = existing?.id ?? null;
  if (id === null) {
    const row = yield* one(
      sql`insert into users (tg_id, username, first_name, last_name, credits, referral_code, created_at, updated_at)
        values (${u.tgId}, ${u.username}, ${u.firstName}, ${u.lastName}, 0, ${newReferralCode()}, ${u.createdAt}, ${u.updatedAt})
        on conflict (tg_id) do nothing returning id`,
    );
    id = row ? Number(row.id) : ((yield* userByTg(u.tgId))?.id ?? null);
    if (id === null) throw new Error(`user ${u.tgId} could not be created`);
  }
  // Written even for a zero balance: the row is what marks the user imported.
  yield* lockBalance(id);
  yield* move(id, u.credits, "import", { reference, note: "opening balance from the old bot" }, now);
  return existing ? "merged" : "created";
}

const JOB_COLUMNS = raw(
  "user_id, chat_id, template, model, language, product_text, wishes, own_prompt, generated_prompt, provider, " +
    "provider_task_id, status, attempts, run_at, error_code, error_message, result_file_id, credits_charged, " +
    "idempotency_key, created_at, started_at, finished_at, updated_at",
);

/** Inserts an old job once (its `import:` key is unique); true when it was new. */
function* importJob(userId: number, j: ImportedJob): Op<boolean> {
  const values = [
    userId,
    j.tgId,
    j.template,
    j.model,
    // The old bot spoke Russian only.
    "ru",
    j.productText,
    j.wishes,
    j.ownPrompt,
    j.generatedPrompt,
    j.providerTaskId ? "kie" : null,
    j.providerTaskId,
    j.status,
    j.attempts,
    j.createdAt,
    j.errorCode,
    j.errorMessage,
    j.resultFileId,
    j.creditsCharged,
    j.idempotencyKey,
    j.createdAt,
    j.startedAt,
    j.finishedAt,
    j.updatedAt,
  ];
  const changed = yield* run(
    sql`insert into jobs (${JOB_COLUMNS}) values (${join(values)}) on conflict (idempotency_key) do nothing`,
  );
  return changed > 0;
}

export async function importSupabase(o: ImportOptions): Promise<ImportReport> {
  const now = o.now ?? new Date();
  const catalogue = o.catalogue ?? createCatalogue();
  const report: ImportReport = {
    users: { read: 0, created: 0, merged: 0, alreadyImported: 0, rejected: 0 },
    creditsGranted: 0,
    jobs: { read: 0, imported: 0, alreadyImported: 0, rejected: 0, succeeded: 0, failed: 0 },
    rejected: [],
  };
  const reject = (file: RejectedRow["file"], line: number, reason: string) => {
    report.rejected.push({ file, line, reason });
    if (file === "users") report.users.rejected++;
    else if (file === "jobs") report.jobs.rejected++;
    else if (report.creditsHistory) report.creditsHistory.rejected++;
  };
  const reason = (err: unknown) => {
    if (err instanceof RowError) return err.message;
    throw err;
  };

  // Opening migrates: importing into a brand-new database is the common case.
  const driver: Driver = await openDriver(o.config, o.logger, { nativeBinding: o.nativeBinding });
  try {
    // --- users ---
    const seen = new Map<number, number>();
    const oldCredits = new Map<number, number>();
    let batch: OldUser[] = [];
    const flushUsers = async () => {
      const rows = batch;
      batch = [];
      const outcomes = await driver.transaction(function* () {
        const list: UserOutcome[] = [];
        for (const u of rows) list.push(yield* importUser(u, now));
        return list;
      });
      rows.forEach((u, i) => {
        const what = outcomes[i] as UserOutcome;
        if (what === "already") report.users.alreadyImported++;
        else if (typeof what === "object") reject("users", u.line, what.rejected);
        else {
          report.users[what]++;
          report.creditsGranted += u.credits;
        }
      });
    };
    const progress = (phase: string) => (done: number, total: number) =>
      o.onProgress?.({ phase, done, total, unit: "bytes" });
    for await (const item of readCsv(o.usersCsv, progress("import users"))) {
      if (!item.ok) {
        report.users.read++;
        reject("users", item.line, item.reason);
        continue;
      }
      report.users.read++;
      try {
        const u = mapUser(item.record, now);
        const first = seen.get(u.tgId);
        if (first !== undefined)
          throw new RowError(`tg_user_id ${u.tgId} appears again (first on line ${first})`);
        seen.set(u.tgId, u.line);
        oldCredits.set(u.tgId, u.credits);
        batch.push(u);
        if (batch.length >= BATCH) await flushUsers();
      } catch (err) {
        reject("users", item.record.line, reason(err));
      }
    }
    if (batch.length) await flushUsers();

    // --- jobs ---
    const userIds = new Map<number, number | null>();
    let jobs: Array<{ userId: number; job: ImportedJob }> = [];
    const flushJobs = async () => {
      const rows = jobs;
      jobs = [];
      const inserted = await driver.transaction(function* () {
        const list: boolean[] = [];
        for (const { userId, job } of rows) list.push(yield* importJob(userId, job));
        return list;
      });
      rows.forEach(({ job }, i) => {
        if (inserted[i]) {
          report.jobs.imported++;
          report.jobs[job.status]++;
        } else report.jobs.alreadyImported++;
      });
    };
    for await (const item of readCsv(o.jobsCsv, progress("import jobs"))) {
      report.jobs.read++;
      if (!item.ok) {
        reject("jobs", item.line, item.reason);
        continue;
      }
      try {
        const job = mapJob(item.record, catalogue, now);
        if (!userIds.has(job.tgId))
          userIds.set(job.tgId, (await driver.run(() => userByTg(job.tgId)))?.id ?? null);
        const userId = userIds.get(job.tgId);
        if (userId == null)
          throw new RowError(`no user with tg_user_id ${job.tgId} (not in the users export)`);
        jobs.push({ userId, job });
        if (jobs.length >= BATCH) await flushJobs();
      } catch (err) {
        reject("jobs", item.record.line, reason(err));
      }
    }
    if (jobs.length) await flushJobs();

    // --- credits history: checked against the balances, never replayed (the opening row is the
    // balance; replaying history would count every credit twice) ---
    if (o.creditsHistoryCsv) {
      const history = {
        read: 0,
        rejected: 0,
        mismatches: [] as Array<{ tgId: number; credits: number; historySum: number }>,
      };
      report.creditsHistory = history;
      const sums = new Map<number, number>();
      for await (const item of readCsv(o.creditsHistoryCsv, progress("check credits history"))) {
        history.read++;
        if (!item.ok) {
          reject("credits_history", item.line, item.reason);
          continue;
        }
        try {
          const r = item.record;
          const tg = tgId(r.get("tg_user_id") ?? r.get("tg_id"), "tg_user_id");
          const column = ["delta", "amount", "change", "credits"].find((c) => r.has(c)) ?? "delta";
          // Only summed here, never stored: any safe integer will do.
          const delta = wholeNumber(
            r.get(column),
            column,
            0,
            Number.MIN_SAFE_INTEGER,
            Number.MAX_SAFE_INTEGER,
          );
          sums.set(tg, (sums.get(tg) ?? 0) + delta);
        } catch (err) {
          reject("credits_history", item.record.line, reason(err));
        }
      }
      for (const [tg, historySum] of sums) {
        const credits = oldCredits.get(tg);
        if (credits !== undefined && credits !== historySum)
          history.mismatches.push({ tgId: tg, credits, historySum });
      }
    }
  } finally {
    await driver.close();
  }
  // The parser reports unreadable records ahead of the rows before them: file order, then line.
  const order = ["users", "jobs", "credits_history"];
  report.rejected.sort((a, b) => order.indexOf(a.file) - order.indexOf(b.file) || a.line - b.line);
  o.logger.info(
    {
      users: report.users,
      jobs: report.jobs,
      rejected: report.rejected.length,
    },
    "import from the old bot finished",
  );
  return report;
}

/** The report as the CLI prints it: counts first, then every rejected row with its reason. */
export function formatImportReport(r: ImportReport): string {
  const lines = [
    `users: ${r.users.read} read, ${r.users.created} created, ${r.users.merged} merged into existing, ${r.users.alreadyImported} already imported, ${r.users.rejected} rejected`,
    `credits: ${r.creditsGranted} granted as opening balances`,
    `jobs: ${r.jobs.read} read, ${r.jobs.imported} imported (${r.jobs.succeeded} succeeded, ${r.jobs.failed} failed), ${r.jobs.alreadyImported} already imported, ${r.jobs.rejected} rejected`,
  ];
  if (r.creditsHistory) {
    lines.push(
      `credits history: ${r.creditsHistory.read} read, ${r.creditsHistory.rejected} rejected, ${r.creditsHistory.mismatches.length} users whose history does not add up to their balance`,
    );
    for (const m of r.creditsHistory.mismatches)
      lines.push(
        `  tg ${m.tgId}: balance ${m.credits}, history sums to ${m.historySum} (the balance was imported)`,
      );
  }
  if (r.rejected.length) {
    lines.push("rejected rows:");
    for (const x of r.rejected) lines.push(`  ${x.file}.csv line ${x.line}: ${x.reason}`);
  }
  return lines.join("\n");
}
