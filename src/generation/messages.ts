// What the generation pipeline says to users and admins, in their language, from the Fluent files
// of ./locales (embedded: see ./locales/embedded.ts). The bot's own texts live in its locale files;
// these are the ones the workers send outside of any update.
import type { Job } from "../db/types.ts";
import { createTexts, type Vars } from "../i18n/texts.ts";
import type { ErrorClass } from "./errors.ts";
import { EMBEDDED } from "./locales/embedded.ts";

const texts = createTexts(EMBEDDED);

/** A translate function in the language stored with the job (English when there is none). */
export function messages(language: string | null | undefined): (key: string, vars?: Vars) => string {
  return texts.bind(language ?? "en");
}

/** The apology for a failed job: the deadline has its own words, everything else goes by class. */
export function failureText(
  job: Pick<Job, "language" | "creditsCharged">,
  errorClass: ErrorClass,
  code: string,
): string {
  const key = code === "deadline" ? "gen-fail-deadline" : `gen-fail-${errorClass}`;
  return messages(job.language)(key, { credits: job.creditsCharged });
}
