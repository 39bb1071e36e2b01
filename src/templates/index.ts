// The template catalogue: what a seller can pick in the create flow and what the generation
// pipeline needs to make the video. The JSON is bundled into the executable.
import { z } from "zod";
import type { Language } from "../db/types.ts";
import raw from "./catalogue.json" with { type: "json" };

const localized = z.object({ ru: z.string().min(1), en: z.string().min(1) });

export const templateSchema = z.object({
  id: z.string().regex(/^[a-z0-9_-]{1,20}$/),
  /** ugc: presenter; ad: product-only; own: the user's own prompt. */
  kind: z.enum(["ugc", "ad", "own"]),
  name: localized,
  description: localized,
  /** kie.ai model: market models (e.g. sora-2-image-to-video) or veo3 / veo3_fast. */
  model: z.string().min(1),
  cost: z.number().int().min(1),
  askWishes: z.boolean(),
  /** Instructions for the prompt writer (OpenAI). */
  instructions: z.string(),
  /** Used when the prompt writer fails; must respect the template (no people in an ad B-roll). */
  fallbackPrompt: z.string(),
});

export type Template = z.infer<typeof templateSchema>;

export const catalogueSchema = z
  .object({ templates: z.array(templateSchema).min(1) })
  .refine(
    (c) => new Set(c.templates.map((t) => t.id)).size === c.templates.length,
    "template ids must be unique",
  );

export interface Catalogue {
  all: Template[];
  get(id: string): Template | undefined;
  name(t: Template, lang: Language): string;
}

export function createCatalogue(input: unknown = raw): Catalogue {
  const { templates } = catalogueSchema.parse(input);
  const byId = new Map(templates.map((t) => [t.id, t]));
  return {
    all: templates,
    get: (id) => byId.get(id),
    name: (t, lang) => t.name[lang],
  };
}
