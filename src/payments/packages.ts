// Credit packages and how their prices read. Prices are integers in the currency's smallest unit
// (Stars are whole; RUB/USD come in kopecks/cents), as Telegram Payments expects them.
import type { CreditPackage } from "../config/index.ts";

/** Currencies whose smallest unit is the whole unit (Telegram lists XTR and a few zero-exponent ones). */
const ZERO_EXPONENT = new Set(["XTR", "JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "UGX", "PYG"]);

/** Digits after the point in the currency's smallest unit: 0 for Stars and the like, 2 for the rest. */
export function currencyExponent(currency: string): 0 | 2 {
  return isStars(currency) || ZERO_EXPONENT.has(currency) ? 0 : 2;
}

export function isStars(currency: string): boolean {
  return currency === "XTR";
}

export function findPackage(packages: readonly CreditPackage[], id: string): CreditPackage | undefined {
  return packages.find((p) => p.id === id);
}

/** "250 ⭐", "390 RUB" or "3.90 USD" from an amount in the smallest unit. */
export function formatPrice(amount: number, currency: string): string {
  if (isStars(currency)) return `${amount} ⭐`;
  if (ZERO_EXPONENT.has(currency)) return `${amount} ${currency}`;
  const whole = amount / 100;
  return `${Number.isInteger(whole) ? whole : whole.toFixed(2)} ${currency}`;
}

/** Price of one video (one credit) in the package, rounded to a readable figure. */
export function formatPricePerCredit(pkg: CreditPackage, currency: string): string {
  const per = pkg.price / pkg.credits;
  if (isStars(currency) || ZERO_EXPONENT.has(currency)) {
    return `${Number.isInteger(per) ? per : per.toFixed(1)}${isStars(currency) ? " ⭐" : ` ${currency}`}`;
  }
  return formatPrice(Math.round(per), currency);
}
