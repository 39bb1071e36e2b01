// One worker: a loop with an explicit state that claims a job, runs it under a heartbeat-extended
// lease, and sleeps when there is nothing to do. It never dies: a failed claim (database gone,
// SQLite busy) is recorded as lastError and retried after a jittered backoff.
import type { Store } from "../db/store.ts";
import type { Job } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import { backoff } from "../timing/index.ts";
import type { JobRunner, RunResult } from "./types.ts";
import type { Waker } from "./waker.ts";

export type WorkerState = "active" | "stopping" | "stopped";

export interface WorkerDeps {
  id: string;
  store: Store;
  runner: JobRunner;
  waker: Waker;
  logger: Logger;
  leaseMs: number;
  heartbeatMs: number;
  idleMs: number;
  fetchBackoffMs: { base: number; max: number };
  /** Aborted when the shutdown grace period is over. */
  hardStop: AbortSignal;
}

export interface WorkerInfo {
  id: string;
  state: WorkerState;
  jobId: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  lastResult: RunResult | null;
  lastDurationMs: number | null;
  jobsRun: number;
}

export function createWorker(d: WorkerDeps) {
  const info: WorkerInfo = {
    id: d.id,
    state: "stopped",
    jobId: null,
    lastError: null,
    lastErrorAt: null,
    lastResult: null,
    lastDurationMs: null,
    jobsRun: 0,
  };
  let failures = 0;
  let done: Promise<void> = Promise.resolve();

  function noteError(e: unknown, what: string): void {
    info.lastError = `${what}: ${e instanceof Error ? e.message : String(e)}`;
    info.lastErrorAt = new Date();
    d.logger.warn({ err: e, worker: d.id }, what);
  }

  async function runWithLease(job: Job): Promise<void> {
    info.jobId = job.id;
    const started = Date.now();
    const lost = new AbortController();
    const signal = AbortSignal.any([d.hardStop, lost.signal]);
    const beat = setInterval(() => {
      d.store.heartbeat(job.id, d.id, d.leaseMs).then(
        (held) => {
          if (!held) lost.abort(new Error("lease lost"));
        },
        (e: unknown) => noteError(e, "heartbeat failed"),
      );
    }, d.heartbeatMs);
    try {
      info.lastResult = await d.runner.run(job, {
        owner: d.id,
        signal,
        stopping: () => info.state !== "active",
      });
    } catch (e) {
      // The runner could not even record the outcome (database gone): the lease expires and the
      // job is claimed again — with one more attempt counted — once the database is back.
      noteError(e, `job ${job.id} interrupted`);
      info.lastResult = "lost";
    } finally {
      clearInterval(beat);
      info.jobId = null;
      info.jobsRun += 1;
      info.lastDurationMs = Date.now() - started;
    }
  }

  async function loop(): Promise<void> {
    while (info.state === "active") {
      let job: Job | undefined;
      try {
        [job] = await d.store.claimJobs(d.id, d.leaseMs, 1);
        failures = 0;
      } catch (e) {
        failures += 1;
        noteError(e, "claiming jobs failed");
        await d.waker.wait(backoff(failures, d.fetchBackoffMs.base, d.fetchBackoffMs.max, "full"));
        continue;
      }
      if (job) {
        // There may be more: pass the wake-up on to the next idle worker.
        d.waker.notify();
        await runWithLease(job);
        continue;
      }
      try {
        const next = await d.store.nextRunAt();
        if (next) d.waker.wakeAt(next);
      } catch (e) {
        noteError(e, "reading the next run time failed");
      }
      if (info.state === "active") await d.waker.wait(d.idleMs);
    }
    info.state = "stopped";
  }

  return {
    info,
    start(): void {
      if (info.state !== "stopped") return;
      info.state = "active";
      done = loop();
    },
    /** Stops claiming; resolves when the current job reached a safe point (or was cut by hardStop). */
    stop(): Promise<void> {
      if (info.state === "active") info.state = "stopping";
      return done;
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
