// What the owner does with promo codes — create, list, disable, enable — once, for every surface:
// the /admin panel, `neurocards promo …` and the browser console differ only in how they ask and
// answer. Typed values are checked here against PROMO_LIMITS; a refusal names the field.
import type { PromoRepo } from "../db/ops/promo.ts";
import type { Actor, PromoCode } from "../db/types.ts";
import { actorLabel } from "../db/util.ts";
import type { Logger } from "../logger.ts";
import { normalizePromoCode, PROMO_LIMITS } from "./limits.ts";

export interface PromoDraft {
  /** As typed: trimmed and upper-cased here. */
  code: string;
  credits: number;
  /** Users the code may serve; null for no limit. */
  maxUses: number | null;
  /** Valid for this many days from now; null or absent: no expiry (unless `expiresAt`). */
  days?: number | null;
  /** Valid until this instant (instead of `days`). */
  expiresAt?: Date | null;
  note?: string | null;
}

/** The field a draft was refused for. */
export type PromoField = "code" | "credits" | "uses" | "expiry" | "note";

export type CreatePromoOutcome =
  | { ok: true; promo: PromoCode }
  | { ok: false; field: PromoField }
  | { ok: false; field: "exists"; existing: PromoCode };

/** How a code stands for a seller who has not used it. */
export type PromoState = "active" | "disabled" | "expired" | "used_up";

export function promoState(p: PromoCode, now: Date): PromoState {
  if (p.disabledAt) return "disabled";
  if (p.expiresAt && p.expiresAt.getTime() <= now.getTime()) return "expired";
  if (p.maxUses !== null && p.uses >= p.maxUses) return "used_up";
  return "active";
}

const whole = (n: unknown, min: number, max: number) =>
  typeof n === "number" && Number.isSafeInteger(n) && n >= min && n <= max;

export interface PromoOperationsDeps {
  repo: PromoRepo;
  logger: Logger;
  now?: () => Date;
}

export function createPromoOperations(deps: PromoOperationsDeps) {
  const { repo, logger } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async create(draft: PromoDraft, actor: Actor): Promise<CreatePromoOutcome> {
      const code = normalizePromoCode(draft.code);
      if (!code) return { ok: false, field: "code" };
      if (!whole(draft.credits, 1, PROMO_LIMITS.maxCredits)) return { ok: false, field: "credits" };
      if (draft.maxUses !== null && !whole(draft.maxUses, 1, PROMO_LIMITS.maxUses))
        return { ok: false, field: "uses" };
      const at = now();
      let expiresAt: Date | null = null;
      if (draft.days !== undefined && draft.days !== null) {
        if (!whole(draft.days, 1, PROMO_LIMITS.maxDays)) return { ok: false, field: "expiry" };
        expiresAt = new Date(at.getTime() + draft.days * 86_400_000);
      } else if (draft.expiresAt) {
        const ms = draft.expiresAt.getTime();
        if (Number.isNaN(ms) || ms <= at.getTime() || ms > at.getTime() + PROMO_LIMITS.maxDays * 86_400_000)
          return { ok: false, field: "expiry" };
        expiresAt = draft.expiresAt;
      }
      const note = draft.note?.trim() || null;
      if (note && note.length > PROMO_LIMITS.maxNote) return { ok: false, field: "note" };
      const r = await repo.create(
        {
          code,
          credits: draft.credits,
          maxUses: draft.maxUses,
          expiresAt,
          createdBy: actorLabel(actor),
          note,
        },
        at,
      );
      if (!r.created) return { ok: false, field: "exists", existing: r.existing };
      logger.info(
        { by: actorLabel(actor), code, credits: draft.credits, maxUses: draft.maxUses, expiresAt },
        "promo code created",
      );
      return { ok: true, promo: r.promo };
    },

    /** Newest first. */
    list(o: { limit: number; offset?: number; activeOnly?: boolean }): Promise<PromoCode[]> {
      return repo.list(o);
    },

    /** The code as typed (any case); null when there is none. */
    async get(code: string): Promise<PromoCode | null> {
      const c = normalizePromoCode(code);
      return c ? repo.get(c) : null;
    },

    /** Sellers are told the code is no longer active; redemptions made stay. Null: no such code. */
    disable: (code: string, actor: Actor) => setDisabled(code, true, actor),
    enable: (code: string, actor: Actor) => setDisabled(code, false, actor),
  };

  async function setDisabled(code: string, disabled: boolean, actor: Actor): Promise<PromoCode | null> {
    const c = normalizePromoCode(code);
    if (!c) return null;
    const promo = await repo.setDisabled(c, disabled, now());
    if (promo) logger.info({ by: actorLabel(actor), code: c, disabled }, "promo code switched");
    return promo;
  }
}

export type PromoOperations = ReturnType<typeof createPromoOperations>;
