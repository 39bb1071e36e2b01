// The three fake providers (Bot API, kie.ai, OpenAI) for the smoke test of the built executable.
// Run directly (`npx tsx test/smoke/fakes.ts`) it starts them, prints the environment that points
// neurocards at them as KEY=VALUE lines, and serves until SIGTERM; test/smoke/flow.ts imports
// startFakes() to drive a user through the fake Bot API in the same process.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createKieServer, type FakeKie, type TaskScenario } from "../fakes/kie-server.ts";
import { createOpenAiServer, type FakeOpenAi } from "../fakes/openai-server.ts";
import { FakeTelegram } from "../fakes/telegram-server.ts";

export const KIE_KEY = "smoke-kie-key";
export const OPENAI_KEY = "sk-smoke";

export interface Fakes {
  telegram: FakeTelegram;
  kie: FakeKie;
  openai: FakeOpenAi;
  /** Environment that points neurocards at the fakes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * `neurocards doctor` checks the OpenAI key with `GET /models`, which the prompt-writer fake does
 * not serve: this front answers it (with the same key check) and forwards everything else.
 */
async function modelsFront(
  target: string,
  apiKey: string,
  host: string,
): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url?.endsWith("/models")) {
      const ok = req.headers.authorization === `Bearer ${apiKey}`;
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          ok ? { object: "list", data: [{ id: "gpt-4o-mini", object: "model" }] } : { error: {} },
        ),
      );
      return;
    }
    const fwd = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    fwd.on("error", () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { url: `http://${host}:${(server.address() as AddressInfo).port}${upstream.pathname}`, server };
}

/**
 * `kieScenario`: how renders end (default: done at the second status check). `host`: the address
 * the fakes listen on (loopback by default; a bridge's address serves other network namespaces).
 * `openAiLatencyMs`: how long each completion takes (default: at once).
 */
export async function startFakes(
  opts: { kieScenario?: TaskScenario; host?: string; openAiLatencyMs?: number } = {},
): Promise<Fakes> {
  const host = opts.host ?? "127.0.0.1";
  const telegram = await new FakeTelegram().listen(host);
  const kie = createKieServer({
    keys: { [KIE_KEY]: true },
    scenario: opts.kieScenario ?? { outcome: "success", polls: 1 },
  });
  await kie.start(0, host);
  const openai = createOpenAiServer({ apiKey: OPENAI_KEY, latencyMs: opts.openAiLatencyMs });
  const front = await modelsFront(await openai.start(host), OPENAI_KEY, host);
  return {
    telegram,
    kie,
    openai,
    env: {
      BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      KIE_API_KEYS: KIE_KEY,
      KIE_BASE_URL: kie.url,
      KIE_UPLOAD_BASE_URL: kie.url,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: front.url,
    },
    async close() {
      front.server.closeAllConnections();
      await new Promise((resolve) => front.server.close(resolve));
      await Promise.all([telegram.close(), kie.close(), openai.close()]);
    },
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  const fakes = await startFakes();
  for (const [k, v] of Object.entries(fakes.env)) process.stdout.write(`${k}=${v}\n`);
  process.stdout.write("READY\n");
  const stop = () => void fakes.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
