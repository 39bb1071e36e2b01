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

describe("prices", () => {
  it("shows Stars as whole stars and fiat in major units", () => {
    expect(formatPrice(250, "XTR")).toBe("250 ⭐");
    expect(formatPrice(39000, "RUB")).toBe("390 RUB");
    expect(formatPrice(399, "USD")).toBe("3.99 USD");
  });

  it("shows the price of one video in a package", () => {
    expect(formatPricePerCredit({ id: "p10", credits: 10, price: 450 }, "XTR")).toBe("45 ⭐");
    expect(formatPricePerCredit({ id: "p30", credits: 30, price: 1200 }, "XTR")).toBe("40 ⭐");
    expect(formatPricePerCredit({ id: "p5", credits: 5, price: 39000 }, "RUB")).toBe("78 RUB");
  });
});
