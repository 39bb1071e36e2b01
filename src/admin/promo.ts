// Promo codes in the panel: the newest codes with how each stands, a new code from one typed line
// ("SPRING25 5 100 30": code, credits, people — 0 for any number —, days — 0 or nothing for no
// end), and switching a code off or on. The rules are src/promo's operations, shared with the
// command line and the console.
import { type Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../bot/context.ts";
import { escapeHtml } from "../broadcast/html.ts";
import type { PromoCode } from "../db/types.ts";
import { type PromoDraft, type PromoOperations, promoLink, promoState } from "../promo/index.ts";
import { stamp, type Translate } from "./format.ts";
import type { AdminKit, InputHandler } from "./kit.ts";
import type { View } from "./views.ts";

const LIST_ROWS = 10;

/** A promo line as the admin typed it, or the field that does not read. */
export function parsePromoLine(text: string): PromoDraft | { field: "format" } {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 2 || parts.length > 4 || !parts.slice(1).every((p) => /^\d{1,9}$/.test(p)))
    return { field: "format" };
  const [code = "", credits, uses = "0", days = "0"] = parts;
  return {
    code,
    credits: Number(credits),
    maxUses: Number(uses) === 0 ? null : Number(uses),
    days: Number(days) === 0 ? null : Number(days),
  };
}

export function promoLine(t: Translate, p: PromoCode, now: Date): string {
  const uses = p.maxUses === null ? `${p.uses}/∞` : `${p.uses}/${p.maxUses}`;
  const until = p.expiresAt ? ` · ${t("adm-promo-until", { date: stamp(p.expiresAt) })}` : "";
  return `<code>${escapeHtml(p.code)}</code> · +${p.credits} · ${uses}${until} · ${t(`adm-promo-state-${promoState(p, now)}`)}`;
}

export function installPromos(admin: Composer<BotContext>, kit: AdminKit & { promos: PromoOperations }) {
  const { promos, now, tr, show, ask, state } = kit;
  const actor = (ctx: BotContext) => ({ via: "bot" as const, adminTgId: ctx.from!.id });

  async function list(t: Translate): Promise<View> {
    const codes = await promos.list({ limit: LIST_ROWS });
    const at = now();
    const keyboard = new InlineKeyboard().text(t("adm-promo-button-new"), "adm:pn").row();
    for (const p of codes) {
      if (p.disabledAt) keyboard.text(t("adm-promo-button-enable", { code: p.code }), `adm:pe:${p.code}`);
      else keyboard.text(t("adm-promo-button-disable", { code: p.code }), `adm:pd:${p.code}`);
      keyboard.row();
    }
    keyboard.text(t("btn-back"), "adm:stats");
    const body = codes.length ? codes.map((p) => promoLine(t, p, at)).join("\n") : t("adm-promo-empty");
    return { text: `${t("adm-promo-title", { count: codes.length })}\n${body}`, keyboard };
  }

  admin.callbackQuery("adm:promo", async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, await list(tr(ctx)));
  });
  admin.callbackQuery("adm:pn", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ask(ctx, { await: "promo" }, tr(ctx)("adm-promo-ask"));
  });
  admin.callbackQuery(/^adm:p(d|e):([A-Z0-9_-]{1,32})$/, async (ctx) => {
    const t = tr(ctx);
    const off = ctx.match[1] === "d";
    const code = ctx.match[2] ?? "";
    const p = off ? await promos.disable(code, actor(ctx)) : await promos.enable(code, actor(ctx));
    await ctx.answerCallbackQuery({
      text: p
        ? t(off ? "adm-promo-disabled" : "adm-promo-enabled", { code })
        : t("adm-promo-missing", { code }),
    });
    await show(ctx, await list(t));
  });

  const onPromo: InputHandler<"promo"> = async (ctx, t) => {
    const draft = parsePromoLine(ctx.message?.text ?? "");
    if ("field" in draft) {
      await ctx.reply(t("adm-promo-bad-format"), { parse_mode: "HTML" });
      return;
    }
    const r = await promos.create(draft, actor(ctx));
    if (!r.ok) {
      const text =
        r.field === "exists"
          ? t("adm-promo-exists", { code: r.existing.code })
          : t(`adm-promo-bad-${r.field}`, { code: escapeHtml(draft.code.slice(0, 40)) });
      await ctx.reply(text, { parse_mode: "HTML" });
      return;
    }
    await state.clear(ctx.from!.id);
    const p = r.promo;
    const text = t("adm-promo-created", {
      line: promoLine(t, p, now()),
      link: promoLink(ctx.me.username, p.code),
    });
    await ctx.reply(text, {
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      reply_markup: new InlineKeyboard().text(t("adm-button-promo"), "adm:promo"),
    });
  };

  return { promo: onPromo };
}
