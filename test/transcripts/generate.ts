// Plays the journeys (./journeys.ts) in each language against a fresh world (./world.ts) and
// returns the Markdown transcripts that docs/transcripts/ keeps. Used by `npm run transcripts`
// (scripts/transcripts.ts), which writes them, and by test/transcripts.test.ts, which compares.
//
// Deterministic: a fresh store and fake Bot API per language (same message and job ids), the
// clock fixed at TRANSCRIPT_CLOCK when each language starts (it runs on from there, so timeouts
// still expire), the queue and the bot never racing (see ./world.ts), and the fakes' addresses
// masked (./render.ts).
import { join } from "node:path";
import FakeTimers from "@sinonjs/fake-timers";
import { createI18n } from "../../src/bot/i18n.ts";
import type { Language } from "../../src/db/types.ts";
import { JOURNEYS } from "./journeys.ts";
import { Scene, transcriptMarkdown } from "./scene.ts";
import { startWorld, TRANSCRIPT_ENV } from "./world.ts";

export const TRANSCRIPT_LANGUAGES: readonly Language[] = ["en", "ru"];

/** Where the transcripts are kept: docs/transcripts/<language>.md. */
export const TRANSCRIPT_DIR = join(import.meta.dirname, "../../docs/transcripts");

/** Monday 2 March 2026, 12:00 in Moscow (TRANSCRIPT_ENV.TIMEZONE). */
export const TRANSCRIPT_CLOCK = Date.UTC(2026, 2, 2, 9, 0, 0);

const NAMES: Record<Language, { language: string; other: Language; seller: string }> = {
  en: { language: "English", other: "ru", seller: "Anna" },
  ru: { language: "Russian", other: "en", seller: "Анна" },
};

function head(lang: Language): string[] {
  const n = NAMES[lang];
  const env = Object.entries(TRANSCRIPT_ENV)
    .map(([k, v]) => `\`${k}=${v}\``)
    .join(", ");
  return [
    `# The seller's conversation in ${n.language}`,
    "",
    "<!-- Written by `npm run transcripts`; do not edit by hand. -->",
    "",
    `Every screen a seller whose Telegram is set to ${n.language} sees, from the first /start to a`,
    "delivered video, a failed one, a payment and help: the real bot and job queue, played against fake",
    "Telegram, kie.ai and OpenAI servers (`test/transcripts/`). `npm run transcripts` writes this file;",
    "`test/transcripts.test.ts` fails when it no longer matches what the code says.",
    "",
    `- Settings: ${env}, one admin in \`ADMIN_IDS\`, no \`SUPPORT_URL\`, the default credit packages (Telegram Stars).`,
    "- The clock starts on 2 March 2026 at 12:00 Moscow time. Renders take a moment here; the progress",
    "  message still shows each state a seller sees over a real render's minutes.",
    "- Messages are numbered as in the chat; buttons are shown as `[text]`.",
    "",
    `The same conversation in ${NAMES[n.other].language}: [${n.other}.md](${n.other}.md).`,
  ];
}

/** One language's transcript. */
export async function generateTranscript(lang: Language): Promise<string> {
  const clock = FakeTimers.install({ now: TRANSCRIPT_CLOCK, toFake: ["Date"], shouldAdvanceTime: true });
  const i18n = createI18n();
  try {
    const world = await startWorld(lang);
    try {
      const seller = { id: 100_001, first_name: NAMES[lang].seller, language_code: lang };
      world.tg.user(seller);
      const scene = new Scene(world, seller, (l, key, vars) => i18n.t(l, key, vars));
      for (const j of JOURNEYS) {
        scene.section(j.title, j.about);
        await j.run(scene);
      }
      return transcriptMarkdown(head(lang), scene.sections);
    } finally {
      await world.close();
    }
  } finally {
    clock.uninstall();
  }
}

/** Every language's transcript, by language. */
export async function generateTranscripts(): Promise<Record<Language, string>> {
  const out: Partial<Record<Language, string>> = {};
  for (const lang of TRANSCRIPT_LANGUAGES) out[lang] = await generateTranscript(lang);
  return out as Record<Language, string>;
}
