// The admin and broadcast texts, embedded from ./locales/*.ftl (see scripts/embed-locales.mjs).
import { createTexts, type Texts } from "../i18n/texts.ts";
import { EMBEDDED } from "./locales/embedded.ts";

let texts: Texts | undefined;

/** Parsed once per process: the panel and the broadcast sender share it. */
export function adminTexts(): Texts {
  texts ??= createTexts(EMBEDDED);
  return texts;
}
