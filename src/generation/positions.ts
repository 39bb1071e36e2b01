// Keeps the "accepted, position N" notices current while orders wait: every `everyMs` and soon
// after a worker claims a job, the notices whose best position went down are edited (through
// telegram.send's pacing; an unchanged position is never re-sent, so no "message is not modified").
// A single-video order's notice then becomes that job's progress message, so the user watches one
// message go from "position 3" to "position 1", "writing the script", "rendering", "uploading".
// A batch (3 or 5 videos) shares one notice showing its best position, and "being made" once none
// of its jobs waits. Notices live in the store's key-value table, so every process sees them.
import { createI18n } from "../bot/i18n.ts";
import { acceptedScreen, type QueueNotice, queueNotices } from "../bot/notice.ts";
import type { JobsRepository, KeyValueRepository, QueueRepository } from "../db/store.ts";
import type { Job } from "../db/types.ts";
import { languageFromCode } from "../i18n/language.ts";
import type { Logger } from "../logger.ts";
import { isNotModified, type Telegram, UserBlockedBotError } from "../telegram/types.ts";
import { QUEUE_DEFAULTS } from "../timing/index.ts";

export interface PositionNotifierDeps {
  store: QueueRepository & Pick<JobsRepository, "patchJob"> & KeyValueRepository;
  telegram: Telegram;
  logger: Logger;
  estimateMinutes: (position: number) => number;
  /** How often waiting orders are looked at (default 15 s). */
  everyMs?: number;
  /** Delay after a claim before looking, so a burst of claims makes one pass (default 300 ms). */
  claimDelayMs?: number;
  /**
   * A batch first found without a notice is looked up again after this long (default 5 s) before
   * it counts as having none: the bot records its notice only once Telegram answered the edit that
   * shows it, a moment after the jobs were created and could already be seen waiting.
   */
  noticeGraceMs?: number;
}

/** Waiting jobs looked at per pass, from the head of the queue; those behind wait for their turn. */
const SCAN_LIMIT = 1000;
/** A batch with no notice (made outside the bot) is looked up again after this long. */
const MISS_TTL_MS = 60_000;
/** How often a claim looks for the notice of an order made a moment ago. */
const NOTICE_POLL_MS = 25;

export function createPositionNotifier(d: PositionNotifierDeps) {
  const i18n = createI18n();
  const everyMs = d.everyMs ?? QUEUE_DEFAULTS.positionsEveryMs;
  const claimDelayMs = d.claimDelayMs ?? 300;
  const noticeGraceMs = d.noticeGraceMs ?? 5_000;
  /** Notices of batches seen waiting (or claimed) by this process. */
  const notices = new Map<string, QueueNotice>();
  const misses = new Map<string, number>();
  /** Edits in flight, so a claim waits for one instead of racing the worker's first progress edit. */
  const editing = new Map<string, Promise<boolean>>();
  let timer: NodeJS.Timeout | null = null;
  const saved = queueNotices(d.store);
  let soon: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;

  async function load(batchKey: string): Promise<QueueNotice | null> {
    const known = notices.get(batchKey);
    if (known) return known;
    if ((misses.get(batchKey) ?? 0) > Date.now()) return null;
    const notice = await saved.get(batchKey);
    if (!notice) {
      // An expired miss is still in the map when it is looked up again: only that second miss holds.
      misses.set(batchKey, Date.now() + (misses.has(batchKey) ? MISS_TTL_MS : noticeGraceMs));
      return null;
    }
    misses.delete(batchKey);
    notices.set(batchKey, notice);
    return notice;
  }

  /**
   * The notice of a claimed job's order. The bot records it once Telegram has shown it, a moment
   * after the order committed, and on Postgres the order's own NOTIFY brings a worker here at that
   * commit. So a job ordered less than noticeGraceMs ago waits for its notice, up to then: its
   * start waits one Telegram round trip, and the seller watches one message go from "accepted" to
   * "writing the script" instead of getting a second one under a notice left at "position 1". A
   * miss the passes keep is no answer here: a pass in that same moment finds no notice yet.
   */
  async function noticeAtClaim(job: Job & { batchKey: string }): Promise<QueueNotice | null> {
    // Capped from now as well: the order's time comes from the host that took it.
    const until = Math.min(job.createdAt.getTime(), Date.now()) + noticeGraceMs;
    for (;;) {
      const known = notices.get(job.batchKey);
      if (known) return known;
      const notice = await saved.get(job.batchKey);
      if (notice) {
        misses.delete(job.batchKey);
        notices.set(job.batchKey, notice);
        return notice;
      }
      const left = until - Date.now();
      if (left <= 0) return null;
      await new Promise((r) => setTimeout(r, Math.min(NOTICE_POLL_MS, left)));
    }
  }

  async function forget(batchKey: string): Promise<void> {
    notices.delete(batchKey);
    await saved.delete(batchKey);
  }

  /** Edits the notice; false when it can never be edited again (deleted, chat gone). */
  async function edit(n: QueueNotice, position: number, worst: number): Promise<boolean> {
    const lang = languageFromCode(n.language);
    const minutes = d.estimateMinutes(Math.max(1, worst));
    const s = acceptedScreen((k, vars) => i18n.t(lang, k, vars), { ...n, position, minutes });
    try {
      await d.telegram.send(n.chatId, (api) =>
        api.editMessageText(n.chatId, n.messageId, s.text, { parse_mode: "HTML", reply_markup: s.keyboard }),
      );
      return true;
    } catch (e) {
      if (isNotModified(e)) return true;
      if (e instanceof UserBlockedBotError || /message to edit not found|can't be edited/i.test(String(e)))
        return false;
      d.logger.debug({ err: e, chatId: n.chatId }, "queue position notice not updated");
      return true;
    }
  }

  async function pass(): Promise<void> {
    const stats = await d.store.getQueueStats();
    // Cheap when nothing waits and no batch notice is open: one count.
    if (stats.queued === 0 && notices.size === 0) return;
    // In claim order (run_at, id), as the store's getQueuePosition counts: index i is position i + 1.
    const queued = stats.queued > 0 ? await d.store.listQueuedBatchKeys(SCAN_LIMIT) : [];
    const waiting = new Map<string, { best: number; worst: number }>();
    queued.forEach((batchKey, i) => {
      if (!batchKey) return;
      const position = i + 1;
      const w = waiting.get(batchKey);
      if (w) w.worst = position;
      else waiting.set(batchKey, { best: position, worst: position });
    });
    for (const [batchKey, w] of waiting) {
      const n = await load(batchKey);
      // Gone from `notices`: a worker claimed the job meanwhile and owns the message now.
      if (!n || w.best >= n.position || notices.get(batchKey) !== n) continue;
      // Another process (a second worker machine) may have shown this position already.
      const shown = await saved.get(batchKey);
      if (!shown) {
        notices.delete(batchKey);
        continue;
      }
      n.position = Math.min(n.position, shown.position);
      if (w.best >= n.position || notices.get(batchKey) !== n) continue;
      const edited = edit(n, w.best, w.worst);
      editing.set(batchKey, edited);
      const ok = await edited.finally(() => editing.delete(batchKey));
      if (!ok) {
        await forget(batchKey);
        continue;
      }
      n.position = w.best;
      // Unless a claim took the message over during the edit (its record is gone for good).
      if (notices.get(batchKey) === n) await saved.set(batchKey, n);
    }
    // Orders none of whose jobs waits any more: a batch says it is being made; a single video's
    // notice already became its progress message (see `claimed`).
    for (const [batchKey, n] of [...notices]) {
      if (waiting.has(batchKey)) continue;
      if (n.count > 1 && n.position > 0) await edit(n, 0, 1);
      await forget(batchKey);
    }
    for (const [batchKey, until] of misses) if (until <= Date.now()) misses.delete(batchKey);
  }

  /** One pass at a time; a request during a pass runs one more after it. */
  function run(): void {
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((e: unknown) => d.logger.warn({ err: e }, "queue position notices: pass failed"))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          run();
        }
      });
  }

  return {
    start(): void {
      if (timer) return;
      timer = setInterval(run, everyMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      if (soon) clearTimeout(soon);
      timer = null;
      soon = null;
      again = false;
      await running;
    },
    /**
     * A worker claimed `job` (under `owner`'s lease): the notices behind it move up soon, and a
     * single-video order's notice becomes the job's progress message. Never throws.
     */
    async claimed(job: Job, owner: string): Promise<Job> {
      if (timer && !soon) {
        soon = setTimeout(() => {
          soon = null;
          run();
        }, claimDelayMs);
        soon.unref();
      }
      if (!job.batchKey || job.progressMessageId) return job;
      // Only a job's first claim takes its order's notice over (the claim stamps started_at and
      // updated_at alike then): a job an admin queued again long after keeps to messages of its own.
      if (job.startedAt?.getTime() !== job.updatedAt.getTime()) return job;
      try {
        const n = await noticeAtClaim({ ...job, batchKey: job.batchKey });
        if (n?.count !== 1) return job;
        await forget(job.batchKey);
        await editing.get(job.batchKey);
        const patched = await d.store.patchJob(job.id, { progressMessageId: n.messageId }, owner);
        return patched ? { ...job, progressMessageId: n.messageId } : job;
      } catch (e) {
        d.logger.warn({ err: e, jobId: job.id }, "queue position notice not taken over as progress");
        return job;
      }
    },
  };
}

export type PositionNotifier = ReturnType<typeof createPositionNotifier>;
