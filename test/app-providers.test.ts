// What the owner learns at start about the providers: the whole app started the way the README's
// first command runs it (BOT_TOKEN only), against the fake Bot API.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../src/app.ts";
import { parseConfig } from "../src/config/index.ts";
import { createLogger } from "../src/logger.ts";
import { type FakeTelegram, startFakeTelegram } from "./fakes/telegram-server.ts";
import { waitUntil } from "./helpers/bot-harness.ts";
import { reachConfirm } from "./smoke/user-flow.ts";

const OWNER = 700_001;
let tg: FakeTelegram;
let dir: string;
let app: App | undefined;
let logs: Array<Record<string, unknown>>;

beforeEach(async () => {
  tg = await startFakeTelegram();
  dir = mkdtempSync(join(tmpdir(), "neurocards-providers-"));
  logs = [];
});
afterEach(async () => {
  await app?.stop();
  app = undefined;
  await tg.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startApp(env: Record<string, string> = {}): Promise<App> {
  const config = parseConfig({
    BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    DATABASE_PATH: join(dir, "neurocards.db"),
    STORAGE_PATH: join(dir, "files"),
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: "0",
    SEND_RATE_PER_SECOND: "0",
    ADMIN_IDS: String(OWNER),
    ...env,
  });
  const logger = createLogger({
    level: "debug",
    pretty: false,
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  app = await createApp(config, logger);
  const polls = tg.callsTo("getUpdates").length;
  await app.start();
  // A stop while the poller is still starting up can hang (src/bot/polling.ts): let it poll first.
  await waitUntil(() => tg.callsTo("getUpdates").length > polls, 5000, "the app to poll");
  return app;
}

const adminTexts = () => tg.messages(OWNER).map((m) => m.text ?? "");
const adminMessages = (n: number) => waitUntil(() => adminTexts().length >= n, 5000, `${n} admin message(s)`);
const lines = (level: number) => logs.filter((l) => l.level === level).map((l) => String(l.msg));

describe("the owner is told at start what the providers can do", () => {
  it("without KIE_API_KEYS: a warning in the log and a message to the admins; a seller's Confirm charges nothing", async () => {
    tg.user({ id: OWNER, language_code: "en" });
    const a = await startApp();
    await adminMessages(1);
    expect(lines(40)).toContainEqual(expect.stringMatching(/KIE_API_KEYS is empty/));
    expect(adminTexts()).toEqual([expect.stringMatching(/KIE_API_KEYS is empty[\s\S]*refuses new orders/)]);

    const { user, confirm } = await reachConfirm(tg, 9301);
    user.tap(confirm, /confirm/i);
    await user.next(/not available yet/);
    const seller = await a.store.getUserByTgId(9301);
    expect(await a.store.getUserJobs(seller!.id, { limit: 5 })).toEqual([]);
    expect((await a.store.getLedger(seller!.id, { limit: 10 })).map((e) => e.reason)).toEqual([
      "signup_bonus",
    ]);
  });

  it("writes the admins' message in the owner's language", async () => {
    tg.user({ id: OWNER, language_code: "ru" });
    const first = await startApp();
    await adminMessages(1);
    await first.store.getOrCreateUser({ tgId: OWNER, firstName: "Owner", languageCode: "ru" });
    await first.stop();
    await startApp();
    await adminMessages(2);
    expect(adminTexts()).toEqual([
      expect.stringMatching(/KIE_API_KEYS is empty/),
      expect.stringMatching(/KIE_API_KEYS пуст/),
    ]);
  });

  it("without OPENAI_API_KEY: one info line, no warning", async () => {
    tg.user({ id: OWNER, language_code: "en" });
    await startApp({ KIE_API_KEYS: "some-key" });
    expect(lines(30)).toContain("OpenAI not configured: template prompts are used");
    expect(lines(40)).toEqual([]);
    expect(adminTexts()).toEqual([]);
  });
});
