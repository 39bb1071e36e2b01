import { describe, expect, it } from "vitest";
import { formatPrice, formatPricePerCredit } from "../src/payments/packages.ts";
import { creditsOfPackageId, decodePayload, encodePayload } from "../src/payments/payload.ts";

describe("invoice payload", () => {
  it("names the package and the user and reads back only with the same secret", () => {
    const payload = encodePayload("secret", { packageId: "p10", tgId: 4242 });
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(128);
    expect(decodePayload("secret", payload)).toEqual({ packageId: "p10", tgId: 4242, chatId: 4242 });
    expect(decodePayload("other", payload)).toBeNull();
  });

  it("rejects a payload edited to another package or user", () => {
    const payload = encodePayload("secret", { packageId: "p5", tgId: 1 });
    expect(decodePayload("secret", payload.replace("p5:", "p100:"))).toBeNull();
    expect(decodePayload("secret", payload.replace(":1:", ":2:"))).toBeNull();
    expect(decodePayload("secret", "garbage")).toBeNull();
  });

  it("names the chat when the invoice went anywhere but the user's private chat, and keeps it signed", () => {
    const payload = encodePayload("secret", { packageId: "p10", tgId: 4242, chatId: -1001 });
    expect(decodePayload("secret", payload)).toEqual({ packageId: "p10", tgId: 4242, chatId: -1001 });
    expect(decodePayload("secret", payload.replace(":-1001:", ":4242:"))).toBeNull();
    expect(decodePayload("secret", payload.replace(":-1001:", ":"))).toBeNull();
  });

  it("knows the credits of a package id even when the package left the config", () => {
    expect(creditsOfPackageId("p30")).toBe(30);
  });
});

// Intl puts a no-break space between a figure and its sign, and inside "1 200".
const nb = (s: string) => s.replaceAll(" ", "\u00a0");

describe("prices", () => {
  it("shows Stars as whole stars, rubles as “390 ₽” in either language, kopecks only when there are any", () => {
    expect(formatPrice(250, "XTR", "en")).toBe("250 ⭐");
    expect(formatPrice(39000, "RUB", "ru")).toBe(nb("390 ₽"));
    expect(formatPrice(39000, "RUB", "en")).toBe(nb("390 ₽"));
    expect(formatPrice(120000, "RUB", "en")).toBe(nb("1 200 ₽"));
    expect(formatPrice(39050, "RUB", "ru")).toBe(nb("390,50 ₽"));
  });

  it("shows other currencies the way the seller's language writes them", () => {
    expect(formatPrice(399, "USD", "en")).toBe("$3.99");
    expect(formatPrice(399, "USD", "ru")).toBe(nb("3,99 $"));
    expect(formatPrice(500, "EUR", "en")).toBe("€5");
    // A currency without minor units (Telegram's exponent 0): the amount is whole yen.
    expect(formatPrice(1200, "JPY", "en")).toBe("¥1,200");
  });

  it("shows the price of one video in a package", () => {
    expect(formatPricePerCredit({ id: "p10", credits: 10, price: 450 }, "XTR")).toBe("45 ⭐");
    expect(formatPricePerCredit({ id: "p30", credits: 30, price: 1200 }, "XTR")).toBe("40 ⭐");
    expect(formatPricePerCredit({ id: "p3", credits: 3, price: 100 }, "XTR", "ru")).toBe("33,3 ⭐");
    expect(formatPricePerCredit({ id: "p5", credits: 5, price: 39000 }, "RUB", "ru")).toBe(nb("78 ₽"));
    expect(formatPricePerCredit({ id: "p30", credits: 30, price: 100000 }, "RUB", "ru")).toBe(nb("33,33 ₽"));
  });
});
