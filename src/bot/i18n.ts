// Translations: Fluent files embedded at build time (./locales.generated.ts), so nothing is read
// from disk at run time. Russian for ru/uk/be/kk speakers, English for everyone else, unless the
// user chose a language with /lang.
import { I18n } from "@grammyjs/i18n";
import type { Language, User } from "../db/types.ts";
import type { BotContext } from "./context.ts";
import { LOCALES } from "./locales.generated.ts";

export const LANGUAGES: readonly Language[] = ["ru", "en"];
const RUSSIAN_SPEAKERS = new Set(["ru", "uk", "be", "kk"]);

export function languageFromCode(code: string | null | undefined): Language {
  return RUSSIAN_SPEAKERS.has((code ?? "").slice(0, 2).toLowerCase()) ? "ru" : "en";
}

export function languageOf(user: Pick<User, "language" | "languageCode">): Language {
  return user.language === "ru" || user.language === "en"
    ? user.language
    : languageFromCode(user.languageCode);
}

export function createI18n(): I18n<BotContext> {
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
    i18n.loadLocaleSync(lang, { source, bundleOptions: { useIsolating: false } });
  }
  return i18n;
}
