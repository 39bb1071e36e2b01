// `neurocards backup`, `restore` and `import-supabase`: the command-line side of src/backup and
// src/import (their logic lives there); here are the options, the progress output and the
// one-line summaries.
import { resolve } from "node:path";
import type { Command } from "commander";
import type { Manifest } from "../backup/manifest.ts";
import { positiveInt } from "./admin.ts";
import { CliError, type CliIo, commandLogger, readConfig } from "./io.ts";

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function summary(m: Manifest): string {
  const rows = (t: string) => m.tables[t]?.rows ?? 0;
  const files = m.storage
    ? `files staying in s3://${m.storage.bucket}`
    : `${m.files.count} files (${mb(m.files.bytes)})`;
  return `${rows("users")} users, ${rows("jobs")} jobs, ${rows("credit_ledger")} ledger rows, ${rows("payments")} payments, ${files}`;
}

/** A bar on a terminal, plain lines otherwise (journald, pipes). */
export async function progress(io: CliIo) {
  // The renderers alone: the backup module (tar, both database drivers) is not needed to draw a bar.
  const { createProgressBar, createProgressLines } = await import("../backup/progress.ts");
  if (io.isTTY) return createProgressBar(process.stderr);
  return createProgressLines({
    write: (s: string) => {
      for (const line of s.split("\n")) if (line.trim()) io.err(line);
    },
  });
}

export function registerDataCommands(program: Command, io: CliIo): void {
  program
    .command("backup")
    .description("write a consistent backup (database + files) while the bot runs, into one .tar.gz")
    .option("--out <dir>", "folder for the archive (default: BACKUP_DIR)")
    .option("--keep <n>", "then keep only the newest N archives there", positiveInt)
    .action(async (opts: { out?: string; keep?: number }) => {
      const config = readConfig(io);
      const logger = commandLogger(io, config, false);
      const [{ createBackup, OffsiteError }, { sqliteBinding }] = await Promise.all([
        import("../backup/index.ts"),
        import("./context.ts"),
      ]);
      const bar = await progress(io);
      const r = await createBackup({
        config,
        logger,
        outDir: opts.out ? resolve(io.cwd, opts.out) : undefined,
        keep: opts.keep,
        onProgress: bar,
        nativeBinding: sqliteBinding(config, io.env),
      })
        .catch((err: unknown) => {
          if (err instanceof OffsiteError) throw new CliError(err.message);
          throw err;
        })
        .finally(() => bar.end());
      io.out(`backup written: ${r.path} (${mb(r.bytes)})`);
      io.out(`  ${summary(r.manifest)}`);
      for (const old of r.rotated) io.out(`  removed old backup ${old}`);
      if (r.uploaded) io.out(`  uploaded to ${r.uploaded.url}`);
      for (const old of r.uploaded?.rotated ?? []) io.out(`  removed old backup ${old}`);
    });

  program
    .command("restore")
    .description("restore a backup into the configured database (SQLite or Postgres) and storage folder")
    .argument(
      "<archive>",
      "a .tar.gz made by `neurocards backup`, or its off-site copy s3://bucket/key (s3://bucket/prefix/ takes the newest)",
    )
    .option("--force", "replace a database (and files) that already hold data")
    .action(async (archive: string, opts: { force?: boolean }) => {
      const config = readConfig(io);
      const logger = commandLogger(io, config, false);
      const [{ restoreBackup, RestoreRefusedError, ArchiveError }, { sqliteBinding }] = await Promise.all([
        import("../backup/index.ts"),
        import("./context.ts"),
      ]);
      const bar = await progress(io);
      try {
        // The bar ends before anything else is printed, or the summary would continue its line.
        const r = await restoreBackup({
          config,
          logger,
          archive: archive.startsWith("s3://") ? archive : resolve(io.cwd, archive),
          force: opts.force,
          onProgress: bar,
          nativeBinding: sqliteBinding(config, io.env),
        }).finally(() => bar.end());
        io.out(
          `restored ${summary(r.manifest)} from neurocards ${r.manifest.program.version} (${r.manifest.dialect}) into ${config.database.type}${r.replaced ? ", replacing the old data" : ""}`,
        );
        const kept = r.manifest.storage?.bucket;
        if (kept && (config.storage.type !== "s3" || config.storage.s3?.bucket !== kept))
          io.out(
            `  the files are in s3://${kept}: set STORAGE_TYPE=s3 and S3_BUCKET=${kept} (with its S3_* connection), or copy them here with \`neurocards storage migrate --to local\``,
          );
      } catch (err) {
        if (err instanceof RestoreRefusedError) throw new CliError(err.message);
        if (err instanceof ArchiveError) throw new CliError(`the archive cannot be used: ${err.message}`);
        throw err;
      }
    });

  program
    .command("import-supabase")
    .description("import users, balances and job history from the old bot's CSV exports (safe to run twice)")
    .requiredOption("--users <file>", "users.csv (COPY users TO STDOUT WITH CSV HEADER)")
    .requiredOption("--jobs <file>", "jobs.csv")
    .option("--credits-history <file>", "credits_history.csv: checked against the balances")
    .action(async (opts: { users: string; jobs: string; creditsHistory?: string }) => {
      const config = readConfig(io);
      const logger = commandLogger(io, config, false);
      const [{ importSupabase, formatImportReport }, { sqliteBinding }] = await Promise.all([
        import("../import/index.ts"),
        import("./context.ts"),
      ]);
      const bar = await progress(io);
      const report = await importSupabase({
        config,
        logger,
        usersCsv: resolve(io.cwd, opts.users),
        jobsCsv: resolve(io.cwd, opts.jobs),
        creditsHistoryCsv: opts.creditsHistory ? resolve(io.cwd, opts.creditsHistory) : undefined,
        nativeBinding: sqliteBinding(config, io.env),
        onProgress: bar,
      }).finally(() => bar.end());
      for (const line of formatImportReport(report).split("\n")) io.out(line);
    });
}
