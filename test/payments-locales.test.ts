import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EMBEDDED as ADMIN } from "../src/admin/locales/embedded.ts";
import { EMBEDDED as PAYMENTS } from "../src/payments/locales/embedded.ts";
import { createTexts } from "../src/payments/texts.ts";

const keys = (ftl: string) => [...ftl.matchAll(/^([a-z][\w-]*) =/gm)].map((m) => m[1]).sort();
/** Each message with the variables it uses. */
const entries = (ftl: string) =>
  new Map(
    ftl
      .split(/^(?=[a-z][\w-]* =)/m)
      .map(
        (e) =>
          [
            e.slice(0, e.indexOf(" =")),
            [...new Set([...e.matchAll(/\$(\w+)/g)].map((m) => m[1]))].sort(),
          ] as const,
      ),
  );
/** Every literal text key in the TypeScript files of the given folders. */
const sourceKeys = (...dirs: string[]) =>
  dirs.flatMap((dir) =>
    readdirSync(new URL(dir, import.meta.url))
      .filter((f) => f.endsWith(".ts") && f !== "embedded.ts")
      .flatMap((f) =>
        [
          ...readFileSync(new URL(`${dir}/${f}`, import.meta.url), "utf8").matchAll(
            /"((?:pay|adm)-[\w-]+)"/g,
          ),
        ].map((m) => m[1]),
      ),
  );

describe.each([
  ["payments", PAYMENTS, ["../src/payments"]],
  ["admin", ADMIN, ["../src/admin", "../src/broadcast"]],
])("%s texts", (feature, embedded, source) => {
  it("are embedded exactly as the .ftl files read (run src/payments/locales/embed.mjs after editing)", () => {
    for (const lang of ["en", "ru"] as const) {
      const file = readFileSync(new URL(`../src/${feature}/locales/${lang}.ftl`, import.meta.url), "utf8");
      expect(embedded[lang]).toBe(file);
    }
  });

  it("have the same keys in Russian and English, and every key the code names exists", () => {
    expect(keys(embedded.ru)).toEqual(keys(embedded.en));
    const known = new Set(keys(embedded.en));
    const used = sourceKeys(...source).filter((k) => k?.startsWith(feature === "admin" ? "adm-" : "pay-"));
    expect(used.length).toBeGreaterThan(10);
    for (const k of used) expect(known, k).toContain(k);
  });

  it("render in both languages with the same variables", () => {
    const t = createTexts(embedded);
    const en = entries(embedded.en);
    const ru = entries(embedded.ru);
    for (const [key, vars] of en) {
      expect(ru.get(key), key).toEqual(vars);
      const values = Object.fromEntries(vars.map((v) => [v, "7"]));
      for (const lang of ["en", "ru"]) expect(t.t(lang, key, values)).not.toContain(key);
    }
  });
});
