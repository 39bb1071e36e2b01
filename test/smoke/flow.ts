// Smoke test of the built executable: starts it against the fake providers and walks one user
// from /start to the delivered video, then stops it with SIGTERM.
//   npx tsx test/smoke/flow.ts build/neurocards
// With SMOKE_DATA_DIR set, the run's data directory is that folder and is kept. SMOKE_S3=1 keeps
// the files in an S3-protocol server (s3rver) instead: STORAGE_TYPE=s3, the SDK as bundled, and the
// photo and the video must end up in the bucket. SMOKE_SLOWDOWN=N
// gives each wait N times as long (an executable for another CPU runs under qemu in smoke.sh).
// Prints the start-up time to polling and the time from Confirm to the video; exits non-zero on
// any failure with the executable's output.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type FakeS3, startFakeS3 } from "../fakes/s3-server.ts";
import { startFakes } from "./fakes.ts";
import { makeOneVideo, type SellerLanguage, signInToConsole } from "./user-flow.ts";

const ADMIN = 7100;

const exe = resolve(process.argv[2] ?? "build/neurocards");
const slowdown = Number(process.env.SMOKE_SLOWDOWN ?? "1");
// SMOKE_LANG=ru: the seller writes in Russian (language_code ru) and taps the Russian buttons.
const lang: SellerLanguage = process.env.SMOKE_LANG === "ru" ? "ru" : "en";

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (child.exitCode !== null) done(child.exitCode);
    else child.once("exit", (code) => done(code));
  });
}

async function main(): Promise<void> {
  const fakes = await startFakes();
  const s3: FakeS3 | null = process.env.SMOKE_S3 === "1" ? await startFakeS3(["files"]) : null;
  // SMOKE_DATA_DIR keeps the data afterwards (smoke.sh backs it up and restores it).
  const keep = process.env.SMOKE_DATA_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), "neurocards-smoke-"));
  const port = await freePort();
  let output = "";
  let stderr = "";
  const child = spawn(exe, ["run"], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: join(dir, "home"),
      ...fakes.env,
      DATABASE_PATH: join(dir, "data", "neurocards.db"),
      STORAGE_PATH: join(dir, "data", "files"),
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: String(port),
      SEND_RATE_PER_SECOND: "0",
      LOG_LEVEL: "info",
      ADMIN_IDS: String(ADMIN),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      ...s3?.env("files"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
    stderr += d.toString();
  });
  const fail = async (why: string): Promise<never> => {
    child.kill("SIGKILL");
    await fakes.close();
    process.stderr.write(`--- neurocards output ---\n${output}\n--- end ---\n`);
    throw new Error(why);
  };

  try {
    const t0 = performance.now();
    while (!fakes.telegram.calls.some((c) => c.method === "getUpdates")) {
      if (child.exitCode !== null) await fail(`neurocards exited with ${child.exitCode} before polling`);
      if (performance.now() - t0 > 20_000 * slowdown) {
        await fail(`neurocards did not start polling within ${20 * slowdown} s`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const toPolling = performance.now() - t0;
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    if (health.status !== 200) await fail(`/healthz answered ${health.status}: ${await health.text()}`);
    // Node's own warnings (experimental SEA, deprecations) go to stderr as "(node:PID) ...Warning".
    if (/\(node:\d+\)|Warning:/.test(stderr)) await fail(`neurocards printed a warning on start: ${stderr}`);

    const toVideo = await makeOneVideo(fakes.telegram, 7001, 60_000 * slowdown, lang);
    const consoleOk = await signInToConsole(
      fakes.telegram,
      ADMIN,
      `http://127.0.0.1:${port}`,
      15_000 * slowdown,
    );
    if (consoleOk !== true) await fail(consoleOk);
    if (s3) {
      const kinds = (await s3.keys("files")).map((k) => k.split("/")[0]).sort();
      if (kinds.join() !== "inputs,results")
        await fail(`the bucket holds ${kinds.join() || "nothing"}, not a photo and a video`);
    }

    const t2 = performance.now();
    child.kill("SIGTERM");
    const code = await Promise.race([
      exited(child),
      new Promise<"late">((r) => setTimeout(r, 10_000 * slowdown, "late")),
    ]);
    if (code === "late") await fail(`neurocards did not exit within ${10 * slowdown} s of SIGTERM`);
    if (code !== 0) await fail(`neurocards exited with ${code} after SIGTERM`);
    const toExit = performance.now() - t2;
    process.stdout.write(
      `smoke flow (${lang}${s3 ? ", object storage" : ""}) ok: polling after ${toPolling.toFixed(0)} ms, video ${toVideo.toFixed(0)} ms after Confirm, console signed in, exit ${toExit.toFixed(0)} ms after SIGTERM\n`,
    );
  } catch (err) {
    if (child.exitCode === null) await fail(String(err));
    throw err;
  } finally {
    await fakes.close().catch(() => {});
    await s3?.close().catch(() => {});
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`smoke flow FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
