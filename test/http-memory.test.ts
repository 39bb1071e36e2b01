import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { get } from "node:http";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStorage } from "../src/storage/index.ts";
import type { Storage } from "../src/storage/types.ts";
import { silentLogger, tempDir, testConfig } from "./helpers/http.ts";

const SIZE = 200 * 1024 * 1024;
const MB = 1024 * 1024;

/** Resident memory of another process, from /proc (Linux). */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

describe("streaming a 200 MB file", () => {
  const dir = tempDir();
  let storage: Storage;
  let child: ChildProcess;
  let port: number;
  const key = "results/2026/01/01/0123456789abcdef0123456789abcdef.mp4";

  beforeAll(async () => {
    storage = createStorage(testConfig(dir.path), silentLogger());
    // A sparse file: 200 MB to serve, almost nothing on disk, never committed.
    const path = storage.localPath(key)!;
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, "w");
    ftruncateSync(fd, SIZE);
    closeSync(fd);
    child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "helpers/http-file-server.ts"), dir.path],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    port = await new Promise<number>((resolve, reject) => {
      child.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
  });
  afterAll(() => {
    child.kill();
    dir.cleanup();
  });

  it("keeps the server's memory flat while a slow client reads it (backpressure, not buffering)", async () => {
    const pid = child.pid!;
    const path = new URL(storage.publicUrl(key, 600)!).pathname;
    const baseline = rssOf(pid);
    let peak = baseline;
    let afterStall = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(pid));
    }, 10);

    const received = await new Promise<number>((resolve, reject) => {
      get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        let bytes = 0;
        let chunks = 0;
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          chunks++;
          // A client that stops reading for a while, then reads in fits and starts: a server that
          // ignored backpressure would pile the file up in memory meanwhile.
          const pause = chunks === 1 ? 700 : chunks % 200 === 0 ? 15 : 0;
          if (pause) {
            res.pause();
            setTimeout(() => {
              if (chunks === 1) afterStall = rssOf(pid);
              res.resume();
            }, pause);
          }
        });
        res.on("end", () => resolve(bytes));
        res.on("error", reject);
      }).on("error", reject);
    });
    clearInterval(sampler);

    expect(received).toBe(SIZE);
    // While the client reads nothing, the server reads nothing more than socket buffers hold.
    expect((afterStall - baseline) / MB).toBeLessThan(20);
    // Over the whole download: V8 frees spent read buffers lazily (a GC comes after ~64 MB of
    // external memory), so the bound is half the file; a server that buffered would grow by ~200 MB.
    expect((peak - baseline) / MB).toBeLessThan(100);
  });
});
