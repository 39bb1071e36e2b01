// A template to and from its database row (src/db/ops/templates.ts). A row read back is checked
// like an imported file: one written by hand, or one whose model a newer release no longer knows,
// is reported and left out rather than offered.
import type { NewTemplateRow } from "../db/ops/templates.ts";
import type { TemplateRow } from "../db/types.ts";
import { problemsOf, type StoredTemplate, storedTemplateSchema, templateProblems } from "./index.ts";

export function toRow(t: StoredTemplate, position: number, updatedBy: string): NewTemplateRow {
  return {
    id: t.id,
    kind: t.kind,
    nameRu: t.name.ru,
    nameEn: t.name.en,
    descriptionRu: t.description.ru,
    descriptionEn: t.description.en,
    model: t.model,
    durations: JSON.stringify(t.durations),
    formats: JSON.stringify(t.formats),
    askWishes: t.askWishes,
    instructions: t.instructions,
    fallbackPrompt: t.fallbackPrompt,
    position,
    enabled: t.enabled,
    updatedBy,
  };
}

const json = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export type FromRow = { ok: true; template: StoredTemplate } | { ok: false; problems: string[] };

export function fromRow(r: TemplateRow): FromRow {
  const parsed = storedTemplateSchema.safeParse({
    id: r.id,
    kind: r.kind,
    name: { ru: r.nameRu, en: r.nameEn },
    description: { ru: r.descriptionRu, en: r.descriptionEn },
    model: r.model,
    durations: json(r.durations),
    formats: json(r.formats),
    askWishes: r.askWishes,
    instructions: r.instructions,
    fallbackPrompt: r.fallbackPrompt,
    enabled: r.enabled,
  });
  if (!parsed.success)
    return { ok: false, problems: problemsOf(parsed.error).map((p) => `template ${r.id}: ${p}`) };
  const problems = templateProblems(parsed.data);
  return problems.length ? { ok: false, problems } : { ok: true, template: parsed.data };
}
