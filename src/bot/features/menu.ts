// The main menu, help and /cancel — reachable from anywhere.
import { type Composer, InlineKeyboard } from "grammy";
import { encode, supportButton } from "../callbacks.ts";
import { FeatureComposer } from "../composer.ts";
import type { BotContext } from "../context.ts";
import { type FeatureDeps, menuScreen, perLanguage, reply, type Screen, show } from "../ui.ts";

const helpScreen = perLanguage((ctx: BotContext, deps: FeatureDeps): Screen => {
  const url = deps.config.bot.supportUrl;
  const inbox = deps.config.admins.length > 0;
  const support = inbox ? ctx.t("support-inbox") : url ? ctx.t("support", { url }) : ctx.t("support-none");
  const kb = new InlineKeyboard();
  const button = supportButton(deps.config, ctx.t("btn-support"));
  if (button) kb.add(button).row();
  // With the inbox the Support button opens it; SUPPORT_URL is offered beside it.
  if (inbox && url) kb.url(ctx.t("btn-support-url"), url).row();
  kb.text(ctx.t("btn-menu"), encode({ a: "menu" }));
  return { text: `${ctx.t("help")}\n\n${support}`, keyboard: kb };
});

function leaveFlow(ctx: BotContext): void {
  ctx.session.step = null;
  ctx.session.draft = {};
}

export function createMenuFeature(deps: FeatureDeps): Composer<BotContext> {
  const c = new FeatureComposer<BotContext>();
  c.command("menu", (ctx) => {
    leaveFlow(ctx);
    return reply(ctx, menuScreen(ctx, deps));
  });
  c.command("cancel", (ctx) => {
    leaveFlow(ctx);
    return reply(ctx, { ...menuScreen(ctx, deps), text: ctx.t("cancelled") });
  });
  // Help keeps the flow: the user may want to read it and go on.
  c.command("help", (ctx) => reply(ctx, helpScreen(ctx, deps)));

  c.callbackQuery(encode({ a: "menu" }), async (ctx) => {
    await ctx.answerCallbackQuery();
    leaveFlow(ctx);
    await show(ctx, menuScreen(ctx, deps));
  });
  c.callbackQuery(encode({ a: "cancel" }), async (ctx) => {
    await ctx.answerCallbackQuery();
    leaveFlow(ctx);
    await show(ctx, { ...menuScreen(ctx, deps), text: ctx.t("cancelled") });
  });
  c.callbackQuery(encode({ a: "help" }), async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, helpScreen(ctx, deps));
  });
  return c;
}
