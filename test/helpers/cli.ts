// Runs the `neurocards` command line in-process, in a test's own folder, with its output captured.
import { join } from "node:path";
import { runCli } from "../../src/cli/index.ts";
import type { CliIo } from "../../src/cli/io.ts";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** An io for `runCli` whose executable lives in `dir/bin`, with what it prints kept in `out`/`err`. */
export function recordingIo(dir: string, env: Record<string, string>, over: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { ...env },
    cwd: dir,
    execPath: join(dir, "bin", "neurocards"),
    isTTY: false,
    waitForSignal: () => new Promise(() => {}),
    ...over,
  };
  return { io, out, err };
}

export async function runCliIn(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
  over: Partial<CliIo> = {},
): Promise<CliRun> {
  const t = recordingIo(dir, env, over);
  const code = await runCli(args, t.io);
  return { code, out: t.out.join("\n"), err: t.err.join("\n") };
}
