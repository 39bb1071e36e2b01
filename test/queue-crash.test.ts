// kill -9 of the process running the queue in the middle of a render, then a restart: the job
// finishes once, kie.ai gets one task, the user is charged once and gets one video.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createCatalogue } from "../src/templates/index.ts";
import { ledgerSum, safeGetBalance } from "./helpers/store-ops.ts";
import { type SharedStores, sqliteFactory } from "./helpers/stores.ts";
import { FAST, type Harness, startHarness } from "./queue-harness.ts";

const catalogue = createCatalogue();
const NODE = join(process.cwd(), "node_modules/.bin/node");
let h: Harness | null = null;
let shared: SharedStores | null = null;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  children.length = 0;
  await h?.close();
  await shared?.close();
  h = null;
  shared = null;
});

async function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(NODE, ["--import", "tsx", "test/queue-child.ts"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let err = "";
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker did not start: ${err}`)), 20_000);
    child.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}: ${err}`)));
  });
  return child;
}

async function killed(child: ChildProcess): Promise<void> {
  const gone = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await gone;
}

async function until(cond: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("a worker process killed with SIGKILL mid-render", () => {
  it("is resumed by the restarted process: one task, one charge, one video", async () => {
    shared = await sqliteFactory().makeShared(1, { freeCredits: 0 });
    h = await startHarness({
      store: shared.stores[0]!,
      noQueue: true,
      kie: { scenario: { outcome: "hang" } },
    });
    const env = {
      ...h.env,
      DATABASE_PATH: shared.target,
      QUEUE_TEST_OPTIONS: JSON.stringify({ ...FAST, leaseMs: 1000 }),
    };
    const u = await h.user(5001, 1);
    const job = await h.job(u.id, u.tgId);

    // First process: renders, then every kie.ai request hangs so the worker is stuck in a
    // status check holding the lease — and is killed right there.
    const first = await spawnWorker(env);
    await until(async () => Boolean((await h!.store.getJobById(job.id))?.providerTaskId));
    h.kie.setHang(true);
    const pollsBefore = h.kie.requests.length;
    await until(() => h!.kie.requests.length > pollsBefore);
    const leased = await h.store.getJobById(job.id);
    expect(leased!.leaseOwner).not.toBeNull();
    await killed(first);

    // Second process after the crash: the provider works again and the render finishes.
    h.kie.setHang(false);
    const taskId = leased!.providerTaskId!;
    h.kie.complete(taskId);
    // The first lease (1 s) has run out; the second process holds its own long one, so a slow
    // heartbeat on a loaded machine cannot expire it mid-delivery and count a second attempt.
    await spawnWorker({ ...env, QUEUE_TEST_OPTIONS: JSON.stringify({ ...FAST, leaseMs: 30_000 }) });
    const done = await h.waitFor(job.id, ["succeeded", "failed"], 20_000);

    expect(done.status).toBe("succeeded");
    expect(done.providerTaskId).toBe(taskId);
    expect(done.attempts).toBe(1); // the lease that expired counts one attempt
    expect(h.kie.created).toBe(1);
    expect(h.tg.callsTo("sendVideo", u.tgId)).toHaveLength(1);
    const ledger = await h.store.getLedger(u.id, { limit: 50 });
    expect(ledger.filter((e) => e.reason === "job_charge")).toHaveLength(1);
    expect(ledger.filter((e) => e.reason === "refund")).toHaveLength(0);
    expect(await safeGetBalance(h.store, u.id)).toBe(0);
    expect(await ledgerSum(h.store, u.id)).toBe(0);
  });

  it("SIGTERM in the middle of a step: the step finishes, the job is given back, the next process renders it once", async () => {
    shared = await sqliteFactory().makeShared(1, { freeCredits: 0 });
    h = await startHarness({
      store: shared.stores[0]!,
      noQueue: true,
      kie: { scenario: { outcome: "success", polls: 1 } },
      env: { OPENAI_TIMEOUT_SECONDS: "1" },
    });
    const env = {
      ...h.env,
      DATABASE_PATH: shared.target,
      QUEUE_TEST_OPTIONS: JSON.stringify({ ...FAST, leaseMs: 30_000 }),
    };
    const u = await h.user(5002, 1);
    const job = await h.job(u.id, u.tgId);
    // OpenAI hangs: the worker sits in the prompt step (1 s timeout, then the fallback prompt).
    h.openai.setMode("hang");
    const first = await spawnWorker(env);
    await until(() => h!.openai.seen.length > 0);
    const exited = new Promise<number | null>((r) => first.once("exit", r));
    first.kill("SIGTERM");
    expect(await exited).toBe(0);
    const parked = await h.store.getJobById(job.id);
    expect(parked).toMatchObject({
      status: "processing",
      leaseOwner: null,
      step: "render",
      providerTaskId: null,
    });
    expect(parked!.generatedPrompt).toContain(catalogue.get("ugc")!.fallbackPrompt);
    expect(h.kie.created).toBe(0);
    h.openai.setMode("ok");
    await spawnWorker(env);
    const done = await h.waitFor(job.id, ["succeeded", "failed"], 20_000);
    expect(done.status).toBe("succeeded");
    expect(done.attempts).toBe(0);
    expect(h.kie.created).toBe(1);
    expect(h.openai.seen).toHaveLength(1);
  });
});
