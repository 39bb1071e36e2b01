// Settings of the HTTP server: secrets too weak to protect what they guard are refused at start,
// with the usual one line per problem and never the value itself.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, redactSecrets } from "../src/config/index.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig({ BOT_TOKEN: TOKEN, ...env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("HTTP server settings", () => {
  it("refuses a LINK_SECRET shorter than 32 characters in one line, without echoing it", () => {
    const short = "only-31-characters-long-secret!";
    expect(short).toHaveLength(31);
    const p = problems({ LINK_SECRET: short });
    expect(p).toEqual([
      "LINK_SECRET is not valid: at least 32 characters (make one with: openssl rand -hex 32)",
    ]);
    expect(problems({ LINK_SECRET: `${short}x` })).toEqual([]);
  });

  it("derives a long enough LINK_SECRET from BOT_TOKEN when it is empty", () => {
    expect(parseConfig({ BOT_TOKEN: TOKEN }).http.linkSecret.length).toBeGreaterThanOrEqual(32);
    expect(problems({ LINK_SECRET: "" })).toEqual([]);
  });

  it("refuses a METRICS_TOKEN shorter than 16 characters without echoing it", () => {
    const p = problems({ METRICS_TOKEN: "short-tok" });
    expect(p).toEqual([expect.stringMatching(/^METRICS_TOKEN is not valid: at least 16 characters/)]);
    expect(p[0]).not.toContain("short-tok");
  });

  it("keeps /metrics closed unless METRICS_TOKEN is set, and never logs the token", () => {
    expect(parseConfig({ BOT_TOKEN: TOKEN }).http.metricsToken).toBeUndefined();
    const token = "scrape-token-0123456789";
    expect(parseConfig({ BOT_TOKEN: TOKEN, METRICS_TOKEN: token }).http.metricsToken).toBe(token);
    expect(redactSecrets(`Bearer ${token}`, { METRICS_TOKEN: token })).toBe("Bearer ***");
  });
});
