import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { runCli } from "../src/cli/index.ts";
import type { CliIo } from "../src/cli/io.ts";
import { parseConfig } from "../src/config/index.ts";
import { telegramWebhookPath } from "../src/http/index.ts";
import { createLogger } from "../src/logger.ts";
import { buttonsOf } from "./fakes/telegram-server.ts";
import { type Fakes, startFakes } from "./smoke/fakes.ts";
import { makeOneVideo, reachConfirm, videoDelivered } from "./smoke/user-flow.ts";

let fakes: Fakes;
let dir: string;

beforeEach(async () => {
  // Renders finish 300 ms after creation and kie.ai calls back; only the callback (not the
  // 5-second poll schedule) can make the video arrive within the test's deadline.
  fakes = await startFakes({ kieScenario: { outcome: "success", afterMs: 300 } });
  dir = mkdtempSync(join(tmpdir(), "neurocards-app-"));
});
afterEach(async () => {
  await fakes.close();
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

const env = (port = 0) => ({
  ...fakes.env,
  DATABASE_PATH: join(dir, "data", "neurocards.db"),
  STORAGE_PATH: join(dir, "data", "files"),
  HTTP_HOST: "127.0.0.1",
  HTTP_PORT: String(port),
  SEND_RATE_PER_SECOND: "0",
  ...(port ? { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } : {}),
});

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("the whole app", () => {
  it("serves health, polls Telegram, delivers a video for a confirmed job, and stops cleanly", async () => {
    const logger = createLogger({ level: "silent" });
    const app = await createApp(parseConfig(env(await freePort())), logger);
    await app.start();
    try {
      await until(() => fakes.telegram.calls.some((c) => c.method === "getUpdates"), 10_000, "polling");
      const health = await fetch(`http://127.0.0.1:${app.port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: "ok",
        database: true,
        storage: true,
        polling: true,
      });

      await makeOneVideo(fakes.telegram, 9001, 4_000);
      expect([...fakes.kie.tasks.values()].map((t) => t.callbackSent)).toEqual([true]);
      let job = (await app.store.listLastJobs({ limit: 1 }))[0];
      for (let i = 0; i < 100 && job?.status !== "succeeded"; i++) {
        await new Promise((r) => setTimeout(r, 20));
        job = (await app.store.listLastJobs({ limit: 1 }))[0];
      }
      expect(job).toMatchObject({ status: "succeeded", creditsCharged: 1 });
    } finally {
      const t0 = Date.now();
      await app.stop();
      expect(Date.now() - t0).toBeLessThan(10_000);
    }
    // Polling has stopped: nothing asks Telegram for updates any more.
    const polls = fakes.telegram.calls.filter((c) => c.method === "getUpdates").length;
    await new Promise((r) => setTimeout(r, 300));
    expect(fakes.telegram.calls.filter((c) => c.method === "getUpdates").length).toBe(polls);
  });

  it("an admin opens /admin and /console without accepting the sellers' terms; a seller who has not accepted them is shown the terms", async () => {
    const port = await freePort();
    const app = await createApp(
      parseConfig({ ...env(port), ADMIN_IDS: "9101" }),
      createLogger({ level: "silent" }),
    );
    await app.start();
    try {
      const admin = fakes.telegram.user({ id: 9101, language_code: "ru" });
      admin.command("admin");
      const panel = await admin.next(/Neurocards —/);
      expect(buttonsOf(panel).map((b) => b.callback_data)).toContain("adm:console");
      admin.command("console");
      expect((await admin.next(/console|консоль/i)).text).toMatch(/\/console\/login/);
      const seller = fakes.telegram.user({ id: 9102, language_code: "en" });
      seller.command("admin");
      expect((await seller.next()).text).toMatch(/terms/i);
    } finally {
      await app.stop();
    }
  });

  it("`neurocards run` shuts down on SIGTERM with exit code 0 within 10 s", async () => {
    let signal: (s: NodeJS.Signals) => void = () => {};
    const lines: string[] = [];
    const io: CliIo = {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
      env: env(),
      cwd: dir,
      execPath: join(dir, "neurocards"),
      isTTY: false,
      logDestination: { write: (l) => lines.push(l) },
      waitForSignal: () =>
        new Promise((resolve) => {
          signal = resolve;
        }),
    };
    const running = runCli(["run"], io);
    await until(() => fakes.telegram.calls.some((c) => c.method === "getUpdates"), 10_000, "polling");
    const t0 = Date.now();
    signal("SIGTERM");
    expect(await running).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(lines.join("\n")).toMatch(/"msg":"stopped"/);
    expect(lines.join("\n")).not.toMatch(/"level":(50|60)/);
  });

  it("in webhook mode registers its secret webhook URL and answers updates posted there", async () => {
    const port = await freePort();
    const config = parseConfig({ ...env(port), WEBHOOK_URL: "https://bot.example.com" });
    const app = await createApp(config, createLogger({ level: "silent" }));
    await app.start();
    try {
      const path = telegramWebhookPath(config);
      expect(fakes.telegram.webhook).toMatchObject({
        url: `https://bot.example.com${path}`,
        secret: config.telegram.webhook?.secret,
      });
      const user = fakes.telegram.user({ id: 9101, language_code: "en" });
      const message = fakes.telegram.userMessage(user.profile, {
        text: "/start",
        entities: [{ type: "bot_command", offset: 0, length: 6 }],
      });
      const post = (secret: string) =>
        fetch(`http://127.0.0.1:${port}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
          body: JSON.stringify({ update_id: 1, message }),
        });
      expect((await post("not-the-secret")).status).toBeGreaterThanOrEqual(400);
      expect((await post(config.telegram.webhook?.secret ?? "")).status).toBe(200);
      expect((await user.next(/accept/i, 5_000)).text).toBeTruthy();
      expect(fakes.telegram.calls.some((c) => c.method === "getUpdates")).toBe(false);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await app.stop();
    }
  });

  it("`neurocards run` on a busy HTTP port says so, closes what it opened and exits 1", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as { port: number }).port;
    const lines: string[] = [];
    try {
      const code = await runCli(["run"], {
        out: (l) => lines.push(l),
        err: (l) => lines.push(l),
        env: { ...env(), HTTP_PORT: String(port) },
        cwd: dir,
        execPath: join(dir, "neurocards"),
        isTTY: false,
        logDestination: { write: () => {} },
        waitForSignal: () => new Promise(() => {}),
      });
      expect(code).toBe(1);
      expect(lines.join("\n")).toContain(`HTTP port 127.0.0.1:${port} is in use`);
      expect(fakes.telegram.calls.some((c) => c.method === "getUpdates")).toBe(false);
    } finally {
      busy.close();
    }
  });

  it("stops within 10 s while a render is in flight; after a restart the same render is delivered, not paid twice", async () => {
    const config = parseConfig(env(await freePort()));
    const quiet = createLogger({ level: "silent" });
    const first = await createApp(config, quiet);
    await first.start();
    fakes.kie.nextTasks({ outcome: "hang" });
    const { user, confirm } = await reachConfirm(fakes.telegram, 9201);
    user.tap(confirm, /confirm/i);
    await until(() => fakes.kie.created === 1, 10_000, "the render to start");
    const t0 = Date.now();
    await first.stop();
    expect(Date.now() - t0).toBeLessThan(10_000);

    const second = await createApp(config, quiet);
    await second.start();
    try {
      const [task] = [...fakes.kie.tasks.values()];
      fakes.kie.complete(task!.taskId);
      await videoDelivered(user, 10_000);
      expect(fakes.kie.created).toBe(1);
    } finally {
      await second.stop();
    }
  });
});
