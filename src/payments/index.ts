export { createPaymentsFeature, type PaymentsFeatureDeps } from "./feature.ts";
export { createPaymentsGate, type PaymentsGate } from "./gate.ts";
export { createStarsReconciler } from "./reconcile.ts";
export { createPaymentsService, type PaymentsService } from "./service.ts";
