// Every limit and lifetime of the owner's console in one place.

/** A login link from /console works this long, and once. */
export const LINK_TTL_MS = 10 * 60_000;
/** A session (the cookie and its row) lasts this long from the login; then /console again. */
export const SESSION_TTL_MS = 12 * 3600_000;
/** Forms are a few short fields; a broadcast's text is the largest (4096 characters, UTF-8). */
export const FORM_MAX_BYTES = 64 * 1024;
/** A templates import carries the whole catalogue file (instructions and all), URL-encoded. */
export const IMPORT_MAX_BYTES = 1024 * 1024;
/** Rows of a list page (jobs, payments, users, ledger). */
export const PAGE_ROWS = 50;
/** Rows of a user's jobs and payments on the user's page. */
export const USER_ROWS = 20;
/** The overview's default date range, and the longest one it draws (15-minute slices per series). */
export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;
/** A result video's signed link on a job page works this long. */
export const RESULT_LINK_TTL_MS = 3600_000;
/** How often a running broadcast's page asks for its progress. */
export const PROGRESS_POLL_MS = 2_000;
