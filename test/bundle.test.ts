// The executable's bundle options (build/bundle.ts) swap out code that can never run here. These
// tests bundle small programs with those options, run them, and check that what the program uses
// of the swapped modules still behaves: node-fetch parses URLs, zod validates and explains in
// English, the HTTP server's files get their right content types, and the console serves its
// scripts and styles from the bundle itself.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { bundleOptions, firstWideCharacter, S3_SDK_ASSET } from "../build/bundle.ts";
import { ASSET_SOURCES, type AssetName } from "../src/console/asset-sources.ts";
import { asset } from "../src/console/assets.ts";

const dir = mkdtempSync(join(tmpdir(), "nc-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles `source` like the executable (CommonJS, Node 24) and returns what it prints. */
async function runBundled(name: string, source: string): Promise<{ out: string; bytes: number }> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const outfile = join(dir, `${name}.cjs`);
  const result = await build({
    ...bundleOptions,
    entryPoints: [entry],
    outfile,
    format: "cjs",
    target: "node24",
    nodePaths: [join(process.cwd(), "node_modules")],
    logLevel: "silent",
    metafile: true,
  });
  const bytes = Object.values(result.metafile.outputs)[0]?.bytes ?? 0;
  return {
    out: execFileSync(process.execPath, [outfile], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim(),
    bytes,
  };
}

describe("the executable's bundle", () => {
  it("keeps node-fetch working on Node's own URL (whatwg-url is not bundled)", async () => {
    const { out } = await runBundled(
      "fetch",
      `import fetch from "node-fetch";
       import { createServer } from "node:http";
       const server = createServer((req, res) => res.end("hello " + req.url)).listen(0, "127.0.0.1", async () => {
         const { port } = server.address();
         const res = await fetch("http://127.0.0.1:" + port + "/bot123:abc/getMe?x=1");
         console.log(await res.text());
         server.close();
       });`,
    );
    expect(out).toBe("hello /bot123:abc/getMe?x=1");
  });

  it("keeps zod validating, with English messages, and carries no other locale", async () => {
    const { out, bytes } = await runBundled(
      "zod",
      `import { z } from "zod";
       const r = z.object({ port: z.coerce.number().int().min(1) }).safeParse({ port: "0" });
       console.log(JSON.stringify({ ok: r.success, message: r.error?.issues[0]?.message, locales: Object.keys(z.locales) }));`,
    );
    expect(JSON.parse(out)).toEqual({
      ok: false,
      message: "Too small: expected number to be >=1",
      locales: ["en"],
    });
    // zod with all its 65 locales bundles to ~690 KB.
    expect(bytes).toBeLessThan(450_000);
  });

  it("gives the files the HTTP server sends their content types, anything else octet-stream", async () => {
    const { out } = await runBundled(
      "mime",
      `import mime from "mime-types";
       console.log(JSON.stringify(["mp4", "jpg", "png", "webp", "mov", "json", "gz", "txt", "docx"].map((e) => mime.contentType(e) || "none")));`,
    );
    expect(JSON.parse(out)).toEqual([
      "video/mp4",
      "image/jpeg",
      "image/png",
      "image/webp",
      "video/quicktime",
      "application/json; charset=utf-8",
      "application/gzip",
      "text/plain; charset=utf-8",
      "none",
    ]);
  });

  it("carries the console's scripts and styles (uPlot's too), the same as the files, and reads no folder for them", async () => {
    const entry = join(process.cwd(), "src", "console", "assets.ts");
    const { out } = await runBundled(
      "console-assets",
      `import { asset } from ${JSON.stringify(entry)};
       const names = ${JSON.stringify(Object.keys(ASSET_SOURCES))};
       console.log(JSON.stringify(names.map((n) => [n, asset(n).version, asset(n).body.length, asset(n).type])));`,
    );
    const expected = (Object.keys(ASSET_SOURCES) as AssetName[]).map((n) => [
      n,
      asset(n).version,
      asset(n).body.length,
      asset(n).type,
    ]);
    expect(JSON.parse(out)).toEqual(expected);
    expect(asset("uplot.js").body.toString("utf8")).toContain("uPlot");
  });

  it("writes the main script in Latin-1 only, so V8 holds its source at one byte a character", async () => {
    const outfile = join(dir, "main.cjs");
    await build({
      ...bundleOptions,
      entryPoints: [join(process.cwd(), "src", "main.ts")],
      outfile,
      format: "cjs",
      target: "node24",
      logLevel: "silent",
    });
    const text = readFileSync(outfile, "utf8");
    expect(text.length).toBeGreaterThan(1_000_000);
    expect(firstWideCharacter(text)).toBeUndefined();
    // The check itself: one arrow in a console page's template would make the whole script wide.
    expect(firstWideCharacter(`${text.slice(0, 100)}html\`<a>→</a>\``)).toContain("→");
  });

  it("keeps the AWS SDK out of the main script: the bucket code reads it from its own asset, which bundles whole", async () => {
    const outfile = join(dir, "bucket.cjs");
    const main = await build({
      ...bundleOptions,
      entryPoints: [join(process.cwd(), "src", "s3", "bucket.ts")],
      outfile,
      format: "cjs",
      target: "node24",
      logLevel: "silent",
      metafile: true,
    });
    const text = readFileSync(outfile, "utf8");
    expect(text).toMatch(new RegExp(`getAsset[\\s\\S]{0,200}\\("${S3_SDK_ASSET}","utf8"\\)`));
    expect(Object.keys(main.metafile.inputs).some((f) => f.includes("@aws-sdk"))).toBe(false);
    expect(Object.values(main.metafile.outputs)[0]!.bytes).toBeLessThan(20_000);

    const sdk = join(dir, S3_SDK_ASSET);
    await build({
      ...bundleOptions,
      entryPoints: [join(process.cwd(), "src", "s3", "sdk.ts")],
      outfile: sdk,
      format: "cjs",
      target: "node24",
      logLevel: "silent",
    });
    const exported = execFileSync(
      process.execPath,
      ["-p", `Object.keys(require(${JSON.stringify(sdk)})).sort().join()`],
      {
        encoding: "utf8",
      },
    ).trim();
    expect(exported).toBe(
      "DeleteObjectCommand,GetObjectCommand,HeadBucketCommand,HeadObjectCommand,ListObjectsV2Command,S3Client,Upload",
    );
  });

  it("keeps @grammyjs/i18n translating embedded Fluent sources without its Deno shim (no tls, dns or child_process loaded)", async () => {
    const { out } = await runBundled(
      "i18n",
      `import { I18n } from "@grammyjs/i18n";
       const i18n = new I18n({ defaultLocale: "en", fluentBundleOptions: { useIsolating: false } });
       i18n.loadLocaleSync("ru", { source: "credits = { $n ->\\n    [one] { $n } кредит\\n    [few] { $n } кредита\\n   *[many] { $n } кредитов\\n}\\n" });
       const loaded = ["tls", "dns", "child_process"].filter((m) => process.moduleLoadList.includes("NativeModule " + m));
       let fromDisk;
       try { i18n.loadLocaleSync("en", { filePath: "/nonexistent/en.ftl" }); } catch (e) { fromDisk = e.message; }
       console.log(JSON.stringify({ text: [1, 3, 5].map((n) => i18n.t("ru", "credits", { n })), loaded, fromDisk }));`,
    );
    expect(JSON.parse(out)).toEqual({
      text: ["1 кредит", "3 кредита", "5 кредитов"],
      loaded: [],
      fromDisk: "Deno.readTextFileSync is not in the executable: its locales are embedded",
    });
  });

  it("keeps prom-client counting and rendering its process metrics without node:cluster or OpenTelemetry", async () => {
    const { out } = await runBundled(
      "metrics",
      `import { Counter, Registry, collectDefaultMetrics } from "prom-client";
       const registry = new Registry();
       collectDefaultMetrics({ register: registry });
       new Counter({ name: "updates_total", help: "h", registers: [registry] }).inc(3);
       registry.metrics().then((text) => console.log(JSON.stringify({
         updates: /^updates_total 3$/m.test(text),
         cpu: /^process_cpu_seconds_total \\d/m.test(text),
         cluster: process.moduleLoadList.includes("NativeModule cluster"),
       })));`,
    );
    expect(JSON.parse(out)).toEqual({ updates: true, cpu: true, cluster: false });
  });
});
