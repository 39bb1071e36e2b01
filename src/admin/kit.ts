// What every admin module shares: its dependencies, the texts in the admin's language, the
// pending-input state, and the few ways the panel talks (edit a view in place, ask a question).
import { InlineKeyboard } from "grammy";
import type { BotContext } from "../bot/context.ts";
import type { Broadcaster } from "../broadcast/broadcaster.ts";
import type { Config } from "../config/index.ts";
import { costsRepo } from "../db/ops/costs.ts";
import { promoRepo } from "../db/ops/promo.ts";
import type { Store } from "../db/store.ts";
import type { Language, User } from "../db/types.ts";
import { localeOfUser } from "../i18n/language.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { createPaymentsService, type PaymentsService } from "../payments/service.ts";
import { createPromoOperations, type PromoOperations } from "../promo/index.ts";
import type { QueueHandle } from "../queue/types.ts";
import { isNotModified, type Telegram } from "../telegram/types.ts";
import { type CostOperations, createCostOperations } from "./costs.ts";
import type { Translate } from "./format.ts";
import { adminTexts } from "./locales.ts";
import { createAdminOperations } from "./operations.ts";
import { type AdminState, createAdminState } from "./state.ts";
import { createAdminViews, type View } from "./views.ts";

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
  /** Promo codes (src/promo); built on the store's driver when not given. */
  promos?: PromoOperations;
  /** Model costs and the margin (./costs.ts); built on the store's driver when not given. */
  costs?: CostOperations;
  /** A one-time console login link for an admin (src/console/login.ts); null without PUBLIC_BASE_URL. */
  consoleLink?: (admin: { tgId: number; language: Language }) => Promise<string | null>;
  now?: () => Date;
}

/** Handles the admin's next message while a question of this kind is pending. */
export type InputHandler<K extends AdminState["await"]> = (
  ctx: BotContext,
  t: Translate,
  state: Extract<AdminState, { await: K }>,
  next: () => Promise<void>,
) => Promise<void>;

export function createAdminKit(deps: AdminFeatureDeps) {
  const { store, logger } = deps;
  const texts = adminTexts();
  const now = deps.now ?? (() => new Date());
  const state = createAdminState(store, () => now().getTime());
  const costs = deps.costs ?? createCostOperations({ repo: costsRepo(store.driver), logger, now });
  const tr = (ctx: BotContext): Translate => texts.bind(localeOfUser(ctx.user));
  const payments = deps.payments ?? createPaymentsService(deps);
  const ops = createAdminOperations({ ...deps, payments, api: deps.telegram.api, now });

  /**
   * Edits the message whose button was tapped, or sends the view anew. `below`: always a new
   * message, for a button on a message that must keep its text (an alert).
   */
  async function show(ctx: BotContext, view: View, o: { below?: boolean } = {}): Promise<void> {
    const other = { parse_mode: "HTML" as const, reply_markup: view.keyboard };
    if (ctx.callbackQuery?.message && !o.below) {
      try {
        await ctx.editMessageText(view.text, other);
        return;
      } catch (err) {
        if (isNotModified(err)) return;
        logger.debug({ err }, "admin view not editable; sending anew");
      }
    }
    await ctx.reply(view.text, other);
  }

  /** Questions come as new messages, so the card or panel above keeps its buttons. */
  async function ask(ctx: BotContext, pending: AdminState, text: string): Promise<void> {
    await state.set(ctx.from!.id, pending);
    await ctx.reply(text, { reply_markup: new InlineKeyboard().text(tr(ctx)("btn-cancel"), "adm:x") });
  }

  /** Runs `then` with the user a button names, or answers that there is no such user. */
  async function withUser(ctx: BotContext, id: string | undefined, then: (u: User) => Promise<void>) {
    const u = await store.getUserById(Number(id));
    if (!u) {
      await ctx.answerCallbackQuery({ text: tr(ctx)("adm-not-found", { query: `#${id}` }) });
      return;
    }
    await ctx.answerCallbackQuery();
    await then(u);
  }

  return {
    ...deps,
    payments,
    ops,
    promos: deps.promos ?? createPromoOperations({ repo: promoRepo(store.driver), logger, now }),
    costs,
    now,
    state,
    views: createAdminViews(store, now, costs),
    tr,
    show,
    ask,
    withUser,
  };
}

export type AdminKit = ReturnType<typeof createAdminKit>;
