// `neurocards costs list|set|remove|margin`: what each model's renders cost the owner, and the
// margin per template, through the same operations as /admin and the console (src/admin/costs.ts).
import { type Command, Option } from "commander";
import { type CostField, costText, createCostOperations, marginFigure, moneyList } from "../admin/costs.ts";
import type { Store } from "../db/store.ts";
import type { Logger } from "../logger.ts";
import { positiveInt } from "./admin.ts";
import { CliError, type CliIo, storeAction } from "./io.ts";

const FIELD_PROBLEM: Record<CostField, string> = {
  model: "the model must be a kie.ai model id (letters, digits and . _ : / -)",
  amount: "the amount must be a positive number with at most 6 decimals, e.g. 0.15",
  currency: "the currency must be a 3-letter code: USD, RUB, XTR (Stars)…",
  unit: "--per must be video or second",
};

export function registerCostCommands(program: Command, io: CliIo): void {
  const ops = async (store: Store, logger: Logger) => {
    const { costsRepo } = await import("../db/ops/costs.ts");
    return createCostOperations({ repo: costsRepo(store.driver), logger });
  };
  const cli = { via: "cli" } as const;
  const costs = program
    .command("costs")
    .description("what each model's videos cost you, and the margin per template");

  costs
    .command("list")
    .description("the recorded prices: model, price, per, updated by")
    .action(
      storeAction(io, async (store, logger) => {
        const list = await (await ops(store, logger)).list();
        for (const c of list) io.out([c.model, costText(c), `per ${c.unit}`, `by ${c.updatedBy}`].join("\t"));
        if (list.length === 0) io.out("no model costs recorded");
      }),
    );

  costs
    .command("set")
    .description("record what one video (or one second of video) of a model costs you")
    .argument("<model>", "kie.ai model id, as templates name it (e.g. sora-2-image-to-video)")
    .argument("<amount>", "price in whole units of the currency, e.g. 0.15")
    .argument("<currency>", "USD, RUB, XTR (Stars)…: the margin needs the currency you sell in")
    .addOption(
      new Option("--per <unit>", "the price is per video or per second")
        .choices(["video", "second"])
        .default("video"),
    )
    .action(
      storeAction(
        io,
        async (store, logger, model: string, amount: string, currency: string, o: { per: string }) => {
          const r = await (await ops(store, logger)).set({ model, amount, currency, unit: o.per }, cli);
          if (!r.ok) throw new CliError(`not recorded: ${FIELD_PROBLEM[r.field]}`, 2);
          io.out(`${r.cost.model} costs ${costText(r.cost)} per ${r.cost.unit}`);
        },
      ),
    );

  costs
    .command("remove")
    .description("forget a model's price (its videos show no margin until one is recorded)")
    .argument("<model>", "kie.ai model id")
    .action(
      storeAction(io, async (store, logger, model: string) => {
        if (!(await (await ops(store, logger)).remove(model, cli)))
          throw new CliError(`no cost recorded for ${model}`);
        io.out(`${model}: cost removed`);
      }),
    );

  costs
    .command("margin")
    .description("per template: videos made, revenue of their credits, their cost and the margin")
    .option("--days <n>", "orders of the last n days (default: all)", positiveInt)
    .action(
      storeAction(io, async (store, logger, o: { days?: number }) => {
        const to = new Date();
        const range = o.days ? { from: new Date(to.getTime() - o.days * 86_400_000), to } : undefined;
        const r = await (await ops(store, logger)).margin(range);
        io.out(`average price of a credit: ${moneyList(r.perCredit) ?? "- (nothing sold)"}`);
        for (const m of r.templates) {
          const cells = [
            m.template,
            `${m.videos} made`,
            `revenue ${moneyList(m.revenue) ?? "-"}`,
            `cost ${moneyList(m.cost) ?? "-"}`,
            `margin ${marginFigure(m) ?? "-"}`,
          ];
          io.out(cells.join("\t"));
        }
        if (r.templates.length === 0) io.out("no videos made");
        if (r.unpriced.length)
          io.out(`no cost recorded for: ${r.unpriced.join(", ")} (neurocards costs set …)`);
      }),
    );
}
