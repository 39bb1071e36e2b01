export { createSupportFeature, type SupportFeatureDeps } from "./feature.ts";
export { SUPPORT_LIMITS } from "./limits.ts";
