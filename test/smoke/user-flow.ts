// One seller from /start to the delivered video, driven through the fake Bot API. Shared by the
// smoke test of the built executable and the app test.
import { type FakeMessage, type FakeTelegram, type FakeUser, TINY_PNG } from "../fakes/telegram-server.ts";

const STEP_MS = 15_000;
const buttons = (m: FakeMessage) => (m.reply_markup?.inline_keyboard ?? []).flat();
const hasButton = (re: RegExp) => (m: FakeMessage) => buttons(m).some((b) => re.test(b.text));

/** Walks a new seller from /start to the confirmation screen; returns the user and that message. */
export async function reachConfirm(
  tg: FakeTelegram,
  userId: number,
): Promise<{ user: FakeUser; confirm: FakeMessage }> {
  const user = tg.user({ id: userId, first_name: "Smoke", language_code: "en" });
  user.command("start");
  user.tap(await user.next(hasButton(/accept/i), STEP_MS), /accept/i);
  user.tap(await user.next(hasButton(/create a video/i), STEP_MS), /create a video/i);
  await user.next(/product photo/i, STEP_MS);
  user.photo({ bytes: TINY_PNG });
  await user.next(/description/i, STEP_MS);
  user.send(
    "Ceramic coffee mug, 350 ml, matte black. For coffee lovers: keeps heat for an hour, dishwasher safe, fits car holders. Price 990 rub.",
  );
  user.tap(await user.next(hasButton(/cinematic product shots/i), STEP_MS), /cinematic product shots/i);
  // Veo renders vertical or horizontal: the template's format step.
  user.tap(await user.next(hasButton(/vertical 9:16/i), STEP_MS), /vertical 9:16/i);
  await user.next(/wishes/i, STEP_MS);
  user.send("-");
  user.tap(await user.next(hasButton(/^\s*1\s*$/), STEP_MS), /^\s*1\s*$/);
  return { user, confirm: await user.next(hasButton(/confirm/i), STEP_MS) };
}

/** Waits for the video in the user's chat. */
export function videoDelivered(user: FakeUser, timeoutMs: number): Promise<FakeMessage> {
  return user.next((_m, e) => e.method === "sendVideo", timeoutMs);
}

/** Returns the milliseconds from the Confirm tap to the video in the chat. */
export async function makeOneVideo(
  tg: FakeTelegram,
  userId: number,
  videoTimeoutMs = 60_000,
): Promise<number> {
  const { user, confirm } = await reachConfirm(tg, userId);
  const t0 = performance.now();
  user.tap(confirm, /confirm/i);
  await videoDelivered(user, videoTimeoutMs);
  return performance.now() - t0;
}

/**
 * The admin asks the bot for the console, opens the link and signs in; the overview and uPlot
 * (embedded in the executable) come back. True, or what went wrong.
 */
export async function signInToConsole(
  tg: FakeTelegram,
  adminId: number,
  base: string,
  timeoutMs: number,
): Promise<true | string> {
  const admin = tg.user({ id: adminId, first_name: "Owner", language_code: "en" });
  admin.command("start");
  admin.tap(await admin.next(hasButton(/accept/i), timeoutMs), /accept/i);
  await admin.next(hasButton(/create a video/i), timeoutMs);
  admin.command("console");
  const answer = await admin.next(/console/i, timeoutMs);
  const link = /https?:\/\/\S+\/console\/login\/\S+/.exec(answer.text ?? "")?.[0];
  if (!link) return `no console link in the bot's answer: ${answer.text}`;
  const login = await fetch(link, { method: "POST", redirect: "manual" });
  const cookie = login.headers.get("set-cookie")?.split(";")[0];
  if (login.status !== 303 || !cookie) return `signing in answered ${login.status}`;
  const overview = await (await fetch(`${base}/console`, { headers: { cookie } })).text();
  const script = /src="(\/console\/assets\/uplot\.js\?v=\w+)"/.exec(overview)?.[1];
  if (!overview.includes("<h1>Overview") || !script)
    return `the overview did not render: ${overview.slice(0, 300)}`;
  const uplot = await fetch(`${base}${script}`);
  if (uplot.status !== 200 || !(await uplot.text()).includes("uPlot"))
    return `uPlot answered ${uplot.status}`;
  return true;
}
