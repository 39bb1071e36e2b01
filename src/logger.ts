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

type Fields = Record<string, unknown>;

const field = (o: unknown, key: string): unknown =>
  typeof o === "object" && o !== null ? (o as Fields)[key] : undefined;

/**
 * A failed Bot API call (grammY's HttpError: no answer; GrammyError: an error answer) in words a
 * person at a terminal can act on; undefined for any other error. Read from the serialized error
 * because that is all a line carries.
 */
function telegramFailure(err: unknown): string | undefined {
  const type = field(err, "type");
  if (type === "GrammyError")
    return `Telegram answered ${field(err, "error_code")}: ${field(err, "description")}`;
  if (type !== "HttpError") return undefined;
  const cause = field(err, "error");
  const text = String(field(cause, "message") ?? "");
  const timedOut = /Request to '(\w+)' timed out after ([\d.]+) seconds/.exec(text);
  const code = field(cause, "code");
  const why = timedOut
    ? `no answer to ${timedOut[1]} in ${timedOut[2]} s`
    : typeof code === "string"
      ? code
      : text;
  // grammY's node-fetch quotes the URL; undici's errors name the host or address instead.
  const address = field(cause, "address");
  const where =
    /request to (https?:\/\/[^/\s]+)/.exec(text)?.[1] ??
    field(cause, "hostname") ??
    (address ? `${address}:${field(cause, "port")}` : undefined);
  const detail = [why, where].filter(Boolean).join(" ");
  return `Telegram unreachable${detail ? ` (${detail})` : ""}: check network or TELEGRAM_API_ROOT`;
}

const seconds = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

function prettyLine(line: string, withStacks: boolean): string {
  try {
    const { level, time, msg, pid: _p, hostname: _h, ...rest } = JSON.parse(line) as Fields;
    const t = new Date(Number(time)).toISOString().slice(11, 23);
    let text = String(msg ?? "");
    const failure = telegramFailure(rest.err);
    if (failure) {
      // One line instead of a JSON stack: the message the caller wrote (without the error's own
      // text when it quoted it), what went wrong, and when it is tried again.
      const own = String(field(rest.err, "message") ?? "");
      if (own) text = text.replace(`: ${own}`, "");
      // The poller words some answers itself (401: "BOT_TOKEN is wrong or revoked").
      const said = field(rest.err, "description");
      if (!(typeof said === "string" && text.includes(said))) text += `: ${failure}`;
      if (typeof rest.retryInMs === "number") text += `; retrying in ${seconds(rest.retryInMs)}`;
      delete rest.retryInMs;
      if (!withStacks) delete rest.err;
    }
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
    return `${t} ${(LEVELS[Number(level)] ?? String(level)).padEnd(5)} ${text}${extra}\n`;
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
  // Stacks of failed Telegram calls on a terminal only at debug level: read when a line is
  // written, so a level changed later counts.
  const withStacks = () => logger.isLevelEnabled("debug");
  const stream = pretty
    ? { write: (line: string) => sink.write(prettyLine(scrubTokens(line), withStacks())) }
    : { write: (line: string) => sink.write(scrubTokens(line)) };
  const logger: Logger = pino(
    {
      level: opts.level ?? "info",
      base: undefined,
      redact: { paths: REDACT, censor: "***" },
      serializers: { err: pino.stdSerializers.err },
    },
    stream,
  );
  return logger;
}
