// What the owner does with the templates — list, edit, switch on and off, reorder, export and
// import the whole set — once, for every surface: the browser console and `neurocards templates …`
// call these. Everything written is checked first against the same schema as the built-in
// catalogue (and against the model's lengths and formats); a refusal lists each problem with the
// field it is about (`templates[1].durations[0].cost: …`), and nothing is half-applied: an import
// is one transaction. A change reaches the bot at the next update (./live.ts); jobs already
// confirmed keep the template, model, length and price they were bought with.
import type { ImportCounts, TemplatesRepo } from "../db/ops/templates.ts";
import type { Actor, TemplateRow } from "../db/types.ts";
import { actorLabel } from "../db/util.ts";
import type { Logger } from "../logger.ts";
import {
  catalogueSchema,
  problemsOf,
  type StoredTemplate,
  storedTemplateSchema,
  templateProblems,
} from "./index.ts";
import { fromRow, toRow } from "./rows.ts";

/** A template as the owner sees it in a list: where it stands and who changed it last. */
export type TemplateEntry = StoredTemplate & { position: number; updatedAt: Date; updatedBy: string };

export type SaveOutcome = { ok: true; template: TemplateEntry } | { ok: false; problems: string[] };

/** What an edit may change: anything but the id. */
export type TemplatePatch = Partial<Omit<StoredTemplate, "id">>;

function entryOf(r: TemplateRow, t: StoredTemplate): TemplateEntry {
  return { ...t, position: r.position, updatedAt: r.updatedAt, updatedBy: r.updatedBy };
}

export interface TemplateOperationsDeps {
  repo: TemplatesRepo;
  logger: Logger;
  /** The catalogue of this process, told to re-read at once after a change made here. */
  catalogue?: { invalidate(): void };
  now?: () => Date;
}

export function createTemplateOperations(deps: TemplateOperationsDeps) {
  const { repo, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const changed = () => deps.catalogue?.invalidate();

  async function read() {
    const rows = await repo.list();
    const templates: TemplateEntry[] = [];
    const broken: Array<{ id: string; problems: string[] }> = [];
    for (const r of rows) {
      const t = fromRow(r);
      if (t.ok) templates.push(entryOf(r, t.template));
      else broken.push({ id: r.id, problems: t.problems });
    }
    return { rows, templates, broken };
  }

  /** Checks a whole template and writes it at `position`. */
  async function write(input: unknown, position: number, actor: Actor): Promise<SaveOutcome> {
    const parsed = storedTemplateSchema.safeParse(input);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    const problems = templateProblems(parsed.data);
    if (problems.length) return { ok: false, problems };
    const { rows } = await read();
    if (!parsed.data.enabled && !rows.some((r) => r.enabled && r.id !== parsed.data.id))
      return { ok: false, problems: [LAST_ENABLED] };
    const row = await repo.save(toRow(parsed.data, position, actorLabel(actor)), now());
    changed();
    logger.info({ by: actorLabel(actor), template: row.id }, "template saved");
    return { ok: true, template: entryOf(row, parsed.data) };
  }

  return {
    /** Every template in the sellers' order, and any stored one that no longer passes the checks. */
    async list(): Promise<{ templates: TemplateEntry[]; broken: Array<{ id: string; problems: string[] }> }> {
      const { templates, broken } = await read();
      return { templates, broken };
    },

    async get(id: string): Promise<TemplateEntry | null> {
      return (await read()).templates.find((t) => t.id === id) ?? null;
    },

    /** Creates a template (placed last) or replaces one (in its place). */
    async save(template: unknown, actor: Actor): Promise<SaveOutcome> {
      const { rows } = await read();
      const id = (template as { id?: unknown } | null)?.id;
      const existing = rows.find((r) => r.id === id);
      const last = rows.reduce((max, r) => Math.max(max, r.position), -1);
      return write(template, existing ? existing.position : last + 1, actor);
    },

    /** Changes some fields of a template (a price, a name, the instructions…). */
    async update(id: string, patch: TemplatePatch, actor: Actor): Promise<SaveOutcome> {
      const current = (await read()).templates.find((t) => t.id === id);
      if (!current) return { ok: false, problems: [`no template ${id}`] };
      const { position, updatedAt: _at, updatedBy: _by, ...template } = current;
      return write({ ...template, ...patch, id }, position, actor);
    },

    async setEnabled(id: string, enabled: boolean, actor: Actor): Promise<SaveOutcome> {
      const { rows, templates } = await read();
      const current = templates.find((t) => t.id === id);
      if (!current) return { ok: false, problems: [`no template ${id}`] };
      if (!enabled && !rows.some((r) => r.enabled && r.id !== id))
        return { ok: false, problems: [LAST_ENABLED] };
      const row = await repo.setEnabled(id, enabled, actorLabel(actor), now());
      if (!row) return { ok: false, problems: [`no template ${id}`] };
      changed();
      logger.info({ by: actorLabel(actor), template: id, enabled }, "template switched");
      return {
        ok: true,
        template: { ...current, enabled, updatedAt: row.updatedAt, updatedBy: row.updatedBy },
      };
    },

    /** Puts every template in this order (each id once). */
    async reorder(
      ids: readonly string[],
      actor: Actor,
    ): Promise<{ ok: true } | { ok: false; problems: string[] }> {
      const known = (await repo.list()).map((r) => r.id);
      const missing = known.filter((id) => !ids.includes(id));
      const unknown = ids.filter((id) => !known.includes(id));
      const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
      const problems = [
        ...missing.map((id) => `template ${id} is missing from the order`),
        ...unknown.map((id) => `no template ${id}`),
        ...[...new Set(twice)].map((id) => `template ${id} is listed twice`),
      ];
      if (problems.length) return { ok: false, problems };
      await repo.reorder(ids, actorLabel(actor), now());
      changed();
      logger.info({ by: actorLabel(actor), order: ids }, "templates reordered");
      return { ok: true };
    },

    /** The whole set as a catalogue file (the built-in catalogue.json's shape), in the sellers' order. */
    async exportFile(): Promise<string> {
      const { templates } = await read();
      const file = {
        templates: templates.map(({ position: _p, updatedAt: _a, updatedBy: _b, ...t }): StoredTemplate => t),
      };
      return `${JSON.stringify(file, null, 2)}\n`;
    },

    /**
     * A catalogue file becomes the offer, in one transaction: its templates are created or
     * replaced in its order, the others switched off (they still name past jobs).
     */
    async importFile(
      text: string,
      actor: Actor,
    ): Promise<{ ok: true; counts: ImportCounts } | { ok: false; problems: string[] }> {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        return { ok: false, problems: [`not JSON: ${(err as Error).message}`] };
      }
      const parsed = catalogueSchema.safeParse(json);
      if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
      const by = actorLabel(actor);
      const counts = await repo.import(
        parsed.data.templates.map((t, i) => toRow(t, i, by)),
        by,
        now(),
      );
      changed();
      logger.info({ by, ...counts }, "templates imported");
      return { ok: true, counts };
    },
  };
}

export const LAST_ENABLED =
  "enabled: the last template offered cannot be switched off: sellers need one to pick";

export type TemplateOperations = ReturnType<typeof createTemplateOperations>;
