// The broadcast sender (../broadcast/) wired with the admin-facing progress texts;
// resumeBroadcasts() continues what a restart interrupted. The texts are the admin panel's, so
// this lives here and broadcast/ knows nothing of admin/.
import { type Broadcaster, type BroadcasterDeps, createBroadcaster } from "../broadcast/broadcaster.ts";
import type { BroadcastsRepository, UsersRepository } from "../db/store.ts";
import { localeOfUser } from "../i18n/language.ts";
import type { Logger } from "../logger.ts";
import type { Telegram } from "../telegram/types.ts";
import { adminTexts } from "./locales.ts";

export interface BroadcastsDeps {
  store: UsersRepository & BroadcastsRepository;
  telegram: Telegram;
  logger: Logger;
  /** Tuning for tests; see BroadcasterDeps. */
  options?: Pick<BroadcasterDeps, "batchSize" | "progressEveryMs" | "progressEveryUsers" | "maxFloodTries">;
}

export function createBroadcasts({ store, telegram, logger, options }: BroadcastsDeps): Broadcaster {
  const texts = adminTexts();
  return createBroadcaster({
    store,
    telegram,
    logger,
    ...options,
    async progressText(b, done) {
      const locale = localeOfUser(await store.getUserByTgId(b.adminTgId));
      const vars = {
        id: b.id,
        total: b.total,
        done: b.sent + b.failed + b.blocked,
        sent: b.sent,
        failed: b.failed,
        blocked: b.blocked,
      };
      return texts.t(locale, done ? "adm-bc-done" : "adm-bc-progress", vars);
    },
  });
}
