// Debian's PgBouncer in transaction mode on a free loopback port, in front of the test Postgres:
// what Supabase's pooler (port 6543) does to session state — a server connection per transaction,
// so LISTEN, session locks and named prepared statements do not survive — reproduced locally.
// The pool is kept small so that clients really share server connections.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const PGBOUNCER = "/usr/sbin/pgbouncer";
export const hasPgbouncer = (): boolean => existsSync(PGBOUNCER);

export interface Pgbouncer {
  port: number;
  /** `upstream` with its host and port replaced by the pooler's. */
  urlFor(upstream: string): string;
  /** What PgBouncer logged (connections, errors). */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const c = connect(port, "127.0.0.1");
    c.once("connect", () => {
      c.destroy();
      done(true);
    });
    c.once("error", () => done(false));
  });
}

/** Starts PgBouncer (pool_mode=transaction) forwarding every database to `upstream`'s server. */
export async function startPgbouncer(upstream: string, poolSize = 2): Promise<Pgbouncer> {
  const target = new URL(upstream);
  const user = decodeURIComponent(target.username || "postgres");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "nc-pgbouncer-"));
  // PgBouncer refuses to run as root: as root it drops to `postgres` (-u), which must read these.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, "users.txt"), `"${user}" ""\n`, { mode: 0o644 });
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${target.hostname} port=${target.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${poolSize}`,
      "max_client_conn = 500",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  const args = [...(process.getuid?.() === 0 ? ["-u", "postgres"] : []), join(dir, "pgbouncer.ini")];
  const child: ChildProcess = spawn(PGBOUNCER, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  for (let i = 0; !(await accepts(port)); i++) {
    if (child.exitCode !== null || i > 100) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pgbouncer did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    urlFor(u) {
      const url = new URL(u);
      url.hostname = "127.0.0.1";
      url.port = String(port);
      return url.toString();
    },
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
