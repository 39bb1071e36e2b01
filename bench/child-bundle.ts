// esbuild options for the benches' child processes: the executable's own options (build/bundle.ts),
// as an ES module loaded from the repo so that native addons resolve.
import type { BuildOptions } from "esbuild";
import { bundleOptions } from "../build/bundle.ts";

export const childBundleOptions: BuildOptions = {
  ...bundleOptions,
  format: "esm",
  target: "node24",
  // Native addons stay outside; the bundles are loaded from the repo so they resolve.
  external: ["better-sqlite3", "pg-native"],
  // CommonJS dependencies use require(), __filename and __dirname, which an ES module bundle must provide.
  banner: {
    js: [
      "import { createRequire as __cr } from 'node:module';",
      "const require = __cr(import.meta.url);",
      "const __filename = new URL(import.meta.url).pathname;",
      "const __dirname = new URL('.', import.meta.url).pathname;",
    ].join(" "),
  },
};
