// The seller's copy as a native speaker reads it (issue 13): no jargon where a seller reads it,
// "My account" in English, and every count with its noun in the right form. The conversation
// itself is pinned by the flow tests; this reads the texts the seller can see.
import { describe, expect, it } from "vitest";
import { createI18n } from "../src/bot/i18n.ts";
import { LOCALES as BOT } from "../src/bot/locales.generated.ts";
import { EMBEDDED as GENERATION } from "../src/generation/locales/embedded.ts";
import { createTexts } from "../src/i18n/texts.ts";
import { EMBEDDED as PAYMENTS } from "../src/payments/locales/embedded.ts";

/** The messages a seller can see in a Fluent source (admins' left out), without comments. */
function sellerMessages(ftl: string): Map<string, string> {
  const entries = ftl
    .split(/^(?=-?[a-z][\w-]* =)/m)
    .filter((e) => /^-?[a-z]/.test(e))
    .map((e) => [e.slice(0, e.indexOf(" =")), e.slice(e.indexOf("=") + 1).replace(/^#.*$/gm, "")] as const)
    // Admins read alerts and the panel; sellers do not.
    .filter(([key]) => !/^(gen-admin|pay-admin|cmd-admin)/.test(key));
  return new Map(entries);
}

const SELLER_TEXTS = { bot: BOT, generation: GENERATION, payments: PAYMENTS };

describe("the seller's copy", () => {
  for (const [folder, sources] of Object.entries(SELLER_TEXTS)) {
    for (const lang of ["ru", "en"] as const) {
      it(`${folder} (${lang}): no video-production jargon a seller would have to look up`, () => {
        for (const [key, text] of sellerMessages(sources[lang] ?? ""))
          expect(text, key).not.toMatch(/B-roll|\bb-roll|бирол/i);
      });
    }
  }

  it("English calls the seller's page “My account”, never “cabinet”", () => {
    for (const [key, text] of sellerMessages(BOT.en ?? "")) expect(text, key).not.toMatch(/cabinet/i);
    const i18n = createI18n();
    expect(i18n.t("en", "btn-cabinet")).toBe("👤 My account");
    expect(i18n.t("en", "cabinet", { n: 2, jobs: 1 })).toMatch(/^<b>My account<\/b>/);
  });

  it("“from N credits” takes the genitive in Russian: от 1 кредита, от 2 кредитов, от 21 кредита", () => {
    const i18n = createI18n();
    const from = (n: number) => /\(от ([^)]*)\)/.exec(i18n.t("ru", "terms-full", { n }))?.[1];
    expect([1, 2, 5, 21].map(from)).toEqual(["1 кредита", "2 кредитов", "5 кредитов", "21 кредита"]);
    expect(/\(from ([^)]*)\)/.exec(i18n.t("en", "terms-full", { n: 1 }))?.[1]).toBe("1 credit");
  });

  it("short of credits, every number has its noun: “нужно 5 кредитов … Докупите ещё 4 кредита”", () => {
    const i18n = createI18n();
    expect(i18n.t("ru", "not-enough", { required: 3, n: 1, missing: 2 })).toBe(
      "Не хватает кредитов: нужно <b>3 кредита</b>, на балансе <b>1 кредит</b>.\nДокупите ещё <b>2 кредита</b>.",
    );
    expect(i18n.t("ru", "not-enough", { required: 21, n: 0, missing: 21 })).toContain(
      "ещё <b>21 кредит</b>.",
    );
    expect(i18n.t("en", "not-enough", { required: 2, n: 1, missing: 1 })).toBe(
      "Not enough credits: this needs <b>2 credits</b>, your balance is <b>1 credit</b>.\nBuy <b>1 more credit</b>.",
    );
  });

  it("a payment's receipt and the buy screen give the balance with its noun", () => {
    const t = createTexts(PAYMENTS as Record<"en" | "ru", string>);
    expect(t.t("ru", "pay-receipt", { credits: 5, balance: 6 })).toBe(
      "✅ Оплата получена: +5 кредитов.\nБаланс: <b>6 кредитов</b>.",
    );
    expect(t.t("ru", "pay-buy-text", { balance: 2 })).toContain("Ваш баланс: <b>2 кредита</b>.");
    expect(t.t("en", "pay-buy-text", { balance: 1 })).toContain("Your balance: <b>1 credit</b>.");
  });

  it("the own-prompt reminder names the buttons as they read: «Утвердить», not «Подтвердить»", () => {
    const i18n = createI18n();
    expect(i18n.t("ru", "own-review-expected")).toContain(`«${i18n.t("ru", "btn-approve").slice(2)}»`);
    expect(i18n.t("en", "own-review-expected")).toContain(`“${i18n.t("en", "btn-approve").slice(2)}”`);
  });
});
