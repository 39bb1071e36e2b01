// The image-to-video models kie.ai renders with, and how each one is asked: the lengths and formats
// it renders, the longest prompt it takes and the request fields it wants, as kie.ai documents them
// (docs.kie.ai/market/<family>/<model> for the market models, docs.kie.ai/veo3-api for Veo; summed
// up in /work/shared/reference/kie-ai.md). Templates name a model from here and offer a subset of
// its lengths and formats; the kie.ai client builds its requests from here. The fake kie.ai in
// test/fakes keeps its own reading of the documentation, so a wrong entry here fails the client's
// tests instead of agreeing with itself.
//
// Where sources disagree on a prompt limit the smaller one is taken: a shorter prompt costs a little
// detail, a longer one costs a refused task.

/** What the seller can pick: vertical, horizontal, square. */
export const FORMATS = ["9:16", "16:9", "1:1"] as const;
export type Format = (typeof FORMATS)[number];

export type KieApi = "market" | "veo";

/** What one render asks of a model, already checked against its entry. */
export interface RenderParams {
  prompt: string;
  imageUrl: string;
  seconds: number;
  /** null for a model that takes the photo's shape. */
  format: Format | null;
}

export interface ModelSpec {
  id: string;
  api: KieApi;
  /** For the owner (console, admin): "Kling 2.6". */
  label: string;
  /**
   * Lengths it renders, in seconds, shortest first. A job that names no length gets the first:
   * what every job got before lengths were chosen (Sora 10 s, Veo 8 s).
   */
  durations: readonly number[];
  /** Formats it renders, vertical first (the default); empty: the video takes the photo's shape. */
  formats: readonly Format[];
  promptMax: number;
  /** The request fields: `input` of a market task, or the whole body of a Veo one. */
  request(p: RenderParams): Record<string, unknown>;
}

const str = (n: number) => String(n);

const sora = (id: string, label: string, extra: Record<string, unknown> = {}): ModelSpec => ({
  id,
  api: "market",
  label,
  durations: [10, 15],
  formats: ["9:16", "16:9"],
  promptMax: 10_000,
  request: (p) => ({
    prompt: p.prompt,
    image_urls: [p.imageUrl],
    aspect_ratio: p.format === "16:9" ? "landscape" : "portrait",
    n_frames: str(p.seconds),
    remove_watermark: true,
    ...extra,
  }),
});

const veo = (id: string, label: string): ModelSpec => ({
  id,
  api: "veo",
  label,
  durations: [8],
  formats: ["9:16", "16:9"],
  // Veo documents no limit; this is the renderer-wide one (src/generation/prompt.ts).
  promptMax: 4000,
  request: (p) => ({ prompt: p.prompt, imageUrls: [p.imageUrl], aspectRatio: p.format ?? "9:16" }),
});

/** Hailuo 02 standard: 512P or 768P; we render 768P, which both lengths allow. */
const hailuo02Standard: ModelSpec = {
  id: "hailuo/02-image-to-video-standard",
  api: "market",
  label: "Hailuo 02",
  durations: [6, 10],
  formats: [],
  promptMax: 1500,
  request: (p) => ({
    prompt: p.prompt,
    image_url: p.imageUrl,
    duration: str(p.seconds),
    resolution: "768P",
    prompt_optimizer: true,
  }),
};

/** Hailuo 02 pro renders one length at 1080P and takes no length or resolution field. */
const hailuo02Pro: ModelSpec = {
  id: "hailuo/02-image-to-video-pro",
  api: "market",
  label: "Hailuo 02 Pro",
  durations: [6],
  formats: [],
  promptMax: 1500,
  request: (p) => ({ prompt: p.prompt, image_url: p.imageUrl, prompt_optimizer: true }),
};

/** Hailuo 2.3: 1080P only for 6 s; 10 s is rendered at 768P. */
const hailuo23 = (id: string, label: string): ModelSpec => ({
  id,
  api: "market",
  label,
  durations: [6, 10],
  formats: [],
  promptMax: 5000,
  request: (p) => ({
    prompt: p.prompt,
    image_url: p.imageUrl,
    duration: str(p.seconds),
    resolution: p.seconds === 10 ? "768P" : "1080P",
  }),
});

const MODELS: readonly ModelSpec[] = [
  sora("sora-2-image-to-video", "Sora 2"),
  sora("sora-2-pro-image-to-video", "Sora 2 Pro", { size: "high" }),
  veo("veo3_fast", "Veo 3.1 Fast"),
  veo("veo3", "Veo 3.1"),
  {
    // Kling takes the photo's shape; sound on, like Sora and Veo, whose videos always have it.
    id: "kling-2.6/image-to-video",
    api: "market",
    label: "Kling 2.6",
    durations: [5, 10],
    formats: [],
    promptMax: 1000,
    request: (p) => ({ prompt: p.prompt, image_urls: [p.imageUrl], sound: true, duration: str(p.seconds) }),
  },
  hailuo02Standard,
  hailuo02Pro,
  hailuo23("hailuo/2-3-image-to-video-standard", "Hailuo 2.3"),
  hailuo23("hailuo/2-3-image-to-video-pro", "Hailuo 2.3 Pro"),
  {
    id: "bytedance/seedance-1.5-pro",
    api: "market",
    label: "Seedance 1.5 Pro",
    durations: [4, 8, 12],
    formats: ["9:16", "16:9", "1:1"],
    promptMax: 2000,
    request: (p) => ({
      prompt: p.prompt,
      input_urls: [p.imageUrl],
      aspect_ratio: p.format ?? "9:16",
      resolution: "720p",
      duration: str(p.seconds),
      fixed_lens: false,
      generate_audio: true,
    }),
  },
  {
    // Wan takes the photo's shape.
    id: "wan/2-6-image-to-video",
    api: "market",
    label: "Wan 2.6",
    durations: [5, 10, 15],
    formats: [],
    promptMax: 2000,
    request: (p) => ({
      prompt: p.prompt,
      image_urls: [p.imageUrl],
      duration: str(p.seconds),
      resolution: "1080p",
    }),
  },
];

const BY_ID = new Map(MODELS.map((m) => [m.id, m]));

export const models = {
  all: MODELS,
  get: (id: string): ModelSpec | undefined => BY_ID.get(id),
};

/**
 * The length and format a render gets: the ones asked for, or the model's first for those not
 * asked (jobs from before the choice). `fits` says whether the model renders them.
 */
export function renderChoice(
  spec: ModelSpec,
  seconds?: number | null,
  format?: string | null,
): { seconds: number; format: Format | null; fits: boolean } {
  const s = seconds ?? spec.durations[0] ?? 0;
  if (spec.formats.length === 0) return { seconds: s, format: null, fits: spec.durations.includes(s) };
  const f = spec.formats.find((x) => x === (format ?? spec.formats[0])) ?? null;
  return { seconds: s, format: f, fits: spec.durations.includes(s) && f !== null };
}

/** Which pair of endpoints serves a model; a model no longer listed is judged by its name. */
export const apiOf = (model: string): KieApi =>
  BY_ID.get(model)?.api ?? (model.startsWith("veo") ? "veo" : "market");
