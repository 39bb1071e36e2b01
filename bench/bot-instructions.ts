// `npm run bench:bot-instructions`: instructions per update of the bot's handling alone, the figure
// this shared machine's load does not move. The bot of bench/bot-children/wiring.ts (bundled with
// the executable's esbuild options) handles updates one after the other against the in-process fake
// Bot API (bench/bot-children/handler.ts), under valgrind's callgrind, twice: BENCH_FEW and
// BENCH_MANY updates. The difference of the two runs' totals over the difference of their updates
// is the cost of one warm update, start-up and warm-up cancelled out; the fake server's share is in
// it too, the same for any version of the bot. Prints each run's total and the per-update figure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import NODE_FLAGS from "../build/node-flags.json" with { type: "json" };
import { childBundleOptions } from "./child-bundle.ts";

const FEW = Number(process.env.BENCH_FEW ?? 2000);
const MANY = Number(process.env.BENCH_MANY ?? 6000);

const dir = mkdtempSync(join(process.cwd(), "node_modules", ".cache", "nc-bench-instr-"));
try {
  await build({
    entryPoints: [fileURLToPath(new URL("./bot-children/handler.ts", import.meta.url))],
    ...childBundleOptions,
    outfile: join(dir, "handler.mjs"),
    logLevel: "warning",
  });
  const total = (updates: number): number => {
    const out = join(mkdtempSync(join(tmpdir(), "nc-cg-")), "cg.out");
    execFileSync(
      "valgrind",
      [
        "--tool=callgrind",
        `--callgrind-out-file=${out}`,
        process.execPath,
        ...NODE_FLAGS,
        join(dir, "handler.mjs"),
      ],
      { env: { ...process.env, BENCH_UPDATES: String(updates) }, stdio: ["ignore", "inherit", "ignore"] },
    );
    const n = Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(out, "utf8"))?.[1] ?? Number.NaN);
    rmSync(out, { force: true });
    return n;
  };
  const few = total(FEW);
  const many = total(MANY);
  console.log(
    `${FEW} updates: ${(few / 1e9).toFixed(3)} G instructions; ${MANY}: ${(many / 1e9).toFixed(3)} G`,
  );
  console.log(`instructions per warm update: ${((many - few) / (MANY - FEW) / 1e3).toFixed(0)} k`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
