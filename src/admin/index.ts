export { type BroadcastsDeps, createBroadcasts } from "./broadcast-sender.ts";
export { type CostOperations, createCostOperations, type MarginReport } from "./costs.ts";
export { type AdminFeatureDeps, createAdminFeature } from "./feature.ts";
export { isAdmin } from "./filter.ts";
