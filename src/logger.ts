// pino, synchronous to stdout: transports start worker threads that load modules from disk and
// break inside a single executable. On a terminal the lines are made readable by a tiny formatter
// instead of pino-pretty for the same reason.
import { pino } from "pino";
import { BOT_TOKEN_SOURCE } from "./config/token.ts";

export type Logger = pino.Logger;

const REDACT = [
  "token",
  "botToken",
  "apiKey",
  "apiKeys",
  "password",
  "authorization",
  "*.token",
  "*.botToken",
  "*.apiKey",
  "*.authorization",
  "*.headers.authorization",
  "config.botToken",
  "config.database.url",
];

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

function prettyLine(line: string): string {
  try {
    const { level, time, msg, pid: _p, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const t = new Date(Number(time)).toISOString().slice(11, 23);
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
    return `${t} ${(LEVELS[Number(level)] ?? String(level)).padEnd(5)} ${String(msg ?? "")}${extra}\n`;
  } catch {
    return line;
  }
}

// Bot API URLs carry the token (`/bot<token>/getMe`, `/file/bot<token>/...`) and fetch errors quote
// the URL, deep inside an error's cause where path-based redaction cannot reach. Every line is
// scrubbed at the sink instead, whatever object the token hides in. The pattern is the config's
// own, so every token the program accepts is masked.
const BOT_TOKEN_IN_TEXT = new RegExp(BOT_TOKEN_SOURCE, "g");

/** Masks anything shaped like a Telegram bot token. */
export function scrubTokens(line: string): string {
  return line.replace(BOT_TOKEN_IN_TEXT, "$1:***");
}

export interface LoggerOptions {
  level?: string;
  /** Readable lines instead of JSON (default: when stdout is a terminal). */
  pretty?: boolean;
  /** Where lines go (default stdout); tests pass a collector. */
  destination?: { write(line: string): void };
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  const sink = opts.destination ?? pino.destination({ dest: 1, sync: true });
  const stream = pretty
    ? { write: (line: string) => sink.write(prettyLine(scrubTokens(line))) }
    : { write: (line: string) => sink.write(scrubTokens(line)) };
  return pino(
    {
      level: opts.level ?? "info",
      base: undefined,
      redact: { paths: REDACT, censor: "***" },
      serializers: { err: pino.stdSerializers.err },
    },
    stream,
  );
}
