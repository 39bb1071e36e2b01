import { describe, expect, it } from "vitest";
import { checkLegalDocuments } from "../src/cli/checks.ts";
import { ConfigError, parseConfig, redactSecrets } from "../src/config/index.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("config", () => {
  it("defaults to SQLite in ./data with one free credit", () => {
    const c = parseConfig({ BOT_TOKEN: TOKEN });
    expect(c.database).toEqual({ type: "sqlite", path: "./data/neurocards.db" });
    expect(c.freeCredits).toBe(1);
    expect(c.payments.currency).toBe("XTR");
    expect(c.payments.packages[0]).toEqual({ id: "p5", credits: 5, price: 250 });
  });

  it("requires DATABASE_URL in postgres mode and says so with an example", () => {
    const p = problems({ BOT_TOKEN: TOKEN, DATABASE_TYPE: "postgres" });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^DATABASE_URL is required \(example: DATABASE_URL=postgres:\/\//);
  });

  it("lists one line per problem and never echoes a secret value", () => {
    const badToken = "not-a-token-secret-value";
    const p = problems({ BOT_TOKEN: badToken, HTTP_PORT: "99999", CREDIT_PACKAGES: "5:abc" });
    expect(p.map((x) => x.split(" ")[0]).sort()).toEqual(["BOT_TOKEN", "CREDIT_PACKAGES", "HTTP_PORT"]);
    expect(p.join("\n")).not.toContain(badToken);
  });

  it("reads comma lists of admins and kie keys", () => {
    const c = parseConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1, 22", KIE_API_KEYS: "k1,k2" });
    expect(c.admins).toEqual([1, 22]);
    expect(c.kie.apiKeys).toEqual(["k1", "k2"]);
  });

  it("masks secrets found in a text", () => {
    expect(redactSecrets(`url ${TOKEN}/getMe`, { BOT_TOKEN: TOKEN })).toBe("url ***/getMe");
  });

  it.each([
    ["no colon", "AAHdefghijklmnopqrstuvwxyz0123456789", /has no colon/],
    [
      "no id before the colon",
      "bot:AAHdefghijklmnopqrstuvwxyz0123456789",
      /the part before the colon is not the bot's numeric id/,
    ],
    ["a cut-off secret", "123456789:AAHdefgh", /only 8 characters after the colon/],
    ["a space inside", "123456789:AAHdefghijklmnopq rstuvwxyz0123", /characters a token never has/],
  ])("a malformed BOT_TOKEN (%s) is told what is wrong and the shape a token has", (_what, token, wrong) => {
    const [line] = problems({ BOT_TOKEN: token });
    expect(line).toMatch(/^BOT_TOKEN is not valid: /);
    expect(line).toMatch(wrong);
    expect(line).toContain("123456789:AA…");
    expect(line).not.toMatch(/looks like/);
    expect(line).not.toContain(token.split(":").at(-1));
  });
});

describe("doctor's warnings about the seller's terms", () => {
  it("warns (!) about each of OFFER_URL and PRIVACY_URL that is unset, and is quiet when both are", () => {
    const none = checkLegalDocuments(parseConfig({ BOT_TOKEN: TOKEN }));
    expect(none.map((r) => [r.status, r.detail.split(" ")[0]])).toEqual([
      ["note", "OFFER_URL"],
      ["note", "PRIVACY_URL"],
    ]);
    expect(none[0]?.fix).toMatch(/OFFER_URL=https:/);
    const both = checkLegalDocuments(
      parseConfig({ BOT_TOKEN: TOKEN, OFFER_URL: "https://e.com/o", PRIVACY_URL: "https://e.com/p" }),
    );
    expect(both.map((r) => r.status)).toEqual(["ok"]);
  });
});

describe("TIMEZONE", () => {
  it("defaults to Europe/Moscow and takes any IANA zone", () => {
    expect(parseConfig({ BOT_TOKEN: TOKEN }).timeZone).toBe("Europe/Moscow");
    expect(parseConfig({ BOT_TOKEN: TOKEN, TIMEZONE: "Asia/Vladivostok" }).timeZone).toBe("Asia/Vladivostok");
  });

  it("refuses a zone Intl does not know, with an example", () => {
    expect(problems({ BOT_TOKEN: TOKEN, TIMEZONE: "Moscow" })).toEqual([
      "TIMEZONE is not valid: not a time zone Intl knows (example: TIMEZONE=Europe/Moscow)",
    ]);
  });
});
