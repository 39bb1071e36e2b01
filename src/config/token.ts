// The shape of a bot token, in one place: the config accepts exactly what the log scrubber
// (src/logger.ts) masks, so no token the program runs with can reach a log line in clear.
// Its own file without imports: the logger stays free of the config's dependencies.

/** The bot's numeric id, a colon, the secret (35 characters from @BotFather today; 20 accepted). */
export const BOT_TOKEN_SOURCE = String.raw`(\d+):([\w-]{20,})`;

/** How a token looks, for messages: never an owner's real value. */
export const BOT_TOKEN_SHAPE = "123456789:AA…";

/** What is wrong with a value that is not a bot token, in words; undefined when it is one. */
export function botTokenProblem(value: string): string | undefined {
  if (new RegExp(`^${BOT_TOKEN_SOURCE}$`).test(value)) return undefined;
  const colon = value.indexOf(":");
  const what =
    colon < 0
      ? "it has no colon"
      : !/^\d+$/.test(value.slice(0, colon))
        ? "the part before the colon is not the bot's numeric id"
        : !/^[\w-]*$/.test(value.slice(colon + 1))
          ? "after the colon it has characters a token never has (look for spaces, quotes or a second colon)"
          : `it has only ${value.length - colon - 1} characters after the colon (a token from @BotFather has 35)`;
  return `${what}; a bot token is the bot's numeric id, a colon and a secret (letters, digits, - and _), shaped ${BOT_TOKEN_SHAPE}, copied whole from @BotFather`;
}
