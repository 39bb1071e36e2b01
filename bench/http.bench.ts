// HTTP benchmarks: our server beside nginx and a bare node:http + createReadStream server, all
// serving the same 5 MB file on loopback in the same run, plus /healthz of our server (real
// SQLite ping, statfs, polling flag). `npm run bench:http`.
//
// Each server runs in its own process and wrk (one thread; autocannon when wrk is missing) drives
// them. nginx runs as Debian ships it (`worker_processes auto`: one worker per core), so it may use
// both cores while our server is one Node process — the comparison errs against us. nginx and wrk
// are installed with apt when missing; bench only, never in tests or CI.
//
// Targets: ours ≥ 0.75× nginx MB/s on the 5 MB file; /healthz ≥ 5,000 requests/s.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import autocannon from "autocannon";
import { parseConfig } from "../src/config/index.ts";
import { openSqliteStore } from "../src/db/index.ts";
import { createHttpServer } from "../src/http/index.ts";
import { createLogger } from "../src/logger.ts";
import { createMetrics } from "../src/metrics.ts";
import { createStorage } from "../src/storage/index.ts";

const DURATION = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 10);
const FILE_BYTES = 5 * 1024 * 1024;
const logger = createLogger({ level: "silent", pretty: false });

function configFor(dir: string) {
  return parseConfig({
    BOT_TOKEN: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_bench",
    STORAGE_PATH: join(dir, "files"),
    DATABASE_PATH: join(dir, "bench.db"),
    PUBLIC_BASE_URL: "http://127.0.0.1",
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: "0",
    LINK_SECRET: "bench-link-secret-0123456789abcdef",
  });
}

// --- child modes: one server per process -------------------------------------------------------

async function serveOurs(dir: string): Promise<number> {
  const config = configFor(dir);
  const store = await openSqliteStore({
    path: config.database.type === "sqlite" ? config.database.path : "",
    freeCredits: 1,
    logger,
  });
  const storage = createStorage(config, logger);
  const server = createHttpServer({
    config,
    store,
    storage,
    metrics: createMetrics(),
    logger,
    health: {
      database: () => store.ping(),
      storage: () => storage.healthy(),
      polling: () => true,
    },
    onKieCallback: () => {},
  });
  return (await server.listen()).port;
}

async function serveBare(file: string): Promise<number> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "video/mp4", "Content-Length": statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  return typeof addr === "object" && addr ? addr.port : 0;
}

// --- the driver ------------------------------------------------------------------------------------

function startChild(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", import.meta.filename, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => resolve({ child, port: Number(d.toString().trim()) }));
    child.once("exit", (code) => reject(new Error(`${args[0]} server exited with ${code}`)));
  });
}

/** apt-get install, refreshing the package lists once if the first try fails. */
function aptInstall(pkg: string): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const apt = (args: string[]) => execFileSync("apt-get", args, { stdio: "ignore", env });
  try {
    apt(["install", "-y", "-qq", pkg]);
    return true;
  } catch {
    try {
      apt(["update", "-qq"]);
      apt(["install", "-y", "-qq", pkg]);
      return true;
    } catch {
      return false;
    }
  }
}

function ensureNginx(): string | undefined {
  const find = () => {
    for (const p of ["/usr/sbin/nginx", "/usr/bin/nginx"]) if (existsSync(p)) return p;
    return undefined;
  };
  if (find()) return find();
  console.log("installing nginx (apt, bench only)…");
  if (!aptInstall("nginx"))
    console.log("nginx could not be installed; comparing with the bare node server only");
  return find();
}

async function startNginx(
  bin: string,
  dir: string,
  fileDir: string,
): Promise<{ stop(): void; port: number }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `worker_processes auto;
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "nginx-error.log")} warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types { video/mp4 mp4; }
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server {
    listen 127.0.0.1:${port};
    root ${fileDir};
  }
}
`,
  );
  const child = spawn(bin, ["-c", conf, "-p", dir], { stdio: "inherit" });
  await new Promise((r) => setTimeout(r, 500));
  return { port, stop: () => child.kill("SIGTERM") };
}

interface Row {
  target: string;
  server: string;
  reqPerSec: number;
  mbPerSec: number;
  errors: number;
}

interface Sample {
  reqPerSec: number;
  mbPerSec: number;
  errors: number;
}

function ensureWrk(): boolean {
  const has = () => existsSync("/usr/bin/wrk");
  if (!has() && !aptInstall("wrk")) console.log("wrk could not be installed; using autocannon");
  return has();
}

const UNITS: Record<string, number> = { B: 1 / 1024 / 1024, KB: 1 / 1024, MB: 1, GB: 1024 };

// wrk (C, one thread) rather than autocannon when available: autocannon parses bodies in JS and
// saturates long before nginx does on a 5 MB file, which would hide the servers' differences.
function wrk(url: string, seconds: number): Sample {
  const out = execFileSync("wrk", ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, url], { encoding: "utf8" });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const t = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(out);
  const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1];
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    reqPerSec: rps,
    mbPerSec: t ? Number(t[1]) * (UNITS[t[2]!] ?? 1) : 0,
    errors: Number(errs ?? 0) + socketErrors,
  };
}

async function cannon(url: string, seconds: number): Promise<Sample> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  return {
    reqPerSec: r.requests.average,
    mbPerSec: r.throughput.average / 1024 / 1024,
    errors: r.errors + r.non2xx + r.timeouts,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The machine is shared, so the targets are measured in interleaved rounds (A B C, A B C, …) and
 * each reports its median round: a burst of someone else's load hits all of them alike.
 */
async function measure(
  targets: Array<{ target: string; server: string; url: string }>,
  useWrk: boolean,
): Promise<Row[]> {
  const run = (url: string, sec: number) => (useWrk ? Promise.resolve(wrk(url, sec)) : cannon(url, sec));
  for (const t of targets) await run(t.url, 1); // warm-up: JIT, page cache, keep-alive pools
  const samples = targets.map(() => [] as Sample[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, t] of targets.entries()) samples[i]!.push(await run(t.url, DURATION));
  }
  return targets.map((t, i) => ({
    target: t.target,
    server: t.server,
    reqPerSec: Math.round(median(samples[i]!.map((s) => s.reqPerSec))),
    mbPerSec: Math.round(median(samples[i]!.map((s) => s.mbPerSec))),
    errors: samples[i]!.reduce((a, s) => a + s.errors, 0),
  }));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "nc-http-bench-"));
  const children: Array<() => void> = [];
  try {
    const config = configFor(dir);
    const storage = createStorage(config, logger);
    const file = await storage.put("results", randomBytes(FILE_BYTES), { ext: "mp4" });
    const filePath = storage.localPath(file.key)!;
    const token = new URL(storage.publicUrl(file.key, 3600)!).pathname;

    const ours = await startChild(["--serve", "ours", dir]);
    children.push(() => ours.child.kill());
    const bare = await startChild(["--serve", "bare", filePath]);
    children.push(() => bare.child.kill());
    const nginxBin = ensureNginx();
    const nginx = nginxBin ? await startNginx(nginxBin, dir, dirname(filePath)) : undefined;
    if (nginx) children.push(() => nginx.stop());

    const useWrk = ensureWrk();
    const fileTargets = [
      ...(nginx
        ? [
            {
              target: "5 MB file",
              server: "nginx",
              url: `http://127.0.0.1:${nginx.port}/${file.key.split("/").pop()}`,
            },
          ]
        : []),
      { target: "5 MB file", server: "bare node:http", url: `http://127.0.0.1:${bare.port}/` },
      { target: "5 MB file", server: "ours (/f/<token>)", url: `http://127.0.0.1:${ours.port}${token}` },
    ];
    const rows = [
      ...(await measure(fileTargets, useWrk)),
      ...(await measure(
        [{ target: "/healthz", server: "ours", url: `http://127.0.0.1:${ours.port}/healthz` }],
        useWrk,
      )),
    ];
    console.log(
      `\nHTTP bench (${useWrk ? "wrk -t1" : "autocannon"}): ${CONNECTIONS} connections, median of ${ROUNDS} interleaved ${DURATION} s rounds, loopback\n`,
    );
    console.table(rows);
    const mb = (s: string) =>
      rows.find((r) => r.target === "5 MB file" && r.server.startsWith(s))?.mbPerSec ?? 0;
    const health = rows.find((r) => r.target === "/healthz")?.reqPerSec ?? 0;
    const checks: string[] = [];
    if (nginx) {
      const ratio = mb("ours") / mb("nginx");
      checks.push(
        `ours/nginx MB/s = ${ratio.toFixed(2)} (target ≥ 0.75) ${ratio >= 0.75 ? "OK" : "BELOW TARGET"}`,
      );
    }
    checks.push(`ours/bare node MB/s = ${(mb("ours") / mb("bare")).toFixed(2)}`);
    checks.push(`/healthz = ${health} req/s (target ≥ 5000) ${health >= 5000 ? "OK" : "BELOW TARGET"}`);
    for (const c of checks) console.log(c);
    if (rows.some((r) => r.errors > 0))
      console.log(
        "warning: some requests failed",
        rows.filter((r) => r.errors),
      );
  } finally {
    for (const stop of children) stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--serve") {
  const port =
    process.argv[3] === "ours" ? await serveOurs(process.argv[4]!) : await serveBare(process.argv[4]!);
  process.stdout.write(`${port}\n`);
} else {
  await main();
}
