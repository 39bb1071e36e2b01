// What a command may touch of the outside world, passed in so tests run the CLI in-process with
// their own environment and capture what it prints.
import { type Config, ConfigError, loadEnvFile, parseConfig, redactSecrets } from "../config/index.ts";
import { createLogger, type Logger } from "../logger.ts";

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The running executable (or node under tsx): `.env` is looked up next to it first. */
  execPath: string;
  /** True when stdout is a terminal: readable log lines and progress bars. */
  isTTY: boolean;
  /** Where the bot's log lines go (default: stdout, synchronously). */
  logDestination?: { write(line: string): void };
  /** Resolves when SIGINT/SIGTERM arrives (long-running commands wait on it). */
  waitForSignal(): Promise<NodeJS.Signals>;
}

/** A failure the user can act on: its message is printed as is, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
    execPath: process.execPath,
    isTTY: Boolean(process.stdout.isTTY),
    waitForSignal: () =>
      new Promise((resolve) => {
        const on = (s: NodeJS.Signals) => {
          process.off("SIGINT", on);
          process.off("SIGTERM", on);
          resolve(s);
        };
        process.on("SIGINT", on);
        process.on("SIGTERM", on);
      }),
  };
}

/** Turns any thrown value into one printable line that never contains a secret. */
export function describeError(err: unknown, env: NodeJS.ProcessEnv): string {
  const msg = err instanceof Error ? err.message : String(err);
  return redactSecrets(msg, env);
}

/** Validated config, or ConfigError with one line per problem. */
export function readConfig(io: CliIo): Config {
  return parseConfig(io.env);
}

export function printConfigError(io: CliIo, err: ConfigError): void {
  io.err("Configuration is not valid:");
  for (const p of err.problems) io.err(`  ✗ ${redactSecrets(p, io.env)}`);
  io.err("Set these in .env next to the executable (or pass --env-file) and try again.");
}

/**
 * Logger for one command: the bot logs to stdout as the issue asks; short admin commands log to
 * stderr at warn so their output stays clean for pipes.
 */
export function commandLogger(
  io: CliIo,
  config: Pick<Config, "logLevel" | "deprecations">,
  longRunning: boolean,
): Logger {
  const logger = longRunning
    ? createLogger({ level: config.logLevel, pretty: io.isTTY, destination: io.logDestination })
    : createLogger({
        level: config.logLevel === "debug" || config.logLevel === "trace" ? config.logLevel : "warn",
        pretty: true,
        destination: { write: (line: string) => io.err(line.replace(/\n$/, "")) },
      });
  // Old .env names of the previous bot: one line each, for every command.
  for (const d of config.deprecations) logger.warn(d);
  return logger;
}

export { ConfigError, loadEnvFile };

/**
 * A command's action with the store open (closed after, also on failure) and the command's logger.
 * The database code is loaded only when a command runs, not for `--help`.
 */
export function storeAction<A extends unknown[]>(
  io: CliIo,
  fn: (store: import("../db/store.ts").Store, logger: Logger, ...args: A) => Promise<void>,
) {
  return async (...args: unknown[]): Promise<void> => {
    const config = readConfig(io);
    const logger = commandLogger(io, config, false);
    const { withStore } = await import("./context.ts");
    await withStore(config, logger, io.env, (store) => fn(store, logger, ...(args as A)));
  };
}
