// The template catalogue: what a seller can pick in the create flow and what the generation
// pipeline needs to make the video. Each template names a kie.ai model (src/models) and offers some
// of the lengths and formats that model renders, each length at its own price in credits.
//
// The templates are data the owner edits (./operations.ts; the console, `neurocards templates`):
// they live in the database, seeded on first start from the built-in catalogue.json bundled into
// the executable, and the running program reads them through ./live.ts. The same schema checks
// the built-in file, an imported file and every row read back.
import { z } from "zod";
import type { Language } from "../db/types.ts";
import { FORMATS, type Format, models } from "../models/index.ts";
import raw from "./catalogue.json" with { type: "json" };

const localized = z.object({ ru: z.string().min(1), en: z.string().min(1) });

const lengthOption = z.object({
  seconds: z.number().int().min(1),
  /** Credits one video of this length costs. */
  cost: z.number().int().min(1),
});

export const templateSchema = z.object({
  id: z.string().regex(/^[a-z0-9_-]{1,20}$/),
  /** ugc: presenter; ad: product-only; own: the user's own prompt. */
  kind: z.enum(["ugc", "ad", "own"]),
  name: localized,
  description: localized,
  /** kie.ai model id, one of src/models (e.g. sora-2-image-to-video, veo3_fast, kling-2.6/image-to-video). */
  model: z.string().min(1),
  /** Lengths the seller can pick, in the order the buttons show them; the first is the default. */
  durations: z.array(lengthOption).min(1),
  /**
   * Formats the seller can pick ("9:16", "16:9", "1:1"), the first being the default; empty for a
   * model that takes the photo's shape.
   */
  formats: z.array(z.enum(FORMATS)).default([]),
  askWishes: z.boolean(),
  /** Instructions for the prompt writer (OpenAI); it is told the length and format separately. */
  instructions: z.string(),
  /** Used when the prompt writer fails; must respect the template (no people in a product-only ad). */
  fallbackPrompt: z.string(),
});

export type Template = z.infer<typeof templateSchema>;

/** Why a template cannot be offered with its model, as data: each surface words it in its language. */
export type TemplateIssue =
  | { kind: "unknown_model"; model: string }
  | { kind: "length_twice" }
  | { kind: "length_not_rendered"; model: string; seconds: number; renders: readonly number[] }
  | { kind: "format_twice" }
  | { kind: "no_formats"; model: string }
  | { kind: "formats_needed"; model: string; renders: readonly Format[] }
  | { kind: "format_not_rendered"; model: string; format: Format };

/** What keeps a template from being offered with its model (src/models), or nothing. */
export function templateIssues(t: Template): TemplateIssue[] {
  const m = models.get(t.model);
  if (!m) return [{ kind: "unknown_model", model: t.model }];
  const issues: TemplateIssue[] = [];
  const seconds = t.durations.map((d) => d.seconds);
  if (new Set(seconds).size !== seconds.length) issues.push({ kind: "length_twice" });
  for (const s of seconds)
    if (!m.durations.includes(s))
      issues.push({ kind: "length_not_rendered", model: m.label, seconds: s, renders: m.durations });
  if (new Set(t.formats).size !== t.formats.length) issues.push({ kind: "format_twice" });
  if (m.formats.length === 0 && t.formats.length > 0) issues.push({ kind: "no_formats", model: m.label });
  if (m.formats.length > 0 && t.formats.length === 0)
    issues.push({ kind: "formats_needed", model: m.label, renders: m.formats });
  for (const f of t.formats)
    if (m.formats.length > 0 && !m.formats.includes(f))
      issues.push({ kind: "format_not_rendered", model: m.label, format: f });
  return issues;
}

function issueText(i: TemplateIssue): string {
  switch (i.kind) {
    case "unknown_model":
      return `unknown model ${i.model}`;
    case "length_twice":
      return "a length is listed twice";
    case "length_not_rendered":
      return `${i.model} renders ${i.renders.join(", ")} s, not ${i.seconds} s`;
    case "format_twice":
      return "a format is listed twice";
    case "no_formats":
      return `${i.model} takes the photo's shape; list no formats`;
    case "formats_needed":
      return `list the formats to offer (${i.model}: ${i.renders.join(", ")})`;
    case "format_not_rendered":
      return `${i.model} does not render ${i.format}`;
  }
}

/** Why a template cannot be offered with its model (src/models), or nothing. */
export function templateProblems(t: Template): string[] {
  return templateIssues(t).map((i) => `template ${t.id}: ${issueText(i)}`);
}

/** "templates[1].durations[0].cost: Too small: expected number to be >=1", one line per problem. */
export function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length ? `${z.core.toDotPath(i.path)}: ${i.message}` : i.message));
}

/** A template as the owner keeps it: offered or not; its place is its position in the list. */
export const storedTemplateSchema = templateSchema.extend({
  /** Offered to sellers (default true). One switched off still names past jobs and finishes confirmed ones. */
  enabled: z.boolean().default(true),
});

export type StoredTemplate = z.infer<typeof storedTemplateSchema>;

/** The catalogue file (the built-in one, an export, an import): templates in the sellers' order. */
export const catalogueSchema = z
  .object({ templates: z.array(storedTemplateSchema).min(1) })
  .superRefine((c, ctx) => {
    if (new Set(c.templates.map((t) => t.id)).size !== c.templates.length)
      ctx.addIssue({ code: "custom", message: "template ids must be unique" });
    if (c.templates.length > 0 && !c.templates.some((t) => t.enabled))
      ctx.addIssue({
        code: "custom",
        message: "at least one template must be enabled: sellers need one to pick",
      });
    for (const message of c.templates.flatMap(templateProblems)) ctx.addIssue({ code: "custom", message });
  });

export type CatalogueFile = z.infer<typeof catalogueSchema>;

/** The catalogue bundled into the executable: what a new database is seeded with. */
export const BUILT_IN_CATALOGUE: unknown = raw;

/** What the seller orders of a template: a length and, when the model has formats, a format. */
export interface Choice {
  seconds: number;
  format: Format | null;
}

/** The template's first length and format: what its buttons preselect and a repeat falls back to. */
export function defaultChoice(t: Template): Choice {
  return { seconds: t.durations[0]?.seconds ?? 0, format: t.formats[0] ?? null };
}

/**
 * Credits one video of `seconds` costs with this template; undefined for a length it does not
 * offer (e.g. one removed since an order was started).
 */
export function priceOf(t: Template, seconds: number): number | undefined {
  return t.durations.find((d) => d.seconds === seconds)?.cost;
}

/** A format the template offers, or undefined. */
export function offeredFormat(t: Template, format: string | null | undefined): Format | undefined {
  return t.formats.find((f) => f === format);
}

export interface Catalogue {
  /** The templates sellers can pick now, in their order. */
  readonly all: Template[];
  /** Any template by id, offered or not: a confirmed job runs with it, a past job is named by it. */
  get(id: string): Template | undefined;
  /** A template sellers can pick now; undefined for one switched off (or never there). */
  offered(id: string): Template | undefined;
  name(t: Template, lang: Language): string;
  /** The lowest price of any video offered, for "from N credits". */
  cheapest(): number;
  /** Catches up with the owner's changes (./live.ts); a fixed catalogue has none. Never throws. */
  refresh(): Promise<void>;
}

/** A fixed catalogue of these templates (in the sellers' order). */
export function catalogueOf(templates: readonly StoredTemplate[]): Catalogue {
  const byId = new Map(templates.map((t) => [t.id, t]));
  const offered = templates.filter((t) => t.enabled);
  const prices = (offered.length ? offered : templates).flatMap((t) => t.durations.map((d) => d.cost));
  const cheapest = prices.length ? Math.min(...prices) : 1;
  return {
    all: offered,
    get: (id) => byId.get(id),
    offered: (id) => {
      const t = byId.get(id);
      return t?.enabled ? t : undefined;
    },
    name: (t, lang) => t.name[lang],
    cheapest: () => cheapest,
    refresh: async () => {},
  };
}

/** A fixed catalogue from a catalogue file (default: the built-in one); throws on a bad file. */
export function createCatalogue(input: unknown = raw): Catalogue {
  return catalogueOf(catalogueSchema.parse(input).templates);
}
