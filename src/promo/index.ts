export { createPromoFeature, type PromoFeatureDeps } from "./feature.ts";
export { generatePromoCode, normalizePromoCode, PROMO_LIMITS, promoLink } from "./limits.ts";
export {
  type CreatePromoOutcome,
  createPromoOperations,
  type PromoDraft,
  type PromoField,
  type PromoOperations,
  type PromoState,
  promoState,
} from "./operations.ts";
export { promoTexts } from "./texts.ts";
