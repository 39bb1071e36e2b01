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
  // Listening from the first moment, not once started: a SIGTERM while the database migrates or
  // Telegram does not answer must still stop what has started.
  const signal = io.waitForSignal();
  let crash: (reason: string) => void = () => {};
  const crashed = new Promise<string>((resolve) => {
    crash = resolve;
  });
  const unwatch = watchProcess(logger, (r) => crash(r));
  const stopRequested = Promise.race([signal, crashed]);
  let stopAsked = false;
  void stopRequested.then(() => {
    stopAsked = true;
  });
  try {
    const creating = (async () => {
      // Loaded on demand: the bot's dependency tree is most of the bundle, and --version, doctor
      // and the admin commands start faster without evaluating it.
      const [{ createApp }, { sqliteBinding }] = await Promise.all([
        import("../app.ts"),
        import("./context.ts"),
      ]);
      return createApp(config, logger, { mode, nativeBinding: sqliteBinding(config, io.env) });
    })();
    const starting = creating.then(async (app) => {
      if (!stopAsked) await app.start();
    });
    let reason: string;
    try {
      reason = await Promise.race([starting.then(() => stopRequested), stopRequested]);
    } catch (err) {
      // Half-started (e.g. the HTTP port is taken): close what did start before reporting.
      await (await creating.catch(() => undefined))?.stop();
      if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw new CliError(
          `HTTP port ${config.http.host}:${config.http.port} is in use (another program, or neurocards already running): stop it or set HTTP_PORT`,
        );
      }
      throw err;
    }
    logger.info({ reason }, "shutting down");
    // An app still being created (migrations) is stopped once it exists; start() still waiting
    // for Telegram is left behind: stop() closes everything it opened.
    const stopping = creating.then(
      (app) => app.stop(),
      (err: unknown) => logger.warn({ err }, "start-up failed while shutting down"),
    );
    const deadline = new Promise<"late">((resolve) => setTimeout(resolve, STOP_DEADLINE_MS, "late").unref());
    if ((await Promise.race([stopping.then(() => "done" as const), deadline])) === "late") {
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
      if (config.queue.concurrency === 0) {
        throw new CliError(
          "`neurocards worker` with WORKER_CONCURRENCY=0 would render nothing: set it to 1 or more on worker machines",
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
