// Which language a user is spoken to in: Russian for ru/uk/be/kk speakers, English for everyone
// else, unless the user chose a language with /lang.
import type { Language, User } from "../db/types.ts";

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

/** The same rule for a user who may not exist yet (English then). */
export function localeOfUser(u: Pick<User, "language" | "languageCode"> | null | undefined): Language {
  return u ? languageOf(u) : "en";
}
