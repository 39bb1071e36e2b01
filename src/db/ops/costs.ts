// What renders cost the owner (one row per model) and the raw figures a margin is computed from:
// the videos made per template and model, and what sold credits brought in per currency. The
// arithmetic (currencies, per-second prices, who pays for free credits) is src/admin/costs.ts.
import { all, type Driver, first, num, type Op, rows, run, sql } from "../driver/index.ts";
import type { ModelCost } from "../types.ts";

export type NewModelCost = Omit<ModelCost, "updatedAt">;

/** Videos made (succeeded jobs) per template, model and length, with the credits they were bought for. */
export interface MadeVideos {
  template: string;
  model: string;
  /** The length the job recorded; null: the model's default (jobs from before lengths were chosen). */
  seconds: number | null;
  videos: number;
  credits: number;
}

/** Paid, not refunded, payments per currency: the amount (smallest units) and the credits it bought. */
export interface Sales {
  currency: string;
  amount: number;
  credits: number;
}

export interface MarginFigures {
  made: MadeVideos[];
  sales: Sales[];
}

export function* listModelCosts(): Op<ModelCost[]> {
  return yield* all(sql`select * from model_costs order by model`, "model_costs");
}

export function* setModelCost(c: NewModelCost, now: Date): Op<ModelCost> {
  const row = yield* first(
    sql`insert into model_costs (model, unit, amount_micros, currency, updated_by, updated_at)
      values (${c.model}, ${c.unit}, ${c.amountMicros}, ${c.currency}, ${c.updatedBy}, ${now})
      on conflict (model) do update set unit = excluded.unit, amount_micros = excluded.amount_micros,
        currency = excluded.currency, updated_by = excluded.updated_by, updated_at = excluded.updated_at
      returning *`,
    "model_costs",
  );
  if (!row) throw new Error(`model cost of ${c.model} not stored`);
  return row;
}

/** True when there was a cost to remove. */
export function* removeModelCost(model: string): Op<boolean> {
  return (yield* run(sql`delete from model_costs where model = ${model}`)) > 0;
}

/**
 * Videos made among the jobs ordered in [from, to) (all jobs without a range), and every sale so
 * far: a credit's price is the average over all sales, not over the range's few.
 */
export function* marginFigures(range?: { from: Date; to: Date }): Op<MarginFigures> {
  const within = range ? sql`and created_at >= ${range.from} and created_at < ${range.to}` : sql``;
  const made = (yield* rows(sql`select template, model, duration_seconds as seconds, count(*) as n,
      sum(credits_charged) as credits
    from jobs where status = 'succeeded' ${within}
    group by template, model, duration_seconds order by template, model, duration_seconds`)).map((r) => ({
    template: String(r.template),
    model: String(r.model),
    seconds: r.seconds === null || r.seconds === undefined ? null : num(r.seconds),
    videos: num(r.n),
    credits: num(r.credits),
  }));
  const sales = (yield* rows(sql`select currency, sum(amount) as amount, sum(credits) as credits
    from payments where status = 'paid' group by currency order by currency`)).map((r) => ({
    currency: String(r.currency),
    amount: num(r.amount),
    credits: num(r.credits),
  }));
  return { made, sales };
}

export function costsRepo(driver: Driver) {
  return {
    list: () => driver.run(listModelCosts),
    set: (c: NewModelCost, now = new Date()) => driver.run(() => setModelCost(c, now)),
    remove: (model: string) => driver.run(() => removeModelCost(model)),
    figures: (range?: { from: Date; to: Date }) => driver.run(() => marginFigures(range)),
  };
}

export type CostsRepo = ReturnType<typeof costsRepo>;
