// Turns one CommonJS file into a Node single executable: a blob with the script, its V8 code
// cache and the assets, injected into a copy of a Node 24 binary. Used by ./build.mjs for
// build/neurocards and by bench/idle-rss.ts for its bare baseline executable, so both are made
// the same way.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs a build tool quietly: its chatter (postject's ELF parser warns about each of Node's 256
 * note sections) is shown only when it fails.
 */
export function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ""}${r.stderr ?? ""}`);
    throw new Error(`${cmd} failed (${r.error?.message ?? `exit code ${r.status}`})`);
  }
}

export interface SeaOptions {
  /** The target's Node 24 binary. */
  nodeBin: string;
  /** The command that runs that Node here: none natively, qemu for another CPU. */
  runner?: string[];
  /** The CommonJS script the executable runs. */
  main: string;
  /** A scratch folder for the blob and its config. */
  work: string;
  /** The executable to write. */
  out: string;
  /** Node/V8 flags the executable always runs with (its code cache is made under them). */
  execArgv: string[];
  /** Files the program reads with `sea.getAsset(name)`: name → path. */
  assets?: Record<string, string>;
  /** The strip command for the target; undefined keeps Node's symbol tables. */
  strip?: string;
}

export function makeSea(o: SeaOptions): void {
  const blob = join(o.work, "sea-prep.blob");
  const seaConfig = {
    main: o.main,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    useSnapshot: false,
    execArgv: o.execArgv,
    assets: o.assets ?? {},
  };
  writeFileSync(join(o.work, "sea-config.json"), JSON.stringify(seaConfig, null, 2));
  // The code cache is made under the same V8 flags the executable runs with: V8 rejects a cache
  // made under a different flag set ("Code cache data rejected") and would compile from source.
  const args = [...o.execArgv, "--experimental-sea-config", join(o.work, "sea-config.json")];
  const runner = o.runner ?? [];
  if (runner[0]) run(runner[0], [...runner.slice(1), o.nodeBin, ...args]);
  else run(o.nodeBin, args);

  mkdirSync(dirname(o.out), { recursive: true });
  rmSync(o.out, { force: true });
  copyFileSync(o.nodeBin, o.out);
  chmodSync(o.out, 0o755);
  // The npm package ships Node unstripped; --strip-all drops the debug and static symbol tables
  // (~18 MB) and keeps .dynsym, which addons such as better-sqlite3 link against.
  if (o.strip) run(o.strip, ["--strip-all", o.out]);
  run(process.execPath, [
    join(root, "node_modules", "postject", "dist", "cli.js"),
    o.out,
    "NODE_SEA_BLOB",
    blob,
    "--sentinel-fuse",
    "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
  ]);
}
