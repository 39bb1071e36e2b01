// The admin panel (/admin): stats, users (balance, ledger, jobs, payments, grant/deduct, block),
// failed jobs (error, retry, refund), Stars refunds, broadcasts and a file_id echo. Only ADMIN_IDS
// reach it; for everyone else these commands and buttons fall through to the bot's fallback.
// Typed input (amounts, reasons, queries, broadcast text) waits in the database (./state.ts).
import { Composer, InlineKeyboard } from "grammy";
import type { Message } from "grammy/types";
import type { BotContext } from "../bot/context.ts";
import type { Broadcaster } from "../broadcast/broadcaster.ts";
import { entitiesToHtml } from "../broadcast/html.ts";
import type { Config } from "../config/index.ts";
import type { Store } from "../db/store.ts";
import type { User } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { formatPrice, isStars } from "../payments/packages.ts";
import { createPaymentsService, type PaymentsService } from "../payments/service.ts";
import { localeOfUser } from "../payments/texts.ts";
import type { QueueHandle } from "../queue/types.ts";
import type { Telegram } from "../telegram/types.ts";
import { isAdmin } from "./filter.ts";
import {
  displayName,
  jobCard,
  jobLine,
  ledgerLine,
  paymentLine,
  statsText,
  type Translate,
  userCard,
} from "./format.ts";
import { adminTexts } from "./locales.ts";
import { type AdminState, createAdminState } from "./state.ts";

export interface AdminFeatureDeps {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  telegram: Telegram;
  queue: QueueHandle;
  /** The broadcast sender (createBroadcasts); the CLI resumes and stops the same instance. */
  broadcasts: Broadcaster;
  payments?: PaymentsService;
  now?: () => Date;
}

const WEEK_MS = 7 * 24 * 3600_000;
const MAX_AMOUNT = 100_000;
const LIST = 15;

type View = { text: string; keyboard?: InlineKeyboard };

export function createAdminFeature(deps: AdminFeatureDeps): Composer<BotContext> {
  const { config, store, logger, metrics, queue, broadcasts } = deps;
  const payments = deps.payments ?? createPaymentsService(deps);
  const now = deps.now ?? (() => new Date());
  const texts = adminTexts();
  const state = createAdminState(store);
  const tr = (ctx: BotContext): Translate => texts.bind(localeOfUser(ctx.user));

  const composer = new Composer<BotContext>();
  const admin = composer.filter(isAdmin(config.admins));

  // --- views ---

  async function statsView(t: Translate): Promise<View> {
    const at = now();
    const keyboard = new InlineKeyboard()
      .text(t("adm-button-find"), "adm:find")
      .text(t("adm-button-failed"), "adm:failed")
      .row()
      .text(t("adm-button-broadcast"), "adm:bc")
      .text(t("adm-button-fileid"), "adm:fid")
      .row()
      .text(t("adm-button-refresh"), "adm:stats");
    return { text: statsText(t, await store.getAdminStats(at), at), keyboard };
  }

  function userView(t: Translate, u: User): View {
    const keyboard = new InlineKeyboard()
      .text(t("adm-button-grant"), `adm:g:${u.id}`)
      .text(t("adm-button-deduct"), `adm:d:${u.id}`)
      .row()
      .text(
        u.blocked ? t("adm-button-unblock") : t("adm-button-block"),
        `adm:${u.blocked ? "ublk" : "blk"}:${u.id}`,
      )
      .row()
      .text(t("adm-button-ledger"), `adm:led:${u.id}`)
      .text(t("adm-button-jobs"), `adm:jobs:${u.id}`)
      .text(t("adm-button-payments"), `adm:pay:${u.id}`)
      .row()
      .text(t("adm-button-back"), "adm:stats");
    return { text: userCard(t, u), keyboard };
  }

  const backTo = (t: Translate, data: string) => new InlineKeyboard().text(t("adm-button-back"), data);

  async function ledgerView(t: Translate, u: User): Promise<View> {
    const rows = await store.getLedger(u.id, { limit: LIST });
    const body = rows.length ? rows.map(ledgerLine).join("\n") : t("adm-ledger-empty");
    const title = t("adm-ledger-title", { name: displayName(u), count: rows.length });
    return { text: `${title}\n${body}`, keyboard: backTo(t, `adm:u:${u.id}`) };
  }

  async function jobsView(t: Translate, u: User): Promise<View> {
    const jobs = await store.getUserJobs(u.id, { limit: 10 });
    const keyboard = new InlineKeyboard();
    for (const j of jobs) keyboard.text(`#${j.id} ${j.status}`, `adm:job:${j.id}`).row();
    keyboard.text(t("adm-button-back"), `adm:u:${u.id}`);
    const body = jobs.length ? jobs.map(jobLine).join("\n") : t("adm-jobs-empty");
    return {
      text: `${t("adm-jobs-title", { name: displayName(u), count: jobs.length })}\n${body}`,
      keyboard,
    };
  }

  async function failedView(t: Translate): Promise<View> {
    const jobs = await store.listLastJobs({ limit: 10, status: "failed" });
    const keyboard = new InlineKeyboard();
    for (const j of jobs) keyboard.text(`#${j.id} ${j.errorCode ?? "?"}`, `adm:job:${j.id}`).row();
    keyboard.text(t("adm-button-back"), "adm:stats");
    const body = jobs.length ? jobs.map(jobLine).join("\n") : t("adm-jobs-empty");
    return { text: `${t("adm-failed-title", { count: jobs.length })}\n${body}`, keyboard };
  }

  async function paymentsView(t: Translate, u: User): Promise<View> {
    const list = await store.getUserPayments(u.id, { limit: 10 });
    const keyboard = new InlineKeyboard();
    for (const p of list) {
      if (p.status === "paid" && isStars(p.currency))
        keyboard.text(t("adm-button-refund-payment", { id: p.id }), `adm:rf:${p.id}:${u.id}`).row();
    }
    keyboard.text(t("adm-button-back"), `adm:u:${u.id}`);
    const body = list.length ? list.map(paymentLine).join("\n") : t("adm-payments-empty");
    return {
      text: `${t("adm-payments-title", { name: displayName(u), count: list.length })}\n${body}`,
      keyboard,
    };
  }

  function jobView(t: Translate, job: NonNullable<Awaited<ReturnType<Store["getJobById"]>>>): View {
    const keyboard = new InlineKeyboard();
    if (job.status === "failed" && job.refundedAt === null) {
      keyboard.text(t("adm-button-retry"), `adm:jr:${job.id}`);
      if (job.creditsCharged > 0) keyboard.text(t("adm-button-refund-job"), `adm:jf:${job.id}`);
      keyboard.row();
    }
    keyboard.text(t("adm-button-back"), `adm:u:${job.userId}`);
    return { text: jobCard(t, job), keyboard };
  }

  async function show(ctx: BotContext, view: View): Promise<void> {
    const other = { parse_mode: "HTML" as const, reply_markup: view.keyboard };
    if (ctx.callbackQuery?.message) {
      try {
        await ctx.editMessageText(view.text, other);
        return;
      } catch (err) {
        if (String(err).includes("not modified")) return;
        logger.debug({ err }, "admin view not editable; sending anew");
      }
    }
    await ctx.reply(view.text, other);
  }

  /** Questions come as new messages, so the card or panel above keeps its buttons. */
  async function ask(ctx: BotContext, next: AdminState, text: string): Promise<void> {
    await state.set(ctx.from!.id, next);
    await ctx.reply(text, { reply_markup: new InlineKeyboard().text(tr(ctx)("adm-button-cancel"), "adm:x") });
  }

  // --- commands ---

  admin.command("admin", async (ctx) => {
    await state.clear(ctx.from!.id);
    await show(ctx, await statsView(tr(ctx)));
  });

  // /cancel also ends a pending admin input; the bot's own /cancel then runs as usual.
  admin.command("cancel", async (ctx, next) => {
    await state.clear(ctx.from!.id);
    await next();
  });

  // --- buttons ---

  const withUser = async (ctx: BotContext, id: string | undefined, then: (u: User) => Promise<void>) => {
    const u = await store.getUserById(Number(id));
    if (!u) {
      await ctx.answerCallbackQuery({ text: tr(ctx)("adm-not-found", { query: `#${id}` }) });
      return;
    }
    await ctx.answerCallbackQuery();
    await then(u);
  };

  admin.callbackQuery("adm:stats", async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, await statsView(tr(ctx)));
  });
  admin.callbackQuery("adm:x", async (ctx) => {
    await state.clear(ctx.from.id);
    await ctx.answerCallbackQuery();
    await show(ctx, { text: tr(ctx)("adm-cancelled") });
  });
  admin.callbackQuery("adm:find", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ask(ctx, { await: "user_query" }, tr(ctx)("adm-ask-user"));
  });
  admin.callbackQuery("adm:failed", async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, await failedView(tr(ctx)));
  });
  admin.callbackQuery(/^adm:u:(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[1], (u) => show(ctx, userView(tr(ctx), u))),
  );
  admin.callbackQuery(/^adm:led:(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[1], async (u) => show(ctx, await ledgerView(tr(ctx), u))),
  );
  admin.callbackQuery(/^adm:jobs:(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[1], async (u) => show(ctx, await jobsView(tr(ctx), u))),
  );
  admin.callbackQuery(/^adm:pay:(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[1], async (u) => show(ctx, await paymentsView(tr(ctx), u))),
  );
  admin.callbackQuery(/^adm:(g|d):(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[2], async (u) => {
      const op = ctx.match[1] === "g" ? "grant" : "deduct";
      await ask(
        ctx,
        { await: "amount", op, userId: u.id },
        tr(ctx)(`adm-ask-amount-${op}`, { name: displayName(u) }),
      );
    }),
  );
  admin.callbackQuery(/^adm:(blk|ublk):(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[2], async (u) => {
      const block = ctx.match[1] === "blk";
      await store.setBlocked(u.id, block);
      logger.info({ admin: ctx.from.id, userId: u.id, block }, "admin changed a user's block");
      const updated = (await store.getUserById(u.id)) ?? u;
      const t = tr(ctx);
      await show(ctx, userView(t, updated));
      await ctx.reply(t(block ? "adm-blocked-done" : "adm-unblocked-done", { name: displayName(u) }), {
        parse_mode: "HTML",
      });
    }),
  );

  admin.callbackQuery(/^adm:job:(\d+)$/, async (ctx) => {
    const job = await store.getJobById(Number(ctx.match[1]));
    await ctx.answerCallbackQuery();
    if (job) await show(ctx, jobView(tr(ctx), job));
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
    if (fresh) await show(ctx, jobView(t, fresh));
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
    if (job) await show(ctx, jobView(t, job));
  });

  async function paymentOf(pid: number, uid: number) {
    const list = await store.getUserPayments(uid, { limit: 100 });
    return list.find((p) => p.id === pid) ?? null;
  }

  admin.callbackQuery(/^adm:rf:(\d+):(\d+)$/, async (ctx) => {
    const t = tr(ctx);
    const [pid, uid] = [Number(ctx.match[1]), Number(ctx.match[2])];
    const [p, u] = [await paymentOf(pid, uid), await store.getUserById(uid)];
    await ctx.answerCallbackQuery();
    if (!p || !u) return;
    const text = t("adm-refund-confirm", {
      id: p.id,
      amount: formatPrice(p.amount, p.currency),
      name: displayName(u),
      credits: p.credits,
    });
    const keyboard = new InlineKeyboard()
      .text(t("adm-button-confirm-refund"), `adm:rfy:${p.id}:${u.id}`)
      .text(t("adm-button-back"), `adm:pay:${u.id}`);
    await show(ctx, { text, keyboard });
  });
  admin.callbackQuery(/^adm:rfy:(\d+):(\d+)$/, async (ctx) => {
    const t = tr(ctx);
    const [pid, uid] = [Number(ctx.match[1]), Number(ctx.match[2])];
    const p = await paymentOf(pid, uid);
    await ctx.answerCallbackQuery();
    if (!p) return;
    const r = await payments.refundStars(ctx.api, p.telegramChargeId);
    logger.info({ admin: ctx.from.id, paymentId: p.id, ok: r.ok }, "admin refund of a payment");
    let text: string;
    if (r.ok && r.alreadyRefunded) text = t("adm-refund-already", { id: p.id });
    else if (r.ok) {
      text = t("adm-refund-done", {
        id: p.id,
        taken: r.creditsTaken,
        credits: p.credits,
        balance: r.balance,
      });
      if (r.creditsTaken < p.credits) text += `\n${t("adm-refund-short")}`;
    } else if (r.reason === "not_stars") text = t("adm-refund-not-stars", { id: p.id, currency: p.currency });
    else text = t("adm-refund-failed", { detail: r.detail ?? r.reason });
    await show(ctx, { text, keyboard: backTo(t, `adm:pay:${uid}`) });
  });

  admin.callbackQuery("adm:fid", async (ctx) => {
    const t = tr(ctx);
    await ctx.answerCallbackQuery();
    await state.set(ctx.from.id, { await: "media" });
    await ctx.reply(t("adm-fileid-on"), {
      reply_markup: new InlineKeyboard().text(t("adm-button-done"), "adm:fidx"),
    });
  });
  admin.callbackQuery("adm:fidx", async (ctx) => {
    await state.clear(ctx.from.id);
    await ctx.answerCallbackQuery();
    await show(ctx, { text: tr(ctx)("adm-fileid-done") });
  });

  admin.callbackQuery("adm:bc", async (ctx) => {
    const t = tr(ctx);
    await ctx.answerCallbackQuery();
    const keyboard = new InlineKeyboard()
      .text(t("adm-bc-all"), "adm:bca:all")
      .text(t("adm-bc-active"), "adm:bca:active")
      .row()
      .text(t("adm-button-cancel"), "adm:x");
    await ctx.reply(t("adm-bc-audience"), { reply_markup: keyboard });
  });
  admin.callbackQuery(/^adm:bca:(all|active)$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const audience = ctx.match[1] === "active" ? "active" : "all";
    await ask(ctx, { await: "broadcast", audience }, tr(ctx)("adm-bc-ask"));
  });
  admin.callbackQuery(/^adm:bcgo:(\d+)$/, async (ctx) => {
    const t = tr(ctx);
    const id = Number(ctx.match[1]);
    const b = await store.getBroadcast(id);
    if (b?.status !== "draft") {
      await ctx.answerCallbackQuery({ text: t("adm-bc-not-draft"), show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery();
    // The confirmation message becomes the progress message the sender keeps editing.
    await ctx.editMessageText(t("adm-bc-started", { id }));
    const messageId = ctx.callbackQuery.message?.message_id ?? null;
    await broadcasts.launch(id, new Date(now().getTime() - WEEK_MS), messageId);
    logger.info({ admin: ctx.from.id, broadcastId: id }, "broadcast launched");
  });
  admin.callbackQuery(/^adm:bcx:(\d+)$/, async (ctx) => {
    const t = tr(ctx);
    const id = Number(ctx.match[1]);
    const b = await store.getBroadcast(id);
    if (b?.status !== "draft") {
      await ctx.answerCallbackQuery({ text: t("adm-bc-not-draft"), show_alert: true });
      return;
    }
    await store.updateBroadcast(id, { status: "cancelled", finishedAt: now() });
    await ctx.answerCallbackQuery();
    await show(ctx, { text: t("adm-bc-cancelled") });
  });

  // --- typed input ---

  admin.on("message", async (ctx, next) => {
    const s = await state.get(ctx.from.id);
    if (!s) return next();
    // Any command leaves the admin input and goes on to the bot (/menu, /start...).
    if (ctx.message.text?.startsWith("/")) {
      await state.clear(ctx.from.id);
      return next();
    }
    const t = tr(ctx);
    switch (s.await) {
      case "user_query":
        return onUserQuery(ctx, t);
      case "amount":
        return onAmount(ctx, t, s);
      case "reason":
        return onReason(ctx, t, s);
      case "broadcast":
        return onBroadcast(ctx, t, s);
      case "media":
        return onMedia(ctx, t, next);
    }
  });

  async function onUserQuery(ctx: BotContext, t: Translate): Promise<void> {
    const query = ctx.message?.text?.trim() ?? "";
    if (!query) {
      await ctx.reply(t("adm-ask-user"));
      return;
    }
    const found = await store.findUsers(query.slice(0, 64), 10);
    if (found.length === 0) {
      await ctx.reply(t("adm-not-found", { query: query.slice(0, 64) }), {
        reply_markup: new InlineKeyboard().text(t("adm-button-cancel"), "adm:x"),
      });
      return;
    }
    await state.clear(ctx.from!.id);
    if (found.length === 1) {
      await show(ctx, userView(t, found[0]!));
      return;
    }
    const keyboard = new InlineKeyboard();
    for (const u of found) {
      keyboard
        .text(`${u.firstName ?? ""} ${u.username ? `@${u.username}` : ""} #${u.tgId}`.trim(), `adm:u:${u.id}`)
        .row();
    }
    await ctx.reply(t("adm-found-many", { count: found.length }), { reply_markup: keyboard });
  }

  async function onAmount(
    ctx: BotContext,
    t: Translate,
    s: Extract<AdminState, { await: "amount" }>,
  ): Promise<void> {
    const text = ctx.message?.text?.trim() ?? "";
    const amount = /^\d{1,6}$/.test(text) ? Number(text) : 0;
    if (amount < 1 || amount > MAX_AMOUNT) {
      await ctx.reply(t("adm-bad-amount"));
      return;
    }
    await ask(ctx, { await: "reason", op: s.op, userId: s.userId, amount }, t("adm-ask-reason"));
  }

  async function onReason(
    ctx: BotContext,
    t: Translate,
    s: Extract<AdminState, { await: "reason" }>,
  ): Promise<void> {
    const reason = ctx.message?.text?.trim() ?? "";
    if (reason.length < 1 || reason.length > 200) {
      await ctx.reply(t("adm-bad-reason"));
      return;
    }
    const user = await store.getUserById(s.userId);
    await state.clear(ctx.from!.id);
    if (!user) return;
    const grant = s.op === "grant";
    // Keyed by the reason message: a re-delivered update cannot apply twice.
    const r = await store.addCredits({
      userId: user.id,
      amount: grant ? s.amount : -s.amount,
      reason: grant ? "admin_grant" : "admin_deduct",
      reference: `admin:${ctx.chat!.id}:${ctx.message!.message_id}`,
      note: `${reason} (admin ${ctx.from!.id})`,
      floorAtZero: true,
    });
    logger.info(
      { admin: ctx.from!.id, userId: user.id, op: s.op, amount: s.amount, applied: r.applied },
      "admin credits",
    );
    const name = displayName(user);
    const text =
      !grant && !r.applied && r.balance < s.amount
        ? t("adm-deduct-short", { name, balance: r.balance })
        : t(grant ? "adm-granted" : "adm-deducted", { name, amount: s.amount, balance: r.balance });
    await ctx.reply(text, { parse_mode: "HTML", reply_markup: backTo(t, `adm:u:${user.id}`) });
  }

  async function onBroadcast(
    ctx: BotContext,
    t: Translate,
    s: Extract<AdminState, { await: "broadcast" }>,
  ): Promise<void> {
    const m = ctx.message as Message;
    const photo = m.photo?.at(-1)?.file_id ?? null;
    const html = m.text
      ? entitiesToHtml(m.text, m.entities)
      : m.caption
        ? entitiesToHtml(m.caption, m.caption_entities)
        : null;
    if (!photo && !html) {
      await ctx.reply(t("adm-bc-bad"));
      return;
    }
    await state.clear(ctx.from!.id);
    const b = await store.createBroadcast({
      adminTgId: ctx.from!.id,
      audience: s.audience,
      text: html,
      photoFileId: photo,
      chatId: ctx.chat!.id,
    });
    // The preview is the very message recipients get.
    if (photo) await ctx.replyWithPhoto(photo, html ? { caption: html, parse_mode: "HTML" } : {});
    else await ctx.reply(html ?? "", { parse_mode: "HTML" });
    const keyboard = new InlineKeyboard()
      .text(t("adm-bc-send"), `adm:bcgo:${b.id}`)
      .text(t("adm-button-cancel"), `adm:bcx:${b.id}`);
    await ctx.reply(t("adm-bc-preview", { audience: t(`adm-bc-audience-${s.audience}`) }), {
      reply_markup: keyboard,
    });
  }

  async function onMedia(ctx: BotContext, t: Translate, next: () => Promise<void>): Promise<void> {
    const m = ctx.message as Message;
    const found: Array<[string, string | undefined]> = [
      ["photo", m.photo?.at(-1)?.file_id],
      ["video", m.video?.file_id],
      ["animation", m.animation?.file_id],
      ["document", m.animation ? undefined : m.document?.file_id],
      ["sticker", m.sticker?.file_id],
      ["audio", m.audio?.file_id],
      ["voice", m.voice?.file_id],
      ["video_note", m.video_note?.file_id],
    ];
    const hit = found.find(([, id]) => id);
    if (!hit) return next();
    await ctx.reply(t("adm-fileid", { kind: hit[0], fileId: hit[1]! }), { parse_mode: "HTML" });
  }

  return composer;
}
