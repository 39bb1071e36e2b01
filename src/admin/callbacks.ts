// Callback data of the admin panel's screens that messages from elsewhere open: the admins' alert
// about a failed video (src/generation) carries a button to that job's card, answered here.

/** The job card (error, Retry, Refund credits) of job `id`. */
export const openJobData = (id: number): string => `adm:job:${id}`;

/** Matches openJobData's data; the job id is the first group. */
export const OPEN_JOB = /^adm:job:(\d+)$/;
