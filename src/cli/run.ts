// `neurocards run` (the default), `neurocards worker` and `neurocards migrate`.
import type { Command } from "commander";
import type { Config } from "../config/index.ts";
import { createLogger, type Logger } from "../logger.ts";
import { CliError, type CliIo, commandLogger, readConfig } from "./io.ts";

/** SIGTERM to exit: systemd waits 20 s (the unit's TimeoutStopSec); we promise 10. */
const STOP_DEADLINE_MS = 9_000;
const UNCAUGHT = "uncaught exception";

/**
 * Unhandled rejections are logged and the process keeps going: one failed promise in a handler
 * must not take the bot down for everyone. An uncaught exception leaves unknown state behind, so
 * it is logged and the process shuts down cleanly (systemd restarts it).
 */
function watchProcess(logger: Logger, stop: (reason: string) => void): () => void {
  const onRejection = (reason: unknown) => logger.error({ err: reason }, "unhandled promise rejection");
  const onException = (err: Error) => {
    logger.fatal({ err }, "uncaught exception: shutting down");
    stop(UNCAUGHT);
  };
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  };
}

async function serve(io: CliIo, config: Config, mode: "all" | "worker"): Promise<void> {
  const logger = commandLogger(io, config, true);
  let stopRequested: (reason: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stopRequested = resolve;
  });
  const unwatch = watchProcess(logger, (r) => stopRequested(r));
  try {
    // Loaded on demand: the bot's dependency tree is most of the bundle, and --version, doctor
    // and the admin commands start faster without evaluating it.
    const [{ createApp }, { sqliteBinding }] = await Promise.all([
      import("../app.ts"),
      import("./context.ts"),
    ]);
    const app = await createApp(config, logger, { mode, nativeBinding: sqliteBinding(config, io.env) });
    try {
      await app.start();
    } catch (err) {
      // Half-started (e.g. the HTTP port is taken): close what did start before reporting.
      await app.stop();
      if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw new CliError(
          `HTTP port ${config.http.host}:${config.http.port} is in use (another program, or neurocards already running): stop it or set HTTP_PORT`,
        );
      }
      throw err;
    }
    const reason = await Promise.race([io.waitForSignal(), stopped]);
    logger.info({ reason }, "shutting down");
    const deadline = new Promise<"late">((resolve) => setTimeout(resolve, STOP_DEADLINE_MS, "late").unref());
    if ((await Promise.race([app.stop().then(() => "done" as const), deadline])) === "late") {
      logger.error("shutdown took too long: exiting anyway (running jobs resume from their leases)");
    } else {
      logger.info("stopped");
    }
    // Exit 1 so systemd's Restart=on-failure brings the bot back.
    if (reason === UNCAUGHT) throw new CliError("", 1);
  } finally {
    unwatch();
  }
}

export function registerRunCommands(program: Command, io: CliIo): void {
  program
    .command("run", { isDefault: true })
    .description("run the bot: Telegram polling, the HTTP server and the workers (the default)")
    .action(async () => serve(io, readConfig(io), "all"));

  program
    .command("worker")
    .description("run only workers (Postgres): more machines share one queue; no Telegram polling")
    .action(async () => {
      const config = readConfig(io);
      if (config.database.type !== "postgres") {
        throw new CliError(
          "`neurocards worker` needs DATABASE_TYPE=postgres: with SQLite one process owns the database, and `neurocards run` already runs the workers",
        );
      }
      await serve(io, config, "worker");
    });

  program
    .command("migrate")
    .description("apply database migrations now (run also applies them at start)")
    .action(async () => {
      const config = readConfig(io);
      // Info to stderr: each applied migration is one line.
      const { withStore } = await import("./context.ts");
      const logger = createLogger({
        level: "info",
        pretty: true,
        destination: { write: (l) => io.err(l.trimEnd()) },
      });
      await withStore(config, logger, io.env, async () => {});
      io.out(`database is up to date (${config.database.type})`);
    });
}
