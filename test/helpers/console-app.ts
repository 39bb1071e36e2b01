// The whole app (bot, workers, HTTP server with the console) against the fake providers, with a
// business seeded over the last week: what the console's browser tests and the screenshot script
// (scripts/console-screenshots.ts) look at. Days are Moscow days (TIMEZONE=Europe/Moscow).
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type App, createApp } from "../../src/app.ts";
import { encode } from "../../src/bot/callbacks.ts";
import { parseConfig } from "../../src/config/index.ts";
import { first, run, sql } from "../../src/db/driver/index.ts";
import { dayStart, localDay, nextDay } from "../../src/db/ops/stats.ts";
import { createLogger } from "../../src/logger.ts";
import { createStorage } from "../../src/storage/index.ts";
import type { FakeMessage, FakeUser } from "../fakes/telegram-server.ts";
import { type Fakes, startFakes } from "../smoke/fakes.ts";

export const ADMIN_ID = 777;
/** Where Debian's chromium package puts the browser (.ci/run installs it). */
export const CHROMIUM = "/usr/bin/chromium";
export const TIMEZONE = "Europe/Moscow";

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/** What the seeded week adds up to, for the tests to compare with what the pages show. */
export interface Seeded {
  days: string[];
  revenue: { XTR: number; RUB: number; xtrPayments: number; rubPayments: number };
  orders: { ordered: number; succeeded: number; failed: number };
  /** Failed jobs per error class. */
  failures: Record<string, number>;
  funnel: { started: number; consented: number; ordered: number; paid: number };
  /** A seller with a few credits, for grant/deduct. */
  seller: { id: number; tgId: number; username: string };
  /** A failed, charged, not yet refunded job with its photo: retry and refund work on it. */
  failedJob: number;
  /** A second one, for the refund after the first is retried. */
  refundableJob: number;
  /** A succeeded job whose result file is stored. */
  deliveredJob: number;
  /** A Stars payment Telegram knows, refundable. */
  starsPayment: number;
}

export interface ConsoleApp {
  app: App;
  fakes: Fakes;
  base: string;
  seeded: Seeded;
  /** A seller in the bot: this Telegram user, having sent /start and accepted the terms. */
  seller(tgId: number, languageCode?: string): Promise<FakeUser>;
  /** Sends /console as this Telegram user and returns the bot's answer. */
  askConsole(tgId: number, languageCode?: string): Promise<FakeMessage>;
  /** A fresh login link for the admin, from the bot's answer to /console. */
  loginLink(): Promise<string>;
  close(): Promise<void>;
}

export function linkIn(m: FakeMessage): string | null {
  return /https?:\/\/\S+\/console\/login\/[A-Za-z0-9_-]+/.exec(m.text ?? "")?.[0] ?? null;
}

export async function startConsoleApp(o: { now?: Date } = {}): Promise<ConsoleApp> {
  const fakes = await startFakes({ kieScenario: { outcome: "success", afterMs: 200 } });
  const dir = mkdtempSync(join(tmpdir(), "nc-console-"));
  const port = await freePort();
  const env = {
    ...fakes.env,
    ADMIN_IDS: String(ADMIN_ID),
    DATABASE_PATH: join(dir, "data", "neurocards.db"),
    STORAGE_PATH: join(dir, "data", "files"),
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    SEND_RATE_PER_SECOND: "0",
    TIMEZONE,
  };
  const config = parseConfig(env);
  const app = await createApp(config, createLogger({ level: "silent" }));
  await app.start();
  const tg = fakes.telegram;

  const consented = new Set<number>();
  /** The user as Telegram shows them, having sent /start and accepted the terms. */
  async function member(tgId: number, languageCode = "en") {
    const u = tg.user({
      id: tgId,
      first_name: tgId === ADMIN_ID ? "Owner" : "Someone",
      language_code: languageCode,
    });
    if (!consented.has(tgId)) {
      u.command("start");
      const terms = await u.next((m) => JSON.stringify(m.reply_markup ?? {}).includes("consent"), 10_000);
      u.tap(terms, encode({ a: "consent" }));
      await u.next((m) => m.message_id > terms.message_id, 10_000);
      consented.add(tgId);
    }
    return u;
  }
  async function askConsole(tgId: number, languageCode = "en"): Promise<FakeMessage> {
    const u = await member(tgId, languageCode);
    u.skip();
    u.command("console");
    return u.next(() => true, 10_000);
  }

  // The owner joined today too: one more user who started and accepted the terms.
  await member(ADMIN_ID);
  const seeded = await seed(
    app,
    fakes,
    o.now ?? new Date(),
    createStorage(config, createLogger({ level: "silent" })),
  );
  seeded.funnel.started++;
  seeded.funnel.consented++;
  return {
    app,
    fakes,
    base: `http://127.0.0.1:${port}`,
    seeded,
    seller: member,
    askConsole,
    async loginLink() {
      const m = await askConsole(ADMIN_ID);
      const link = linkIn(m);
      if (!link) throw new Error(`no login link in the bot's answer: ${m.text}`);
      return link;
    },
    async close() {
      await app.stop();
      await fakes.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function seed(
  app: App,
  fakes: Fakes,
  now: Date,
  storage: ReturnType<typeof createStorage>,
): Promise<Seeded> {
  const d = app.store.driver;
  const today = localDay(now, TIMEZONE);
  const days = Array.from({ length: 7 }, (_, i) => nextDay(today, i - 6));
  /** A moment on the i-th seeded day (0 = six days ago), `hours` after its local midnight. */
  const at = (i: number, hours: number) =>
    new Date(dayStart(days[i]!, TIMEZONE).getTime() + hours * 3600_000);
  let seq = 0;

  async function user(
    i: number,
    o: { consent: boolean; source?: string | null; referredBy?: number; username?: string; credits?: number },
  ) {
    seq++;
    const created = at(i, 9 + (seq % 8));
    const row = await d.run(function* () {
      return yield* first(
        sql`insert into users (tg_id, username, first_name, language_code, credits, referral_code, created_at, updated_at, last_active_at, consent_at, referral_source, referred_by)
          values (${5000 + seq}, ${o.username ?? null}, ${`Seller ${seq}`}, ${"en"}, ${o.credits ?? 0}, ${`seed${seq}`}, ${created}, ${created}, ${created},
            ${o.consent ? created : null}, ${o.source ?? null}, ${o.referredBy ?? null}) returning *`,
        "users",
      );
    });
    if (o.credits)
      await d.run(function* () {
        return yield* run(sql`insert into credit_ledger (user_id, delta, balance_after, reason, reference, created_at)
          values (${row!.id}, ${o.credits}, ${o.credits}, ${"signup_bonus"}, ${`seed-signup:${row!.id}`}, ${created})`);
      });
    // Telegram knows their private chat: deliveries and broadcasts reach them.
    fakes.telegram.user({ id: row!.tgId, first_name: row!.firstName ?? "Seller" });
    return row!;
  }
  async function job(
    owner: { id: number; tgId: number },
    i: number,
    o: {
      status: "succeeded" | "failed";
      template?: string;
      errorCode?: string;
      waitMin?: number;
      refunded?: boolean;
      result?: string;
    },
  ) {
    seq++;
    const created = at(i, 10 + (seq % 9));
    const started = new Date(created.getTime() + (o.waitMin ?? 1) * 60_000);
    const finished = new Date(started.getTime() + 4 * 60_000);
    const row = await d.run(function* () {
      return yield* first(
        sql`insert into jobs (user_id, chat_id, template, model, language, photo_file_id, product_text, generated_prompt, status, step, attempts, error_code, error_message,
            credits_charged, refunded_at, idempotency_key, created_at, started_at, finished_at, updated_at, run_at, result_path, provider, provider_task_id)
          values (${owner.id}, ${owner.tgId}, ${o.template ?? "ugc"}, ${"veo3_fast"}, ${"en"}, ${"photo-seed"}, ${"Ceramic mug, 350 ml, matte black"},
            ${"A close-up of a matte black ceramic mug on a wooden table, soft morning light"}, ${o.status}, ${o.status === "failed" ? "render" : "deliver"}, ${1},
            ${o.errorCode ?? null}, ${o.errorCode ? `${o.errorCode}: the provider said no` : null}, ${1}, ${o.refunded ? finished : null}, ${`seed:${seq}`},
            ${created}, ${started}, ${finished}, ${finished}, ${created}, ${o.result ?? null}, ${"kie"}, ${`task-${seq}`}) returning *`,
        "jobs",
      );
    });
    return row!;
  }
  async function payment(
    userId: number,
    i: number,
    currency: "XTR" | "RUB",
    amount: number,
    chargeId?: string,
  ) {
    seq++;
    const created = at(i, 12 + (seq % 6));
    const row = await d.run(function* () {
      return yield* first(
        sql`insert into payments (user_id, telegram_charge_id, currency, amount, credits, package_id, status, created_at)
          values (${userId}, ${chargeId ?? `seed-charge-${seq}`}, ${currency}, ${amount}, ${currency === "XTR" ? 10 : 30}, ${"p"}, ${"paid"}, ${created}) returning *`,
        "payments",
      );
    });
    return row!;
  }

  const sources = [
    "ads_vk",
    "ads_vk",
    "ads_vk",
    "blogger_anna",
    "blogger_anna",
    null,
    null,
    "ads_vk",
    null,
    "ads_vk",
  ];
  const users = [];
  for (let k = 0; k < sources.length; k++)
    users.push(await user(k % 7, { consent: k !== 5 && k !== 8, source: sources[k] ?? null }));
  const friend = await user(6, { consent: true, referredBy: users[0]!.id });
  const seller = await user(3, { consent: true, username: "seller_anna", credits: 4 });

  // The product photo every seeded job was ordered with, so a retried job can really run again.
  fakes.telegram.registerFile({ fileId: "photo-seed", dir: "photos" });
  const result = await storage.put("results", Buffer.from("not really a video, but bytes"), { ext: "mp4" });
  const outcomes: Array<[number, number, Parameters<typeof job>[2]]> = [
    [0, 0, { status: "succeeded", waitMin: 1 }],
    [0, 0, { status: "succeeded", template: "broll", waitMin: 2 }],
    [1, 1, { status: "failed", errorCode: "transient:deadline", refunded: true, waitMin: 3 }],
    [1, 2, { status: "succeeded", waitMin: 1 }],
    [2, 2, { status: "succeeded", template: "broll", waitMin: 5 }],
    [3, 3, { status: "failed", errorCode: "content_refused:kie_422", refunded: true, waitMin: 1 }],
    [3, 4, { status: "succeeded", template: "own", waitMin: 2 }],
    [4, 4, { status: "succeeded", waitMin: 1 }],
    [6, 5, { status: "failed", errorCode: "transient:http_503", refunded: true, waitMin: 8 }],
    [7, 6, { status: "succeeded", template: "broll", waitMin: 1 }],
  ];
  const jobsMade = [];
  for (const [u, i, o2] of outcomes) jobsMade.push(await job(users[u]!, i, o2));
  // Two days ago: the app's refund sweep leaves failures older than a day to the admins.
  const delivered = await job(seller, 4, { status: "succeeded", result: result.key });
  const failed = await job(seller, 4, { status: "failed", errorCode: "transient:deadline" });
  const refundable = await job(seller, 4, { status: "failed", errorCode: "content_refused:kie_422" });
  jobsMade.push(delivered, failed, refundable);

  await payment(users[0]!.id, 0, "XTR", 250);
  await payment(users[1]!.id, 2, "XTR", 450);
  await payment(users[3]!.id, 4, "RUB", 49_000);
  const chargeId = fakes.telegram.newCharge(seller.tgId, { payload: "", currency: "XTR", total: 450 });
  const stars = await payment(seller.id, 5, "XTR", 450, chargeId);
  // The ledger rows a real purchase writes, so a refund has credits to take back.
  await d.transaction(function* () {
    yield* run(sql`insert into credit_ledger (user_id, delta, balance_after, reason, payment_id, reference, created_at)
      values (${seller.id}, ${10}, ${14}, ${"payment"}, ${stars.id}, ${`seed-pay:${stars.id}`}, ${stars.createdAt})`);
    yield* run(sql`update users set credits = ${14} where id = ${seller.id}`);
  });

  const failures: Record<string, number> = {};
  for (const j of jobsMade) {
    const cls = j.errorCode?.split(":")[0];
    if (cls) failures[cls] = (failures[cls] ?? 0) + 1;
  }
  const allUsers = [...users, friend, seller];
  const ordered = new Set(jobsMade.map((j) => j.userId));
  const paid = new Set([users[0]!.id, users[1]!.id, users[3]!.id, seller.id]);
  return {
    days,
    revenue: { XTR: 250 + 450 + 450, RUB: 49_000, xtrPayments: 3, rubPayments: 1 },
    orders: {
      ordered: jobsMade.length,
      succeeded: jobsMade.filter((j) => j.status === "succeeded").length,
      failed: jobsMade.filter((j) => j.status === "failed").length,
    },
    failures,
    funnel: {
      started: allUsers.length,
      consented: allUsers.filter((u) => u.consentAt).length,
      ordered: ordered.size,
      paid: paid.size,
    },
    seller: { id: seller.id, tgId: seller.tgId, username: "seller_anna" },
    failedJob: failed.id,
    refundableJob: refundable.id,
    deliveredJob: delivered.id,
    starsPayment: stars.id,
  };
}
