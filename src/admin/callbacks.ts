// Callback data of the admin panel's screens that messages from elsewhere open: the admins' alert
// about a failed video (src/generation) carries a button to that job's card, answered here.

/** The job card (error, Retry, Refund credits) of job `id`. */
export const openJobData = (id: number): string => `adm:job:${id}`;

/** Matches openJobData's data; the job id is the first group. */
export const OPEN_JOB = /^adm:job:(\d+)$/;

/**
 * The same card sent as a new message, for a button on an alert: the alert keeps its text (the
 * error class, the refund) above the card instead of being replaced by it.
 */
export const alertJobData = (id: number): string => `adm:ja:${id}`;

/** Matches alertJobData's data; the job id is the first group. */
export const OPEN_JOB_FROM_ALERT = /^adm:ja:(\d+)$/;
