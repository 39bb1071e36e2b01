// The catalogue the running program reads: the templates table, parsed once per change. Before it
// needs templates (each bot update, each job's script step) the program calls refresh(), which
// asks the table's version — one small aggregate query — and reads and parses the rows only when
// the version moved: an edit in the console, the CLI or another process reaches the next update
// at once, and an update that changes nothing costs one query (bench/templates.bench.ts measures
// both ways). Jobs already confirmed are unaffected: the job row keeps the template, model,
// length, format and price it was bought with.
import type { TemplatesRepo } from "../db/ops/templates.ts";
import type { Logger } from "../logger.ts";
import {
  BUILT_IN_CATALOGUE,
  type Catalogue,
  catalogueOf,
  catalogueSchema,
  type StoredTemplate,
} from "./index.ts";
import { fromRow, toRow } from "./rows.ts";

export interface LiveCatalogueOptions {
  repo: TemplatesRepo;
  logger: Logger;
  /** What an empty table is seeded with (default: the built-in catalogue). */
  seed?: unknown;
}

export interface LiveCatalogue extends Catalogue {
  /** Makes the next refresh read the rows (this process just changed them). */
  invalidate(): void;
  /** How many times the rows were read and parsed (tests, bench). */
  readonly reads: number;
}

/** Rows of a catalogue file, in its order, as the seed writes them. */
export function seedRows(file: unknown = BUILT_IN_CATALOGUE) {
  return catalogueSchema.parse(file).templates.map((t, i) => toRow(t, i, "built-in"));
}

/**
 * Writes the built-in catalogue into an empty templates table (the first start, or the first
 * command on a new database); safe when several processes do it at once, a no-op afterwards.
 */
export async function seedTemplates(repo: TemplatesRepo, logger: Logger, file?: unknown): Promise<void> {
  const seeded = await repo.seed(seedRows(file));
  if (seeded > 0) logger.info({ templates: seeded }, "templates seeded from the built-in catalogue");
}

/**
 * Seeds an empty templates table and reads it. Throws when the database cannot be read: the
 * program cannot sell without it.
 */
export async function openLiveCatalogue(o: LiveCatalogueOptions): Promise<LiveCatalogue> {
  const { repo, logger } = o;
  await seedTemplates(repo, logger, o.seed);

  let current: Catalogue = catalogueOf([]);
  let version: string | null = null;
  let reads = 0;
  let inflight: Promise<void> | null = null;
  /** Problems already logged for the version they were found in. */
  let reported: string | null = null;

  async function load(): Promise<void> {
    const v = await repo.version();
    if (v === version) return;
    // A write between the two reads only costs one more read: the version taken first is older
    // than the rows, so the next refresh sees it move again.
    const rows = await repo.list();
    const templates: StoredTemplate[] = [];
    const problems: string[] = [];
    for (const r of rows) {
      const t = fromRow(r);
      if (t.ok) templates.push(t.template);
      else problems.push(...t.problems);
    }
    if (problems.length && reported !== v) {
      reported = v;
      logger.error({ problems }, "templates left out: they do not pass the catalogue's checks");
    }
    current = catalogueOf(templates);
    version = v;
    reads++;
  }

  const live: LiveCatalogue = {
    get all() {
      return current.all;
    },
    get: (id) => current.get(id),
    offered: (id) => current.offered(id),
    name: (t, lang) => current.name(t, lang),
    cheapest: () => current.cheapest(),
    get reads() {
      return reads;
    },
    invalidate() {
      version = null;
    },
    refresh() {
      // Concurrent updates share one check.
      inflight ??= load()
        .catch((err: unknown) => logger.warn({ err }, "templates not re-read; the copy in memory is used"))
        .finally(() => {
          inflight = null;
        });
      return inflight;
    },
  };
  await load();
  return live;
}
