// What the owner learns at start about the providers the queue renders with: a missing kie.ai key
// stops every order (warned in the log and to the admins), a missing OpenAI key only means the
// templates' own prompts (one info line, so jobs need not repeat it).
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import type { Telegram } from "../telegram/types.ts";
import { messages } from "./messages.ts";

export interface ReadinessDeps {
  config: Pick<Config, "kie" | "openai">;
  telegram: Pick<Telegram, "notifyAdmins">;
  logger: Logger;
}

export async function reportProviders({ config, telegram, logger }: ReadinessDeps): Promise<void> {
  if (!config.openai.apiKey) logger.info("OpenAI not configured: template prompts are used");
  if (config.kie.apiKeys.length > 0) return;
  logger.warn("KIE_API_KEYS is empty: no video can be rendered; new orders are refused until a key is added");
  await telegram.notifyAdmins((l) => messages(l)("gen-admin-no-kie-keys"));
}
