// A simulated seller: orders videos through the real buttons, buys credits with Stars when the bot
// says the balance is short, and behaves like people with a bad connection do — double taps on
// Confirm, old buttons tapped again, a payment update Telegram delivers twice. Every wait is
// bounded; when the bot does not answer (it may be dead right now) the seller starts over with
// /start, as a person would.
import { decode } from "../../src/bot/callbacks.ts";
import {
  type BotEvent,
  buttonsOf,
  type FakeMessage,
  type FakeTelegram,
  type FakeUser,
  TINY_PNG,
} from "../../test/fakes/telegram-server.ts";
import type { Charge } from "./invariants.ts";
import type { Random } from "./random.ts";

/** What the sellers did, summed over all of them. */
export interface SellerStats {
  orders: number;
  accepted: number;
  /** Videos or apologies a seller waited for and saw. */
  outcomesSeen: number;
  shortOfCredits: number;
  doubleTaps: number;
  staleTaps: number;
  preCheckouts: number;
  declined: number;
  paymentReplays: number;
  /** Why sellers started over, by what they were waiting for. */
  startedOver: Record<string, number>;
}

export const emptySellerStats = (): SellerStats => ({
  orders: 0,
  accepted: 0,
  outcomesSeen: 0,
  shortOfCredits: 0,
  doubleTaps: 0,
  staleTaps: 0,
  preCheckouts: 0,
  declined: 0,
  paymentReplays: 0,
  startedOver: {},
});

/** Longest wait for one answer of the bot: covers a kill, the restart and the redelivered update. */
const STEP_MS = 25_000;
/** Longest wait for an order's video: the render and a kill or two on the way. */
const VIDEO_MS = 90_000;
/** How long a seller still waits for answers once the load phase is over. */
const WIND_DOWN_MS = 5_000;
/** Telegram's own limit for answering a pre-checkout query. */
const PRE_CHECKOUT_MS = 10_000;
const DESCRIPTION =
  "Ceramic coffee mug, 350 ml, matte black. Keeps heat for an hour, dishwasher safe, fits car holders. Price 990 rub.";

/** What a seller waits for; `what` names it in the start-over counts. */
type Pred = ((m: FakeMessage, e: BotEvent) => boolean) & { what: string };
const named = (what: string, f: (m: FakeMessage, e: BotEvent) => boolean): Pred => Object.assign(f, { what });
const button = (re: RegExp) => named(`button ${re.source}`, (m) => buttonsOf(m).some((b) => re.test(b.text)));
const text = (re: RegExp) => named(`text ${re.source}`, (m) => re.test(m.text ?? m.caption ?? ""));

const VIDEO_OR_APOLOGY = named(
  "video or apology",
  (m, e) => e.method === "sendVideo" || /^😔/.test(m.text ?? ""),
);

/** The bot did not answer as expected (`message` says where): the seller starts over. */
class StartOver extends Error {}

export interface SellerOptions {
  tg: FakeTelegram;
  id: number;
  random: Random;
  stats: SellerStats;
  /** Every charge this seller's payments made, appended as Telegram makes it. */
  charges: Charge[];
  /** The seller stops placing orders after this (Date.now()). */
  until: number;
}

export async function runSeller(o: SellerOptions): Promise<void> {
  const { random: r, stats } = o;
  const user = o.tg.user({ id: o.id, first_name: `Seller${o.id}`, language_code: "en" });
  while (Date.now() < o.until) {
    try {
      await order(o, user);
    } catch (e) {
      if (!(e instanceof StartOver)) throw e;
      // Giving up because the load phase is over is not the bot's doing.
      if (Date.now() < o.until) stats.startedOver[e.message] = (stats.startedOver[e.message] ?? 0) + 1;
    }
    await sleep(r.between(200, 1500));
  }
}

async function order(o: SellerOptions, user: FakeUser): Promise<void> {
  const { random: r, stats } = o;
  user.skip();
  user.command("start");
  let m = await step(user, o.until, button(/I accept|Create a video/));
  if (button(/I accept/)(m, {} as BotEvent)) {
    tap(user, m, /I accept/);
    m = await step(user, o.until, button(/Create a video/));
  }
  tap(user, m, /Create a video/);
  await step(user, o.until, text(/product photo/i));
  user.photo({ bytes: TINY_PNG });
  await step(user, o.until, text(/description/i));
  user.send(DESCRIPTION);
  tap(user, await step(user, o.until, button(/Cinematic product shots/)), /Cinematic product shots/);
  // Veo renders vertical or horizontal: the template's format step.
  tap(user, await step(user, o.until, button(/Vertical 9:16/)), /Vertical 9:16/);
  await step(user, o.until, text(/wishes/i));
  user.send("-");
  const count = r.chance(0.15) ? 3 : 1;
  const countRe = new RegExp(`^\\s*${count}\\s*$`);
  tap(user, await step(user, o.until, button(countRe)), countRe);
  const confirm = await step(user, o.until, button(/Confirm/));
  const confirmData = buttonsOf(confirm).find((b) => /Confirm/.test(b.text))?.callback_data ?? "";
  tap(user, confirm, /Confirm/);
  stats.orders++;
  if (r.chance(0.4)) {
    // The second tap of an impatient thumb, before the bot has answered the first.
    user.forgeTap(confirm, confirmData);
    stats.doubleTaps++;
  }
  const result = await step(user, o.until, text(/Accepted|Not enough/));
  if (/Accepted/.test(result.text ?? "")) {
    stats.accepted++;
    if (r.chance(0.3)) {
      // An old Confirm tapped again later (a second device, a slow client).
      await sleep(r.between(300, 3000));
      user.forgeTap(confirm, confirmData);
      stats.staleTaps++;
    }
    // A seller waits to see the video (or the apology) before the next order, so the backlog
    // stays what a few busy sellers make and the soak can settle in minutes.
    const outcome = await wait(user, o.until, VIDEO_OR_APOLOGY, VIDEO_MS);
    if (outcome) stats.outcomesSeen++;
    return;
  }
  stats.shortOfCredits++;
  tap(user, result, /Buy credits/);
  const screen = await step(user, o.until, button(/⭐/));
  const pkg = r.pick(buttonsOf(screen).filter((b) => /⭐/.test(b.text)));
  tap(user, screen, pkg.text);
  const invoice = await step(
    user,
    o.until,
    named("invoice", (msg) => msg.invoice !== undefined),
  );
  const paid = await pay(o, user, invoice);
  if (!paid) return;
  await step(user, o.until, text(/Payment received|already credited/));
  if (r.chance(0.2)) {
    // Telegram delivers an update again when the bot did not confirm it in time.
    o.tg.replay(paid);
    stats.paymentReplays++;
  }
}

/** Pre-checkout, and when the bot approves in time, the charge and its successful_payment. */
async function pay(
  o: SellerOptions,
  user: FakeUser,
  invoice: FakeMessage,
): Promise<Record<string, unknown> | null> {
  const inv = o.tg.invoiceOf(invoice);
  o.stats.preCheckouts++;
  const { queryId } = o.tg.preCheckoutQuery(user.profile, {
    currency: inv.currency,
    total_amount: inv.total,
    invoice_payload: inv.payload,
  });
  const answer = await o.tg.preCheckoutAnswer(queryId, PRE_CHECKOUT_MS).catch(() => null);
  if (!answer?.ok) {
    o.stats.declined++;
    return null;
  }
  const { chargeId, update } = o.tg.reportPayment(user.profile, inv);
  o.charges.push({ chargeId, tgId: user.id });
  return update;
}

/** Waits for the bot's answer; after the load phase a seller gives up within WIND_DOWN_MS. */
function wait(user: FakeUser, until: number, pred: Pred, longest = STEP_MS): Promise<FakeMessage | null> {
  const ms = Math.max(1000, Math.min(longest, until + WIND_DOWN_MS - Date.now()));
  return user.next(pred, ms).catch(() => null);
}

async function step(user: FakeUser, until: number, pred: Pred): Promise<FakeMessage> {
  const m = await wait(user, until, pred);
  if (!m) throw new StartOver(`no ${pred.what}`);
  return m;
}

/** Taps a button of the message as it is now; a message edited meanwhile means starting over. */
function tap(user: FakeUser, m: FakeMessage | null, label: RegExp | string): void {
  if (!m) throw new StartOver(`no message to tap ${String(label)}`);
  try {
    user.tap(m, label);
  } catch {
    throw new StartOver(`${String(label)} gone`);
  }
}

/** The videos the bot sent, each with the job named by its "again" button. */
export function sentVideos(tg: FakeTelegram): Array<{ chatId: number; jobId: number | null }> {
  return tg.events
    .filter((e) => e.type === "send" && e.method === "sendVideo")
    .map((e) => {
      const again = buttonsOf(e.message)
        .map((b) => decode(b.callback_data))
        .find((d) => d.ok && d.cb.a === "again");
      return { chatId: e.chatId, jobId: again?.ok && again.cb.a === "again" ? again.cb.job : null };
    });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
