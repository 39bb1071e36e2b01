// The console's scripts and styles (uPlot and its own), served with a content hash in the URL so
// browsers keep them until they change. Their text comes from ./asset-sources.ts: read from disk
// under tsx and vitest, embedded in the single executable's bundle (no CDN, no folder).
import { createHash } from "node:crypto";
import { ASSET_SOURCES, type AssetName, readAsset } from "./asset-sources.ts";

export type { AssetName } from "./asset-sources.ts";

export interface Asset {
  body: Buffer;
  type: string;
  /** First 12 hex digits of the SHA-256 of the body: the cache-busting version in its URL. */
  version: string;
}

const loaded = new Map<AssetName, Asset>();

export function isAssetName(name: string): name is AssetName {
  return Object.hasOwn(ASSET_SOURCES, name);
}

export function asset(name: AssetName): Asset {
  let a = loaded.get(name);
  if (!a) {
    const body = Buffer.from(readAsset(name), "utf8");
    a = {
      body,
      type: ASSET_SOURCES[name].type,
      version: createHash("sha256").update(body).digest("hex").slice(0, 12),
    };
    loaded.set(name, a);
  }
  return a;
}

export function assetUrl(name: AssetName): string {
  return `/console/assets/${name}?v=${asset(name).version}`;
}
