// Credit packages and how their prices read. Prices are integers in the currency's smallest unit
// (Stars are whole; RUB/USD come in kopecks/cents), as Telegram Payments expects them; they are
// shown through the one money formatter (../i18n/money.ts).
import type { CreditPackage } from "../config/index.ts";
import type { Language } from "../db/types.ts";
import { formatMoney, isStars, minorDigits } from "../i18n/money.ts";

export { isStars };

export function findPackage(packages: readonly CreditPackage[], id: string): CreditPackage | undefined {
  return packages.find((p) => p.id === id);
}

/** "250 ⭐", "390 ₽" or "$3.90" from an amount in the smallest unit. */
export function formatPrice(amount: number, currency: string, lang: Language = "en"): string {
  return formatMoney(amount, currency, lang);
}

/** An amount in the currency's smallest unit as whole units (kopecks → roubles; Stars stay). */
export function toMajorUnits(amount: number, currency: string): number {
  return isStars(currency) ? amount : amount / 10 ** minorDigits(currency);
}

/** Price of one credit in the package: to the kopeck/cent, or a tenth of a Star. */
export function formatPricePerCredit(pkg: CreditPackage, currency: string, lang: Language = "en"): string {
  const per = pkg.price / pkg.credits;
  return formatMoney(isStars(currency) ? per : Math.round(per), currency, lang);
}
