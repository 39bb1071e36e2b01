// The chaos itself: each kind of fault on its own seeded schedule until the deadline. Every loop
// is bounded by the deadline and leaves the system healthy when it ends (bot running, database
// reachable, no injected errors pending).
import type { FakeKie } from "../../test/fakes/kie-server.ts";
import type { FakeOpenAi } from "../../test/fakes/openai-server.ts";
import type { CallRecord, FakeTelegram, Injection, Json } from "../../test/fakes/telegram-server.ts";
import type { BotProcess } from "./bot-process.ts";
import type { ChaosDb } from "./database.ts";
import type { Random } from "./random.ts";

export interface FaultStats {
  kills: number;
  dbOutages: number;
  dbResets: number;
  telegramFaults: number;
  providerFaults: number;
}

export interface FaultTargets {
  bot: BotProcess;
  db: ChaosDb;
  tg: FakeTelegram;
  kie: FakeKie;
  openai: FakeOpenAi;
}

/** Mean seconds between faults of each kind; the soak draws uniformly around them. */
export const FAULT_EVERY_S = { kill: 12, db: 20, telegram: 3, provider: 8 };

const TELEGRAM_METHODS = [
  "getUpdates",
  "sendMessage",
  "editMessageText",
  "answerCallbackQuery",
  "getFile",
  "sendVideo",
  "sendInvoice",
  "answerPreCheckoutQuery",
] as const;
const TELEGRAM_ERRORS: Injection[] = [
  { status: 429, retryAfter: 1 },
  { status: 500 },
  { status: 502 },
  { status: "drop" },
];

export function runFaults(
  t: FaultTargets,
  r: Random,
  until: number,
): { stats: FaultStats; done: Promise<void> } {
  const stats: FaultStats = { kills: 0, dbOutages: 0, dbResets: 0, telegramFaults: 0, providerFaults: 0 };
  const sleep = (ms: number) =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms, until - Date.now()))));
  // Each kind draws from its own stream, so the choices of one do not depend on another's count.
  const loop = async (meanS: number, fault: (rr: Random) => Promise<void>) => {
    const rr = r.fork(Math.round(meanS * 1000));
    for (;;) {
      await sleep(rr.between(meanS * 500, meanS * 1500));
      if (Date.now() >= until) return;
      await fault(rr);
    }
  };

  // Half the kills and outages are aimed: they wait for one kind of money or video in flight — a
  // successful_payment or a Confirm tap reaching Telegram, a video the bot just sent — and strike
  // 0–400 ms later; the rest fall anywhere. The kind is drawn first, so the rare payments get as
  // many aimed faults as the frequent taps.
  const aim = async (r: Random) => {
    if (!r.chance(0.5)) return;
    const target = r.pick(["payment", "confirm", "video"] as const);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, until - Date.now()));
      function done() {
        clearTimeout(timer);
        t.tg.off("update", onUpdate);
        t.tg.off("call", onCall);
        resolve();
      }
      function onUpdate(u: Json) {
        const message = u.message as Json | undefined;
        const data = String((u.callback_query as Json | undefined)?.data ?? "");
        if (target === "payment" && message?.successful_payment) done();
        if (target === "confirm" && /confirm/.test(data)) done();
      }
      function onCall(c: CallRecord) {
        if (target === "video" && c.method === "sendVideo" && c.status === 200) done();
      }
      t.tg.on("update", onUpdate);
      t.tg.on("call", onCall);
    });
    await sleep(r.between(0, 400));
  };

  const kills = loop(FAULT_EVERY_S.kill, async (r) => {
    await aim(r);
    const pid = await t.bot.kill9();
    if (pid !== null) {
      stats.kills++;
      await t.db.expireLeasesOf(pid);
    }
    await sleep(r.between(200, 2000));
    t.bot.start();
  });

  const proxy = t.db.proxy;
  const database = proxy
    ? loop(FAULT_EVERY_S.db, async (r) => {
        await aim(r);
        if (r.chance(0.6)) {
          stats.dbOutages++;
          proxy.cut();
          // Up to 15 s: longer than the payment handler's own retries (7.5 s), as a real restart can be.
          await sleep(r.between(2000, 15_000));
          proxy.restore();
        } else {
          stats.dbResets++;
          proxy.restart();
        }
      })
    : Promise.resolve();

  const telegram = loop(FAULT_EVERY_S.telegram, async (r) => {
    stats.telegramFaults++;
    t.tg.inject({
      method: r.pick(TELEGRAM_METHODS),
      times: 1 + Math.floor(r.next() * 3),
      error: r.pick(TELEGRAM_ERRORS),
    });
  });

  const provider = loop(FAULT_EVERY_S.provider, async (r) => {
    stats.providerFaults++;
    const kind = r.pick(["kie_storm", "render_fails", "openai_down"] as const);
    if (kind === "kie_storm") t.kie.setStorm(1 + Math.floor(r.next() * 3), { http: 500 });
    else if (kind === "render_fails") t.kie.nextTasks({ outcome: "fail", polls: 1 });
    else {
      t.openai.setMode("500");
      await sleep(r.between(1000, 4000));
      t.openai.setMode("ok");
    }
  });

  const done = Promise.all([kills, database, telegram, provider]).then(() => {
    proxy?.restore();
    t.tg.clearInjections();
    t.kie.setStorm(0);
    t.openai.setMode("ok");
    t.bot.start();
  });
  return { stats, done };
}
