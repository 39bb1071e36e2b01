// The files the console serves under /console/assets/<name>: package files and ./static. Under
// tsx and vitest `readAsset` reads them from disk; in the single executable (which reads no
// folders) build/bundle.ts has replaced this whole module with one holding their text.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export const ASSET_SOURCES = {
  "uplot.js": { module: "uplot/dist/uPlot.iife.min.js", type: "text/javascript; charset=utf-8" },
  "uplot.css": { module: "uplot/dist/uPlot.min.css", type: "text/css; charset=utf-8" },
  "console.js": { module: "./static/console.js", type: "text/javascript; charset=utf-8" },
  "console.css": { module: "./static/console.css", type: "text/css; charset=utf-8" },
} as const;

export type AssetName = keyof typeof ASSET_SOURCES;

/** Where an asset's file is (a package path or one relative to this folder). */
export function assetPath(name: AssetName, from: string = import.meta.url): string {
  return createRequire(from).resolve(ASSET_SOURCES[name].module);
}

export function readAsset(name: AssetName): string {
  return readFileSync(assetPath(name), "utf8");
}
