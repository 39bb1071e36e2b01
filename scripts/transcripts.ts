// `npm run transcripts`: plays the seller's journeys in every language and writes
// docs/transcripts/<language>.md (see test/transcripts/). Run it after changing a text or a flow;
// test/transcripts.test.ts fails until the files match the code again.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { generateTranscripts, TRANSCRIPT_DIR } from "../test/transcripts/generate.ts";

const transcripts = await generateTranscripts();
mkdirSync(TRANSCRIPT_DIR, { recursive: true });
for (const [lang, markdown] of Object.entries(transcripts)) {
  const path = join(TRANSCRIPT_DIR, `${lang}.md`);
  writeFileSync(path, markdown);
  console.log(`wrote ${relative(process.cwd(), path)}`);
}
