import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envSchema } from "../src/config/schema.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** Every variable the config schema reads, from both halves of the intersection. */
function variables(): string[] {
  const { left, right } = envSchema.def;
  const names = new Set(Object.keys(left.shape));
  for (const option of right.def.options) for (const k of Object.keys(option.shape)) names.add(k);
  return [...names];
}

describe("README for self-hosters", () => {
  it("documents every configuration variable in the table and in the .env example", () => {
    const table = readme.slice(readme.indexOf("| Variable |"));
    const example = readme.slice(readme.indexOf("### 2. Write `.env`"), readme.indexOf("### 3."));
    const names = variables();
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) {
      expect(table, name).toMatch(new RegExp(`^\\| \`${name}\``, "m"));
      expect(example, name).toMatch(new RegExp(`^${name}=`, "m"));
    }
  });

  it("keeps the newcomer's test command", () => {
    expect(readme).toContain("```sh\nnpm ci && npm test\n```");
  });
});
