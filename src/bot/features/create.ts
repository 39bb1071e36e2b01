// The create flow: photo → description → template [→ length → format] → wishes (or own prompt) →
// count → confirm. Length and format are asked only when the template offers more than one; their
// price (per length) is what the count step, the affordable counts and the charge use.
// State lives in the session (database); the step buttons carry the flow number so a button of an
// older flow answers "outdated"; Confirm derives idempotency keys from the confirmation message so
// a double tap, a replayed callback or a retry creates each job once.
import { type Composer, GrammyError, InlineKeyboard } from "grammy";
import type { Message } from "grammy/types";
import type { NewJob } from "../../db/store.ts";
import type { Job } from "../../db/types.ts";
import type { Format } from "../../models/index.ts";
import type { PhotoProblem } from "../../photo-check/index.ts";
import type { KeyAvailability } from "../../queue/types.ts";
import { defaultChoice, offeredFormat, priceOf, type Template } from "../../templates/index.ts";
import { BUY_CALLBACK, type Callback, decode, encode, type FormatName } from "../callbacks.ts";
import { FeatureComposer } from "../composer.ts";
import type { BotContext, Step } from "../context.ts";
import { esc } from "../html.ts";
import { languageOf } from "../i18n.ts";
import { acceptedScreen, saveQueueNotice } from "../notice.ts";
import { type FeatureDeps, menuButton, reply, type Screen, show } from "../ui.ts";

export const LIMITS = {
  descriptionMin: 10,
  /** Marketplace cards (WB) run to about 5000 characters; sellers paste them whole. */
  descriptionMax: 5000,
  wishesMax: 1000,
  promptMin: 10,
  promptMax: 3000,
  /** What the Bot API lets the pipeline download (getFile). */
  photoMaxBytes: 20 * 1024 * 1024,
  counts: [1, 3, 5],
} as const;

/** Limits and lengths are printed as plain digits: Fluent would group them ("3,000", "3 000"). */
const num = (n: number) => String(n);

/** Formats by the name buttons and texts use. */
const FORMAT_NAMES: Record<Format, FormatName> = {
  "9:16": "vertical",
  "16:9": "horizontal",
  "1:1": "square",
};
const formatByName = (name: FormatName) =>
  (Object.keys(FORMAT_NAMES) as Format[]).find((f) => FORMAT_NAMES[f] === name);

/** One video as the seller has chosen it so far: its length, format and price in credits. */
interface Order {
  seconds: number;
  format: Format | null;
  cost: number;
}

/**
 * The draft's length and format, or the template's first ones for what the draft does not name
 * (a session started before this choice existed, or a choice the template no longer offers).
 * Every screen and the charge read the order through here, so what is shown is what is charged.
 */
function orderOf(draft: BotContext["session"]["draft"], t: Template): Order {
  const first = defaultChoice(t);
  const seconds = draft.seconds !== undefined && priceOf(t, draft.seconds) ? draft.seconds : first.seconds;
  const format = offeredFormat(t, draft.format) ?? first.format;
  return { seconds, format, cost: priceOf(t, seconds) ?? 0 };
}

/** "1", "1 or 3", "1, 3 or 5". */
function orList(ctx: BotContext, xs: readonly number[]): string {
  const head = xs.slice(0, -1).join(", ");
  const last = String(xs.at(-1) ?? "");
  return head ? `${head}${ctx.t("count-or")}${last}` : last;
}

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/jpg", "image/webp"]);
const IMAGE_NAME = /\.(jpe?g|png|webp)$/i;
/** Whether a wishes answer means "none" in the seller's language (`wishes-skip-answers`). */
function skipsWishes(ctx: BotContext, text: string): boolean {
  return ctx
    .t("wishes-skip-answers")
    .split(",")
    .some((answer) => answer.trim().toLowerCase() === text.toLowerCase());
}

interface Image {
  fileId: string;
  size: number | undefined;
  /** Pixel size of a photo (Telegram gives none for documents). */
  width?: number;
  height?: number;
}

/** The product image of a message: a photo, or a document that is an image; "not_image" for other files. */
function imageOf(m: Message): Image | "not_image" | undefined {
  const largest = m.photo?.at(-1);
  if (largest)
    return { fileId: largest.file_id, size: largest.file_size, width: largest.width, height: largest.height };
  if (!m.document) return undefined;
  const mime = (m.document.mime_type ?? "").toLowerCase();
  const byName = IMAGE_NAME.test(m.document.file_name ?? "");
  if (!IMAGE_TYPES.has(mime) && !(mime === "" && byName)) return "not_image";
  return { fileId: m.document.file_id, size: m.document.file_size };
}

/** The short "what is expected now" line for a step, used for every bad input. */
export function expectedText(ctx: BotContext, step: Step): string {
  const d = { min: num(LIMITS.descriptionMin), max: num(LIMITS.descriptionMax) };
  const p = { min: num(LIMITS.promptMin), max: num(LIMITS.promptMax) };
  switch (step) {
    case "photo":
      return ctx.t("photo-expected");
    case "description":
      return ctx.t("desc-expected", d);
    case "template":
      return ctx.t("tpl-expected");
    case "duration":
      return ctx.t("dur-expected");
    case "format":
      return ctx.t("fmt-expected");
    case "wishes":
      return ctx.t("wishes-expected", { max: num(LIMITS.wishesMax) });
    case "own_prompt":
    case "own_add":
      return ctx.t("own-expected", p);
    case "own_review":
      return ctx.t("own-review-expected");
    case "count":
      return ctx.t("count-expected");
    case "confirm":
      return ctx.t("confirm-expected");
  }
}

const cancelRow = (ctx: BotContext, kb = new InlineKeyboard()) =>
  kb.text(ctx.t("btn-cancel"), encode({ a: "cancel" }));

export function createCreateFeature(deps: FeatureDeps): Composer<BotContext> {
  const { store, catalogue, queue, logger } = deps;
  const c = new FeatureComposer<BotContext>();

  const lang = (ctx: BotContext) => languageOf(ctx.user);
  const flow = (ctx: BotContext) => ctx.session.flow;

  const photoScreen = (ctx: BotContext): Screen => ({ text: ctx.t("photo-ask"), keyboard: cancelRow(ctx) });
  const descriptionScreen = (ctx: BotContext): Screen => ({
    text: ctx.t("desc-ask", { min: num(LIMITS.descriptionMin), max: num(LIMITS.descriptionMax) }),
    keyboard: cancelRow(ctx),
  });
  function templateScreen(ctx: BotContext): Screen {
    const kb = new InlineKeyboard();
    for (const t of catalogue.all)
      kb.text(catalogue.name(t, lang(ctx)), encode({ a: "tpl", flow: flow(ctx), id: t.id })).row();
    const list = catalogue.all
      .map((t) => {
        const costs = t.durations.map((d) => d.cost);
        return ctx.t("tpl-line", {
          name: esc(catalogue.name(t, lang(ctx))),
          description: esc(t.description[lang(ctx)]),
          seconds: orList(
            ctx,
            t.durations.map((d) => d.seconds).sort((a, b) => a - b),
          ),
          n: Math.min(...costs),
          from: costs.some((c) => c !== costs[0]) ? "yes" : "no",
        });
      })
      .join("\n\n");
    return { text: ctx.t("tpl-ask", { list }), keyboard: cancelRow(ctx, kb) };
  }
  /** The template's lengths, each with its price. */
  function durationScreen(ctx: BotContext, t: Template): Screen {
    const kb = new InlineKeyboard();
    for (const d of t.durations)
      kb.text(
        ctx.t("btn-duration", { seconds: num(d.seconds), n: d.cost }),
        encode({ a: "dur", flow: flow(ctx), s: d.seconds }),
      ).row();
    return {
      text: ctx.t("dur-ask", { template: esc(catalogue.name(t, lang(ctx))) }),
      keyboard: cancelRow(ctx, kb),
    };
  }
  function formatScreen(ctx: BotContext, t: Template): Screen {
    const kb = new InlineKeyboard();
    for (const f of t.formats)
      kb.text(
        ctx.t("btn-format", { format: FORMAT_NAMES[f] }),
        encode({ a: "fmt", flow: flow(ctx), f: FORMAT_NAMES[f] }),
      ).row();
    return {
      text: ctx.t("fmt-ask", { template: esc(catalogue.name(t, lang(ctx))) }),
      keyboard: cancelRow(ctx, kb),
    };
  }
  const wishesScreen = (ctx: BotContext): Screen => ({
    text: ctx.t("wishes-ask"),
    keyboard: cancelRow(
      ctx,
      new InlineKeyboard().text(ctx.t("btn-skip"), encode({ a: "skip", flow: flow(ctx) })),
    ),
  });
  const ownScreen = (ctx: BotContext, key = "own-ask"): Screen => ({
    text: ctx.t(key, { min: num(LIMITS.promptMin), max: num(LIMITS.promptMax) }),
    keyboard: cancelRow(ctx),
  });
  function reviewScreen(ctx: BotContext): Screen {
    const f = flow(ctx);
    const kb = new InlineKeyboard()
      .text(ctx.t("btn-approve"), encode({ a: "own", flow: f, op: "approve" }))
      .row()
      .text(ctx.t("btn-add"), encode({ a: "own", flow: f, op: "add" }))
      .text(ctx.t("btn-replace"), encode({ a: "own", flow: f, op: "replace" }))
      .row();
    return {
      text: ctx.t("own-review", { prompt: esc(ctx.session.draft.ownPrompt ?? "") }),
      keyboard: cancelRow(ctx, kb),
    };
  }
  /** The counts of the order the balance pays for, e.g. [1, 3] with 4 credits at 1 credit a video. */
  const affordable = (ctx: BotContext, t: Template) =>
    LIMITS.counts.filter((n) => n * orderOf(ctx.session.draft, t).cost <= ctx.user.credits);

  function countScreen(ctx: BotContext, t: Template): Screen {
    const kb = new InlineKeyboard();
    for (const n of LIMITS.counts) kb.text(String(n), encode({ a: "count", flow: flow(ctx), n }));
    kb.row();
    const covered = affordable(ctx, t);
    const most = covered.at(-1);
    const balance =
      most === undefined
        ? ctx.t("count-balance-none", { n: ctx.user.credits })
        : ctx.t("count-balance", { n: ctx.user.credits, counts: orList(ctx, covered), most });
    if (covered.length < LIMITS.counts.length) kb.text(ctx.t("btn-buy"), BUY_CALLBACK).row();
    const { cost } = orderOf(ctx.session.draft, t);
    return { text: `${ctx.t("count-ask", { n: cost })}\n\n${balance}`, keyboard: cancelRow(ctx, kb) };
  }
  function confirmScreen(ctx: BotContext, t: Template, count: number): Screen {
    const kb = new InlineKeyboard()
      .text(ctx.t("btn-confirm"), encode({ a: "confirm", flow: flow(ctx) }))
      .row();
    const o = orderOf(ctx.session.draft, t);
    return {
      text: ctx.t("confirm", {
        template: esc(catalogue.name(t, lang(ctx))),
        seconds: num(o.seconds),
        format: o.format ? FORMAT_NAMES[o.format] : "photo",
        count,
        total: o.cost * count,
        n: ctx.user.credits,
      }),
      keyboard: cancelRow(ctx, kb),
    };
  }

  function startFlow(ctx: BotContext, step: Step, draft: BotContext["session"]["draft"]): void {
    ctx.session.flow += 1;
    ctx.session.step = step;
    ctx.session.draft = draft;
  }

  async function outdated(ctx: BotContext): Promise<void> {
    await ctx.answerCallbackQuery({ text: ctx.t("outdated") });
  }

  /** Goes from a chosen template to its next step: its length, when it offers several. */
  async function afterTemplate(ctx: BotContext, t: Template): Promise<void> {
    if (t.durations.length > 1) {
      ctx.session.step = "duration";
      return show(ctx, durationScreen(ctx, t));
    }
    return afterDuration(ctx, t);
  }

  /** From the length to the format, when the template offers several. */
  async function afterDuration(ctx: BotContext, t: Template): Promise<void> {
    if (t.formats.length > 1) {
      ctx.session.step = "format";
      return show(ctx, formatScreen(ctx, t));
    }
    return afterChoice(ctx, t);
  }

  /** With length and format settled: the own prompt, the wishes or the count. */
  async function afterChoice(ctx: BotContext, t: Template): Promise<void> {
    if (t.kind === "own") {
      ctx.session.step = "own_prompt";
      return show(ctx, ownScreen(ctx));
    }
    if (t.askWishes) {
      ctx.session.step = "wishes";
      return show(ctx, wishesScreen(ctx));
    }
    ctx.session.step = "count";
    return show(ctx, countScreen(ctx, t));
  }

  // Only a template still offered: one the owner switched off mid-flow makes the flow start over.
  const currentTemplate = (ctx: BotContext) => catalogue.offered(ctx.session.draft.template ?? "");

  // ---- buttons

  c.callbackQuery(encode({ a: "create" }), async (ctx) => {
    await ctx.answerCallbackQuery();
    startFlow(ctx, "photo", {});
    await show(ctx, photoScreen(ctx));
  });

  c.on("callback_query:data", async (ctx, next) => {
    const d = decode(ctx.callbackQuery.data);
    if (!d.ok) return next();
    const cb = d.cb;
    switch (cb.a) {
      case "keep":
        return keepPhoto(ctx, cb.flow);
      case "again":
        return again(ctx, cb.job);
      case "repeat":
        return repeat(ctx, cb.job);
      case "tpl":
      case "dur":
      case "fmt":
      case "skip":
      case "own":
      case "count":
      case "confirm":
        return flowButton(ctx, cb);
      default:
        return next();
    }
  });

  // "Make another with this product" and "Repeat this order": from the stored job, never from the session.
  async function again(ctx: BotContext, jobId: number): Promise<void> {
    const job = await store.getJobById(jobId);
    if (!job || job.userId !== ctx.user.id || !job.photoFileId) return outdated(ctx);
    await ctx.answerCallbackQuery();
    startFlow(ctx, "template", { photoFileId: job.photoFileId, productText: job.productText });
    await reply(ctx, templateScreen(ctx));
  }

  async function repeat(ctx: BotContext, jobId: number): Promise<void> {
    const job = await store.getJobById(jobId);
    if (!job || job.userId !== ctx.user.id || !job.photoFileId) return outdated(ctx);
    const t = catalogue.offered(job.template);
    // A template removed from the catalogue (or switched off) since: choose another one for the same product.
    if (!t || (t.kind === "own" && !job.ownPrompt)) return again(ctx, jobId);
    await ctx.answerCallbackQuery();
    // The same length and format, while the template still offers them (priced as it is today).
    const { seconds, format } = orderOf(
      { seconds: job.durationSeconds ?? undefined, format: job.aspectRatio },
      t,
    );
    startFlow(ctx, "confirm", {
      photoFileId: job.photoFileId,
      productText: job.productText,
      template: t.id,
      seconds,
      format,
      wishes: job.wishes,
      ...(t.kind === "own" && job.ownPrompt ? { ownPrompt: job.ownPrompt } : {}),
      count: 1,
    });
    await reply(ctx, confirmScreen(ctx, t, 1));
  }

  async function flowButton(ctx: BotContext, cb: Extract<Callback, { flow: number }>): Promise<void> {
    if (cb.a === "confirm") return confirm(ctx, cb.flow);
    const s = ctx.session;
    if (cb.flow !== s.flow || !s.step || !s.draft.photoFileId || !s.draft.productText) return outdated(ctx);
    switch (cb.a) {
      case "tpl": {
        const t = catalogue.offered(cb.id);
        if (!t || s.step === "photo" || s.step === "description") return outdated(ctx);
        await ctx.answerCallbackQuery();
        s.draft = {
          photoFileId: s.draft.photoFileId,
          productText: s.draft.productText,
          template: t.id,
          ...defaultChoice(t),
        };
        return afterTemplate(ctx, t);
      }
      case "dur": {
        const t = currentTemplate(ctx);
        if (s.step !== "duration" || !t || !priceOf(t, cb.s)) return outdated(ctx);
        await ctx.answerCallbackQuery();
        s.draft.seconds = cb.s;
        return afterDuration(ctx, t);
      }
      case "fmt": {
        const t = currentTemplate(ctx);
        const format = t ? offeredFormat(t, formatByName(cb.f)) : undefined;
        if (s.step !== "format" || !t || !format) return outdated(ctx);
        await ctx.answerCallbackQuery();
        s.draft.format = format;
        return afterChoice(ctx, t);
      }
      case "skip": {
        const t = currentTemplate(ctx);
        if (s.step !== "wishes" || !t) return outdated(ctx);
        await ctx.answerCallbackQuery();
        s.draft.wishes = null;
        s.step = "count";
        return show(ctx, countScreen(ctx, t));
      }
      case "own": {
        const t = currentTemplate(ctx);
        if (s.step !== "own_review" || !t) return outdated(ctx);
        await ctx.answerCallbackQuery();
        if (cb.op === "approve") {
          s.step = "count";
          await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => undefined);
          return reply(ctx, countScreen(ctx, t));
        }
        s.step = cb.op === "add" ? "own_add" : "own_prompt";
        return reply(ctx, ownScreen(ctx, cb.op === "add" ? "own-add-ask" : "own-replace-ask"));
      }
      case "count": {
        const t = currentTemplate(ctx);
        if ((s.step !== "count" && s.step !== "confirm") || !t) return outdated(ctx);
        await ctx.answerCallbackQuery();
        s.draft.count = cb.n;
        s.step = "confirm";
        return show(ctx, confirmScreen(ctx, t, cb.n));
      }
    }
  }

  async function confirm(ctx: BotContext, flowOfButton: number): Promise<void> {
    const message = ctx.callbackQuery?.message;
    const chatId = ctx.chat?.id;
    if (!message || chatId === undefined) return outdated(ctx);
    const batch = `confirm:${chatId}:${message.message_id}`;
    const existing = await store.getJobByIdempotencyKey(`${batch}:0`);
    if (existing) {
      if (existing.userId !== ctx.user.id) return outdated(ctx);
      await ctx.answerCallbackQuery({ text: ctx.t("already-accepted") });
      return;
    }
    const s = ctx.session;
    const t = currentTemplate(ctx);
    const count = s.draft.count;
    if (flowOfButton !== s.flow || s.step !== "confirm" || !t || !count || !s.draft.photoFileId)
      return outdated(ctx);
    // Asked before anything is charged: an order that cannot be rendered is refused, not paid and refunded.
    const ready = await queue.availability();
    if (!ready.ok) return notReady(ctx, ready);
    const order = orderOf(s.draft, t);
    const jobs: NewJob[] = Array.from({ length: count }, (_, i) => ({
      chatId,
      template: t.id,
      model: t.model,
      language: lang(ctx),
      photoFileId: s.draft.photoFileId ?? null,
      productText: s.draft.productText ?? "",
      wishes: s.draft.wishes ?? null,
      ownPrompt: t.kind === "own" ? (s.draft.ownPrompt ?? null) : null,
      durationSeconds: order.seconds,
      aspectRatio: order.format,
      cost: order.cost,
      idempotencyKey: `${batch}:${i}`,
      batchKey: batch,
    }));
    const res = await store.createJobsAndConsumeCredits(ctx.user.id, jobs);
    if (!res.ok) {
      if (res.reason === "user_not_found") throw new Error(`user ${ctx.user.id} vanished before confirm`);
      await ctx.answerCallbackQuery();
      ctx.user.credits = res.balance;
      // The counts the balance still covers, so "choose fewer" is a tap, not a walk back.
      const fewer = affordable(ctx, t);
      const kb = new InlineKeyboard();
      for (const n of fewer)
        kb.text(ctx.t("btn-count", { count: n }), encode({ a: "count", flow: s.flow, n }));
      kb.row()
        .text(ctx.t("btn-buy"), BUY_CALLBACK)
        .row()
        .text(ctx.t("btn-confirm"), encode({ a: "confirm", flow: s.flow }))
        .row();
      const short = ctx.t("not-enough", {
        required: res.required,
        n: res.balance,
        missing: res.required - res.balance,
      });
      return show(ctx, {
        text: fewer.length ? `${short}\n\n${ctx.t("not-enough-fewer")}` : short,
        keyboard: cancelRow(ctx, kb),
      });
    }
    await ctx.answerCallbackQuery();
    if (res.created) deps.metrics.creditsCharged.inc(order.cost * count);
    s.step = null;
    s.draft = {};
    ctx.user.credits = res.balance;
    try {
      await showAccepted(ctx, batch, res.jobs, res.balance);
    } finally {
      // After the notice is recorded, so the worker that claims a single video finds it and
      // carries on in the same message. (On Postgres the order's own NOTIFY woke the workers at
      // commit already: this sends no second one, and a claim made before the notice was
      // recorded waits for it, see noticeAtClaim in generation/positions.ts.)
      try {
        queue.wake({ order: true });
      } catch (e) {
        logger.warn({ err: e }, "queue wake failed; the workers will find the jobs on their next poll");
      }
    }
  }

  /**
   * Confirm refused without a charge. With no kie.ai key the flow ends at the menu (only the owner
   * can fix it); with every key resting the order stays, to be confirmed again once one is back.
   */
  async function notReady(ctx: BotContext, state: Exclude<KeyAvailability, { ok: true }>): Promise<void> {
    await ctx.answerCallbackQuery();
    if (state.reason === "no_keys") {
      ctx.session.step = null;
      ctx.session.draft = {};
      return show(ctx, { text: ctx.t("service-not-ready"), keyboard: menuButton(ctx) });
    }
    const minutes = Math.max(1, Math.ceil((state.until.getTime() - Date.now()) / 60_000));
    // Rests after a rejected key last hours: "about 6 h" reads better than "about 360 min".
    const hours = minutes > 90 ? Math.round(minutes / 60) : 0;
    const kb = new InlineKeyboard()
      .text(ctx.t("btn-confirm"), encode({ a: "confirm", flow: ctx.session.flow }))
      .row()
      .text(ctx.t("btn-menu"), encode({ a: "menu" }));
    return show(ctx, { text: ctx.t("service-paused", { minutes, hours }), keyboard: kb });
  }

  /** "Accepted, position N": edited into the confirmation, recorded for the queue's updates. */
  async function showAccepted(ctx: BotContext, batch: string, jobs: Job[], balance: number): Promise<void> {
    const first = jobs[0];
    const last = jobs.at(-1);
    const position = first ? await store.getQueuePosition(first.id) : 0;
    const lastPosition = last ? await store.getQueuePosition(last.id) : position;
    const notice = { count: jobs.length, position, balance, againJobId: first?.id ?? 0 };
    const minutes = queue.estimateMinutes(Math.max(1, lastPosition, position));
    const s = acceptedScreen(ctx.t, { ...notice, minutes });
    const other = { parse_mode: "HTML" as const, reply_markup: s.keyboard };
    let messageId: number | undefined;
    try {
      const edited = await ctx.editMessageText(s.text, other);
      messageId = edited === true ? undefined : edited.message_id;
    } catch (e) {
      if (!(e instanceof GrammyError) || e.error_code !== 400) throw e;
      messageId = (await ctx.reply(s.text, other)).message_id;
    }
    // Recorded at position 0 too (a worker took the order already, as on Postgres, whose NOTIFY
    // reaches the workers at commit): that worker waits for this notice and carries on in it.
    if (messageId === undefined || ctx.chat === undefined) return;
    await saveQueueNotice(store, batch, {
      ...notice,
      chatId: ctx.chat.id,
      messageId,
      language: lang(ctx),
    }).catch((e: unknown) =>
      logger.warn({ err: e }, "queue notice not recorded; its position stays as shown"),
    );
  }

  // ---- messages inside the flow

  c.on("message", async (ctx, next) => {
    const step = ctx.session.step;
    const m = ctx.message;
    // Payments and other features' commands pass through; unknown commands reach the fallback,
    // which says what this step expects.
    if (m.successful_payment || m.text?.startsWith("/")) return next();
    if (!step) {
      // A product photo sent without pressing "Create" (the welcome asks for one) starts the flow.
      if (typeof imageOf(m) !== "object") return next();
      startFlow(ctx, "photo", { album: m.media_group_id, albumPhoto: m.media_group_id });
      return onPhoto(ctx, m, (text) => reply(ctx, { text }));
    }
    // An album arrives as one message per item. One item gets the answer (the photo is taken, or
    // the step says what it expects); the others get none: one photo makes one video, and each
    // item would otherwise be checked, or refused, again. At the photo step an album is answered
    // by its first image, even after a video or a file in front of it was refused.
    if (m.media_group_id) {
      const photoStep = step === "photo" && typeof imageOf(m) === "object";
      const answered = photoStep ? ctx.session.draft.albumPhoto : ctx.session.draft.album;
      if (m.media_group_id === answered) return;
      ctx.session.draft.album = m.media_group_id;
      if (photoStep) ctx.session.draft.albumPhoto = m.media_group_id;
    }
    const say = sayTo(ctx);
    switch (step) {
      case "photo":
        return onPhoto(ctx, m, say);
      case "description": {
        const text = m.text?.trim();
        if (text === undefined) return say(expectedText(ctx, step));
        const len = text.length;
        if (len < LIMITS.descriptionMin)
          return say(ctx.t("desc-too-short", { len: num(len), min: num(LIMITS.descriptionMin) }));
        if (len > LIMITS.descriptionMax)
          return say(ctx.t("desc-too-long", { len: num(len), max: num(LIMITS.descriptionMax) }));
        ctx.session.draft.productText = text;
        ctx.session.step = "template";
        return reply(ctx, templateScreen(ctx));
      }
      case "wishes": {
        const text = m.text?.trim();
        const t = currentTemplate(ctx);
        if (!t) return resetBroken(ctx);
        if (!text || text.length > LIMITS.wishesMax) return say(expectedText(ctx, step));
        ctx.session.draft.wishes = skipsWishes(ctx, text) ? null : text;
        ctx.session.step = "count";
        return reply(ctx, countScreen(ctx, t));
      }
      case "own_prompt":
      case "own_add": {
        const text = m.text?.trim();
        if (!text) return say(expectedText(ctx, step));
        const prompt = step === "own_add" ? `${ctx.session.draft.ownPrompt ?? ""}\n${text}`.trim() : text;
        if (prompt.length < LIMITS.promptMin || prompt.length > LIMITS.promptMax) {
          return say(expectedText(ctx, step));
        }
        ctx.session.draft.ownPrompt = prompt;
        ctx.session.step = "own_review";
        return reply(ctx, reviewScreen(ctx));
      }
      default:
        return say(expectedText(ctx, step));
    }
  });

  async function onPhoto(ctx: BotContext, m: Message, say: (t: string) => Promise<void>): Promise<void> {
    const image = imageOf(m);
    if (image === "not_image") return say(ctx.t("photo-not-image"));
    if (!image) return say(ctx.t("photo-expected"));
    if ((image.size ?? 0) > LIMITS.photoMaxBytes) return say(ctx.t("photo-too-big"));
    ctx.session.draft.photoFileId = image.fileId;
    const problems = await photoProblems(ctx, image);
    const screen = problems.length > 0 ? photoProblemsScreen(ctx, problems) : descriptionScreen(ctx);
    // The flow waits at the photo step after problems: another photo is checked afresh, or the
    // seller goes on.
    ctx.session.step = problems.length > 0 ? "photo" : "description";
    if (m.media_group_id) screen.text += `\n\n${ctx.t("photo-album-first")}`;
    await reply(ctx, screen);
  }

  /** What the photo check finds wrong with the photo; nothing when it is off or could not look. */
  async function photoProblems(ctx: BotContext, image: Image): Promise<readonly PhotoProblem[]> {
    const check = deps.photoCheck;
    if (!check?.enabled) return [];
    await ctx.replyWithChatAction("typing").catch(() => undefined);
    const verdict = await check.check(image);
    return verdict.kind === "problems" ? verdict.problems : [];
  }

  function photoProblemsScreen(ctx: BotContext, problems: readonly PhotoProblem[]): Screen {
    const list = problems.map((p) => ctx.t(`photo-problem-${p}`)).join("\n");
    const kb = new InlineKeyboard()
      .text(ctx.t("btn-keep-photo"), encode({ a: "keep", flow: flow(ctx) }))
      .row();
    return { text: ctx.t("photo-check-problems", { list }), keyboard: cancelRow(ctx, kb) };
  }

  /** "Go on with this photo" despite the check: on to the description, the photo kept. */
  async function keepPhoto(ctx: BotContext, flowOfButton: number): Promise<void> {
    const s = ctx.session;
    if (flowOfButton !== s.flow || s.step !== "photo" || !s.draft.photoFileId) return outdated(ctx);
    await ctx.answerCallbackQuery();
    s.step = "description";
    await show(ctx, descriptionScreen(ctx));
  }

  /** A session that no longer makes sense (e.g. a template removed from the catalogue): start over. */
  async function resetBroken(ctx: BotContext): Promise<void> {
    startFlow(ctx, "photo", {});
    await reply(ctx, photoScreen(ctx));
  }

  return c;
}

/**
 * A plain text reply to this update. Made by a function so that the closure is anonymous: the
 * bundle's keepNames would name a `const say = …` arrow with an Object.defineProperty per update.
 */
function sayTo(ctx: BotContext): (text: string) => Promise<void> {
  return (text) => reply(ctx, { text });
}
