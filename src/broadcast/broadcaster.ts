// Sends a broadcast to its snapshotted recipients through the Telegram send pacer, marks every
// recipient right after its message, and edits one progress message. All state is in the store,
// so a restart resumes exactly where the last marked recipient left off.
import { GrammyError } from "grammy";
import type { BroadcastsRepository } from "../db/store.ts";
import type { Broadcast, RecipientStatus } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import { isNotModified, type Telegram, UserBlockedBotError } from "../telegram/types.ts";

/** Renders the admin-facing progress / final report for a broadcast. */
export type ProgressText = (b: Broadcast, done: boolean) => Promise<string>;

export interface BroadcasterDeps {
  store: BroadcastsRepository;
  telegram: Telegram;
  logger: Logger;
  progressText: ProgressText;
  /** Recipients fetched and sent concurrently per round; the pacer sets the actual rate. Default 30. */
  batchSize?: number;
  /** Edit the progress message at most this often (ms) ... Default 2000. */
  progressEveryMs?: number;
  /** ... or after this many recipients, whichever comes first. Default 50. */
  progressEveryUsers?: number;
  /** Tries per recipient when Telegram keeps answering 429 after auto-retry gave up. Default 5. */
  maxFloodTries?: number;
}

export function createBroadcaster(deps: BroadcasterDeps) {
  const { store, telegram, logger, progressText } = deps;
  const batchSize = deps.batchSize ?? 30;
  const everyMs = deps.progressEveryMs ?? 2000;
  const everyUsers = deps.progressEveryUsers ?? 50;
  const maxFloodTries = deps.maxFloodTries ?? 5;
  const running = new Map<number, Promise<void>>();
  let stopping = false;
  // Flood waits end early on stop(), so a shutdown never waits out a long retry_after.
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });

  /** The recipient's outcome, or null when stopping cut a flood wait short (it stays pending). */
  async function deliver(b: Broadcast, tgId: number): Promise<Exclude<RecipientStatus, "pending"> | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        const photo = b.photoFileId;
        await telegram.send<unknown>(tgId, (api) =>
          photo
            ? api.sendPhoto(tgId, photo, b.text ? { caption: b.text, parse_mode: "HTML" } : {})
            : api.sendMessage(tgId, b.text ?? "", { parse_mode: "HTML" }),
        );
        return "sent";
      } catch (err) {
        if (err instanceof UserBlockedBotError) return "blocked";
        // auto-retry already waited out the usual 429s; a flood that outlasts it slows us down
        // instead of losing the recipient.
        if (err instanceof GrammyError && err.error_code === 429 && attempt < maxFloodTries) {
          await sleep((err.parameters.retry_after ?? 1) * 1000);
          if (stopping) return null;
          continue;
        }
        logger.warn({ broadcastId: b.id, tgId, err }, "broadcast message failed");
        return "failed";
      }
    }
  }

  async function showProgress(b: Broadcast, done: boolean): Promise<void> {
    if (b.progressMessageId === null) return;
    const messageId = b.progressMessageId;
    const text = await progressText(b, done);
    try {
      await telegram.send(b.chatId, (api) => api.editMessageText(b.chatId, messageId, text));
    } catch (err) {
      if (!isNotModified(err)) {
        logger.warn({ broadcastId: b.id, err }, "broadcast progress edit failed");
      }
    }
  }

  async function run(id: number): Promise<void> {
    let b = await store.getBroadcast(id);
    if (b?.status !== "running") return;
    logger.info({ broadcastId: id, total: b.total }, "broadcast running");
    // Progress edits go through the pacer (1 per second in the admin's chat): never wait for
    // one in the send loop, and skip a refresh while the previous edit is still on its way.
    let edit: Promise<void> | null = showProgress(b, false).finally(() => {
      edit = null;
    });
    let lastEdit = Date.now();
    let sinceEdit = 0;
    while (!stopping) {
      const batch = await store.nextBroadcastRecipients(id, batchSize);
      if (batch.length === 0) break;
      const current = b;
      await Promise.all(
        batch.map(async (r) => {
          const status = await deliver(current, r.tgId);
          if (status) await store.markBroadcastRecipient(id, r.userId, status);
        }),
      );
      sinceEdit += batch.length;
      b = (await store.getBroadcast(id)) ?? b;
      if (b.status !== "running") break; // cancelled meanwhile
      if (!edit && (sinceEdit >= everyUsers || Date.now() - lastEdit >= everyMs)) {
        edit = showProgress(b, false).finally(() => {
          edit = null;
        });
        lastEdit = Date.now();
        sinceEdit = 0;
      }
    }
    await edit;
    if (stopping || b.status !== "running") return; // a resume continues a stopped one
    b = (await store.updateBroadcast(id, { status: "done", finishedAt: new Date() })) ?? b;
    await showProgress(b, true);
    logger.info({ broadcastId: id, sent: b.sent, failed: b.failed, blocked: b.blocked }, "broadcast done");
  }

  function spawn(id: number): Promise<void> {
    const existing = running.get(id);
    if (existing) return existing;
    const p = run(id)
      .catch((err) => logger.error({ broadcastId: id, err }, "broadcast stopped by an error"))
      .finally(() => running.delete(id));
    running.set(id, p);
    return p;
  }

  return {
    /** Snapshots the audience, marks the broadcast running and sends in the background. */
    async launch(id: number, activeSince: Date, progressMessageId: number | null): Promise<Broadcast | null> {
      const b = await store.startBroadcast(id, activeSince);
      if (!b) return null;
      const withProgress =
        progressMessageId === null ? b : ((await store.updateBroadcast(id, { progressMessageId })) ?? b);
      void spawn(id);
      return withProgress;
    },
    /** Continues every broadcast the store still marks running (call once after start). */
    async resumeBroadcasts(): Promise<number> {
      stopping = false;
      const list = await store.listRunningBroadcasts();
      for (const b of list) void spawn(b.id);
      return list.length;
    },
    isRunning(id: number): boolean {
      return running.has(id);
    },
    /** Resolves when the broadcast's sender finishes (or at once when none runs here). */
    async settled(id: number): Promise<void> {
      await running.get(id);
    },
    /** Lets in-flight messages finish and mark their recipients; the rest waits for a resume. */
    async stop(): Promise<void> {
      stopping = true;
      for (const wake of [...sleepers]) wake();
      await Promise.all(running.values());
    },
  };
}

export type Broadcaster = ReturnType<typeof createBroadcaster>;
