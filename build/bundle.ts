// The esbuild options the single executable is bundled with (build/build.mjs), shared with the
// bundles bench:bot measures so that both hold the same code. The bundle's source text stays in
// memory twice (the executable's mapped pages and V8's copy of the script) and every module that
// runs at start-up leaves its objects on the heap, so the bundle carries no dead weight:
// - minified (whitespace, syntax and local names; function and class names kept, see keepNames);
// - without code that can never run here, swapped at bundle time by the plugin below. Some of it
//   is more than dead text: a module's top-level `require`s load Node's own modules, which stay
//   resident for the life of the process (BENCHMARKS.md, idle RSS);
// - with the console's assets as text (embedConsoleAssets), the one folder the program would read.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { BuildOptions, Plugin } from "esbuild";
import { ASSET_SOURCES, type AssetName, assetPath } from "../src/console/asset-sources.ts";

/** Content types of the files the HTTP server sends (photos, videos, backups, text). */
const SERVED_TYPES = /^(image|video|audio|text)\//;
const SERVED_APPLICATION_TYPES = new Set([
  "application/json",
  "application/gzip",
  "application/x-tar",
  "application/zip",
  "application/pdf",
  "application/octet-stream",
]);

/**
 * - whatwg-url (with tr46's 260 KB IDNA table): node-fetch 2 takes `require("url").URL` whenever
 *   Node has one, which Node always has; whatwg-url is only its fallback for old Node versions.
 * - zod's 65 error-message locales (~310 KB, all run at start-up for the `z.locales` namespace):
 *   zod registers English itself, and config errors are for the owner, in English.
 * - mime-db (150 KB, ~2,500 types): `send` looks up the type of the files the HTTP server serves;
 *   only media, text and a few archive types are kept, anything else is application/octet-stream.
 * - @deno/shim-deno (140 KB): @grammyjs/i18n reads locale files and folders through it, and it
 *   loads node:tls, node:dns, node:net and node:child_process as it starts. Our locales are
 *   embedded (`loadLocaleSync` with a source): its Deno stands in with what i18n reads as it loads
 *   (`Deno.build.os`) and refuses the rest.
 * - prom-client's AggregatorRegistry (`lib/cluster.js`, metrics of a Node cluster's workers): it
 *   loads node:cluster, and the program is no cluster.
 * - @opentelemetry/api (45 KB, 51 modules run at start): prom-client's CPU metric reads the active
 *   trace span for exemplars, which the program never turns on; nothing else uses it.
 */
/** The SEA asset that holds the AWS SDK (src/s3/sdk.ts bundled on its own by build/build.mjs). */
export const S3_SDK_ASSET = "s3-sdk.cjs";

export const slimBundle: Plugin = {
  name: "neurocards-slim",
  setup(b) {
    // src/s3/bucket.ts's `import("./sdk.ts")` becomes a read of the S3_SDK_ASSET asset, compiled
    // when it runs: the SDK (~1 MB) stays out of the main script and so out of V8's code cache,
    // whose compiled code every install would otherwise hold. It needs only Node's own modules.
    b.onResolve({ filter: /^\.\/sdk\.ts$/ }, (args) =>
      /[\\/]src[\\/]s3[\\/]bucket\.ts$/.test(args.importer)
        ? { path: "s3-sdk", namespace: "neurocards-slim" }
        : undefined,
    );
    b.onLoad({ filter: /^s3-sdk$/, namespace: "neurocards-slim" }, () => ({
      contents: `
        const { getAsset } = require("node:sea");
        const { compileFunction } = require("node:vm");
        const file = "/neurocards/${S3_SDK_ASSET}";
        const sdk = { exports: {} };
        compileFunction(getAsset("${S3_SDK_ASSET}", "utf8"), ["exports", "require", "module", "__filename", "__dirname"], { filename: file })(sdk.exports, require, sdk, file, "/neurocards");
        module.exports = sdk.exports;`,
      loader: "js",
    }));
    b.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: "whatwg-url", namespace: "neurocards-slim" }));
    b.onLoad({ filter: /^whatwg-url$/, namespace: "neurocards-slim" }, () => ({
      contents: "module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };",
      loader: "js",
    }));
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: "zod-locales", namespace: "neurocards-slim", pluginData: { dir: args.resolveDir } }
        : undefined,
    );
    b.onLoad({ filter: /^zod-locales$/, namespace: "neurocards-slim" }, (args) => ({
      contents: 'export { default as en } from "../locales/en.js";',
      resolveDir: (args.pluginData as { dir: string }).dir,
      loader: "js",
    }));
    b.onResolve({ filter: /^@deno\/shim-deno$/ }, () => ({
      path: "shim-deno",
      namespace: "neurocards-slim",
    }));
    b.onLoad({ filter: /^shim-deno$/, namespace: "neurocards-slim" }, () => ({
      contents: `const build = { os: process.platform === "win32" ? "windows" : process.platform };
module.exports = { Deno: new Proxy({ build }, { get: (target, key) => key in target || typeof key === "symbol" ? target[key] : () => {
  throw new Error("Deno." + String(key) + " is not in the executable: its locales are embedded");
} }) };`,
      loader: "js",
    }));
    b.onLoad({ filter: /[\\/]prom-client[\\/]lib[\\/]cluster\.js$/ }, () => ({
      contents: `module.exports = class AggregatorRegistry {
  constructor() { throw new Error("prom-client's AggregatorRegistry is not in the executable"); }
};`,
      loader: "js",
    }));
    b.onResolve({ filter: /^@opentelemetry\/api$/ }, () => ({ path: "otel", namespace: "neurocards-slim" }));
    b.onLoad({ filter: /^otel$/, namespace: "neurocards-slim" }, () => ({
      contents:
        "module.exports = { trace: { getSpan: () => undefined }, context: { active: () => undefined } };",
      loader: "js",
    }));
    b.onLoad({ filter: /[\\/]mime-db[\\/]db\.json$/ }, (args) => {
      const db = JSON.parse(readFileSync(args.path, "utf8")) as Record<string, unknown>;
      const kept = Object.entries(db).filter(
        ([type]) => SERVED_TYPES.test(type) || SERVED_APPLICATION_TYPES.has(type),
      );
      return { contents: JSON.stringify(Object.fromEntries(kept)), loader: "json" };
    });
  },
};

/**
 * The console's scripts and styles (uPlot's and its own) go into the bundle as text: the module
 * that reads them from disk under tsx and vitest (src/console/asset-sources.ts) is replaced by one
 * that holds them, so the executable serves them with no folder and no CDN.
 */
export const embedConsoleAssets: Plugin = {
  name: "neurocards-console-assets",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]console[\\/]asset-sources\.ts$/ }, (args) => {
      const from = pathToFileURL(args.path).href;
      const names = Object.keys(ASSET_SOURCES) as AssetName[];
      const text = Object.fromEntries(names.map((n) => [n, readFileSync(assetPath(n, from), "utf8")]));
      return {
        contents: [
          `const TEXT = ${JSON.stringify(text)};`,
          `export const ASSET_SOURCES = ${JSON.stringify(ASSET_SOURCES)};`,
          `export function assetPath(name) { throw new Error("the console's assets are embedded: " + name); }`,
          "export function readAsset(name) { return TEXT[name]; }",
        ].join("\n"),
        loader: "js",
        watchFiles: names.map((n) => assetPath(n, from)),
      };
    });
  },
};

/**
 * Where the bundle's text first leaves Latin-1, or undefined when it does not. V8 keeps the main
 * script's source on its heap for the life of the process, one byte per character while every
 * character is Latin-1 and two bytes for all of them once one is not: a single "→" in the 2.5 MB
 * script cost 2.8 MB of idle RSS. esbuild writes other characters as escapes in strings, but not in
 * tagged templates (a tag may read their raw text), so the console's `html` templates write
 * entities (`&rarr;`, `&mdash;`) instead.
 */
export function firstWideCharacter(text: string): string | undefined {
  const at = text.search(/[\u0100-\uffff]/);
  return at < 0 ? undefined : text.slice(Math.max(0, at - 60), at + 20);
}

export const bundleOptions = {
  bundle: true,
  platform: "node",
  minifySyntax: true,
  minifyWhitespace: true,
  // Local names too (2.9 → 2.2 MB of source, held by the executable's pages and again on V8's
  // heap: −2 MB idle RSS). Function and class names stay (keepNames), so stack traces name them.
  minifyIdentifiers: true,
  legalComments: "none",
  // node-fetch recognises grammY's AbortSignal by its class name, which esbuild would otherwise
  // rename when two bundled packages define one.
  keepNames: true,
  plugins: [slimBundle, embedConsoleAssets],
} satisfies BuildOptions;
