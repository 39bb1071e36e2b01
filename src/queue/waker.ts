// Wakes idle workers: at once when new work appears (wake), or at a moment in the future (a
// scheduled status check). A notify with nobody waiting is remembered, so a worker that was
// between "found nothing" and "sleep" does not miss it.
export function createWaker() {
  const waiters = new Set<() => void>();
  let pending = false;
  let timer: NodeJS.Timeout | null = null;
  let timerAt = Number.POSITIVE_INFINITY;

  // Wakes one idle worker; a worker that then finds work wakes the next (see worker.ts), so a
  // burst of jobs fans out while a single job costs a single claim instead of one per worker.
  function notify(): void {
    const first = waiters.values().next();
    if (first.done) {
      pending = true;
      return;
    }
    first.value();
  }

  return {
    notify,
    /** Sleeps up to `ms`, or until notify(). */
    wait(ms: number): Promise<void> {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, ms);
        waiters.add(done);
      });
    },
    /** Makes sure some worker wakes at `at` (one timer, for the earliest requested moment). */
    wakeAt(at: Date): void {
      const ms = at.getTime();
      if (ms >= timerAt) return;
      if (timer) clearTimeout(timer);
      timerAt = ms;
      timer = setTimeout(
        () => {
          timer = null;
          timerAt = Number.POSITIVE_INFINITY;
          notify();
        },
        Math.min(2 ** 31 - 1, Math.max(0, ms - Date.now())),
      );
    },
    close(): void {
      if (timer) clearTimeout(timer);
      timer = null;
      timerAt = Number.POSITIVE_INFINITY;
      for (const w of [...waiters]) w();
    },
  };
}

export type Waker = ReturnType<typeof createWaker>;
