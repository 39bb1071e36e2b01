// Every Fluent file of the program (src/**/locales/{en,ru}.ftl): embedded exactly as written, the
// same messages with the same variables in Russian and English, each rendering in both languages
// with its variables, and the shared labels (src/i18n/locales) defined there only.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { EMBEDDED as ADMIN } from "../src/admin/locales/embedded.ts";
import { LOCALES as BOT } from "../src/bot/locales.generated.ts";
import { EMBEDDED as CONSOLE } from "../src/console/locales/embedded.ts";
import { EMBEDDED as GENERATION } from "../src/generation/locales/embedded.ts";
import { failureText, messages } from "../src/generation/messages.ts";
import { EMBEDDED as COMMON } from "../src/i18n/locales/embedded.ts";
import { createTexts } from "../src/i18n/texts.ts";
import { EMBEDDED as PAYMENTS } from "../src/payments/locales/embedded.ts";
import { EMBEDDED as PROMO } from "../src/promo/locales/embedded.ts";
import { EMBEDDED as SUPPORT } from "../src/support/locales/embedded.ts";

const SRC = join(import.meta.dirname, "..", "src");
const LANGS = ["en", "ru"] as const;

/** Every folder of the program holding .ftl files, found on disk so a new one cannot be missed. */
function localeDirs(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (!e.isDirectory()) return [];
    const path = join(dir, e.name);
    const own = e.name === "locales" && readdirSync(path).some((f) => f.endsWith(".ftl")) ? [path] : [];
    return [...own, ...localeDirs(path)];
  });
}

/** The embedded copy each folder's files are shipped as. */
const EMBEDDED_BY_DIR: Record<string, Record<string, string>> = {
  "admin/locales": ADMIN,
  "bot/locales": BOT,
  "console/locales": CONSOLE,
  "generation/locales": GENERATION,
  "i18n/locales": COMMON,
  "payments/locales": PAYMENTS,
  "promo/locales": PROMO,
  "support/locales": SUPPORT,
};

/** Each message (and term) of a Fluent source with its pattern. */
function messagesOf(ftl: string): Map<string, string> {
  return new Map(
    ftl
      .split(/^(?=-?[a-z][\w-]* =)/m)
      .filter((e) => /^-?[a-z]/.test(e))
      .map((e) => [e.slice(0, e.indexOf(" =")), e.slice(e.indexOf("=") + 1)] as const),
  );
}

/** The variables a message needs, with those of the messages it refers to. */
function varsOf(all: Map<string, string>, key: string, seen = new Set<string>()): string[] {
  const body = all.get(key) ?? "";
  seen.add(key);
  const own = [...body.matchAll(/\$(\w+)/g)].map((m) => m[1] ?? "");
  const refs = [...body.matchAll(/\{\s*([a-z][\w-]*)\s*\}/g)].map((m) => m[1] ?? "");
  const nested = refs.filter((r) => all.has(r) && !seen.has(r)).flatMap((r) => varsOf(all, r, seen));
  return [...new Set([...own, ...nested])].sort();
}

const dirs = localeDirs().map((d) => relative(SRC, d));

describe("locale files", () => {
  it("are all known here, each with its embedded copy", () => {
    expect(dirs.sort()).toEqual(Object.keys(EMBEDDED_BY_DIR).sort());
  });

  describe.each(dirs)("%s", (dir) => {
    const embedded = EMBEDDED_BY_DIR[dir] ?? {};

    it("are embedded exactly as the .ftl files read (run scripts/embed-locales.mjs after editing)", () => {
      for (const lang of LANGS)
        expect(embedded[lang]).toBe(readFileSync(join(SRC, dir, `${lang}.ftl`), "utf8"));
    });

    it("have the same messages with the same variables in Russian and English", () => {
      const en = messagesOf(embedded.en ?? "");
      const ru = messagesOf(embedded.ru ?? "");
      expect([...ru.keys()].sort()).toEqual([...en.keys()].sort());
      for (const key of en.keys()) expect(varsOf(ru, key), key).toEqual(varsOf(en, key));
    });

    it("render every message in both languages with its variables, for every plural form", () => {
      const t = createTexts({ en: embedded.en ?? "", ru: embedded.ru ?? "" });
      const en = messagesOf(embedded.en ?? "");
      const all = new Map([...messagesOf(COMMON.en), ...en]);
      for (const key of en.keys()) {
        if (key.startsWith("-")) continue;
        for (const n of [1, 3, 5, 21]) {
          const vars = Object.fromEntries(varsOf(all, key).map((v) => [v, n]));
          for (const lang of LANGS) {
            const text = t.t(lang, key, vars);
            expect(text, `${lang}:${key}`).not.toBe(key);
            expect(text, `${lang}:${key}`).not.toMatch(/[\u2068\u2069]|\{\s*\$/);
          }
        }
      }
    });

    it.skipIf(dir === "i18n/locales")("leave the shared texts to src/i18n/locales", () => {
      const shared = new Set(messagesOf(COMMON.en).keys());
      for (const key of messagesOf(embedded.en ?? "").keys()) expect(shared.has(key), key).toBe(false);
    });
  });
});

describe("labels", () => {
  /** A button's words without its icon: "« Back" and "← Back" are the same label. */
  const words = (label: string) =>
    label
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim()
      .toLowerCase();
  const isButton = (key: string) => key.startsWith("btn-") || key.includes("-button");

  it("one text per action: a shared label's words appear on no other button of any feature", () => {
    for (const lang of LANGS) {
      const shared = [...messagesOf(COMMON[lang]).entries()].filter(([k]) => isButton(k));
      expect(shared.map(([k]) => k)).toEqual(
        expect.arrayContaining(["btn-menu", "btn-back", "btn-cancel", "btn-again", "btn-create"]),
      );
      for (const [dir, embedded] of Object.entries(EMBEDDED_BY_DIR)) {
        if (dir === "i18n/locales") continue;
        for (const [key, text] of messagesOf(embedded[lang] ?? "")) {
          if (!isButton(key)) continue;
          for (const [sharedKey, sharedText] of shared)
            expect(words(text), `${lang} ${dir} ${key} repeats ${sharedKey}`).not.toBe(words(sharedText));
        }
      }
    }
  });

  it("no two buttons of one language read the same for different actions", () => {
    for (const lang of LANGS) {
      const seen = new Map<string, string>();
      for (const embedded of Object.values(EMBEDDED_BY_DIR)) {
        for (const [key, text] of messagesOf(embedded[lang] ?? "")) {
          if (!isButton(key) || text.includes("$")) continue;
          const w = words(text);
          if (!w) continue; // arrows (← →) are pictures, not words
          expect(seen.get(w) ?? key, `${lang}: "${text.trim()}"`).toBe(key);
          seen.set(w, key);
        }
      }
    }
  });
});

describe("pipeline texts", () => {
  it("count minutes and returned credits with the plural forms of each language", () => {
    const ru = messages("ru");
    expect(
      [1, 3, 5, 21].map((minutes) => ru("gen-render", { minutes }).match(/около \d+ [а-я]+/)?.[0]),
    ).toEqual(["около 1 минуты", "около 3 минут", "около 5 минут", "около 21 минуты"]);
    const back = (language: string, creditsCharged: number) =>
      failureText({ language, creditsCharged }, "unknown", "x");
    expect(back("ru", 1)).toContain("Кредит вернули на баланс");
    expect(back("ru", 3)).toContain("3 кредита вернули на баланс");
    expect(back("ru", 5)).toContain("5 кредитов вернули на баланс");
    expect(back("en", 1)).toContain("Your credit is back on your balance");
    expect(back("en", 2)).toContain("Your 2 credits are back on your balance");
    expect(back("ru", 21)).toContain("21 кредит вернули на баланс");
    // A job that ran free (retried by an admin after its refund) gives nothing back.
    expect(back("ru", 0)).toContain("Кредиты за это видео не списывались");
    expect(back("en", 0)).toContain("Nothing was charged for this video");
    expect(back("en", 0)).not.toMatch(/back on your balance/);
  });
});

/** Every literal text key in the TypeScript files of the given folders. */
const sourceKeys = (pattern: RegExp, ...dirs: string[]) =>
  dirs.flatMap((dir) =>
    readdirSync(join(SRC, dir))
      .filter((f) => f.endsWith(".ts") && f !== "embedded.ts")
      .flatMap((f) => [...readFileSync(join(SRC, dir, f), "utf8").matchAll(pattern)].map((m) => m[1] ?? "")),
  );

describe.each([
  ["payments", PAYMENTS, ["payments"], /"(pay-[\w-]+)"/g],
  ["admin", ADMIN, ["admin", "broadcast"], /"(adm-[\w-]+)"/g],
  ["generation", GENERATION, ["generation", "queue"], /"(gen-[\w-]+)"/g],
  ["bot", BOT, ["bot", "bot/features"], /\bt\("([a-z][\w-]*)"/g],
  ["shared", COMMON, ["admin", "payments", "generation"], /"((?:btn|alert)-[\w-]+)"/g],
] as const)("%s texts", (_feature, embedded, source, pattern) => {
  it("define every key the code names", () => {
    const known = new Set([...messagesOf(embedded.en ?? "").keys(), ...messagesOf(COMMON.en).keys()]);
    const used = sourceKeys(pattern, ...source);
    expect(used.length).toBeGreaterThan(5);
    for (const k of used) expect(known, k).toContain(k);
  });
});

describe("texts helper", () => {
  it("answers each call in the language asked for, however the calls alternate, and English for any other", () => {
    const texts = createTexts({ en: "hello = Hello, { $name }", ru: "hello = Привет, { $name }" });
    const said = ["ru", "en", "ru", "de", "en", "ru"].map((l) => texts.t(l, "hello", { name: "Ann" }));
    expect(said).toEqual([
      "Привет, Ann",
      "Hello, Ann",
      "Привет, Ann",
      "Hello, Ann",
      "Hello, Ann",
      "Привет, Ann",
    ]);
  });
});
