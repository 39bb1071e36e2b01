// The support inbox (issue 13). A seller opens it with /support or a Support button and writes —
// text, a photo, a file, a voice message: each message is stored in the seller's open thread and
// copied to every admin (ADMIN_IDS) under a header about the seller, in the admin's language. An
// admin answers with Telegram's Reply to that message; the answer reaches the seller, the admin
// is told whether it did, and the other admins see that it was answered. An admin closes a thread
// with the button under its messages.
//
// An album (several photos sent at once) reaches each admin as one header and its items under it.
//
// Installed before the admin-block and consent gates (createBot's `ungated`): a blocked seller can
// still write to support — the blocked-user notice offers it — and nothing else. Threads, messages
// and where each was copied live in the database (src/db/ops/support.ts): a replayed update is
// neither stored nor forwarded twice, the rate limit holds across restarts, and a reply to any copy
// finds its thread.
import { type Composer, GrammyError, InlineKeyboard } from "grammy";
import type { Message } from "grammy/types";
import { callbackData, SUPPORT_CALLBACK } from "../bot/callbacks.ts";
import { FeatureComposer } from "../bot/composer.ts";
import type { BotContext } from "../bot/context.ts";
import { clip, esc } from "../bot/html.ts";
import type { Config } from "../config/index.ts";
import type { NewSupportMessage, SupportRepo } from "../db/ops/support.ts";
import type { Store } from "../db/store.ts";
import type { Job, Language, SupportMessage, SupportThread, User } from "../db/types.ts";
import { localeOfUser } from "../i18n/language.ts";
import type { Vars } from "../i18n/texts.ts";
import type { Logger } from "../logger.ts";
import { isNotModified, type Telegram, UserBlockedBotError } from "../telegram/types.ts";
import type { Catalogue } from "../templates/index.ts";
import { SUPPORT_LIMITS } from "./limits.ts";
import { supportTexts } from "./texts.ts";

export interface SupportFeatureDeps {
  config: Config;
  /** Users and their jobs, for the header admins read. */
  store: Store;
  repo: SupportRepo;
  /** Sends to chats other than the one of the update (admins, the seller of an answer), paced. */
  telegram: Telegram;
  catalogue: Catalogue;
  logger: Logger;
}

/** Leaves writing to support (the seller's Cancel / Done). */
const LEAVE = "sup:x";
/** An admin closes a thread: `sup:c:<thread id>`. */
const CLOSE = /^sup:c:(\d{1,12})$/;
const closeData = (threadId: number) => `sup:c:${threadId}`;
const isSupportData = (data: string) => data === SUPPORT_CALLBACK || data.startsWith("sup:");

const HTML = { parse_mode: "HTML" as const, link_preview_options: { is_disabled: true } };

/** Kinds whose copy can carry a caption of ours ("Support · request #12"). */
const CAPTIONED = new Set(["photo", "document", "voice", "video", "audio", "animation"]);
const FILE_KINDS = ["document", "voice", "video", "audio", "sticker", "video_note"] as const;

type Content = Pick<NewSupportMessage, "kind" | "text" | "fileId">;

/** What a message carries, as stored; null for what cannot be copied (polls, games, service messages). */
function contentOf(m: Message): Content | null {
  if (m.text !== undefined) return { kind: "text", text: m.text, fileId: null };
  const text = m.caption ?? null;
  if (m.photo) return { kind: "photo", text, fileId: m.photo.at(-1)?.file_id ?? null };
  // A GIF arrives with `document` set too: the animation is what it is.
  if (m.animation) return { kind: "animation", text, fileId: m.animation.file_id };
  for (const kind of FILE_KINDS) {
    const file = m[kind];
    if (file) return { kind, text, fileId: file.file_id };
  }
  if (m.location)
    return { kind: "location", text: `${m.location.latitude}, ${m.location.longitude}`, fileId: null };
  if (m.contact) {
    const c = m.contact;
    return {
      kind: "contact",
      text: [c.first_name, c.last_name, c.phone_number].filter(Boolean).join(" "),
      fileId: null,
    };
  }
  return null;
}

/** A person as admins read them: a mention link with the name, and the @username. */
function personName(u: Pick<User, "tgId" | "firstName" | "lastName" | "username">): string {
  const full = [u.firstName, u.lastName].filter(Boolean).join(" ") || String(u.tgId);
  const link = `<a href="tg://user?id=${u.tgId}">${esc(full)}</a>`;
  return u.username ? `${link} @${esc(u.username)}` : link;
}

function errorText(e: unknown): string {
  if (e instanceof GrammyError) return e.description;
  return e instanceof Error ? e.message : String(e);
}

export function createSupportFeature(deps: SupportFeatureDeps): Composer<BotContext> {
  const { config, store, repo, telegram, catalogue, logger } = deps;
  const texts = supportTexts();
  const admins = new Set(config.admins);
  const isAdmin = (ctx: BotContext) => ctx.from !== undefined && admins.has(ctx.from.id);
  const tr = (ctx: BotContext) => texts.bind(localeOfUser(ctx.user));
  const c = new FeatureComposer<BotContext>();

  /** An admin's language as the store knows it (English for one who never opened the bot). */
  async function languageOf(tgId: number): Promise<Language> {
    return localeOfUser(await store.getUserByTgId(tgId).catch(() => null));
  }

  // ---- the header admins read above each message

  function jobLine(t: (k: string, v?: Vars) => string, lang: Language, j: Job): string {
    const template = catalogue.get(j.template);
    const vars = {
      id: j.id,
      status: t("support-adm-status", { status: j.status }),
      template: esc(template ? catalogue.name(template, lang) : j.template),
    };
    return j.status === "failed" && j.errorCode
      ? t("support-adm-job-failed", { ...vars, error: esc(j.errorCode) })
      : t("support-adm-job", vars);
  }

  function header(lang: Language, seller: User, thread: SupportThread, opened: boolean, jobs: Job[]): string {
    const t = texts.bind(lang);
    return [
      t("support-adm-title", { thread: thread.id, opened: opened ? "yes" : "no" }),
      t("support-adm-from", { name: personName(seller), id: seller.tgId }),
      ...(seller.blocked ? [t("support-adm-user-blocked")] : []),
      t("support-adm-balance", { balance: seller.credits }),
      ...(jobs.length
        ? [t("support-adm-jobs"), ...jobs.map((j) => jobLine(t, lang, j))]
        : [t("support-adm-no-jobs")]),
      t("support-adm-hint"),
    ].join("\n");
  }

  /** A message in a line or two, for notices: its text, or what it is (and its caption). */
  function gist(t: (k: string, v?: Vars) => string, m: SupportMessage): string {
    const text = m.text ? esc(clip(m.text, SUPPORT_LIMITS.quoteChars)) : "";
    if (m.kind === "text") return text;
    const kind = t("support-adm-kind", { kind: m.kind });
    return text ? `${kind} · ${text}` : kind;
  }

  /**
   * Copies a seller's message to every admin who does not have it yet (a replayed update finds
   * the copies made before), each under the header; a text fits into the header's message. An
   * item of an album goes under the header its first item got (`heads`: admin chat id → header
   * message id), and the headers it sends are added there. Returns whether at least one admin has it.
   */
  async function forward(
    seller: User,
    thread: SupportThread,
    message: SupportMessage,
    opened: boolean,
    heads?: Record<string, number>,
  ) {
    const have = new Set((await repo.copiesOf(message.id)).map((x) => x.chatId));
    let delivered = config.admins.filter((id) => have.has(id)).length;
    let jobs: Job[] | undefined;
    for (const admin of config.admins) {
      if (have.has(admin)) continue;
      const copies: Array<{ chatId: number; messageId: number }> = [];
      const sent = (messageId: number) => copies.push({ chatId: admin, messageId });
      const under = (top: number) =>
        telegram.send(admin, (api) =>
          api.copyMessage(admin, message.chatId, message.messageId, {
            reply_parameters: { message_id: top, allow_sending_without_reply: true },
          }),
        );
      try {
        const albumHead = heads?.[admin];
        if (albumHead !== undefined) {
          sent((await under(albumHead)).message_id);
          delivered++;
          continue;
        }
        jobs ??= await store.getUserJobs(seller.id, { limit: SUPPORT_LIMITS.headerJobs, offset: 0 });
        const lang = await languageOf(admin);
        const head = header(lang, seller, thread, opened, jobs);
        const keyboard = new InlineKeyboard().text(
          texts.t(lang, "btn-support-close", { thread: thread.id }),
          closeData(thread.id),
        );
        const quoted =
          message.kind === "text" ? `${head}\n\n<blockquote>${esc(message.text ?? "")}</blockquote>` : null;
        if (quoted && quoted.length <= SUPPORT_LIMITS.textMax) {
          sent(
            (
              await telegram.send(admin, (api) =>
                api.sendMessage(admin, quoted, { ...HTML, reply_markup: keyboard }),
              )
            ).message_id,
          );
        } else {
          const top = await telegram.send(admin, (api) =>
            api.sendMessage(admin, head, { ...HTML, reply_markup: keyboard }),
          );
          sent(top.message_id);
          if (heads) heads[admin] = top.message_id;
          sent((await under(top.message_id)).message_id);
        }
        delivered++;
      } catch (e) {
        logger.warn(
          { err: e, adminId: admin, thread: thread.id },
          "support message not delivered to an admin",
        );
      } finally {
        if (copies.length) await repo.addCopies(message.id, copies);
      }
    }
    await repo.setDelivery(message.id, delivered > 0 ? "sent" : "failed");
    return delivered > 0;
  }

  /**
   * Tells every admin but `except` something about a thread, each in their language; as a reply
   * to their copy of `about` when they have one. Best effort: a notice lost is logged.
   */
  async function tellAdmins(
    except: number,
    about: number | null,
    text: (t: (k: string, v?: Vars) => string) => string,
  ) {
    const copies = about === null ? [] : await repo.copiesOf(about);
    for (const admin of config.admins) {
      if (admin === except) continue;
      const t = texts.bind(await languageOf(admin));
      const to = copies.find((x) => x.chatId === admin);
      await telegram
        .send(admin, (api) =>
          api.sendMessage(admin, text(t), {
            ...HTML,
            ...(to
              ? { reply_parameters: { message_id: to.messageId, allow_sending_without_reply: true } }
              : {}),
          }),
        )
        .catch((e: unknown) =>
          logger.warn({ err: e, adminId: admin }, "support notice not delivered to an admin"),
        );
    }
  }

  // ---- the seller

  /** /support and the Support buttons: the seller is asked to write (or told where support is). */
  async function openInbox(ctx: BotContext): Promise<void> {
    const t = tr(ctx);
    const url = config.bot.supportUrl;
    if (config.admins.length === 0) {
      // Nobody would read the inbox: SUPPORT_URL if there is one, else the truth.
      const kb = new InlineKeyboard();
      if (url) kb.url(t("btn-support-url"), url).row();
      if (!ctx.user.blocked) kb.text(t("btn-menu"), callbackData.menu());
      await ctx.reply(url ? t("support-external", { url }) : t("support-none"), {
        ...HTML,
        reply_markup: kb,
      });
      return;
    }
    // Writing to support leaves the create flow, as the menu does.
    ctx.session.step = null;
    ctx.session.draft = {};
    ctx.session.supportUntil = Date.now() + SUPPORT_LIMITS.writingIdleMs;
    const open = await repo.openThread(ctx.user.id);
    const text = [t("support-ask"), ...(open ? [t("support-ask-open", { thread: open.id })] : [])].join(
      "\n\n",
    );
    const kb = new InlineKeyboard().text(t("btn-cancel"), LEAVE);
    if (url) kb.row().url(t("btn-support-url"), url);
    // Always a new message: the button sits under menus, apologies and answers alike, and those
    // must stay readable.
    await ctx.reply(text, { ...HTML, reply_markup: kb });
  }

  /** A seller's message to support. */
  async function write(ctx: BotContext, m: Message): Promise<void> {
    if (config.admins.length === 0) return openInbox(ctx);
    const t = tr(ctx);
    ctx.session.supportUntil = Date.now() + SUPPORT_LIMITS.writingIdleMs;
    const keyboard = new InlineKeyboard().text(t("btn-support-done"), LEAVE);
    const answer = (text: string) =>
      ctx.reply(text, {
        ...HTML,
        reply_markup: keyboard,
        reply_parameters: { message_id: m.message_id, allow_sending_without_reply: true },
      });
    const content = contentOf(m);
    if (!content || !ctx.chat || !ctx.from) {
      await answer(t("support-unsupported"));
      return;
    }
    const r = await repo.receive(
      {
        userId: ctx.user.id,
        senderTgId: ctx.from.id,
        chatId: ctx.chat.id,
        messageId: m.message_id,
        ...content,
      },
      SUPPORT_LIMITS.windows,
    );
    if (r.status === "limited") {
      const minutes = Math.max(1, Math.ceil((r.retryAt.getTime() - Date.now()) / 60_000));
      await answer(t("support-limited", { minutes }));
      return;
    }
    // An album arrives as one message per item: one header per admin above all of them, and one
    // "sent" to the seller (again only if delivery changes between items).
    const group = m.media_group_id;
    const before = ctx.session.supportAlbum;
    const album =
      group !== undefined && before?.group === group && before.thread === r.thread.id ? before : undefined;
    const heads = group === undefined ? undefined : { ...album?.heads };
    const opened = r.status === "accepted" && r.opened;
    const delivered = await forward(ctx.user, r.thread, r.message, opened, heads);
    ctx.session.supportAlbum =
      group === undefined || !heads ? undefined : { group, thread: r.thread.id, heads, delivered };
    if (album && album.delivered === delivered) return;
    const url = config.bot.supportUrl;
    if (!delivered && url) keyboard.row().url(t("btn-support-url"), url);
    await answer(t(delivered ? "support-sent" : "support-not-delivered", { thread: r.thread.id }));
  }

  // ---- the admins

  /** Sends an admin's answer to the seller; returns the messages it became in the seller's chat. */
  async function deliverAnswer(seller: User, thread: SupportThread, message: SupportMessage) {
    const t = texts.bind(localeOfUser(seller));
    const chat = seller.tgId;
    const keyboard = new InlineKeyboard().text(t("btn-support-reply"), SUPPORT_CALLBACK);
    if (!seller.blocked) keyboard.text(t("btn-menu"), callbackData.menu());
    const vars = { thread: thread.id, text: esc(message.text ?? "") };
    const label = t("support-answer-label", vars);
    const at = (messageId: number) => ({ chatId: chat, messageId });
    if (message.kind === "text") {
      const body = t("support-answer", vars);
      if (body.length <= SUPPORT_LIMITS.textMax)
        return [
          at(
            (
              await telegram.send(chat, (api) =>
                api.sendMessage(chat, body, { ...HTML, reply_markup: keyboard }),
              )
            ).message_id,
          ),
        ];
    } else if (CAPTIONED.has(message.kind)) {
      const caption = message.text ? t("support-answer", vars) : label;
      if (caption.length <= SUPPORT_LIMITS.captionMax) {
        const copy = await telegram.send(chat, (api) =>
          api.copyMessage(chat, message.chatId, message.messageId, {
            caption,
            parse_mode: "HTML",
            reply_markup: keyboard,
          }),
        );
        return [at(copy.message_id)];
      }
    }
    // Too long for our words around it, or a kind without a caption: the label, then the message.
    const top = await telegram.send(chat, (api) => api.sendMessage(chat, label, HTML));
    const copy = await telegram.send(chat, (api) =>
      api.copyMessage(chat, message.chatId, message.messageId, { reply_markup: keyboard }),
    );
    return [at(top.message_id), at(copy.message_id)];
  }

  /** An admin replied to a copy of a seller's message: the answer goes to the seller. */
  async function answerSeller(
    ctx: BotContext,
    m: Message,
    to: { message: SupportMessage; thread: SupportThread },
  ): Promise<void> {
    const t = tr(ctx);
    const say = (text: string) =>
      ctx.reply(text, {
        ...HTML,
        reply_parameters: { message_id: m.message_id, allow_sending_without_reply: true },
      });
    const content = contentOf(m);
    if (!content || !ctx.chat || !ctx.from) {
      await say(t("support-adm-unsupported"));
      return;
    }
    const seller = await store.getUserById(to.thread.userId);
    const r = seller
      ? await repo.answer(to.thread.id, {
          userId: seller.id,
          senderTgId: ctx.from.id,
          chatId: ctx.chat.id,
          messageId: m.message_id,
          ...content,
        })
      : ({ status: "missing" } as const);
    if (!seller || r.status === "missing") {
      await say(t("support-adm-missing"));
      return;
    }
    const vars = { name: personName(seller), thread: r.thread.id };
    if (r.status === "duplicate" && r.message.delivery === "sent") {
      await say(t("support-adm-already-sent", vars));
      return;
    }
    try {
      const copies = await deliverAnswer(seller, r.thread, r.message);
      await repo.addCopies(r.message.id, copies);
      await repo.setDelivery(r.message.id, "sent");
    } catch (e) {
      const blocked = e instanceof UserBlockedBotError;
      await repo.setDelivery(r.message.id, blocked ? "blocked" : "failed");
      if (!blocked) logger.warn({ err: e, thread: r.thread.id }, "support answer not delivered");
      await say(
        blocked
          ? t("support-adm-seller-blocked-bot", vars)
          : t("support-adm-not-delivered", { ...vars, error: esc(errorText(e)) }),
      );
      return;
    }
    await say(t("support-adm-delivered", vars));
    const admin = personName(ctx.user);
    await tellAdmins(ctx.from.id, to.message.id, (tt) =>
      tt("support-adm-answered", { ...vars, admin, text: gist(tt, r.message) }),
    );
  }

  // ---- routing

  // Writing to support ends with any command, any other button, or after a long pause.
  c.use(async (ctx, next) => {
    const until = ctx.session.supportUntil;
    if (until !== undefined) {
      const data = ctx.callbackQuery?.data;
      if (
        until < Date.now() ||
        ctx.message?.text?.startsWith("/") ||
        (data !== undefined && !isSupportData(data))
      )
        ctx.session.supportUntil = undefined;
    }
    await next();
  });

  c.command("support", openInbox);
  c.callbackQuery(SUPPORT_CALLBACK, async (ctx) => {
    await ctx.answerCallbackQuery();
    await openInbox(ctx);
  });

  c.callbackQuery(LEAVE, async (ctx) => {
    ctx.session.supportUntil = undefined;
    await ctx.answerCallbackQuery();
    const t = tr(ctx);
    // "Support has your messages" only when it has: an open thread.
    const open = await repo.openThread(ctx.user.id);
    const text = t(open ? "support-left" : "support-cancelled");
    const kb = ctx.user.blocked ? undefined : new InlineKeyboard().text(t("btn-menu"), callbackData.menu());
    try {
      await ctx.editMessageText(text, { ...HTML, reply_markup: kb });
    } catch (e) {
      if (!isNotModified(e)) await ctx.reply(text, { ...HTML, reply_markup: kb });
    }
  });

  c.callbackQuery(CLOSE, async (ctx, next) => {
    if (!isAdmin(ctx)) return next();
    const t = tr(ctx);
    const r = await repo.close(Number(ctx.match[1]), ctx.from.id);
    if (r.status === "missing") {
      await ctx.answerCallbackQuery({ text: t("support-adm-missing") });
      return;
    }
    const thread = r.thread.id;
    await ctx.answerCallbackQuery({
      text: t(r.status === "closed" ? "support-adm-closed" : "support-adm-already-closed", { thread }),
    });
    await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => undefined);
    if (r.status !== "closed") return;
    const seller = await store.getUserById(r.thread.userId);
    const name = seller ? personName(seller) : `#${r.thread.userId}`;
    const admin = personName(ctx.user);
    await tellAdmins(ctx.from.id, null, (tt) => tt("support-adm-closed-by", { admin, thread, name }));
    if (!seller) return;
    const st = texts.bind(localeOfUser(seller));
    await telegram
      .send(seller.tgId, (api) =>
        api.sendMessage(seller.tgId, st("support-closed-seller", { thread }), {
          ...HTML,
          reply_markup: new InlineKeyboard().text(st("btn-support"), SUPPORT_CALLBACK),
        }),
      )
      .catch((e: unknown) =>
        logger.info({ err: e, thread }, "the seller was not told that support closed the thread"),
      );
  });

  c.on("message", async (ctx, next) => {
    const m = ctx.message;
    if (m.successful_payment || m.text?.startsWith("/")) return next();
    // Telegram's Reply: an admin to a seller's message, or a seller to an answer.
    const replied = m.reply_to_message;
    if (replied) {
      const found = await repo.byCopy(ctx.chat.id, replied.message_id);
      if (found?.message.direction === "in" && isAdmin(ctx)) return answerSeller(ctx, m, found);
      if (found && found.thread.userId === ctx.user.id) return write(ctx, m);
    }
    if (ctx.session.supportUntil !== undefined) return write(ctx, m);
    return next();
  });

  return c;
}
