// Failed jobs: the list, one job's error, retry through the queue, refund of its credits.
import type { Composer } from "grammy";
import type { BotContext } from "../bot/context.ts";
import { OPEN_JOB, OPEN_JOB_FROM_ALERT } from "./callbacks.ts";
import type { AdminKit } from "./kit.ts";

export function installJobs(admin: Composer<BotContext>, kit: AdminKit): void {
  const { store, ops, views, tr, show } = kit;

  admin.callbackQuery("adm:failed", async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, await views.failed(tr(ctx)));
  });
  admin.callbackQuery(OPEN_JOB, async (ctx) => {
    const job = await store.getJobById(Number(ctx.match[1]));
    await ctx.answerCallbackQuery();
    if (job) await show(ctx, views.job(tr(ctx), job));
  });
  admin.callbackQuery(OPEN_JOB_FROM_ALERT, async (ctx) => {
    const job = await store.getJobById(Number(ctx.match[1]));
    await ctx.answerCallbackQuery();
    if (job) await show(ctx, views.job(tr(ctx), job), { below: true });
  });
  admin.callbackQuery(/^adm:jr:(\d+)$/, async (ctx) => {
    const id = Number(ctx.match[1]);
    const t = tr(ctx);
    const job = await ops.retryJob(id, { via: "bot", adminTgId: ctx.from.id });
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
    const r = await ops.refundJob(id, { via: "bot", adminTgId: ctx.from.id });
    const job = await store.getJobById(id);
    const text = r.refunded
      ? t("adm-job-refund-done", { id, balance: r.balance })
      : t("adm-job-refund-refused", { id, reason: t(`adm-refund-reason-${r.reason}`) });
    await ctx.answerCallbackQuery({ text, show_alert: true });
    if (job) await show(ctx, views.job(t, job));
  });
}
