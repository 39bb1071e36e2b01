// The bot as a child process under a tiny supervisor that behaves like systemd's
// Restart=on-failure: when the bot exits by itself it is started again after a second. The chaos
// driver kills it with SIGKILL at random moments; its output goes to a log file for the post-mortem.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";

export interface BotProcess {
  /** Starts the bot (no-op when it runs). */
  start(): void;
  /** SIGKILL, waits for the exit; returns the dead process's pid (its leases name it). */
  kill9(): Promise<number | null>;
  /** SIGTERM and wait (a clean stop). */
  stop(): Promise<void>;
  readonly running: boolean;
  /** Exits the driver did not cause (crashes, a refused start while the database is down). */
  readonly selfExits: number;
  readonly starts: number;
  close(): Promise<void>;
}

export function botProcess(opts: {
  command: string[];
  env: Record<string, string>;
  cwd: string;
  log: string;
}): BotProcess {
  const log: WriteStream = createWriteStream(opts.log, { flags: "a" });
  let child: ChildProcess | null = null;
  let intended = false;
  let closed = false;
  let selfExits = 0;
  let starts = 0;
  let restartTimer: NodeJS.Timeout | null = null;

  const exited = (c: ChildProcess) =>
    new Promise<void>((resolve) =>
      c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve()),
    );

  function start(): void {
    if (child || closed) return;
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = null;
    const [cmd, ...args] = opts.command;
    const c = spawn(cmd as string, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    starts++;
    log.write(`\n=== chaos: start #${starts} pid ${c.pid} at ${new Date().toISOString()}\n`);
    c.stdout?.pipe(log, { end: false });
    c.stderr?.pipe(log, { end: false });
    child = c;
    intended = false;
    c.once("exit", (code, signal) => {
      log.write(`=== chaos: pid ${c.pid} exited (${signal ?? code})${intended ? "" : " by itself"}\n`);
      if (child === c) child = null;
      if (!intended && !closed) {
        selfExits++;
        restartTimer = setTimeout(start, 1000);
      }
    });
  }

  async function signal(sig: NodeJS.Signals): Promise<number | null> {
    const c = child;
    if (!c) return null;
    intended = true;
    c.kill(sig);
    await exited(c);
    return c.pid ?? null;
  }

  return {
    start,
    kill9: () => signal("SIGKILL"),
    async stop() {
      const c = child;
      if (!c) return;
      const late = setTimeout(() => c.kill("SIGKILL"), 15_000);
      await signal("SIGTERM");
      clearTimeout(late);
    },
    get running() {
      return child !== null;
    },
    get selfExits() {
      return selfExits;
    },
    get starts() {
      return starts;
    },
    async close() {
      closed = true;
      if (restartTimer) clearTimeout(restartTimer);
      await this.stop();
      await new Promise((resolve) => log.end(resolve));
    },
  };
}
