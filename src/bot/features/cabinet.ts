// The cabinet: balance, the user's jobs (paged) with re-send and repeat and, for a failed one, why
// it failed and that its credits came back; payment history; the credit history from the ledger;
// the referral link. Every job id from a button is checked against the caller.
import { type Composer, InlineKeyboard } from "grammy";
import type { Job, LedgerEntry, LedgerReason } from "../../db/types.ts";
import { formatMoney } from "../../i18n/money.ts";
import { BUY_CALLBACK, decode, encode, PROMO_CALLBACK, supportButton } from "../callbacks.ts";
import { FeatureComposer } from "../composer.ts";
import type { BotContext } from "../context.ts";
import { clip, esc } from "../html.ts";
import { languageOf } from "../i18n.ts";
import { type FeatureDeps, formatDate, show } from "../ui.ts";

const JOBS_PER_PAGE = 5;
const PAYMENTS_PER_PAGE = 10;
const LEDGER_PER_PAGE = 10;

// Keyed by the database's union, so a new ledger reason does not compile without its words.
const LEDGER_KEYS: Record<LedgerReason, string> = {
  signup_bonus: "ledger-signup_bonus",
  job_charge: "ledger-job_charge",
  refund: "ledger-refund",
  payment: "ledger-payment",
  payment_refund: "ledger-payment_refund",
  admin_grant: "ledger-admin_grant",
  admin_deduct: "ledger-admin_deduct",
  referral_bonus: "ledger-referral_bonus",
  import: "ledger-import",
  promo: "ledger-promo",
};

/**
 * Why a failed job failed, in the seller's words. The job keeps `<error class>:<code>` (the
 * generation runner writes it); the class decides, and the render deadline has its own words.
 * Anything else — an older code, a job imported from the old bot — reads as "unknown".
 */
function whyKey(job: Pick<Job, "errorCode">): string {
  const [cls = "", code = ""] = (job.errorCode ?? "").split(":");
  if (code === "deadline") return "job-why-deadline";
  const known = ["transient", "content_refused", "provider_unavailable"];
  return known.includes(cls) ? `job-why-${cls}` : "job-why-unknown";
}

export function createCabinetFeature(deps: FeatureDeps): Composer<BotContext> {
  const { store, catalogue, config } = deps;
  const c = new FeatureComposer<BotContext>();

  const templateName = (ctx: BotContext, id: string) => {
    const t = catalogue.get(id);
    return esc(t ? catalogue.name(t, languageOf(ctx.user)) : id);
  };
  const status = (ctx: BotContext, j: Job) => ctx.t(`status-${j.status}`);
  const date = (ctx: BotContext, d: Date) => formatDate(d, languageOf(ctx.user), config.timeZone);

  function pager(
    ctx: BotContext,
    kb: InlineKeyboard,
    page: number,
    pages: number,
    to: (p: number) => string,
  ) {
    if (pages <= 1) return;
    if (page > 0) kb.text(ctx.t("btn-prev"), to(page - 1));
    kb.text(`${page + 1}/${pages}`, to(page));
    if (page < pages - 1) kb.text(ctx.t("btn-next"), to(page + 1));
    kb.row();
  }

  async function cabinet(ctx: BotContext, page: number): Promise<void> {
    const total = await store.countUserJobs(ctx.user.id);
    const pages = Math.max(1, Math.ceil(total / JOBS_PER_PAGE));
    const p = Math.min(page, pages - 1);
    const jobs = await store.getUserJobs(ctx.user.id, { limit: JOBS_PER_PAGE, offset: p * JOBS_PER_PAGE });
    const lines = jobs.map((j) =>
      ctx.t("job-line", {
        id: j.id,
        status: status(ctx, j),
        date: date(ctx, j.createdAt),
        template: templateName(ctx, j.template),
      }),
    );
    const kb = new InlineKeyboard();
    for (const j of jobs)
      kb.text(`#${j.id} · ${status(ctx, j)}`, encode({ a: "job", job: j.id, page: p })).row();
    pager(ctx, kb, p, pages, (x) => encode({ a: "cabinet", page: x }));
    kb.text(ctx.t("btn-payments"), encode({ a: "pays", page: 0 }))
      .text(ctx.t("btn-ledger"), encode({ a: "ledger", page: 0 }))
      .row()
      .text(ctx.t("btn-referral"), encode({ a: "ref" }))
      .row()
      .text(ctx.t("btn-promo"), PROMO_CALLBACK)
      .row()
      .text(ctx.t("btn-buy"), BUY_CALLBACK)
      .text(ctx.t("btn-menu"), encode({ a: "menu" }));
    const support = supportButton(config, ctx.t("btn-support"));
    if (support) kb.row().add(support);
    const text = [
      ctx.t("cabinet", { n: ctx.user.credits, jobs: total }),
      lines.length ? lines.join("\n") : ctx.t("cabinet-empty"),
      ...(pages > 1 ? [ctx.t("cabinet-page", { page: p + 1, pages })] : []),
    ].join("\n\n");
    await show(ctx, { text, keyboard: kb });
  }

  /** Why a failed job failed, and what became of its credits. */
  function failure(ctx: BotContext, job: Job): string {
    const credits =
      job.creditsCharged === 0
        ? ctx.t("job-nothing-charged")
        : job.refundedAt
          ? ctx.t("job-refunded", { n: job.creditsCharged, date: date(ctx, job.refundedAt) })
          : // The runner refunds as it fails the job; the refund sweep catches one that was cut short.
            ctx.t("job-refund-pending", { n: job.creditsCharged });
    return `${ctx.t(whyKey(job))}\n${credits}`;
  }

  /** The credit history, newest first; one row more than a page tells whether an older page exists. */
  async function ledger(ctx: BotContext, page: number): Promise<void> {
    const rows = await store.getLedger(ctx.user.id, {
      limit: LEDGER_PER_PAGE + 1,
      offset: page * LEDGER_PER_PAGE,
    });
    // A page past the end (the history shrank? a hand-made button): back to the first one.
    if (rows.length === 0 && page > 0) return ledger(ctx, 0);
    const older = rows.length > LEDGER_PER_PAGE;
    const lines = rows.slice(0, LEDGER_PER_PAGE).map((e: LedgerEntry) =>
      ctx.t("ledger-line", {
        date: date(ctx, e.createdAt),
        sign: e.delta < 0 ? "−" : "+",
        n: Math.abs(e.delta),
        reason: ctx.t(LEDGER_KEYS[e.reason], { id: e.jobId ?? 0 }),
      }),
    );
    const kb = new InlineKeyboard();
    if (page > 0 || older) {
      if (page > 0) kb.text(ctx.t("btn-prev"), encode({ a: "ledger", page: page - 1 }));
      kb.text(String(page + 1), encode({ a: "ledger", page }));
      if (older) kb.text(ctx.t("btn-next"), encode({ a: "ledger", page: page + 1 }));
      kb.row();
    }
    kb.text(ctx.t("btn-back"), encode({ a: "cabinet", page: 0 }));
    const text = [
      ctx.t("ledger", { n: ctx.user.credits }),
      lines.length ? lines.join("\n") : ctx.t("ledger-empty"),
      ...(page > 0 || older ? [ctx.t("ledger-page", { page: page + 1 })] : []),
    ].join("\n\n");
    await show(ctx, { text, keyboard: kb });
  }

  async function ownJob(ctx: BotContext, id: number): Promise<Job | null> {
    const job = await store.getJobById(id);
    return job && job.userId === ctx.user.id ? job : null;
  }

  c.on("callback_query:data", async (ctx, next) => {
    const d = decode(ctx.callbackQuery.data);
    if (!d.ok) return next();
    const cb = d.cb;
    switch (cb.a) {
      case "cabinet":
        await ctx.answerCallbackQuery();
        return cabinet(ctx, cb.page);
      case "job": {
        const job = await ownJob(ctx, cb.job);
        if (!job) return ctx.answerCallbackQuery({ text: ctx.t("outdated") }).then(() => undefined);
        await ctx.answerCallbackQuery();
        const kb = new InlineKeyboard();
        if (job.status === "succeeded" && job.resultFileId)
          kb.text(ctx.t("btn-resend"), encode({ a: "resend", job: job.id })).row();
        if (job.photoFileId) kb.text(ctx.t("btn-repeat"), encode({ a: "repeat", job: job.id })).row();
        kb.text(ctx.t("btn-back"), encode({ a: "cabinet", page: cb.page }));
        const text = ctx.t("job-detail", {
          id: job.id,
          template: templateName(ctx, job.template),
          status: status(ctx, job),
          date: date(ctx, job.createdAt),
          product: esc(clip(job.productText, 300)),
        });
        return show(ctx, {
          text: job.status === "failed" ? `${text}\n\n${failure(ctx, job)}` : text,
          keyboard: kb,
        });
      }
      case "resend": {
        const job = await ownJob(ctx, cb.job);
        if (!job) return ctx.answerCallbackQuery({ text: ctx.t("outdated") }).then(() => undefined);
        if (job.status !== "succeeded" || !job.resultFileId) {
          await ctx.answerCallbackQuery({ text: ctx.t("resend-missing"), show_alert: true });
          return;
        }
        await ctx.answerCallbackQuery();
        const kb = new InlineKeyboard()
          .text(ctx.t("btn-again"), encode({ a: "again", job: job.id }))
          .row()
          .text(ctx.t("btn-menu"), encode({ a: "menu" }));
        await ctx.replyWithVideo(job.resultFileId, {
          caption: ctx.t("resend-caption", { id: job.id }),
          reply_markup: kb,
        });
        return;
      }
      case "pays": {
        await ctx.answerCallbackQuery();
        const total = await store.countUserPayments(ctx.user.id);
        const pages = Math.max(1, Math.ceil(total / PAYMENTS_PER_PAGE));
        const p = Math.min(cb.page, pages - 1);
        const payments = await store.getUserPayments(ctx.user.id, {
          limit: PAYMENTS_PER_PAGE,
          offset: p * PAYMENTS_PER_PAGE,
        });
        const list = payments.length
          ? payments
              .map((x) =>
                ctx.t("payment-line", {
                  date: date(ctx, x.createdAt),
                  n: x.credits,
                  price: formatMoney(x.amount, x.currency, languageOf(ctx.user)),
                  refunded: x.status === "refunded" ? ctx.t("payment-refunded") : "",
                }),
              )
              .join("\n")
          : ctx.t("payments-empty");
        const kb = new InlineKeyboard();
        pager(ctx, kb, p, pages, (x) => encode({ a: "pays", page: x }));
        kb.text(ctx.t("btn-back"), encode({ a: "cabinet", page: 0 }));
        return show(ctx, { text: ctx.t("payments", { list }), keyboard: kb });
      }
      case "ledger":
        await ctx.answerCallbackQuery();
        return ledger(ctx, cb.page);
      case "ref": {
        await ctx.answerCallbackQuery();
        const link = `https://t.me/${ctx.me.username}?start=ref_${ctx.user.referralCode}`;
        const bonus = config.payments.referralBonus;
        const text = [
          ctx.t("referral", { link }),
          ...(bonus > 0 ? [ctx.t("referral-bonus", { n: bonus })] : []),
        ].join("\n\n");
        return show(ctx, {
          text,
          keyboard: new InlineKeyboard().text(ctx.t("btn-back"), encode({ a: "cabinet", page: 0 })),
        });
      }
      default:
        return next();
    }
  });

  c.command("cabinet", (ctx) => cabinet(ctx, 0));
  return c;
}
