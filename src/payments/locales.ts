// The payments feature's texts, embedded from ./locales/*.ftl (see ./locales/embedded.ts).
import { EMBEDDED } from "./locales/embedded.ts";
import { createTexts, type Texts } from "./texts.ts";

export function paymentsTexts(): Texts {
  return createTexts(EMBEDDED);
}
