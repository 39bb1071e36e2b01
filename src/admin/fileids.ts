// File id mode: the admin sends media and gets its file_id back (for WELCOME_VIDEO_FILE_IDS).
// A mode, not always on, so an admin's product photo still reaches the create flow.
import { type Composer, InlineKeyboard } from "grammy";
import type { Message } from "grammy/types";
import type { BotContext } from "../bot/context.ts";
import type { AdminKit, InputHandler } from "./kit.ts";

export function installFileIds(admin: Composer<BotContext>, kit: AdminKit) {
  const { tr, show, state } = kit;

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

  const onMedia: InputHandler<"media"> = async (ctx, t, _s, next) => {
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
  };

  return { media: onMedia };
}
