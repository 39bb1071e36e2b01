// One row of the old `jobs` export mapped to a job of ours. Old jobs become history only: finished
// ones keep their outcome, unfinished ones (queued/processing) become failed without a charge —
// the old bot's queue is gone, and running them again would bill users twice.
import { type Catalogue, defaultChoice, priceOf, type Template } from "../templates/index.ts";
import type { CsvRecord } from "./csv.ts";
import { countOrFlag, jsonObject, RowError, text, tgId, timestamp, wholeNumber } from "./values.ts";

export const LEGACY_TEMPLATE = "legacy";

export interface ImportedJob {
  tgId: number;
  template: string;
  model: string;
  productText: string;
  ownPrompt: string | null;
  wishes: string | null;
  generatedPrompt: string | null;
  providerTaskId: string | null;
  status: "succeeded" | "failed";
  attempts: number;
  errorCode: string | null;
  errorMessage: string | null;
  resultFileId: string | null;
  creditsCharged: number;
  idempotencyKey: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

function productText(raw: string | null): { text: string; ownPrompt: string | null } {
  if (raw === null) return { text: "", ownPrompt: null };
  // Early rows of the old bot stored the text itself; later ones a JSON object.
  if (!raw.trimStart().startsWith("{")) return { text: raw, ownPrompt: null };
  const obj = jsonObject(raw, "product_text");
  return { text: text(obj?.text) ?? "", ownPrompt: text(obj?.user_prompt) };
}

/** What the old bot charged for a job it only flagged as charged: its template's default price, else 1. */
function chargeOf(template: Template | undefined): number {
  return (template && priceOf(template, defaultChoice(template).seconds)) ?? 1;
}

export function mapJob(r: CsvRecord, catalogue: Catalogue, now: Date): ImportedJob {
  const user = tgId(r.get("tg_user_id"), "tg_user_id");
  const oldStatus = (r.get("status") ?? "").trim().toLowerCase();
  const finished = oldStatus === "completed" || oldStatus === "failed";
  if (!finished && oldStatus !== "queued" && oldStatus !== "processing")
    throw new RowError(
      `status "${r.get("status") ?? ""}" is not one of queued, processing, completed, failed`,
    );
  const product = productText(r.get("product_text"));
  const details = jsonObject(r.get("error_details"), "error_details");
  const templateId = text(details?.template_id);
  const template = templateId ? catalogue.get(templateId) : undefined;
  const key = r.get("idempotency_key") ?? r.get("id");
  if (!key) throw new RowError("neither idempotency_key nor id is set");
  const createdAt = timestamp(r.get("created_at"), "created_at") ?? now;
  const updatedAt = timestamp(r.get("updated_at"), "updated_at") ?? createdAt;
  const endedAt =
    timestamp(r.get("completed_at"), "completed_at") ?? timestamp(r.get("finished_at"), "finished_at");
  const charged = countOrFlag(r.get("credits_deducted"));
  const succeeded = oldStatus === "completed";
  return {
    tgId: user,
    template: templateId ?? LEGACY_TEMPLATE,
    model: template?.model ?? LEGACY_TEMPLATE,
    productText: product.text,
    ownPrompt: product.ownPrompt,
    wishes: r.get("extra_wishes"),
    generatedPrompt: r.get("prompt"),
    providerTaskId: r.get("kie_task_id"),
    status: succeeded ? "succeeded" : "failed",
    attempts: wholeNumber(r.get("attempts"), "attempts", 0),
    errorCode: succeeded ? null : finished ? (text(details?.code) ?? "import_failed") : "import_unfinished",
    errorMessage: succeeded
      ? null
      : finished
        ? r.get("error")
        : `was ${oldStatus} in the old bot when it was exported; not run, not charged`,
    resultFileId: succeeded ? r.get("video_file_id") : null,
    // Only a delivered video stays charged: a failed old job was refunded by the old bot or never
    // charged, and charging 0 keeps it from being refunded a second time here.
    creditsCharged: succeeded ? (charged === 1 ? chargeOf(template) : charged) : 0,
    idempotencyKey: `import:${key}`,
    createdAt,
    startedAt: timestamp(r.get("started_at"), "started_at"),
    finishedAt: endedAt ?? (finished ? updatedAt : createdAt),
    updatedAt,
  };
}
