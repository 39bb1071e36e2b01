// `neurocards storage migrate --to s3|local`: the command-line side of src/storage/migrate.ts
// (options, the guard against removing files the bot still reads, progress and the summary).
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { progress } from "./data.ts";
import { CliError, type CliIo, commandLogger, readConfig } from "./io.ts";

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const BUCKET_NEEDED =
  "`storage migrate` needs the bucket: set S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (with S3_ENDPOINT, S3_REGION and S3_FORCE_PATH_STYLE for a service other than AWS)";

export function registerStorageCommands(program: Command, io: CliIo): void {
  const storage = program.command("storage").description("the stored photos and results");
  storage
    .command("migrate")
    .description(
      "copy every stored file to the other storage (local folder ↔ S3 bucket) under the same key, each copy read back and verified; resumable",
    )
    .addOption(new Option("--to <type>", "where the files go").choices(["s3", "local"]).makeOptionMandatory())
    .option(
      "--remove-source",
      "delete each original once its copy is verified (after STORAGE_TYPE points at the target)",
    )
    .action(async (opts: { to: "s3" | "local"; removeSource?: boolean }) => {
      const config = readConfig(io);
      if (!config.storage.s3) throw new CliError(BUCKET_NEEDED, 2);
      const source = opts.to === "s3" ? "local" : "s3";
      if (opts.removeSource && config.storage.type === source)
        throw new CliError(
          `the bot reads its files from ${source} storage (STORAGE_TYPE=${source}): copy first, switch STORAGE_TYPE to ${opts.to} and restart, then run this with --remove-source`,
          2,
        );
      const logger = commandLogger(io, config, false);
      const [{ createStorage }, { migrateStorage }] = await Promise.all([
        import("../storage/index.ts"),
        import("../storage/migrate.ts"),
      ]);
      const from = createStorage(config, logger, source);
      const to = createStorage(config, logger, opts.to);
      const folder = resolve(config.storage.path);
      await mkdir(folder, { recursive: true });
      // One journal per destination: a different bucket starts over.
      const id = createHash("sha256").update(to.location).digest("hex").slice(0, 12);
      const journal = join(folder, `.migrate-to-${opts.to}-${id}.ndjson`);
      io.out(`${opts.removeSource ? "moving" : "copying"} files from ${from.location} to ${to.location}`);
      const stop = new AbortController();
      void io.waitForSignal().then(() => stop.abort());
      const bar = await progress(io);
      try {
        const r = await migrateStorage({
          from,
          to,
          journal,
          removeSource: opts.removeSource,
          onProgress: bar,
          signal: stop.signal,
          logger,
        }).finally(() => bar.end());
        io.out(
          `${r.files} files: ${r.copied} copied (${mb(r.copiedBytes)}) and verified by size and sha256, ${r.alreadyThere} already there from an earlier run`,
        );
        if (opts.removeSource) io.out(`  ${r.removed} originals removed from ${from.location}`);
        for (const f of r.failed) io.err(`  ✗ ${f.key}: ${f.reason}`);
        if (r.failed.length)
          throw new CliError(
            `${r.failed.length} file(s) did not verify; run the same command again to retry them`,
          );
        if (config.storage.type !== opts.to)
          io.out(`next: set STORAGE_TYPE=${opts.to} in .env and restart neurocards`);
      } catch (err) {
        if (stop.signal.aborted) throw new CliError("stopped; run the same command again to continue");
        throw err;
      } finally {
        await Promise.all([from.close(), to.close()]);
      }
    });
}
