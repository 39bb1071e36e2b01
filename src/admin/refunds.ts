// Refunding a Telegram Stars payment: confirm, then refundStarPayment and the credits taken back.
import { type Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../bot/context.ts";
import { escapeHtml } from "../broadcast/html.ts";
import { formatPrice } from "../payments/packages.ts";
import { displayName } from "./format.ts";
import type { AdminKit } from "./kit.ts";
import { backTo } from "./views.ts";

export function installRefunds(admin: Composer<BotContext>, kit: AdminKit): void {
  const { store, ops, tr, show } = kit;

  // The button names the user too, so the payment is looked up among that user's only.
  async function paymentOf(paymentId: number, userId: number) {
    const list = await store.getUserPayments(userId, { limit: 100 });
    return list.find((p) => p.id === paymentId) ?? null;
  }

  admin.callbackQuery(/^adm:rf:(\d+):(\d+)$/, async (ctx) => {
    const t = tr(ctx);
    const uid = Number(ctx.match[2]);
    const [p, u] = [await paymentOf(Number(ctx.match[1]), uid), await store.getUserById(uid)];
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
      .text(t("btn-back"), `adm:pay:${u.id}`);
    await show(ctx, { text, keyboard });
  });

  admin.callbackQuery(/^adm:rfy:(\d+):(\d+)$/, async (ctx) => {
    const t = tr(ctx);
    const uid = Number(ctx.match[2]);
    const p = await paymentOf(Number(ctx.match[1]), uid);
    await ctx.answerCallbackQuery();
    if (!p) return;
    const r = await ops.refundPayment(p.telegramChargeId, { via: "bot", adminTgId: ctx.from.id });
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
    else text = t("adm-refund-failed", { detail: escapeHtml(r.detail ?? r.reason) });
    await show(ctx, { text, keyboard: backTo(t, `adm:pay:${uid}`) });
  });
}
