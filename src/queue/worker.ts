// The process's workers: `slots` job slots fed by two claim loops, with an explicit state. Each
// claim asks for as many jobs as there are free slots, in one statement (store.claimJobs), so a
// burst of work costs one claim per free-slot refill instead of one per job; each job runs under a
// heartbeat-extended lease, and the loops sleep when the queue is empty. They never die: a failed
// claim (database gone, SQLite busy) is recorded as lastError and retried after a jittered backoff.
// While the queue has more work, a job's final write (RunContext.finish) also claims the slot's
// next job in the same statement (store.finishJobs): a busy slot goes from one job to the next in
// one round trip, jobs that end together are finished in one statement, and the claim loops only
// refill slots that came back empty.
import { isRetryable } from "../db/driver/retry.ts";
import type { FinishItem, JobPatch, QueueRepository } from "../db/store.ts";
import type { Job } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import { backoff } from "../timing/index.ts";
import type { JobRunner, RunResult } from "./types.ts";
import type { Waker } from "./waker.ts";

export type WorkerState = "active" | "stopping" | "stopped";

export interface WorkersDeps {
  /** Names the slots (`<prefix>:<i>`) and the leases (`<prefix>:c<claim>`). */
  prefix: string;
  slots: number;
  store: QueueRepository;
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
  /** The last claim took every job it asked for: the queue probably holds more. */
  let more = false;
  const running = new Set<Promise<void>>();
  /** Claim loops waiting for a free slot. */
  const slotWaiters: Array<() => void> = [];
  /** Slots a claim in flight will fill. */
  const reserved = new Set<WorkerInfo>();
  let done: Promise<void> = Promise.resolve();

  function noteError(info: WorkerInfo, e: unknown, what: string): void {
    info.lastError = `${what}: ${e instanceof Error ? e.message : String(e)}`;
    info.lastErrorAt = new Date();
  }

  async function runWithLease(info: WorkerInfo, job: Job, owner: string): Promise<void> {
    const started = Date.now();
    const lost = new AbortController();
    const signal = AbortSignal.any([d.hardStop, lost.signal]);
    // Whether this run's finish asked for the slot's next job (at most one claim per run), and
    // whether a job was started in the slot that way — which then no longer belongs to this run.
    let asked = false;
    let handedOff = false;
    let ended = false;
    const finish = (to: "succeeded" | "failed", patch: JobPatch = {}): Promise<Job | null> =>
      new Promise((resolve, reject) => {
        const want = !asked && more;
        if (want) asked = true;
        finishSoon({
          item: { jobId: job.id, to, leaseOwner: owner, patch },
          handOver: want
            ? (next, nextOwner) => {
                if (ended) {
                  // The runner did not wait for its finish: the slot is no longer this run's to
                  // hand over. The job goes back to the queue, claimable at once (stop() waits).
                  const back = d.store
                    .releaseJob(next.id, nextOwner, new Date())
                    .then(
                      () => {},
                      (e: unknown) => {
                        d.logger.warn(
                          { err: e, jobId: next.id },
                          "giving back a job failed; its lease will expire",
                        );
                      },
                    )
                    .finally(() => running.delete(back));
                  running.add(back);
                  return;
                }
                handedOff = true;
                start(info, next, nextOwner);
              }
            : null,
          resolve,
          reject: (e) => {
            // Nothing was written, the claim included: a later call may ask again.
            if (want) asked = false;
            reject(e);
          },
        });
      });
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
      info.lastResult = await d.runner.run(job, {
        owner,
        signal,
        stopping: () => state !== "active",
        finish,
      });
    } catch (e) {
      // The runner could not even record the outcome (database gone): the lease expires and the
      // job is claimed again — with one more attempt counted — once the database is back.
      noteError(info, e, `job ${job.id} interrupted`);
      d.logger.warn({ err: e, worker: info.id }, `job ${job.id} interrupted`);
      info.lastResult = "lost";
    } finally {
      ended = true;
      clearInterval(beat);
      info.jobsRun += 1;
      info.lastDurationMs = Date.now() - started;
      if (!handedOff) {
        info.jobId = null;
        if (state !== "active") info.state = "stopped";
        slotWaiters.shift()?.();
      }
    }
  }

  // Finishes asked for while one event is handled go to the store together, when it is over
  // (setImmediate): slots that started together usually end together, and then one statement
  // finishes them all and claims each its next job.
  interface PendingFinish {
    item: FinishItem;
    /** Set when the slot wants its next job from this finish. */
    handOver: ((job: Job, owner: string) => void) | null;
    resolve: (job: Job | null) => void;
    reject: (e: unknown) => void;
  }
  let pending: PendingFinish[] = [];

  function finishSoon(p: PendingFinish): void {
    if (!pending.length) setImmediate(flushFinishes);
    pending.push(p);
  }

  // At most half the slots' finishes per statement: a statement runs on one server process, and
  // two in flight keep two of the server's cores busy, while the jobs of one run as the other is out
  // (measured: one statement for all the slots left the machine half idle between the waves).
  const perStatement = Math.max(1, Math.ceil(d.slots / 2));

  function flushFinishes(): void {
    const all = pending;
    pending = [];
    const ids = new Set<number>();
    let batch: PendingFinish[] = [];
    for (const p of all) {
      // A second finish of one job (a stalled run and the run that took its expired lease over)
      // waits for the next flush, so one statement never holds both: whichever statement takes
      // the row's lock second sees how the first ended, and its lease guard refuses it.
      if (ids.has(p.item.jobId)) {
        finishSoon(p);
        continue;
      }
      ids.add(p.item.jobId);
      batch.push(p);
      if (batch.length === perStatement) {
        finishTogether(batch);
        batch = [];
      }
    }
    if (batch.length) finishTogether(batch);
  }

  function finishTogether(batch: PendingFinish[]): void {
    // A stopping process claims nothing more.
    const wanting = state === "active" ? batch.filter((p) => p.handOver) : [];
    const next = wanting.length
      ? { owner: `${d.prefix}:c${++claims}`, leaseMs: d.leaseMs, limit: wanting.length }
      : null;
    // In `running` until it has answered: stop() waits for it even when a runner that broke its
    // contract did not (a job its claim took is then given back, see handOver).
    const settled: Promise<void> = d.store
      .finishJobs(
        batch.map((p) => p.item),
        next,
      )
      .then(
        (r) => {
          if (next) {
            more = r.claimed.length === next.limit;
            for (const [k, job] of r.claimed.entries()) wanting[k]?.handOver?.(job, next.owner);
          }
          for (const [k, p] of batch.entries()) p.resolve(r.jobs[k] ?? null);
        },
        (e: unknown) => {
          // One finish the database refuses (a value it will not store) must not fail the others:
          // each goes again on its own. A lost database fails them all: the driver has already
          // retried, and one statement per job would only retry it that many more times.
          if (batch.length > 1 && !isRetryable(e)) for (const p of batch) finishTogether([p]);
          else for (const p of batch) p.reject(e);
        },
      )
      .finally(() => running.delete(settled));
    running.add(settled);
  }

  function start(info: WorkerInfo, job: Job, owner: string): void {
    info.jobId = job.id;
    const p = runWithLease(info, job, owner).finally(() => running.delete(p));
    running.add(p);
  }

  // Two claim loops share the slots: while one claim is in flight, slots freed meanwhile are
  // refilled by the other instead of idling for a whole claim round trip (measured: one loop
  // left the slots idle ~1.5 claim latencies on average; graphile-worker's per-worker fetches
  // did better). Each claim reserves the slots it asks for, so the loops never fill one twice.
  async function loop(): Promise<void> {
    while (state === "active") {
      const free = infos.filter((i) => i.jobId === null && !reserved.has(i));
      if (!free.length) {
        await new Promise<void>((r) => slotWaiters.push(r));
        continue;
      }
      for (const i of free) reserved.add(i);
      // A lease owner per claim, not per process: a job whose lease this process let expire (a
      // stalled step) and then claimed again is a different lease, and the stalled run learns so.
      const owner = `${d.prefix}:c${++claims}`;
      let jobs: Job[];
      try {
        jobs = await d.store.claimJobs(owner, d.leaseMs, free.length);
        failures = 0;
      } catch (e) {
        for (const i of free) reserved.delete(i);
        failures += 1;
        for (const i of free) noteError(i, e, "claiming jobs failed");
        d.logger.warn({ err: e }, "claiming jobs failed");
        await d.waker.wait(backoff(failures, d.fetchBackoffMs.base, d.fetchBackoffMs.max, "full"));
        continue;
      }
      for (const i of free) reserved.delete(i);
      for (const [k, job] of jobs.entries()) start(free[k] as WorkerInfo, job, owner);
      more = jobs.length === free.length;
      if (more) {
        // Every slot asked for got a job: there may be more; the other loop may be asleep.
        d.waker.notify();
        continue;
      }
      try {
        const next = await d.store.nextRunAt();
        if (next) d.waker.wakeAt(next);
      } catch (e) {
        for (const i of free) noteError(i, e, "reading the next run time failed");
        d.logger.warn({ err: e }, "reading the next run time failed");
      }
      if (state === "active") await d.waker.wait(d.idleMs);
    }
  }

  async function loops(): Promise<void> {
    await Promise.all(Array.from({ length: Math.min(2, d.slots) }, loop));
    for (const i of infos) if (i.jobId === null) i.state = "stopped";
    // A run that finishes meanwhile may hand its slot a job its finish had claimed: wait for those too.
    while (running.size) await Promise.all(running);
    state = "stopped";
  }

  return {
    infos,
    start(): void {
      if (state !== "stopped") return;
      state = "active";
      for (const i of infos) i.state = "active";
      done = loops();
    },
    /** Stops claiming; resolves when every running job reached a safe point (or was cut by hardStop). */
    stop(): Promise<void> {
      if (state === "active") {
        state = "stopping";
        for (const i of infos) i.state = "stopping";
        for (const wake of slotWaiters.splice(0)) wake();
      }
      return done;
    },
  };
}

export type Workers = ReturnType<typeof createWorkers>;
