// The admin and broadcast texts, embedded from ./locales/*.ftl (see scripts/embed-locales.mjs).
import { createTexts, type Texts } from "../i18n/texts.ts";
import { EMBEDDED } from "./locales/embedded.ts";

export function adminTexts(): Texts {
  return createTexts(EMBEDDED);
}
