// Translations: Fluent files embedded at build time (./locales.generated.ts) on top of the shared
// texts of src/i18n, so nothing is read from disk at run time. The language rule is src/i18n's.
import { I18n } from "@grammyjs/i18n";
import { LANGUAGES, languageFromCode, languageOf } from "../i18n/language.ts";
import { keepLocaleMatches, withCommon } from "../i18n/texts.ts";
import type { BotContext } from "./context.ts";
import { LOCALES } from "./locales.generated.ts";

export { LANGUAGES, languageFromCode, languageOf };

let shared: I18n<BotContext> | undefined;

/**
 * The bot's translations, parsed once per process: the bot and the queue-position notices share
 * them (their bundles never change once loaded). Parsing them twice kept a second copy on the heap
 * and was enough Fluent parsing at start-up to wake V8's optimising compiler, whose code pages
 * then stayed resident (BENCHMARKS.md, idle memory).
 */
export function createI18n(): I18n<BotContext> {
  shared ??= loadI18n();
  return shared;
}

function loadI18n(): I18n<BotContext> {
  const i18n = new I18n<BotContext>({
    defaultLocale: "en",
    // Without this Fluent wraps every variable in Unicode isolation marks, which end up in the
    // messages and break copy-pasted numbers and links.
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: (ctx) => (ctx.user ? languageOf(ctx.user) : languageFromCode(ctx.from?.language_code)),
  });
  for (const lang of LANGUAGES) {
    const source = LOCALES[lang];
    if (!source) throw new Error(`locale ${lang} is not embedded`);
    i18n.loadLocaleSync(lang, { source: withCommon(lang, source), bundleOptions: { useIsolating: false } });
  }
  keepLocaleMatches(i18n);
  return i18n;
}
