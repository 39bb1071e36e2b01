// The payments feature's texts, embedded from ./locales/*.ftl (see ./locales/embedded.ts).

import { createTexts, type Texts } from "../i18n/texts.ts";
import { EMBEDDED } from "./locales/embedded.ts";

let texts: Texts | undefined;

/** Parsed once per process: the gate, the buy screens, the receipts and the reconciliation share it. */
export function paymentsTexts(): Texts {
  texts ??= createTexts(EMBEDDED);
  return texts;
}
