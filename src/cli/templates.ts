// `neurocards templates list|export|import|enable|disable`: the video templates from the shell,
// through the same operations as the console (src/templates/operations.ts). An export is a
// catalogue file in the built-in catalogue.json's shape; editing it and importing it back is how an
// owner changes prices, names or instructions without rebuilding. The running bot sees a change at
// its next update.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { Store } from "../db/store.ts";
import type { Logger } from "../logger.ts";
import { seedTemplates } from "../templates/live.ts";
import { createTemplateOperations } from "../templates/operations.ts";
import { CliError, type CliIo, storeAction } from "./io.ts";

const cli = { via: "cli" } as const;

export function registerTemplateCommands(program: Command, io: CliIo): void {
  /** The operations on this database, its templates seeded if it never ran. */
  async function ops(store: Store, logger: Logger) {
    const { templatesRepo } = await import("../db/ops/templates.ts");
    const repo = templatesRepo(store.driver);
    await seedTemplates(repo, logger);
    return createTemplateOperations({ repo, logger });
  }
  const templates = program
    .command("templates")
    .description("the video templates sellers pick: list, export and import as a file, switch on and off");

  templates
    .command("list")
    .description("in the sellers' order: id, on/off, model, lengths with their prices, formats, name")
    .action(
      storeAction(io, async (store, logger) => {
        const { templates: list, broken } = await (await ops(store, logger)).list();
        for (const t of list) {
          const lengths = t.durations.map((d) => `${d.seconds}s=${d.cost}cr`).join(",");
          io.out(
            [
              t.id,
              t.enabled ? "on" : "off",
              t.model,
              lengths,
              t.formats.join(",") || "photo's shape",
              t.name.en,
            ].join("\t"),
          );
        }
        for (const b of broken) io.out(`${b.id}\tbroken\t${b.problems.join("; ")}`);
      }),
    );

  templates
    .command("export")
    .description("write every template (on and off, in order) to a JSON file to edit and import")
    .argument("<file>", "where to write it")
    .action(
      storeAction(io, async (store, logger, file: string) => {
        const path = resolve(io.cwd, file);
        const text = await (await ops(store, logger)).exportFile();
        // Through a temporary file: an interrupted export never leaves half a catalogue behind.
        writeFileSync(`${path}.tmp`, text);
        renameSync(`${path}.tmp`, path);
        io.out(
          `wrote ${(JSON.parse(text) as { templates: unknown[] }).templates.length} templates to ${path}`,
        );
      }),
    );

  templates
    .command("import")
    .description(
      "make a JSON file (as export writes it) the offer: its templates created or replaced in its order, the rest switched off; all or nothing",
    )
    .argument("<file>", "the catalogue file")
    .action(
      storeAction(io, async (store, logger, file: string) => {
        const path = resolve(io.cwd, file);
        let text: string;
        try {
          text = readFileSync(path, "utf8");
        } catch (err) {
          throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        const r = await (await ops(store, logger)).importFile(text, cli);
        if (!r.ok) {
          for (const p of r.problems) io.err(`${file}: ${p}`);
          throw new CliError(`nothing imported: ${r.problems.length} problem(s) in ${file}`);
        }
        const { created, updated, disabled } = r.counts;
        io.out(`imported: ${created} created, ${updated} replaced, ${disabled} switched off`);
      }),
    );

  for (const [name, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    templates
      .command(name)
      .description(
        enabled
          ? "offer a template to sellers again"
          : "stop offering a template (past jobs keep its name; confirmed ones still run)",
      )
      .argument("<id>", "template id")
      .action(
        storeAction(io, async (store, logger, id: string) => {
          const r = await (await ops(store, logger)).setEnabled(id, enabled, cli);
          if (!r.ok) throw new CliError(r.problems.join("; "));
          io.out(`${id} ${enabled ? "enabled" : "disabled"}`);
        }),
      );
  }
}
