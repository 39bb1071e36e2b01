// One seller from /start to the delivered video, driven through the fake Bot API. Shared by the
// smoke test of the built executable and the app test.
import { type FakeMessage, type FakeTelegram, type FakeUser, TINY_PNG } from "../fakes/telegram-server.ts";

const STEP_MS = 15_000;
const buttons = (m: FakeMessage) => (m.reply_markup?.inline_keyboard ?? []).flat();
const hasButton = (re: RegExp) => (m: FakeMessage) => buttons(m).some((b) => re.test(b.text));

/** What a seller taps and reads on the way to the confirmation screen, per language. */
const WORDS = {
  en: {
    accept: /accept/i,
    create: /create a video/i,
    photo: /product photo/i,
    description: /description/i,
    product:
      "Ceramic coffee mug, 350 ml, matte black. For coffee lovers: keeps heat for an hour, dishwasher safe, fits car holders. Price 990 rub.",
    template: /cinematic product shots/i,
    wishes: /wishes/i,
    confirm: /confirm/i,
  },
  ru: {
    accept: /принимаю/i,
    create: /создать видео/i,
    photo: /фото товара/i,
    description: /описание/i,
    product:
      "Керамическая кружка 350 мл, матовая чёрная. Для кофеманов: держит тепло час, можно в посудомойку, подходит для подстаканника в машине. Цена 990 руб.",
    template: /кинокадры товара/i,
    wishes: /пожелания/i,
    confirm: /подтвердить/i,
  },
} as const;

export type SellerLanguage = keyof typeof WORDS;

/** Walks a new seller from /start to the confirmation screen; returns the user and that message. */
export async function reachConfirm(
  tg: FakeTelegram,
  userId: number,
  lang: SellerLanguage = "en",
): Promise<{ user: FakeUser; confirm: FakeMessage }> {
  const w = WORDS[lang];
  const user = tg.user({ id: userId, first_name: "Smoke", language_code: lang });
  user.command("start");
  user.tap(await user.next(hasButton(w.accept), STEP_MS), w.accept);
  user.tap(await user.next(hasButton(w.create), STEP_MS), w.create);
  await user.next(w.photo, STEP_MS);
  user.photo({ bytes: TINY_PNG });
  await user.next(w.description, STEP_MS);
  user.send(w.product);
  user.tap(await user.next(hasButton(w.template), STEP_MS), w.template);
  // Veo renders vertical or horizontal: the template's format step.
  user.tap(await user.next(hasButton(/9:16/), STEP_MS), /9:16/);
  await user.next(w.wishes, STEP_MS);
  user.send("-");
  user.tap(await user.next(hasButton(/^\s*1\s*$/), STEP_MS), /^\s*1\s*$/);
  return { user, confirm: await user.next(hasButton(w.confirm), STEP_MS) };
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
  lang: SellerLanguage = "en",
): Promise<number> {
  const { user, confirm } = await reachConfirm(tg, userId, lang);
  const t0 = performance.now();
  user.tap(confirm, WORDS[lang].confirm);
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
  // The offer's pages, built from the live catalogue, the promo codes and the model costs.
  for (const [path, title] of [
    ["/console/templates", "Templates"],
    ["/console/promos", "Promo codes"],
    ["/console/costs", "Model costs"],
  ]) {
    const res = await fetch(`${base}${path}`, { headers: { cookie } });
    const body = await res.text();
    if (res.status !== 200 || !body.includes(`<h1>${title}`))
      return `${path} answered ${res.status}: ${body.slice(0, 300)}`;
  }
  return true;
}
