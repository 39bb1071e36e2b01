// The program a transcript is taken from: the bot with the features src/app.ts gives it (the
// payments gate before everything, promo codes before /start, the payments and admin features; a
// feature wired there must be added here too, or the transcripts cannot show it) and the real job
// queue, on one SQLite store, against the fake Bot API, kie.ai and OpenAI (test/queue-harness.ts).
//
// Two things are held still so that every run writes the same transcript:
// - the queue works only when the scene lets it (`work()`): a seller's tap never races a worker,
//   so each screen belongs to the step that caused it;
// - every update is known to be handled (a composer around all the others), so a step ends when
//   the bot has finished answering, not after a guessed pause.
import { Composer } from "grammy";
import { createAdminFeature, createBroadcasts } from "../../src/admin/index.ts";
import { type BotContext, createBot, type NeurocardsBot } from "../../src/bot/index.ts";
import { promoRepo } from "../../src/db/ops/promo.ts";
import { supportRepo } from "../../src/db/ops/support.ts";
import type { Store } from "../../src/db/store.ts";
import type { Language } from "../../src/db/types.ts";
import {
  createPaymentsFeature,
  createPaymentsGate,
  createPaymentsService,
} from "../../src/payments/index.ts";
import { createPromoFeature, createPromoOperations } from "../../src/promo/index.ts";
import type { QueueHandle } from "../../src/queue/types.ts";
import { createSupportFeature } from "../../src/support/index.ts";
import { createCatalogue } from "../../src/templates/index.ts";
import { createKieServer } from "../fakes/kie-server.ts";
import { createOpenAiServer } from "../fakes/openai-server.ts";
import { type FakeTelegram, startFakeTelegram, type UserProfile } from "../fakes/telegram-server.ts";
import { waitUntil } from "../helpers/bot-harness.ts";
import { silentLogger, sqliteFactory } from "../helpers/stores.ts";
import { ADMIN_ID, type Harness, startHarness } from "../queue-harness.ts";

/** The owner's settings the transcripts are taken with (the rest are the defaults). */
export const TRANSCRIPT_ENV = {
  FREE_CREDITS: "1",
  OFFER_URL: "https://example.com/offer",
  PRIVACY_URL: "https://example.com/privacy",
  TIMEZONE: "Europe/Moscow",
} as const;

/** Knows when the bot has finished with an update (its answer sent, its session saved). */
function handledUpdates() {
  const done = new Set<number>();
  const waiting = new Map<number, () => void>();
  const composer = new Composer<BotContext>();
  composer.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      const id = ctx.update.update_id;
      done.add(id);
      waiting.get(id)?.();
      waiting.delete(id);
    }
  });
  return {
    composer,
    wait(updateId: number, timeoutMs = 10_000): Promise<void> {
      if (done.has(updateId)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the bot did not finish update ${updateId} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiting.set(updateId, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

export interface World {
  lang: Language;
  tg: FakeTelegram;
  q: Harness;
  /** The owner (ADMIN_IDS), in a private chat with the bot, reading it in the transcript's language. */
  admin: UserProfile;
  bot: NeurocardsBot;
  /** Resolves once the bot has handled the update. */
  handled(updateId: number): Promise<void>;
  /** Lets the queue take the orders the bot accepted and waits until none is left running. */
  work(): Promise<void>;
  close(): Promise<void>;
}

export async function startWorld(lang: Language): Promise<World> {
  const store = await sqliteFactory().make({ freeCredits: Number(TRANSCRIPT_ENV.FREE_CREDITS) });
  const tg = await startFakeTelegram();
  const kie = createKieServer({ scenario: { outcome: "success", polls: 1 } });
  const openai = createOpenAiServer();
  await kie.start();
  await openai.start();
  // A private chat (the harness would make the admin's chat a group): the admin can act in it too.
  const admin: UserProfile = { id: ADMIN_ID, first_name: "Owner", language_code: lang };
  tg.user(admin);
  const owner = await store.getOrCreateUser({ tgId: ADMIN_ID, firstName: "Owner", languageCode: lang });
  // The owner set the bot up and accepted its terms long ago: /admin and replies work at once.
  await store.setConsent(owner.user.id, new Date());
  // The queue claims only inside work(): a worker woken at any other moment (a timer left by an
  // earlier job's poll step, say) finds nothing, so it can never take an order between the
  // seller's Confirm and the moment the bot records its queue notice.
  let working = false;
  const queueStore: Store = {
    ...store,
    claimJobs: (...a) => (working ? store.claimJobs(...a) : Promise.resolve([])),
    // A finish claims the slot's next job too: the same rule.
    finishJobs: (items, next, now) => store.finishJobs(items, working ? next : null, now),
  };
  const q = await startHarness({
    store: queueStore,
    fakes: { tg, kie, openai },
    env: { ...TRANSCRIPT_ENV },
    queue: {
      // Workers look for jobs only when woken (below), never on their own between two steps.
      idleMs: 3_600_000,
      // Every state of the progress message is shown, as a seller sees it over a real render's minutes.
      progressEveryMs: 0,
    },
  });
  const { config, telegram, metrics } = q;
  const logger = silentLogger();

  // The bot's wake-up after Confirm is held until the scene lets the queue work.
  const queue: QueueHandle = { ...q.queue, wake() {} };
  const base = { config, store, logger, metrics, telegram };
  const payments = createPaymentsService(base);
  const gate = createPaymentsGate({ ...base, service: payments });
  const broadcasts = createBroadcasts({ store, telegram, logger });
  const handled = handledUpdates();
  const promos = promoRepo(store.driver);
  const catalogue = createCatalogue();
  const bot = createBot({
    ...base,
    catalogue,
    queue,
    early: [handled.composer, gate.composer],
    ingest: (updates, o) => gate.intake.save(updates, o),
    beforeStart: [createPromoFeature({ config, repo: promos, logger })],
    ungated: [
      createSupportFeature({ ...base, catalogue, repo: supportRepo(store.driver) }),
      createAdminFeature({
        ...base,
        queue,
        broadcasts,
        payments,
        promos: createPromoOperations({ repo: promos, logger }),
      }),
    ],
    features: [createPaymentsFeature({ ...base, service: payments })],
    polling: { pollTimeoutSeconds: 1, leaseTtlMs: 3000, backoffMs: { first: 50, max: 200 } },
  });
  await bot.start();
  await waitUntil(() => bot.isPolling(), 5000, "the bot to poll");

  return {
    lang,
    tg,
    q,
    admin,
    bot,
    handled: (id) => handled.wait(id),
    async work() {
      working = true;
      try {
        q.queue.wake();
        const deadline = Date.now() + 20_000;
        for (;;) {
          const stats = await store.getQueueStats();
          const busy = q.queue.workers().some((w) => w.jobId !== null);
          if (stats.queued === 0 && stats.processing === 0 && !busy) return;
          if (Date.now() > deadline)
            throw new Error(`the queue did not finish: ${JSON.stringify(stats)}, busy ${busy}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        working = false;
      }
    },
    async close() {
      await bot.stop();
      await broadcasts.stop();
      await q.close();
      await kie.close();
      await openai.close();
      await tg.close();
      await store.close();
    },
  };
}
