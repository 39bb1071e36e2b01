// bench:bot-instructions' workload: the bot of ./wiring.ts handles BENCH_UPDATES updates one after
// the other (no runner, no polling), each user cycling /menu, tap, tap as in bench:bot, against the
// fake Bot API in this same process. Users are made with the terms accepted and "last seen" in the
// future, so that nothing depends on the clock (the once-a-minute write would, slowed 50×).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "../../src/bot/callbacks.ts";
import { startFakeTelegram } from "../../test/fakes/telegram-server.ts";
import { seedUsers } from "./users.ts";
import { wireBot } from "./wiring.ts";

const UPDATES = Number(process.env.BENCH_UPDATES ?? 2000);
const USERS = 100;

const tg = await startFakeTelegram({ recordCalls: false });
const dir = mkdtempSync(join(tmpdir(), "nc-bench-handler-"));
const { bot, store } = await wireBot({ apiRoot: tg.apiRoot, token: tg.token, db: join(dir, "bench.db") });
const later = new Date(Date.now() + 86_400_000);
const users = await seedUsers(store, tg, USERS, later);
for (const u of users) {
  const { user } = await store.getOrCreateUser({
    tgId: u.id,
    firstName: u.profile.first_name,
    languageCode: u.profile.language_code,
  });
  await store.touchUser(user.id, later);
}
// The fake queues each update for getUpdates; here it is handed to the bot as it is made.
let pushed: Record<string, unknown> | undefined;
tg.on("update", (u: Record<string, unknown>) => {
  pushed = u;
});
const taps = [encode({ a: "help" }), encode({ a: "menu" })];
for (let n = 0; n < UPDATES; n++) {
  const u = users[n % USERS] as (typeof users)[number];
  const turn = Math.floor(n / USERS) % 3;
  const last = tg.messages(u.id).at(-1);
  if (turn === 0 || !last) u.send("/menu");
  else tg.callbackQuery(u.profile, last, taps[turn - 1] as string);
  await bot.handleUpdate(pushed as never);
}
if (process.env.BENCH_DEBUG)
  for (const m of tg.messages(10_001).slice(-3)) process.stdout.write(`${String(m.text).slice(0, 60)}\n`);
await store.close();
await tg.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`handled ${UPDATES}\n`);
process.exit(0);
