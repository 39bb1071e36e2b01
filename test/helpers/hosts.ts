// Machines for a test, made of Linux network namespaces: each "host" is a namespace with its own
// loopback and one address on a private subnet, joined to the test's own bridge in the root
// namespace by a veth pair. Servers the hosts share (the fakes, S3, a way to Postgres) listen on
// the bridge's address, which every host reaches directly (no routing, no forwarding). Needs root;
// `hostsUnavailable()` says why not before a test tries. Names carry the test process's pid so
// concurrent runs do not collide, and `remove()` deletes everything made, also after a failure.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";

export interface Host {
  readonly name: string;
  /** The namespace's name (`ip netns exec <ns> …`). */
  readonly ns: string;
  readonly address: string;
}

export interface Hosts {
  /** The bridge's address in the root namespace: where shared servers listen. */
  readonly gateway: string;
  readonly hosts: Record<string, Host>;
  /** Starts a program on a host (stdout and stderr piped). */
  spawn(host: Host, command: string[], opts: { env: Record<string, string>; cwd: string }): ChildProcess;
  /** Deletes the namespaces, their links and the bridge; each step is tried even if one fails. */
  remove(): void;
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

/** Why namespaces cannot be made here (not root, no `ip`, a kernel or sandbox refusing), or null. */
export function hostsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "not running as root";
  const probe = `ncprobe${process.pid}`;
  try {
    ip("netns", "add", probe);
  } catch (e) {
    return `\`ip netns add\` failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
  try {
    ip("netns", "del", probe);
  } catch {
    // Made but not removable would be odd; the name is unique to this process anyway.
  }
  return null;
}

/** Hosts `names` on 10.213.<n>.0/24, n picked from the pid (the bridge is .1, hosts from .11). */
export function createHosts(names: string[]): Hosts {
  const id = process.pid;
  const net = `10.213.${id % 250}`;
  const bridge = `ncb${id}`;
  const made: { netns: string[]; links: string[] } = { netns: [], links: [] };
  const remove = (): void => {
    for (const ns of made.netns.splice(0)) {
      try {
        ip("netns", "del", ns);
      } catch {}
    }
    for (const link of made.links.splice(0).reverse()) {
      try {
        ip("link", "del", link);
      } catch {
        // A veth goes with its peer's namespace; only the bridge is usually left here.
      }
    }
  };
  const hosts: Record<string, Host> = {};
  // A test runner that exits without its afterAll (a crash, a second Ctrl+C) still cleans up.
  process.once("exit", remove);
  try {
    ip("link", "add", bridge, "type", "bridge");
    made.links.push(bridge);
    ip("addr", "add", `${net}.1/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    names.forEach((name, i) => {
      const ns = `nc${id}-${name}`;
      const outer = `nc${id}v${i}`;
      const inner = `nc${id}p${i}`;
      const address = `${net}.${11 + i}`;
      ip("netns", "add", ns);
      made.netns.push(ns);
      ip("link", "add", outer, "type", "veth", "peer", "name", inner);
      made.links.push(outer);
      ip("link", "set", outer, "master", bridge);
      ip("link", "set", outer, "up");
      ip("link", "set", inner, "netns", ns);
      ip("-n", ns, "addr", "add", `${address}/24`, "dev", inner);
      ip("-n", ns, "link", "set", inner, "up");
      ip("-n", ns, "link", "set", "lo", "up");
      hosts[name] = { name, ns, address };
    });
  } catch (e) {
    remove();
    throw e;
  }
  return {
    gateway: `${net}.1`,
    hosts,
    // `ip netns exec` execs the program: the child's pid is the program's own.
    spawn: (host, command, opts) =>
      spawn("ip", ["netns", "exec", host.ns, ...command], {
        cwd: opts.cwd,
        env: opts.env,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    remove,
  };
}
