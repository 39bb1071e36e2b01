// docs/transcripts/ holds what a seller sees in each language (written by `npm run transcripts`
// from the journeys in test/transcripts/). Regenerated here in memory: a text or a flow changed
// without the transcripts fails with the difference, so reviewers never read a stale conversation.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateTranscripts, TRANSCRIPT_DIR, TRANSCRIPT_LANGUAGES } from "./transcripts/generate.ts";

const committed = (lang: string): string => {
  try {
    return readFileSync(join(TRANSCRIPT_DIR, `${lang}.md`), "utf8");
  } catch {
    return "";
  }
};

describe("the seller's conversation transcripts (docs/transcripts)", () => {
  it("match what the bot says now in every language — after changing a text or a flow, run `npm run transcripts`", async () => {
    const fresh = await generateTranscripts();
    for (const lang of TRANSCRIPT_LANGUAGES) {
      expect
        .soft(
          fresh[lang],
          `docs/transcripts/${lang}.md is out of date (- the file, + what the bot says now): run \`npm run transcripts\` and commit it`,
        )
        .toBe(committed(lang));
    }
  });
});
