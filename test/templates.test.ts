// The template catalogue: each template names a kie.ai model, offers lengths and formats that
// model renders, prices each length in credits, and carries the old bot's richer instructions.
import { describe, expect, it } from "vitest";
import { models } from "../src/models/index.ts";
import raw from "../src/templates/catalogue.json" with { type: "json" };
import { createCatalogue, defaultChoice, priceOf } from "../src/templates/index.ts";

const catalogue = createCatalogue();

/** The built-in catalogue with one template changed. */
function withTemplate(id: string, change: Record<string, unknown>) {
  return {
    templates: raw.templates.map((t) => (t.id === id ? { ...t, ...change } : t)),
  };
}

describe("template catalogue", () => {
  it("offers only lengths and formats each template's model renders", () => {
    for (const t of catalogue.all) {
      const m = models.get(t.model);
      expect(m, t.id).toBeDefined();
      for (const d of t.durations) expect(m?.durations, t.id).toContain(d.seconds);
      for (const f of t.formats) expect(m?.formats, t.id).toContain(f);
    }
  });

  it("prices each length: a 5-second product in motion costs 1 credit, a 10-second one 2; the cheapest video is 1", () => {
    const motion = catalogue.get("motion")!;
    expect([priceOf(motion, 5), priceOf(motion, 10), priceOf(motion, 15)]).toEqual([1, 2, undefined]);
    expect(defaultChoice(motion)).toEqual({ seconds: 5, format: null });
    expect(catalogue.cheapest()).toBe(1);
  });

  it("UGC is back to the old bot's 15 seconds on Sora 2, with its hook, benefits and finale", () => {
    const ugc = catalogue.get("ugc")!;
    expect(ugc.model).toBe("sora-2-image-to-video");
    expect(defaultChoice(ugc)).toEqual({ seconds: 15, format: "9:16" });
    expect(ugc.instructions).toMatch(/HOOK[\s\S]*BENEFITS[\s\S]*FINALE/);
    expect(ugc.instructions).toMatch(/No on-screen text/);
    expect(ugc.instructions).toMatch(/new, specific real-life location every time/);
    expect(ugc.instructions).toMatch(/show it on the creator's body/);
  });

  it("the voice-over ad has a narrator of two or three phrases and nobody on screen", () => {
    const ad = catalogue.get("ad")!;
    expect(defaultChoice(ad)).toEqual({ seconds: 15, format: "9:16" });
    expect(ad.instructions).toMatch(/voice-over of exactly two or three short phrases/);
    expect(ad.instructions).toMatch(/no people, hands, faces or bodies/);
    expect(ad.fallbackPrompt).toMatch(/no people/);
  });

  it("refuses a length the model does not render, naming the template and the model's lengths", () => {
    expect(() => createCatalogue(withTemplate("motion", { durations: [{ seconds: 15, cost: 3 }] }))).toThrow(
      /template motion: Kling 2\.6 renders 5, 10 s, not 15 s/,
    );
  });

  it("refuses formats on a model that takes the photo's shape, and a missing one where the model has them", () => {
    expect(() => createCatalogue(withTemplate("motion", { formats: ["9:16"] }))).toThrow(
      /template motion: Kling 2\.6 takes the photo's shape/,
    );
    expect(() => createCatalogue(withTemplate("ugc", { formats: [] }))).toThrow(
      /template ugc: list the formats to offer/,
    );
    expect(() => createCatalogue(withTemplate("broll", { formats: ["1:1"] }))).toThrow(
      /Veo 3\.1 Fast does not render 1:1/,
    );
  });

  it("refuses an unknown model and a length listed twice", () => {
    expect(() => createCatalogue(withTemplate("ugc", { model: "sora-9" }))).toThrow(/unknown model sora-9/);
    expect(() =>
      createCatalogue(
        withTemplate("ugc", {
          durations: [
            { seconds: 10, cost: 1 },
            { seconds: 10, cost: 2 },
          ],
        }),
      ),
    ).toThrow(/a length is listed twice/);
  });
});
