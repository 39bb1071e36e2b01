export { type AdminFeatureDeps, createAdminFeature } from "./feature.ts";
export { isAdmin } from "./filter.ts";
