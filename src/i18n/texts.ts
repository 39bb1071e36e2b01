// Translations of a feature, from Fluent sources embedded in the program (the single executable
// reads no folders), on top of the shared texts of ./locales. Used with the locale the bot
// negotiated for the update, or — outside an update (alerts, delivery, broadcast progress) — the
// locale of the stored user.
import { I18n } from "@grammyjs/i18n";
import type { Language } from "../db/types.ts";
import { EMBEDDED as COMMON } from "./locales/embedded.ts";

export type Vars = Record<string, string | number>;

/** An admin alert: the text in a given admin's language (a plain string is the same for every admin). */
export type AdminText = string | ((locale: Language) => string);

/** Counts that choose a plural form ("1 credit", "5 кредитов") stay numbers for Fluent. */
const PLURAL_VARS = new Set([
  "credits",
  "bonus",
  "taken",
  "amount",
  "count",
  "balance",
  "minutes",
  "n",
  "attempts",
]);

/**
 * Fluent groups digits ("123,456,789", "1 200"), which breaks ids an admin copies; everything
 * but the plural-driving counts is passed as plain digits.
 */
function plainNumbers(vars: Vars): Vars {
  const out: Vars = {};
  for (const [k, v] of Object.entries(vars))
    out[k] = typeof v === "number" && !PLURAL_VARS.has(k) ? String(v) : v;
  return out;
}

/** More distinct locale lists than the program ever asks for (ru, en): past it nothing more is kept. */
const MATCHES_KEPT = 16;

/**
 * @grammyjs/i18n matches the requested locale against every loaded bundle each time it formats a
 * message (@fluent/langneg's negotiation: Locale objects, likely-subtag lookups, arrays): ~4% of
 * the bot's CPU per update in bench:bot, six times for one menu, plus the garbage. Once the
 * sources are loaded the bundles never change, so the match for each locale list is kept.
 * Call after the last loadLocaleSync. (`matchBundles` is private in the plugin's typings; its
 * translate() is the only caller, and the bot's texts tests fail if that ever changes.)
 */
export function keepLocaleMatches(i18n: Pick<I18n, "fluent">): void {
  const fluent = i18n.fluent as unknown as { matchBundles(locales: string[]): unknown };
  const match = fluent.matchBundles.bind(fluent);
  const kept = new Map<string, unknown>();
  fluent.matchBundles = (locales) => {
    const key = locales.join(",");
    let bundles = kept.get(key);
    if (bundles === undefined) {
      bundles = match(locales);
      if (kept.size < MATCHES_KEPT) kept.set(key, bundles);
    }
    return bundles;
  };
}

/** A feature's Fluent source with the shared texts added (one bundle per language, so it can use them). */
export function withCommon(lang: Language, source: string): string {
  return `${COMMON[lang]}\n${source}`;
}

export function createTexts(sources: Record<Language, string>) {
  // Unicode isolation marks around placeables would end up inside HTML attributes and ids.
  const i18n = new I18n({ defaultLocale: "en", fluentBundleOptions: { useIsolating: false } });
  for (const [locale, source] of Object.entries(sources) as [Language, string][])
    i18n.loadLocaleSync(locale, { source: withCommon(locale, source) });
  keepLocaleMatches(i18n);
  return {
    t(locale: string, key: string, vars?: Vars): string {
      return i18n.t(locale === "ru" ? "ru" : "en", key, vars && plainNumbers(vars));
    },
    /** A translate function bound to one locale. */
    bind(locale: string): (key: string, vars?: Vars) => string {
      return (key, vars) => this.t(locale, key, vars);
    },
  };
}

export type Texts = ReturnType<typeof createTexts>;

/** The shared texts alone, for a folder that has no texts of its own. */
export const sharedTexts: Texts = createTexts({ en: "", ru: "" });
