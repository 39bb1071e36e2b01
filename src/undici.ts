// undici, the HTTP client of the queue's outgoing calls (kie.ai, OpenAI's proxy, the Telegram
// sender, file and result downloads), loaded on its first use and shared by all of them.
// Evaluating it also loads node:http2 (its HTTP/2 client requires it up front): ~15 MB of
// resident memory that a process which only polls and waits for orders never needs
// (BENCHMARKS.md, idle RSS). `import type` from "undici" stays free.
let loading: Promise<typeof import("undici")> | undefined;

export function undici(): Promise<typeof import("undici")> {
  loading ??= import("undici");
  return loading;
}
