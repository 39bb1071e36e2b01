// What renders cost the owner and what each template earns: the owner records a price per model
// (per video, or per second of video, in any currency), and the margin of a template is the revenue
// of the credits its videos were bought for less what those videos cost. Operations for every
// surface — /admin shows the margin, `neurocards costs …` and the console edit the prices.
//
// Revenue is estimated, not traced: a credit is worth what sold credits brought in on average
// (all paid, not refunded payments, per currency, over all credits sold), whether the credit a
// video was bought with was paid for or given (signup, promo, grant). Only videos that were made
// count: a failed render is refunded to the seller and, at kie.ai, not charged. A margin is shown
// where revenue and cost are in one currency and every video's model has a price; otherwise the
// report says which is missing instead of adding up currencies.
import type { CostsRepo, MarginFigures } from "../db/ops/costs.ts";
import type { Actor, Language, ModelCost } from "../db/types.ts";
import { actorLabel } from "../db/util.ts";
import { formatMoney, isStars, minorDigits } from "../i18n/money.ts";
import type { Logger } from "../logger.ts";
import { models } from "../models/index.ts";

export const COST_LIMITS = {
  /** Largest price of one video or second, in whole units of its currency. */
  maxAmount: 1_000_000,
  /** Digits after the point a price may have (it is stored in millionths). */
  decimals: 6,
  maxModel: 100,
} as const;

const MICROS = 1_000_000;
const AMOUNT = new RegExp(`^(\\d{1,7})(?:[.,](\\d{1,${COST_LIMITS.decimals}}))?$`);
const MODEL = /^[A-Za-z0-9_.:/-]+$/;
const CURRENCY = /^[A-Z]{3}$/;

/** "0.15" or "0,15" → 150000 millionths; null for anything else, zero or above the limit. */
export function parseAmount(text: string): number | null {
  const m = AMOUNT.exec(text.trim());
  if (!m) return null;
  const micros = Number(m[1]) * MICROS + Number((m[2] ?? "").padEnd(COST_LIMITS.decimals, "0"));
  return micros > 0 && micros <= COST_LIMITS.maxAmount * MICROS ? micros : null;
}

/** A recorded price with all its digits ("0.028 USD", "11.5 ⭐"): per-second prices are fractions of a cent. */
export function costText(c: Pick<ModelCost, "amountMicros" | "currency">): string {
  const figure = String(c.amountMicros / MICROS);
  return isStars(c.currency) ? `${figure} ⭐` : `${figure} ${c.currency}`;
}

export interface Money {
  currency: string;
  /** Whole units of the currency (fractional: an estimate). */
  amount: number;
}

export interface TemplateMargin {
  template: string;
  /** Videos made from orders of the range. */
  videos: number;
  credits: number;
  revenue: Money[];
  /** What the videos with a recorded model price cost. */
  cost: Money[];
  /** Videos left out of `cost`: their model has no price (or a price per second and no known length). */
  uncosted: number;
  /** Revenue less cost, when both are in one currency and every video has a price. */
  margin: Money | null;
  /** The margin as a part of the revenue (0.4 = 40%), when there is both. */
  share: number | null;
}

/** An amount in whole units as the one money formatter writes it ("$0.12", "90 ⭐", "1 200 ₽"). */
export function moneyText(m: Money, lang: Language = "en"): string {
  return formatMoney(m.amount * 10 ** minorDigits(m.currency), m.currency, lang);
}

/** "240 ⭐ (44%)", or null without a margin. */
export function marginFigure(
  m: Pick<TemplateMargin, "margin" | "share">,
  lang: Language = "en",
): string | null {
  if (!m.margin) return null;
  const share = m.share === null ? "" : ` (${Math.round(m.share * 100)}%)`;
  return `${moneyText(m.margin, lang)}${share}`;
}

/** "$0.12 + 3 ⭐", or null for none. */
export function moneyList(list: readonly Money[], lang: Language = "en"): string | null {
  return list.length ? list.map((m) => moneyText(m, lang)).join(" + ") : null;
}

export interface MarginReport {
  /** What one credit sold for on average, per currency of the sales. Empty: nothing sold yet. */
  perCredit: Money[];
  templates: TemplateMargin[];
  /** Models of videos in the report without a usable price: what the owner should record. */
  unpriced: string[];
}

const add = (list: Money[], currency: string, amount: number) => {
  const m = list.find((x) => x.currency === currency);
  if (m) m.amount += amount;
  else list.push({ currency, amount });
};

/**
 * The margin per template from the raw figures and the recorded prices. `defaultSeconds` gives a
 * model's length for jobs that did not record one (a per-second price needs it).
 */
export function marginReport(
  figures: MarginFigures,
  costs: readonly ModelCost[],
  defaultSeconds: (model: string) => number | undefined,
): MarginReport {
  const sold = figures.sales.reduce((n, s) => n + s.credits, 0);
  const perCredit: Money[] =
    sold > 0
      ? figures.sales.map((s) => ({
          currency: s.currency,
          amount: s.amount / 10 ** minorDigits(s.currency) / sold,
        }))
      : [];
  const price = new Map(costs.map((c) => [c.model, c]));
  const byTemplate = new Map<string, TemplateMargin>();
  const unpriced = new Set<string>();
  for (const g of figures.made) {
    const t = byTemplate.get(g.template) ?? {
      template: g.template,
      videos: 0,
      credits: 0,
      revenue: [],
      cost: [],
      uncosted: 0,
      margin: null,
      share: null,
    };
    byTemplate.set(g.template, t);
    t.videos += g.videos;
    t.credits += g.credits;
    for (const p of perCredit) add(t.revenue, p.currency, p.amount * g.credits);
    const c = price.get(g.model);
    const seconds = g.seconds ?? defaultSeconds(g.model);
    if (!c || (c.unit === "second" && seconds === undefined)) {
      t.uncosted += g.videos;
      unpriced.add(g.model);
      continue;
    }
    const each = (c.amountMicros / MICROS) * (c.unit === "second" ? (seconds ?? 0) : 1);
    add(t.cost, c.currency, each * g.videos);
  }
  for (const t of byTemplate.values()) {
    const currencies = new Set([...t.revenue, ...t.cost].map((m) => m.currency));
    const [only] = currencies;
    if (t.uncosted > 0 || currencies.size !== 1 || only === undefined) continue;
    const revenue = t.revenue.find((m) => m.currency === only)?.amount ?? 0;
    const cost = t.cost.find((m) => m.currency === only)?.amount ?? 0;
    t.margin = { currency: only, amount: revenue - cost };
    t.share = revenue > 0 ? (revenue - cost) / revenue : null;
  }
  const templates = [...byTemplate.values()].sort(
    (a, b) => b.videos - a.videos || a.template.localeCompare(b.template),
  );
  return { perCredit, templates, unpriced: [...unpriced].sort() };
}

/** The field a price was refused for. */
export type CostField = "model" | "amount" | "currency" | "unit";

export interface CostInput {
  model: string;
  /** As typed: "0.15". */
  amount: string;
  currency: string;
  unit: string;
}

export interface CostOperationsDeps {
  repo: CostsRepo;
  logger: Logger;
  /**
   * A model's length for jobs that recorded none (per-second prices). Default: the model's first
   * length (src/models), which is what such a job was rendered with.
   */
  defaultSeconds?: (model: string) => number | undefined;
  now?: () => Date;
}

export function createCostOperations(deps: CostOperationsDeps) {
  const { repo, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const defaultSeconds = deps.defaultSeconds ?? ((model: string) => models.get(model)?.durations[0]);

  return {
    list: (): Promise<ModelCost[]> => repo.list(),

    async set(
      input: CostInput,
      actor: Actor,
    ): Promise<{ ok: true; cost: ModelCost } | { ok: false; field: CostField }> {
      const model = input.model.trim();
      if (!MODEL.test(model) || model.length > COST_LIMITS.maxModel) return { ok: false, field: "model" };
      const amountMicros = parseAmount(input.amount);
      if (amountMicros === null) return { ok: false, field: "amount" };
      const currency = input.currency.trim().toUpperCase();
      if (!CURRENCY.test(currency)) return { ok: false, field: "currency" };
      const unit = input.unit.trim().toLowerCase();
      if (unit !== "video" && unit !== "second") return { ok: false, field: "unit" };
      const cost = await repo.set(
        { model, unit, amountMicros, currency, updatedBy: actorLabel(actor) },
        now(),
      );
      logger.info({ by: actorLabel(actor), model, unit, amountMicros, currency }, "model cost recorded");
      return { ok: true, cost };
    },

    async remove(model: string, actor: Actor): Promise<boolean> {
      const removed = await repo.remove(model.trim());
      if (removed) logger.info({ by: actorLabel(actor), model }, "model cost removed");
      return removed;
    },

    /** The margin per template of the orders in [from, to) (all orders without a range). */
    async margin(range?: { from: Date; to: Date }): Promise<MarginReport> {
      const [figures, costs] = await Promise.all([repo.figures(range), repo.list()]);
      return marginReport(figures, costs, defaultSeconds);
    },
  };
}

export type CostOperations = ReturnType<typeof createCostOperations>;
