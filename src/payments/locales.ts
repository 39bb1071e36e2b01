// The payments feature's texts, embedded from ./locales/*.ftl (see ./locales/embedded.ts).

import { createTexts, type Texts } from "../i18n/texts.ts";
import { EMBEDDED } from "./locales/embedded.ts";

export function paymentsTexts(): Texts {
  return createTexts(EMBEDDED);
}
