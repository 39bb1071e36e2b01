// The process's workers: `slots` job slots fed by one claim loop with an explicit state. Each
// claim asks for as many jobs as there are free slots, in one statement (store.claimJobs), so a
// burst of work costs one claim per free-slot refill instead of one per job; each job runs under a
// heartbeat-extended lease, and the loop sleeps when the queue is empty. It never dies: a failed
// claim (database gone, SQLite busy) is recorded as lastError and retried after a jittered backoff.
import type { Store } from "../db/store.ts";
import type { Job } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import { backoff } from "./limits.ts";
import type { JobRunner, RunResult } from "./run-job.ts";
import type { Waker } from "./waker.ts";

export type WorkerState = "active" | "stopping" | "stopped";

export interface WorkersDeps {
  /** Names the slots (`<prefix>:<i>`) and the leases (`<prefix>:c<claim>`). */
  prefix: string;
  slots: number;
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

export function createWorkers(d: WorkersDeps) {
  const infos: WorkerInfo[] = Array.from({ length: d.slots }, (_, i) => ({
    id: `${d.prefix}:${i}`,
    state: "stopped",
    jobId: null,
    lastError: null,
    lastErrorAt: null,
    lastResult: null,
    lastDurationMs: null,
    jobsRun: 0,
  }));
  let state: WorkerState = "stopped";
  let failures = 0;
  let claims = 0;
  const running = new Set<Promise<void>>();
  /** Resolves the claim loop's wait for a free slot. */
  let slotFreed: (() => void) | null = null;
  let done: Promise<void> = Promise.resolve();

  function noteError(info: WorkerInfo, e: unknown, what: string): void {
    info.lastError = `${what}: ${e instanceof Error ? e.message : String(e)}`;
    info.lastErrorAt = new Date();
  }

  async function runWithLease(info: WorkerInfo, job: Job, owner: string): Promise<void> {
    const started = Date.now();
    const lost = new AbortController();
    const signal = AbortSignal.any([d.hardStop, lost.signal]);
    const beat = setInterval(() => {
      d.store.heartbeat(job.id, owner, d.leaseMs).then(
        (held) => {
          if (!held) lost.abort(new Error("lease lost"));
        },
        (e: unknown) => {
          noteError(info, e, "heartbeat failed");
          d.logger.warn({ err: e, worker: info.id }, "heartbeat failed");
        },
      );
    }, d.heartbeatMs);
    try {
      info.lastResult = await d.runner.run(job, { owner, signal, stopping: () => state !== "active" });
    } catch (e) {
      // The runner could not even record the outcome (database gone): the lease expires and the
      // job is claimed again — with one more attempt counted — once the database is back.
      noteError(info, e, `job ${job.id} interrupted`);
      d.logger.warn({ err: e, worker: info.id }, `job ${job.id} interrupted`);
      info.lastResult = "lost";
    } finally {
      clearInterval(beat);
      info.jobId = null;
      info.jobsRun += 1;
      info.lastDurationMs = Date.now() - started;
      if (state !== "active") info.state = "stopped";
      slotFreed?.();
    }
  }

  function start(info: WorkerInfo, job: Job, owner: string): void {
    info.jobId = job.id;
    const p = runWithLease(info, job, owner).finally(() => running.delete(p));
    running.add(p);
  }

  async function loop(): Promise<void> {
    while (state === "active") {
      const free = infos.filter((i) => i.jobId === null);
      if (!free.length) {
        await new Promise<void>((r) => {
          slotFreed = r;
        });
        slotFreed = null;
        continue;
      }
      // A lease owner per claim, not per process: a job whose lease this process let expire (a
      // stalled step) and then claimed again is a different lease, and the stalled run learns so.
      const owner = `${d.prefix}:c${++claims}`;
      let jobs: Job[];
      try {
        jobs = await d.store.claimJobs(owner, d.leaseMs, free.length);
        failures = 0;
      } catch (e) {
        failures += 1;
        for (const i of free) noteError(i, e, "claiming jobs failed");
        d.logger.warn({ err: e }, "claiming jobs failed");
        await d.waker.wait(backoff(failures, d.fetchBackoffMs.base, d.fetchBackoffMs.max, "full"));
        continue;
      }
      for (const [k, job] of jobs.entries()) start(free[k] as WorkerInfo, job, owner);
      // Every free slot got a job: there may be more, claim again as soon as a slot frees.
      if (jobs.length === free.length) continue;
      try {
        const next = await d.store.nextRunAt();
        if (next) d.waker.wakeAt(next);
      } catch (e) {
        for (const i of free) noteError(i, e, "reading the next run time failed");
        d.logger.warn({ err: e }, "reading the next run time failed");
      }
      if (state === "active") await d.waker.wait(d.idleMs);
    }
    for (const i of infos) if (i.jobId === null) i.state = "stopped";
    await Promise.all(running);
    state = "stopped";
  }

  return {
    infos,
    start(): void {
      if (state !== "stopped") return;
      state = "active";
      for (const i of infos) i.state = "active";
      done = loop();
    },
    /** Stops claiming; resolves when every running job reached a safe point (or was cut by hardStop). */
    stop(): Promise<void> {
      if (state === "active") {
        state = "stopping";
        for (const i of infos) i.state = "stopping";
        slotFreed?.();
      }
      return done;
    },
  };
}

export type Workers = ReturnType<typeof createWorkers>;
