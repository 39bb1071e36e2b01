// Every limit of the support inbox in one place.

export const SUPPORT_LIMITS = {
  /**
   * A seller's messages to support, counted from the stored ones (so they hold across restarts):
   * at most `messages` within `windowMs`. The first window lets an album of 10 photos through;
   * past a limit the message is not passed on and the seller is told when to write again.
   */
  windows: [
    { messages: 10, windowMs: 60_000 },
    { messages: 30, windowMs: 60 * 60_000 },
  ],
  /**
   * After /support (or a message to support) the seller's messages go to support until they leave
   * or this long passes without one: a photo sent the next day is meant for a video, not for support.
   */
  writingIdleMs: 30 * 60_000,
  /** The seller's last jobs in the header admins read. */
  headerJobs: 3,
  /** Characters of an answer quoted to the other admins. */
  quoteChars: 300,
  /** Telegram's limits: a message's text and a media caption, in characters. */
  textMax: 4096,
  captionMax: 1024,
} as const;
