import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cacheDirCandidates, extractOnce } from "../src/native/sqlite-addon.ts";

const module = new URL("../src/native/sqlite-addon.ts", import.meta.url).href;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neurocards-addon-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs extractOnce in a separate process, as a second copy of the executable would. */
function extractInChild(payload: string, candidates: string[]): Promise<string> {
  const script = `import { extractOnce } from ${JSON.stringify(module)};
import { readFileSync } from "node:fs";
process.stdout.write(extractOnce(readFileSync(${JSON.stringify(payload)}), "addon.node", "9.9.9", ${JSON.stringify(candidates)}));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
  });
}

describe("the SQLite addon cache of the single executable", () => {
  it("is written once, whole, when several copies start at the same moment", async () => {
    const payload = join(dir, "payload.bin");
    const bytes = Buffer.alloc(4 * 1024 * 1024, 7);
    writeFileSync(payload, bytes);
    const cache = join(dir, "cache");
    const paths = await Promise.all(Array.from({ length: 4 }, () => extractInChild(payload, [cache])));
    expect(new Set(paths).size).toBe(1);
    expect(readFileSync(paths[0]!).equals(bytes)).toBe(true);
    const [versionDir] = readdirSync(cache);
    expect(versionDir).toMatch(/^9\.9\.9-[0-9a-f]{16}$/);
    expect(readdirSync(join(cache, versionDir!))).toEqual(["addon.node"]);
  });

  it("falls back to the data directory when HOME cannot be written, and reuses an existing copy", () => {
    const bytes = Buffer.from("addon bytes");
    const candidates = cacheDirCandidates({ HOME: "/proc/no-home-here" }, join(dir, "data"));
    expect(candidates[0]).toBe("/proc/no-home-here/.cache/neurocards");
    const first = extractOnce(bytes, "addon.node", "1.0.0", candidates);
    expect(first.startsWith(join(dir, "data", ".cache"))).toBe(true);
    expect(extractOnce(bytes, "addon.node", "1.0.0", candidates)).toBe(first);
    // Another build's addon gets its own folder instead of replacing a file a running copy uses.
    const other = extractOnce(Buffer.from("newer addon"), "addon.node", "1.0.0", candidates);
    expect(other).not.toBe(first);
    expect(readFileSync(first, "utf8")).toBe("addon bytes");
  });

  it("prefers XDG_CACHE_HOME, then ~/.cache", () => {
    expect(cacheDirCandidates({ XDG_CACHE_HOME: "/x", HOME: "/h" }, "/data").slice(0, 3)).toEqual([
      "/x/neurocards",
      "/h/.cache/neurocards",
      "/data/.cache",
    ]);
  });
});
