// Starting a broadcast: audience, the message (formatting kept), a preview that is the very
// message recipients get, then Send or Cancel. The sending itself is src/broadcast.
import { type Composer, InlineKeyboard } from "grammy";
import type { Message } from "grammy/types";
import type { BotContext } from "../bot/context.ts";
import { entitiesToHtml } from "../broadcast/html.ts";
import type { AdminKit, InputHandler } from "./kit.ts";

export function installBroadcasts(admin: Composer<BotContext>, kit: AdminKit) {
  const { store, ops, tr, show, ask, state } = kit;

  admin.callbackQuery("adm:bc", async (ctx) => {
    const t = tr(ctx);
    await ctx.answerCallbackQuery();
    const keyboard = new InlineKeyboard()
      .text(t("adm-bc-all"), "adm:bca:all")
      .text(t("adm-bc-active"), "adm:bca:active")
      .row()
      .text(t("btn-cancel"), "adm:x");
    await ctx.reply(t("adm-bc-audience"), { reply_markup: keyboard });
  });
  admin.callbackQuery(/^adm:bca:(all|active)$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const audience = ctx.match[1] === "active" ? "active" : "all";
    await ask(ctx, { await: "broadcast", audience }, tr(ctx)("adm-bc-ask"));
  });

  // Only a draft starts or cancels: a double tap or an old button does nothing twice.
  const draftOr = async (ctx: BotContext, id: number): Promise<boolean> => {
    const b = await store.getBroadcast(id);
    if (b?.status === "draft") return true;
    await ctx.answerCallbackQuery({ text: tr(ctx)("adm-bc-not-draft"), show_alert: true });
    return false;
  };

  admin.callbackQuery(/^adm:bcgo:(\d+)$/, async (ctx) => {
    const id = Number(ctx.match[1]);
    if (!(await draftOr(ctx, id))) return;
    await ctx.answerCallbackQuery();
    // The confirmation message becomes the progress message the sender keeps editing.
    await ctx.editMessageText(tr(ctx)("adm-bc-started", { id }));
    const messageId = ctx.callbackQuery.message?.message_id ?? null;
    await ops.launchBroadcast(id, messageId, { via: "bot", adminTgId: ctx.from.id });
  });
  admin.callbackQuery(/^adm:bcx:(\d+)$/, async (ctx) => {
    const id = Number(ctx.match[1]);
    if (!(await draftOr(ctx, id))) return;
    await ops.cancelBroadcast(id, { via: "bot", adminTgId: ctx.from.id });
    await ctx.answerCallbackQuery();
    await show(ctx, { text: tr(ctx)("adm-bc-cancelled") });
  });

  const onMessage: InputHandler<"broadcast"> = async (ctx, t, s) => {
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
    const b = await ops.createBroadcast({
      adminTgId: ctx.from!.id,
      audience: s.audience,
      text: html,
      photoFileId: photo,
      chatId: ctx.chat!.id,
    });
    if (photo) await ctx.replyWithPhoto(photo, html ? { caption: html, parse_mode: "HTML" } : {});
    else await ctx.reply(html ?? "", { parse_mode: "HTML" });
    const keyboard = new InlineKeyboard()
      .text(t("adm-bc-send"), `adm:bcgo:${b.id}`)
      .text(t("btn-cancel"), `adm:bcx:${b.id}`);
    const question = t("adm-bc-preview", { audience: t(`adm-bc-audience-${s.audience}`) });
    await ctx.reply(question, { reply_markup: keyboard });
  };

  return { broadcast: onMessage };
}
