// Money as the seller reads it. Amounts come as Telegram Payments keeps them: integers in the
// currency's smallest unit (kopecks, cents; Telegram Stars are whole). Rubles always read the
// Russian way, "390 ₽" / "1 200 ₽", whatever the interface language; Stars are "250 ⭐"; any other
// currency is formatted by Intl in the seller's language ("$3.99" in English, "3,99 $" in Russian).
import type { Language } from "../db/types.ts";

const LOCALE: Record<Language, string> = { ru: "ru-RU", en: "en-US" };

export function isStars(currency: string): boolean {
  return currency === "XTR";
}

/**
 * Digits after the decimal point of a currency's smallest unit (RUB 2, JPY 0, KWD 3) from Intl's
 * ISO 4217 data, the same exponents Telegram's currencies.json uses; Stars have none.
 */
export function minorDigits(currency: string): number {
  if (isStars(currency)) return 0;
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits as number;
  } catch {
    return 2;
  }
}

/** An amount in the smallest unit as a decimal string with every minor digit: 39000 RUB → "390.00". */
export function majorUnits(amount: number, currency: string): string {
  const digits = minorDigits(currency);
  return (amount / 10 ** digits).toFixed(digits);
}

/**
 * "390 ₽", "3,99 $", "250 ⭐" from an amount in the currency's smallest unit. Whole amounts drop
 * their zeros ("390 ₽", not "390,00 ₽"); `maxFraction` caps the digits of a rounded figure (the
 * price per video of a package).
 */
export function formatMoney(
  amount: number,
  currency: string,
  lang: Language = "en",
  maxFraction?: number,
): string {
  const digits = minorDigits(currency);
  const value = amount / 10 ** digits;
  const fraction = Math.min(maxFraction ?? digits, digits);
  const whole = Number.isInteger(Number(value.toFixed(fraction)));
  const numberOptions = {
    minimumFractionDigits: whole ? 0 : fraction,
    maximumFractionDigits: whole ? 0 : fraction,
  };
  if (isStars(currency)) {
    // Stars are whole; a per-video share of a package may not be ("33.3 ⭐").
    const share = Number.isInteger(value) ? 0 : 1;
    const n = new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: share }).format(value);
    return `${n} ⭐`;
  }
  const locale = currency === "RUB" ? LOCALE.ru : LOCALE[lang];
  try {
    return new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      currencyDisplay: "narrowSymbol",
      ...numberOptions,
    }).format(value);
  } catch {
    // A code Intl does not know: the figure and the code.
    return `${value.toFixed(whole ? 0 : fraction)} ${currency}`;
  }
}
