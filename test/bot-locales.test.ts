// The single executable carries the locales embedded in src/bot/locales.generated.ts; these pin that
// the embedded copy is the .ftl files and that both languages have the same messages.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adminTexts } from "../src/admin/locales.ts";
import { createI18n, languageFromCode, languageOf } from "../src/bot/i18n.ts";
import { LOCALES } from "../src/bot/locales.generated.ts";

const dir = join(import.meta.dirname, "..", "src", "bot", "locales");
const keys = (src: string) => [...src.matchAll(/^([a-z][a-z0-9-]*)\s*=/gm)].map((m) => m[1]).sort();

describe("bot locales", () => {
  it("the embedded locales are exactly the .ftl files (run `node scripts/embed-locales.mjs` after editing)", () => {
    const files = Object.fromEntries(
      readdirSync(dir)
        .filter((f) => f.endsWith(".ftl"))
        .map((f) => [f.replace(/\.ftl$/, ""), readFileSync(join(dir, f), "utf8")]),
    );
    expect(LOCALES).toEqual(files);
  });

  it("are parsed once per process: the bot, the queue notices and the admin panel share one copy", () => {
    expect(createI18n()).toBe(createI18n());
    expect(adminTexts()).toBe(adminTexts());
  });

  it("Russian and English define the same messages", () => {
    expect(keys(LOCALES.ru ?? "")).toEqual(keys(LOCALES.en ?? ""));
  });

  it("every message renders without Fluent errors and without isolation marks", () => {
    const i18n = createI18n();
    const vars = {
      n: 3,
      min: "10",
      bot: "neurocards_bot",
      max: "3000",
      len: "5",
      list: "x",
      name: "n",
      description: "d",
      prompt: "p",
      template: "t",
      count: 3,
      total: 3,
      required: 5,
      missing: 2,
      position: 1,
      minutes: 2,
      hours: 2,
      jobs: 1,
      id: 1,
      status: "s",
      date: "d",
      product: "p",
      page: 1,
      pages: 2,
      price: "1 ⭐",
      sign: "+",
      reason: "r",
      refunded: "",
      link: "l",
      url: "u",
      expected: "e",
      counts: "1, 3",
      most: 3,
      seconds: "15",
      from: "yes",
      format: "vertical",
    };
    for (const lang of ["ru", "en"]) {
      for (const key of keys(LOCALES[lang] ?? "")) {
        const text = i18n.t(lang, key ?? "", vars);
        expect(text, `${lang}:${key}`).not.toMatch(/[\u2068\u2069]|\{\s*\$|Unknown variable/);
      }
    }
    expect(i18n.t("ru", "credits", { n: 1 })).toBe("1 кредит");
    expect(i18n.t("ru", "credits", { n: 3 })).toBe("3 кредита");
    expect(i18n.t("ru", "credits", { n: 5 })).toBe("5 кредитов");
    expect(i18n.t("en", "credits", { n: 1 })).toBe("1 credit");
  });

  it("picks Russian for ru/uk/be/kk clients and English otherwise; /lang overrides", () => {
    expect(["ru", "uk", "be", "kk", "ru-RU", "de", "en", undefined].map(languageFromCode)).toEqual([
      "ru",
      "ru",
      "ru",
      "ru",
      "ru",
      "en",
      "en",
      "en",
    ]);
    expect(languageOf({ language: "en", languageCode: "ru" })).toBe("en");
    expect(languageOf({ language: null, languageCode: "kk" })).toBe("ru");
  });
});
