// Failed jobs: the list, one job's error, retry through the queue, refund of its credits.
import type { Composer } from "grammy";
import type { BotContext } from "../bot/context.ts";
import type { AdminKit } from "./kit.ts";

export function installJobs(admin: Composer<BotContext>, kit: AdminKit): void {
  const { store, logger, metrics, queue, views, tr, show } = kit;

  admin.callbackQuery("adm:failed", async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, await views.failed(tr(ctx)));
  });
  admin.callbackQuery(/^adm:job:(\d+)$/, async (ctx) => {
    const job = await store.getJobById(Number(ctx.match[1]));
    await ctx.answerCallbackQuery();
    if (job) await show(ctx, views.job(tr(ctx), job));
  });
  admin.callbackQuery(/^adm:jr:(\d+)$/, async (ctx) => {
    const id = Number(ctx.match[1]);
    const t = tr(ctx);
    const job = await store.requeueJob(id);
    if (job) queue.wake();
    logger.info({ admin: ctx.from.id, jobId: id, requeued: job !== null }, "admin retry of a job");
    await ctx.answerCallbackQuery({
      text: t(job ? "adm-job-requeued" : "adm-job-not-requeued", { id }),
      show_alert: !job,
    });
    const fresh = await store.getJobById(id);
    if (fresh) await show(ctx, views.job(t, fresh));
  });
  admin.callbackQuery(/^adm:jf:(\d+)$/, async (ctx) => {
    const id = Number(ctx.match[1]);
    const t = tr(ctx);
    const r = await store.refundCredit(id);
    logger.info({ admin: ctx.from.id, jobId: id, refunded: r.refunded }, "admin refund of a job");
    const job = await store.getJobById(id);
    if (r.refunded && job) metrics.creditsRefunded.inc(job.creditsCharged);
    const text = r.refunded
      ? t("adm-job-refund-done", { id, balance: r.balance })
      : t("adm-job-refund-refused", { id, reason: t(`adm-refund-reason-${r.reason}`) });
    await ctx.answerCallbackQuery({ text, show_alert: true });
    if (job) await show(ctx, views.job(t, job));
  });
}
