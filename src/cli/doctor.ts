// `neurocards doctor`: checks everything the bot needs before the owner finds out from a user.
// Each check prints one ✓/✗ line (and what to do about a ✗); "!" marks something worth knowing
// that does not stop the bot. Exit 1 on any ✗.
import type { Command } from "commander";
import type { CheckResult } from "./checks.ts";
import { CliError, type CliIo } from "./io.ts";

const MARK = { ok: "✓", fail: "✗", note: "!" } as const;

export function formatCheck(c: CheckResult): string[] {
  const lines = [`${MARK[c.status]} ${c.name}: ${c.detail}`];
  if (c.fix) lines.push(`    → ${c.fix}`);
  return lines;
}

export function registerDoctor(program: Command, io: CliIo): void {
  program
    .command("doctor")
    .description("check config, database, storage, HTTP port, Telegram, kie.ai and OpenAI")
    .action(async (_opts, cmd: Command) => {
      const envFile = cmd.optsWithGlobals<{ envFile?: string; resolvedEnvFile?: string }>().resolvedEnvFile;
      const { runDoctor } = await import("./checks.ts");
      const results = await runDoctor(io, envFile);
      for (const r of results) for (const line of formatCheck(r)) io.out(line);
      if (results.some((r) => r.status === "fail")) throw new CliError("", 1);
      io.out("All checks passed.");
    });
}
