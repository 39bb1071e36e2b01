// The promo codes' texts, embedded from ./locales/*.ftl (see scripts/embed-locales.mjs).
import { createTexts, type Texts } from "../i18n/texts.ts";
import { EMBEDDED } from "./locales/embedded.ts";

let texts: Texts | undefined;

/** Parsed once per process: the seller's answers and the admin panel's screens share it. */
export function promoTexts(): Texts {
  texts ??= createTexts(EMBEDDED);
  return texts;
}
