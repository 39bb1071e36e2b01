// The command line: one commander program, one file per command group. Exit codes: 0 ok,
// 1 failure, 2 usage (commander's exitOverride turns its own exits into these).
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Command, CommanderError } from "commander";
import { VERSION } from "../version.ts";
import { registerAdminCommands } from "./admin.ts";
import { registerCostCommands } from "./costs.ts";
import { registerDataCommands } from "./data.ts";
import { registerDoctor } from "./doctor.ts";
import {
  CliError,
  type CliIo,
  ConfigError,
  describeError,
  EXIT,
  loadEnvFile,
  printConfigError,
} from "./io.ts";
import { registerPromoCommands } from "./promo.ts";
import { registerRunCommands } from "./run.ts";
import { registerServiceCommands } from "./service.ts";
import { registerStorageCommands } from "./storage.ts";
import { registerTemplateCommands } from "./templates.ts";
import { registerUpdate } from "./update.ts";

/**
 * `--env-file` when given (must exist), else `.env` next to the executable, else `.env` in the
 * working directory. Values already in the environment win over the file.
 * Node 24 itself also scans the arguments for `--env-file` (nodejs/node#54232): it loads an
 * existing file with the same precedence (harmless) and stops with exit code 9 on a missing one
 * before this code runs.
 */
export function applyEnvFile(io: CliIo, explicit: string | undefined): string | undefined {
  if (explicit) {
    const path = resolve(io.cwd, explicit);
    if (!loadEnvFile(path, io.env)) throw new CliError(`env file not found: ${path}`, EXIT.usage);
    return path;
  }
  for (const path of [join(dirname(io.execPath), ".env"), join(io.cwd, ".env")]) {
    if (existsSync(path)) {
      loadEnvFile(path, io.env);
      return path;
    }
  }
  return undefined;
}

export function buildProgram(io: CliIo): Command {
  const program = new Command("neurocards")
    .description("Neurocards: a Telegram bot that sells AI-made product videos")
    .version(VERSION, "-v, --version", "print the version")
    .option(
      "--env-file <path>",
      "read settings from this file (default: .env next to the executable, else ./.env)",
    )
    .helpCommand(true)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
    })
    .exitOverride();
  program.hook("preAction", (thisCommand) => {
    thisCommand.setOptionValue(
      "resolvedEnvFile",
      applyEnvFile(io, thisCommand.opts<{ envFile?: string }>().envFile),
    );
  });
  registerRunCommands(program, io);
  registerDoctor(program, io);
  registerAdminCommands(program, io);
  registerPromoCommands(program, io);
  registerCostCommands(program, io);
  registerTemplateCommands(program, io);
  registerDataCommands(program, io);
  registerStorageCommands(program, io);
  registerServiceCommands(program, io);
  registerUpdate(program, io);
  return program;
}

/**
 * `run` is the default command, so commander would hand an unknown word to it ("too many
 * arguments for 'run'"); a typo deserves "unknown command" and a suggestion instead.
 */
function rejectUnknownCommand(program: Command, argv: string[]): void {
  let i = 0;
  while (i < argv.length && argv[i]?.startsWith("-")) i += argv[i] === "--env-file" ? 2 : 1;
  const word = argv[i];
  if (word === undefined) return;
  const known = [...program.commands.flatMap((c) => [c.name(), ...c.aliases()]), "help"];
  if (!known.includes(word)) {
    program.error(
      `error: unknown command '${word}' (commands: ${known.filter((k) => k !== "help").join(", ")})`,
      {
        code: "commander.unknownCommand",
        exitCode: EXIT.usage,
      },
    );
  }
}

/** Runs the CLI and returns the exit code; never throws and never prints a stack trace. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    rejectUnknownCommand(program, argv);
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (["commander.helpDisplayed", "commander.version"].includes(err.code)) return EXIT.ok;
      if (err.code === "commander.help") return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return EXIT.usage;
    }
    if (err instanceof ConfigError) {
      printConfigError(io, err);
      return EXIT.failure;
    }
    if (err instanceof CliError) {
      // An empty message: the command already said what went wrong (doctor's ✗ lines).
      if (err.message) io.err(`error: ${describeError(err, io.env)}`);
      return err.exitCode;
    }
    io.err(`error: ${describeError(err, io.env)}`);
    return EXIT.failure;
  }
}
