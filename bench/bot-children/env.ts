// What both bench:bot children share: their settings from the parent, and the ready/stop handshake.

export function childEnv() {
  return {
    apiRoot: process.env.BENCH_API_ROOT ?? "",
    token: process.env.BENCH_TOKEN ?? "",
    db: process.env.BENCH_DB ?? "",
    debug: Boolean(process.env.BENCH_DEBUG),
  };
}

/** Tells the parent the bot polls, and stops it cleanly on SIGTERM. */
export function signalReady(stop: () => Promise<void>): void {
  process.stdout.write("ready\n");
  process.once("SIGTERM", () => void stop().then(() => process.exit(0)));
}
