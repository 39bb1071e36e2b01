// The admin panel (/admin): stats, users (balance, ledger, jobs, payments, grant/deduct, block),
// failed jobs (error, retry, refund), Stars refunds, broadcasts, promo codes and a file_id echo.
// Only ADMIN_IDS reach it; for everyone else these commands and buttons fall through to the bot's
// fallback. Installed before the sellers' terms gate (createBot's `ungated`): an admin needs no
// consent to the sellers' terms to run the bot.
// Typed input (amounts, reasons, queries, broadcast text) waits in the database (./state.ts).
import type { Composer } from "grammy";
import { FeatureComposer } from "../bot/composer.ts";
import type { BotContext } from "../bot/context.ts";
import { localeOfUser } from "../i18n/language.ts";
import { installBroadcasts } from "./broadcasts.ts";
import { installFileIds } from "./fileids.ts";
import { isAdmin } from "./filter.ts";
import { installJobs } from "./jobs.ts";
import { type AdminFeatureDeps, createAdminKit, type InputHandler } from "./kit.ts";
import { installPromos } from "./promo.ts";
import { installRefunds } from "./refunds.ts";
import type { AdminState } from "./state.ts";
import { installUsers } from "./users.ts";

export type { AdminFeatureDeps } from "./kit.ts";

export function createAdminFeature(deps: AdminFeatureDeps): Composer<BotContext> {
  const kit = createAdminKit(deps);
  const { state, views, tr, show, logger } = kit;
  const composer = new FeatureComposer<BotContext>();
  const admin = composer.filter(isAdmin(deps.config.admins));

  admin.command("admin", async (ctx) => {
    await state.clear(ctx.from!.id);
    await show(ctx, await views.stats(tr(ctx)));
  });
  // /cancel also ends a pending admin input; the bot's own /cancel then answers with the menu.
  admin.command("cancel", async (ctx, next) => {
    await state.clear(ctx.from!.id);
    await next();
  });
  // A button outside the panel (menu, create, buy) means the admin went elsewhere: the pending
  // question must not take the next message meant for that flow.
  admin.on("callback_query:data", async (ctx, next) => {
    if (!ctx.callbackQuery.data.startsWith("adm:")) await state.clear(ctx.from.id);
    await next();
  });
  admin.callbackQuery("adm:stats", async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, await views.stats(tr(ctx)));
  });
  // The console in the browser: a one-time login link, never shown as a preview (a preview fetch
  // does not use it up, but the link should not sit in a card either).
  const consoleLink = async (ctx: BotContext) => {
    const t = tr(ctx);
    const url = deps.consoleLink
      ? await deps.consoleLink({ tgId: ctx.from!.id, language: localeOfUser(ctx.user) })
      : null;
    logger.info({ admin: ctx.from!.id, issued: url !== null }, "console link asked for");
    await ctx.reply(url ? t("adm-console-link", { url }) : t("adm-console-no-url"), {
      link_preview_options: { is_disabled: true },
    });
  };
  admin.command("console", consoleLink);
  admin.callbackQuery("adm:console", async (ctx) => {
    await ctx.answerCallbackQuery();
    await consoleLink(ctx);
  });
  admin.callbackQuery("adm:x", async (ctx) => {
    await state.clear(ctx.from.id);
    await ctx.answerCallbackQuery();
    await show(ctx, { text: tr(ctx)("adm-cancelled") });
  });

  // Every kind of pending question has its handler (the type makes a missing one a compile error).
  const inputs: { [K in AdminState["await"]]: InputHandler<K> } = {
    ...installUsers(admin, kit),
    ...installBroadcasts(admin, kit),
    ...installFileIds(admin, kit),
    ...installPromos(admin, kit),
  };
  installJobs(admin, kit);
  installRefunds(admin, kit);

  admin.on("message", async (ctx, next) => {
    const pending = await state.get(ctx.from.id);
    if (!pending) return next();
    // Any command leaves the admin input and goes on to the bot (/menu, /start...).
    if (ctx.message.text?.startsWith("/")) {
      await state.clear(ctx.from.id);
      return next();
    }
    const handle = inputs[pending.await] as InputHandler<AdminState["await"]>;
    await handle(ctx, tr(ctx), pending, next);
  });

  // Everyone else hears the truth instead of "I did not understand that".
  composer.command("console", (ctx) => ctx.reply(tr(ctx)("adm-console-not-admin")));

  return composer;
}
