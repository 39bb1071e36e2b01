// The templates table: seeded once from the built-in catalogue, then edited by the owner. Every
// write raises the changed rows' `revision`, and rows are never deleted, so "count:sum(revision)"
// changes with every committed change whoever made it (any process, any order of concurrent
// writes): a process keeps its parsed copy until that version moves (src/templates/live.ts).
// What a template may contain is checked by src/templates before anything is written here.
import { all, type Driver, first, num, type Op, one, run, sql } from "../driver/index.ts";
import type { TemplateRow } from "../types.ts";

export type NewTemplateRow = Omit<TemplateRow, "revision" | "updatedAt">;

export interface ImportCounts {
  created: number;
  updated: number;
  /** Templates of the table missing from the imported set: disabled, not deleted. */
  disabled: number;
}

/** Changes with every committed write to the table. */
export function* templateVersion(): Op<string> {
  const r = yield* one(sql`select count(*) as n, coalesce(sum(revision), 0) as r from templates`);
  return `${num(r?.n)}:${num(r?.r)}`;
}

/** Every template, in the sellers' order. */
export function* listTemplateRows(): Op<TemplateRow[]> {
  return yield* all(sql`select * from templates order by position, id`, "templates");
}

function* upsert(t: NewTemplateRow, now: Date): Op<TemplateRow> {
  const row = yield* first(
    sql`insert into templates (id, kind, name_ru, name_en, description_ru, description_en, model, durations,
        formats, ask_wishes, instructions, fallback_prompt, position, enabled, revision, updated_by, updated_at)
      values (${t.id}, ${t.kind}, ${t.nameRu}, ${t.nameEn}, ${t.descriptionRu}, ${t.descriptionEn}, ${t.model},
        ${t.durations}, ${t.formats}, ${t.askWishes}, ${t.instructions}, ${t.fallbackPrompt}, ${t.position},
        ${t.enabled}, ${1}, ${t.updatedBy}, ${now})
      on conflict (id) do update set kind = excluded.kind, name_ru = excluded.name_ru,
        name_en = excluded.name_en, description_ru = excluded.description_ru,
        description_en = excluded.description_en, model = excluded.model, durations = excluded.durations,
        formats = excluded.formats, ask_wishes = excluded.ask_wishes, instructions = excluded.instructions,
        fallback_prompt = excluded.fallback_prompt, position = excluded.position, enabled = excluded.enabled,
        revision = templates.revision + 1, updated_by = excluded.updated_by, updated_at = excluded.updated_at
      returning *`,
    "templates",
  );
  if (!row) throw new Error(`template ${t.id} not stored`);
  return row;
}

/**
 * The built-in catalogue, written when the table is empty (the first start). Two processes
 * starting at once both find it empty; the unique id lets the second one's rows go, so each
 * template is written once. Returns how many were written by this call.
 */
export function* seedTemplates(rows: readonly NewTemplateRow[], now: Date): Op<number> {
  const r = yield* one(sql`select count(*) as n from templates`);
  if (num(r?.n) > 0) return 0;
  let written = 0;
  for (const t of rows) {
    written +=
      yield* run(sql`insert into templates (id, kind, name_ru, name_en, description_ru, description_en,
        model, durations, formats, ask_wishes, instructions, fallback_prompt, position, enabled, revision,
        updated_by, updated_at)
      values (${t.id}, ${t.kind}, ${t.nameRu}, ${t.nameEn}, ${t.descriptionRu}, ${t.descriptionEn}, ${t.model},
        ${t.durations}, ${t.formats}, ${t.askWishes}, ${t.instructions}, ${t.fallbackPrompt}, ${t.position},
        ${t.enabled}, ${1}, ${t.updatedBy}, ${now})
      on conflict (id) do nothing`);
  }
  return written;
}

/** Creates or replaces one template. */
export function* saveTemplate(t: NewTemplateRow, now: Date): Op<TemplateRow> {
  return yield* upsert(t, now);
}

export function* setTemplateEnabled(
  id: string,
  enabled: boolean,
  by: string,
  now: Date,
): Op<TemplateRow | null> {
  return yield* first(
    sql`update templates set enabled = ${enabled}, revision = revision + 1, updated_by = ${by}, updated_at = ${now}
      where id = ${id} returning *`,
    "templates",
  );
}

/** Puts the templates in this order (ids the caller checked against the table). */
export function* reorderTemplates(ids: readonly string[], by: string, now: Date): Op<void> {
  for (const [position, id] of ids.entries())
    yield* run(sql`update templates set position = ${position}, revision = revision + 1, updated_by = ${by},
      updated_at = ${now} where id = ${id} and position <> ${position}`);
}

/**
 * The imported set becomes the offer, in one transaction: its templates are created or replaced,
 * and the table's others are disabled (past jobs still need their names).
 */
export function* importTemplates(rows: readonly NewTemplateRow[], by: string, now: Date): Op<ImportCounts> {
  const before = new Set((yield* listTemplateRows()).map((t) => t.id));
  const counts: ImportCounts = { created: 0, updated: 0, disabled: 0 };
  for (const t of rows) {
    yield* upsert(t, now);
    if (before.has(t.id)) counts.updated++;
    else counts.created++;
  }
  const kept = new Set(rows.map((t) => t.id));
  for (const id of before) {
    if (kept.has(id)) continue;
    counts.disabled += yield* run(sql`update templates set enabled = ${false}, revision = revision + 1,
      updated_by = ${by}, updated_at = ${now} where id = ${id} and enabled = ${true}`);
  }
  return counts;
}

export function templatesRepo(driver: Driver) {
  return {
    version: () => driver.run(templateVersion),
    list: () => driver.run(listTemplateRows),
    seed: (rows: readonly NewTemplateRow[], now = new Date()) =>
      driver.transaction(() => seedTemplates(rows, now), { retryOnUnique: 1 }),
    save: (t: NewTemplateRow, now = new Date()) => driver.transaction(() => saveTemplate(t, now)),
    setEnabled: (id: string, enabled: boolean, by: string, now = new Date()) =>
      driver.run(() => setTemplateEnabled(id, enabled, by, now)),
    reorder: (ids: readonly string[], by: string, now = new Date()) =>
      driver.transaction(() => reorderTemplates(ids, by, now)),
    import: (rows: readonly NewTemplateRow[], by: string, now = new Date()) =>
      driver.transaction(() => importTemplates(rows, by, now)),
  };
}

export type TemplatesRepo = ReturnType<typeof templatesRepo>;
