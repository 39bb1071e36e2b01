// Error classes decide a job's fate:
// - transient: timeouts, 5xx, 429, network → retry with backoff, up to JOB_MAX_ATTEMPTS;
// - content_refused: the provider refused the user's photo or text → fail at once, refund, say what to change;
// - provider_unavailable: no money on any key, bad keys, maintenance → the job waits, admins are told;
// - unknown: anything else → retried like transient, failed and refunded after the attempts.
export type ErrorClass = "transient" | "content_refused" | "provider_unavailable" | "unknown";

export class GenerationError extends Error {
  constructor(
    readonly errorClass: ErrorClass,
    /** Short machine code stored on the job, e.g. `kie_402`, `deadline`, `http_503`. */
    readonly code: string,
    message: string,
    /** For provider_unavailable: when it is worth trying again. */
    readonly retryAt?: Date,
  ) {
    super(message);
    this.name = "GenerationError";
  }
}

/** A render task that ended in `fail`: retrying means a new task, not polling the old one again. */
export class TaskFailedError extends GenerationError {
  override readonly name = "TaskFailedError";
}

/** A kie.ai envelope or HTTP error: `code` is the envelope code when there was one, else the HTTP status. */
export class KieApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus: number,
  ) {
    super(`kie.ai ${code}: ${message}`);
    this.name = "KieApiError";
  }
}

/**
 * How kie.ai and the models behind it word a refusal: whole phrases of their moderation answers
 * (Sora's safety system, Veo's "public error … upload", kie's "flagged … content policies"), not
 * single words — "content", "face" or "person" also appear in transient errors ("content-length",
 * "face detection timed out"), which must be retried, not refused. kie.ai documents no failCode
 * for moderation (see shared/reference/kie-ai.md), so the message decides, and a 5xx/429 code never
 * is a refusal.
 */
const MODERATION = new RegExp(
  [
    "content[ _-]?polic(?:y|ies)",
    "(?:usage|safety) polic(?:y|ies)",
    "safety (?:system|filters?|checks?)",
    "(?:flagged|blocked|rejected) (?:by|for) (?:our |the )?(?:moderation|safety)",
    "moderation[ _-]blocked|failed (?:the )?moderation|did not pass (?:the )?moderation",
    "public error (?:minor|prominent people|unsafe image)",
    "(?:real|famous) person|public figure|prominent people|celebrit(?:y|ies)",
    "sensitive (?:words?|content|information)",
    "\\bnsfw\\b|sexual(?:ly explicit)? content|nudity",
    "(?:copyrighted|trademarked) (?:content|material|character|logo)",
    "violat(?:es|ed|ing|ion of) (?:our |the )?(?:content |usage )?(?:polic|guideline|terms)",
  ].join("|"),
  "i",
);

/** failCode/errorCode values that name a refusal themselves. */
const MODERATION_CODE =
  /^(?:content_policy(?:_violation)?|moderation(?:_blocked)?|safety|nsfw|sensitive_content)$/i;

/** Codes of a provider's own trouble: retried like any transient error. */
const busyCode = (code: number) => code === 429 || (code >= 500 && code !== 501);

/** Classifies a provider task that ended in `fail`. */
export function classifyTaskFailure(code: string, message: string): TaskFailedError {
  const c = `task_${code || "fail"}`;
  const numeric = /^\d+$/.test(code) ? Number(code) : undefined;
  if (numeric !== undefined && busyCode(numeric))
    return new TaskFailedError("transient", c, message || "provider error");
  if (MODERATION_CODE.test(code) || MODERATION.test(message))
    return new TaskFailedError("content_refused", c, message || code);
  return new TaskFailedError("unknown", c, message || "generation failed");
}

/** Classifies anything thrown while talking to a provider or moving files. */
export function classify(err: unknown): GenerationError {
  if (err instanceof GenerationError) return err;
  if (err instanceof KieApiError) {
    const code = `kie_${err.code}`;
    if (err.code === 401 || err.code === 402 || err.code === 455 || err.code === 505) {
      return new GenerationError("provider_unavailable", code, err.message);
    }
    if (err.code === 429 || err.code >= 500) return new GenerationError("transient", code, err.message);
    if (err.code === 422 && MODERATION.test(err.message)) {
      return new GenerationError("content_refused", code, err.message);
    }
    return new GenerationError("unknown", code, err.message);
  }
  if (err instanceof HttpStatusError) {
    const cls = err.status === 429 || err.status >= 500 || err.status === 408 ? "transient" : "unknown";
    return new GenerationError(cls, `http_${err.status}`, err.message);
  }
  const e = err instanceof Error ? err : new Error(String(err));
  // grammY: GrammyError carries Telegram's error_code; HttpError is a network failure.
  if ("error_code" in e && typeof e.error_code === "number") {
    const cls = e.error_code === 429 || e.error_code >= 500 ? "transient" : "unknown";
    return new GenerationError(cls, `telegram_${e.error_code}`, e.message);
  }
  if (e.name === "HttpError") return new GenerationError("transient", "telegram_network", e.message);
  if (e.name === "TimeoutError" || e.name === "AbortError")
    return new GenerationError("transient", "timeout", e.message);
  // fetch wraps socket failures in a TypeError("fetch failed") with the system error as cause.
  if (e.name === "TypeError" && /fetch failed|terminated|socket/i.test(e.message)) {
    return new GenerationError("transient", "network", describeCause(e));
  }
  // System errors (ECONNRESET, ...) and undici's own (UND_ERR_SOCKET, UND_ERR_HEADERS_TIMEOUT, ...).
  if ("code" in e && typeof e.code === "string" && /^(E[A-Z]+|UND_ERR_)/.test(e.code)) {
    return new GenerationError("transient", "network", `${e.code}: ${e.message}`);
  }
  return new GenerationError("unknown", "unknown", e.message);
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpStatusError";
  }
}

function describeCause(e: Error): string {
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
  return `${e.message}${cause}`;
}
