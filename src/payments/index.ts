export { createPaymentsFeature, type PaymentsFeatureDeps } from "./feature.ts";
export { createPaymentsService, type PaymentsService } from "./service.ts";
