// A TCP proxy between the bot and Postgres, so an outage can be made without touching the shared
// server: `cut()` resets every open connection and refuses new ones until `restore()`;
// `restart()` resets the open connections but keeps accepting (a server restart as clients see it).
import { connect, createServer, type Server, type Socket } from "node:net";

export interface PgProxy {
  readonly port: number;
  cut(): void;
  restore(): void;
  restart(): void;
  readonly down: boolean;
  close(): Promise<void>;
}

/** `listenHost`: where clients connect (loopback by default; a bridge's address serves other network namespaces). */
export async function startPgProxy(
  target: { host: string; port: number },
  listenHost = "127.0.0.1",
): Promise<PgProxy> {
  const open = new Set<Socket>();
  let down = false;
  const reset = () => {
    for (const s of open) s.resetAndDestroy();
    open.clear();
  };
  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      open.add(a);
      a.pipe(b);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        open.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    get down() {
      return down;
    },
    cut() {
      down = true;
      reset();
    },
    restore() {
      down = false;
    },
    restart: reset,
    async close() {
      down = true;
      reset();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
