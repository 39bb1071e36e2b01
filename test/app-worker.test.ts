import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.ts";
import type { CliIo } from "../src/cli/io.ts";
import { parseConfig } from "../src/config/index.ts";
import { createStore } from "../src/db/index.ts";
import { createLogger } from "../src/logger.ts";
import { TINY_PNG } from "./fakes/telegram-server.ts";
import { createJobAndConsumeCredit } from "./helpers/store-ops.ts";
import { type Fakes, startFakes } from "./smoke/fakes.ts";

const url = process.env.TEST_DATABASE_URL;
if (!url) console.warn("⚠ TEST_DATABASE_URL is not set: the `neurocards worker` test on Postgres is SKIPPED");

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

describe.skipIf(!url)("`neurocards worker` on Postgres", () => {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  let admin: pg.Client;
  let fakes: Fakes;
  let dir: string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    fakes = await startFakes({ kieScenario: { outcome: "success", afterMs: 300 } });
    dir = mkdtempSync(join(tmpdir(), "neurocards-worker-"));
  });
  afterAll(async () => {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
    await fakes.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("renders and delivers queued jobs without ever polling Telegram, and stops on SIGTERM", async () => {
    const port = await freePort();
    const dbUrl = `${url}${url!.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const env = {
      ...fakes.env,
      DATABASE_TYPE: "postgres",
      DATABASE_URL: dbUrl,
      STORAGE_PATH: join(dir, "files"),
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      SEND_RATE_PER_SECOND: "0",
    };
    let signal: (s: NodeJS.Signals) => void = () => {};
    const logs: string[] = [];
    const io: CliIo = {
      out: (l) => logs.push(l),
      err: (l) => logs.push(l),
      env: { ...env },
      cwd: dir,
      execPath: join(dir, "neurocards"),
      isTTY: false,
      logDestination: { write: (l) => logs.push(l) },
      waitForSignal: () =>
        new Promise((resolve) => {
          signal = resolve;
        }),
    };
    const worker = runCli(["worker"], io);

    // The seller's side, as `neurocards run` on another machine would write it.
    const store = await createStore(parseConfig(env), createLogger({ level: "silent" }));
    try {
      const { user } = await store.getOrCreateUser({ tgId: 6060, firstName: "Remote" });
      // The seller's photo, as they sent it to the polling bot elsewhere (it also opens the chat).
      const { file: photo } = fakes.telegram.user({ id: 6060 }).photo({ bytes: TINY_PNG });
      const created = await createJobAndConsumeCredit(store, user.id, {
        chatId: 6060,
        template: "broll",
        model: "sora-2-image-to-video",
        language: "en",
        photoFileId: photo.fileId,
        productText: "Matte black ceramic mug, 350 ml, keeps coffee hot for an hour.",
        cost: 1,
        idempotencyKey: `worker-test-${schema}`,
      });
      if (!created.ok) throw new Error(`job not created: ${created.reason}`);
      await admin.query("select pg_notify('neurocards_jobs', '')");

      let job = await store.getJobById(created.job.id);
      for (let i = 0; i < 500 && job?.status !== "succeeded" && job?.status !== "failed"; i++) {
        await new Promise((r) => setTimeout(r, 20));
        job = await store.getJobById(created.job.id);
      }
      expect(job, logs.join("\n")).toMatchObject({ status: "succeeded" });
      expect(fakes.telegram.calls.some((c) => c.method === "sendVideo" && c.chatId === 6060)).toBe(true);
      expect(fakes.telegram.calls.some((c) => c.method === "getUpdates")).toBe(false);
    } finally {
      await store.close();
    }

    const t0 = Date.now();
    signal("SIGTERM");
    expect(await worker).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
