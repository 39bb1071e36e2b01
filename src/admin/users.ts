// Finding a user and acting on them: card, ledger, jobs, payments, grant/deduct with a reason,
// block/unblock.
import { type Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../bot/context.ts";
import { displayName } from "./format.ts";
import type { AdminKit, InputHandler } from "./kit.ts";
import { ADMIN_LIMITS } from "./operations.ts";
import { backTo } from "./views.ts";

export function installUsers(admin: Composer<BotContext>, kit: AdminKit) {
  const { ops, views, tr, show, ask, withUser, state } = kit;

  admin.callbackQuery("adm:find", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ask(ctx, { await: "user_query" }, tr(ctx)("adm-ask-user"));
  });
  admin.callbackQuery(/^adm:u:(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[1], (u) => show(ctx, views.user(tr(ctx), u))),
  );
  admin.callbackQuery(/^adm:led:(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[1], async (u) => show(ctx, await views.ledger(tr(ctx), u))),
  );
  admin.callbackQuery(/^adm:jobs:(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[1], async (u) => show(ctx, await views.jobs(tr(ctx), u))),
  );
  admin.callbackQuery(/^adm:pay:(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[1], async (u) => show(ctx, await views.payments(tr(ctx), u))),
  );
  admin.callbackQuery(/^adm:(g|d):(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[2], async (u) => {
      const op = ctx.match[1] === "g" ? "grant" : "deduct";
      const question = tr(ctx)(`adm-ask-amount-${op}`, { name: displayName(u) });
      await ask(ctx, { await: "amount", op, userId: u.id }, question);
    }),
  );
  admin.callbackQuery(/^adm:(blk|ublk):(\d+)$/, (ctx) =>
    withUser(ctx, ctx.match[2], async (u) => {
      const block = ctx.match[1] === "blk";
      const now = await ops.setBlocked(u.id, block, { via: "bot", adminTgId: ctx.from.id });
      const t = tr(ctx);
      await show(ctx, views.user(t, now ?? u));
      const done = t(block ? "adm-blocked-done" : "adm-unblocked-done", { name: displayName(u) });
      await ctx.reply(done, { parse_mode: "HTML" });
    }),
  );

  const onUserQuery: InputHandler<"user_query"> = async (ctx, t) => {
    const query = (ctx.message?.text ?? "").trim().slice(0, ADMIN_LIMITS.maxQuery);
    if (!query) {
      await ctx.reply(t("adm-ask-user"));
      return;
    }
    const found = await ops.searchUsers(query, 10);
    if (found.length === 0) {
      await ctx.reply(t("adm-not-found", { query }), {
        reply_markup: new InlineKeyboard().text(t("btn-cancel"), "adm:x"),
      });
      return;
    }
    await state.clear(ctx.from!.id);
    if (found.length === 1) {
      await show(ctx, views.user(t, found[0]!));
      return;
    }
    const keyboard = new InlineKeyboard();
    for (const u of found) {
      const label = `${u.firstName ?? ""} ${u.username ? `@${u.username}` : ""} #${u.tgId}`.trim();
      keyboard.text(label, `adm:u:${u.id}`).row();
    }
    await ctx.reply(t("adm-found-many", { count: found.length }), { reply_markup: keyboard });
  };

  const onAmount: InputHandler<"amount"> = async (ctx, t, s) => {
    const text = (ctx.message?.text ?? "").trim();
    const amount = /^\d{1,6}$/.test(text) ? Number(text) : 0;
    if (amount < 1 || amount > ADMIN_LIMITS.maxAmount) {
      await ctx.reply(t("adm-bad-amount"));
      return;
    }
    await ask(ctx, { await: "reason", op: s.op, userId: s.userId, amount }, t("adm-ask-reason"));
  };

  const onReason: InputHandler<"reason"> = async (ctx, t, s) => {
    const reason = (ctx.message?.text ?? "").trim();
    if (reason.length < 1 || reason.length > ADMIN_LIMITS.maxReason) {
      await ctx.reply(t("adm-bad-reason"));
      return;
    }
    await state.clear(ctx.from!.id);
    // Keyed by the reason message: a re-delivered update cannot apply twice.
    const r = await ops.changeCredits({
      userId: s.userId,
      op: s.op,
      amount: s.amount,
      reason,
      reference: `admin:${ctx.chat!.id}:${ctx.message!.message_id}`,
      actor: { via: "bot", adminTgId: ctx.from!.id },
    });
    if (r.outcome === "not_found") return;
    const name = displayName(r.user);
    const text =
      r.outcome === "short"
        ? t("adm-deduct-short", { name, balance: r.balance })
        : t(s.op === "grant" ? "adm-granted" : "adm-deducted", {
            name,
            amount: s.amount,
            balance: r.balance,
          });
    await ctx.reply(text, { parse_mode: "HTML", reply_markup: backTo(t, `adm:u:${r.user.id}`) });
  };

  return { user_query: onUserQuery, amount: onAmount, reason: onReason };
}
