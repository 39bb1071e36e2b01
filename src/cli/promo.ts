// `neurocards promo create|list|disable|enable`: promo codes from the shell, through the same
// operations as /admin and the console (src/promo).
import { type Command, InvalidArgumentError } from "commander";
import type { Store } from "../db/store.ts";
import type { PromoCode } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import { PROMO_LIMITS } from "../promo/limits.ts";
import { createPromoOperations, type PromoField, promoState } from "../promo/operations.ts";
import { positiveInt } from "./admin.ts";
import { CliError, type CliIo, storeAction } from "./io.ts";

const FIELD_PROBLEM: Record<PromoField, string> = {
  code: `the code must be ${PROMO_LIMITS.codeMin}-${PROMO_LIMITS.codeMax} Latin letters, digits, "-" or "_"`,
  credits: `--credits must be a whole number from 1 to ${PROMO_LIMITS.maxCredits}`,
  uses: `--uses must be a whole number from 1 to ${PROMO_LIMITS.maxUses} (leave it out for any number)`,
  expiry: `--days must be 1 to ${PROMO_LIMITS.maxDays}, --expires a future instant within ${PROMO_LIMITS.maxDays} days`,
  note: `--note must be at most ${PROMO_LIMITS.maxNote} characters`,
};

/** An ISO-8601 instant with its offset ("2026-12-31T23:59:59+03:00"): a bare date would be read as UTC. */
function instant(value: string): Date {
  const d = new Date(value);
  if (!/T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value) || Number.isNaN(d.getTime()))
    throw new InvalidArgumentError(
      'must be an ISO-8601 instant with an offset, e.g. "2026-12-31T23:59:59+03:00"',
    );
  return d;
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "-");

function promoLine(p: PromoCode, now: Date): string {
  return [
    p.code,
    `${p.credits} cr`,
    `${p.uses}/${p.maxUses ?? "any"} used`,
    `until ${day(p.expiresAt)}`,
    promoState(p, now).replace("_", " "),
    `by ${p.createdBy}`,
    p.note ?? "",
  ]
    .filter(Boolean)
    .join("\t");
}

export function registerPromoCommands(program: Command, io: CliIo): void {
  const ops = async (store: Store, logger: Logger) => {
    const { promoRepo } = await import("../db/ops/promo.ts");
    return createPromoOperations({ repo: promoRepo(store.driver), logger });
  };
  const cli = { via: "cli" } as const;
  const promo = program.command("promo").description("promo codes: create, list, turn off or on");

  promo
    .command("create")
    .description("a new code: each seller can redeem it once (/promo CODE, a deep link, the cabinet)")
    .argument("<code>", `${PROMO_LIMITS.codeMin}-${PROMO_LIMITS.codeMax} letters, digits, - or _ (any case)`)
    .requiredOption("--credits <n>", "credits each seller gets", positiveInt)
    .option("--uses <n>", "at most this many sellers (default: any number)", positiveInt)
    .option("--days <n>", "valid for this many days from now (default: no end)", positiveInt)
    .option("--expires <instant>", "valid until this ISO-8601 instant, instead of --days", instant)
    .option("--note <text>", "for yourself: where the code was published")
    .action(
      storeAction(
        io,
        async (
          store,
          logger,
          code: string,
          o: { credits: number; uses?: number; days?: number; expires?: Date; note?: string },
        ) => {
          if (o.days !== undefined && o.expires) throw new CliError("give --days or --expires, not both", 2);
          const r = await (await ops(store, logger)).create(
            {
              code,
              credits: o.credits,
              maxUses: o.uses ?? null,
              days: o.days ?? null,
              expiresAt: o.expires ?? null,
              note: o.note ?? null,
            },
            cli,
          );
          if (!r.ok) {
            if (r.field === "exists") throw new CliError(`code ${r.existing.code} already exists`);
            throw new CliError(`not created: ${FIELD_PROBLEM[r.field]}`, 2);
          }
          io.out(`created ${promoLine(r.promo, new Date())}`);
          io.out(`deep link: https://t.me/<your bot>?start=promo_${r.promo.code}`);
        },
      ),
    );

  promo
    .command("list")
    .description("the newest codes: code, credits, used/limit, end, state, created by, note")
    .option("--active", "only codes not turned off")
    .option("--limit <n>", "how many", positiveInt, 50)
    .action(
      storeAction(io, async (store, logger, o: { active?: boolean; limit: number }) => {
        const list = await (await ops(store, logger)).list({ limit: o.limit, activeOnly: o.active });
        const now = new Date();
        for (const p of list) io.out(promoLine(p, now));
        if (list.length === 0) io.out("no promo codes");
      }),
    );

  for (const [name, off] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    promo
      .command(name)
      .description(
        off
          ? "turn a code off: sellers are told it is no longer active (credits given stay)"
          : "turn a code on again",
      )
      .argument("<code>", "the code (any case)")
      .action(
        storeAction(io, async (store, logger, code: string) => {
          const o = await ops(store, logger);
          const p = off ? await o.disable(code, cli) : await o.enable(code, cli);
          if (!p) throw new CliError(`no promo code ${code.trim().toUpperCase()}`);
          io.out(`${p.code} ${off ? "disabled" : "enabled"}`);
        }),
      );
  }
}
