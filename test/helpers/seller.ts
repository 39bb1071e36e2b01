// A seller as the end-to-end tests play one: the real bot (bot harness) and the real queue (queue
// harness) on one store and one fake Bot API, and the create flow from the menu to Confirm.
import type { FormatName } from "../../src/bot/callbacks.ts";
import type { Store } from "../../src/db/store.ts";
import { buttonsOf, type FakeMessage, type FakeUser } from "../fakes/telegram-server.ts";
import { type Harness, type HarnessOptions, startHarness } from "../queue-harness.ts";
import { type BotHarness, startBotHarness } from "./bot-harness.ts";
import { type StoreFactory, sqliteFactory } from "./stores.ts";

/** Button texts of the create flow, as the locale files say them. */
export const SELLER_TEXTS = {
  en: {
    create: "🎬 Create a video",
    confirm: "✅ Confirm",
    names: { ugc: "UGC blogger", broll: "Cinematic product shots", motion: "Product in motion" },
    again: "🔁 Make another with this product",
    product: "Ceramic mug 350 ml, matte black, keeps coffee hot for 2 hours, dishwasher safe",
  },
  ru: {
    create: "🎬 Создать видео",
    confirm: "✅ Подтвердить",
    names: { ugc: "UGC-блогер", broll: "Кинокадры товара", motion: "Оживший товар" },
    again: "🔁 Ещё видео с этим товаром",
    product: "Керамическая кружка 350 мл, матовая, держит тепло два часа, можно в посудомойку",
  },
} as const;

export interface Order {
  lang?: "en" | "ru";
  template?: "ugc" | "broll" | "motion";
  count?: "1" | "3" | "5";
  /** The length and format to pick; the template's first ones by default. */
  options?: Options;
}

/** A length (seconds) and a format to pick where a template offers several. */
export interface Options {
  seconds?: number;
  format?: FormatName;
}

/**
 * Right after a template is tapped: answers its length and format steps, when it has them, with
 * the given ones (else the first offered), and returns the screen that follows them.
 */
export async function chooseOptions(u: FakeUser, o: Options = {}): Promise<FakeMessage> {
  for (;;) {
    const screen = await u.next((m) => buttonsOf(m).length > 0);
    const data = buttonsOf(screen).map((b) => b.callback_data ?? "");
    const pick =
      data.find((d) => d.startsWith("n1:dur:") && (o.seconds === undefined || d.endsWith(`:${o.seconds}`))) ??
      data.find((d) => d.startsWith("n1:fmt:") && (o.format === undefined || d.endsWith(`:${o.format}`)));
    if (!pick) return screen;
    u.tap(screen, pick);
  }
}

/**
 * Orders from the menu: photo, description, template (its first length and format), wishes
 * skipped, count, Confirm. Returns the
 * confirmation message, which becomes the "accepted, position N" notice.
 */
export async function orderVideo(u: FakeUser, o: Order = {}): Promise<FakeMessage> {
  const t = SELLER_TEXTS[o.lang ?? "en"];
  const name = t.names[o.template ?? "ugc"];
  u.tap(u.last()!, t.create);
  await u.next(/1/);
  u.photo();
  await u.next(/2/);
  u.send(t.product);
  const tpl = await u.next((m) => buttonsOf(m).some((x) => x.text === name));
  u.tap(tpl, name);
  const wishes = await chooseOptions(u, o.options);
  u.tap(wishes, /./);
  const counts = await u.next((m) => buttonsOf(m).some((x) => x.text === "3"));
  u.tap(counts, o.count ?? "1");
  const confirm = await u.next((m) => buttonsOf(m).some((x) => /✅/.test(x.text)));
  u.tap(confirm, /✅/);
  return confirm;
}

export interface SellerWorld {
  store: Store;
  q: Harness;
  b: BotHarness;
  close(): Promise<void>;
}

/** A fresh SQLite store, the queue harness on it and the bot on the queue harness's fake Bot API. */
export async function startSellerWorld(
  freeCredits: number,
  queue: Omit<HarnessOptions, "store"> = {},
  factory: StoreFactory = sqliteFactory(),
): Promise<SellerWorld> {
  const store = await factory.make({ freeCredits });
  const q = await startHarness({ store, ...queue });
  const b = await startBotHarness({ tg: q.tg, store, queue: q.queue });
  return {
    store,
    q,
    b,
    async close() {
      await b.close();
      await q.close();
      await store.close();
    },
  };
}
