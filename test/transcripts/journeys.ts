// The seller's journeys the transcripts show, in order, played by one seller per language: the
// first start, an order delivered, a purchase, an order that fails, the cabinet, help, support,
// a promo code. Each starts where the one before left the chat. A new journey is one more entry at
// the end; the admin is an actor too (`s.admin.reply(answer)`, `s.admin.tap(...)`), both chats are
// written down.
//
// Buttons are found by the key of their text (`btn-confirm`), a template id or their callback data,
// never by the words: texts change without the journeys having to.
import type { Language } from "../../src/db/types.ts";
import type { Scene } from "./scene.ts";

export interface Journey {
  title: string;
  /** One line under the title: what the reviewer is looking at. */
  about: string;
  run(s: Scene): Promise<void>;
}

/** What the seller types, in their language. */
const SAYS: Record<
  Language,
  { offTopic: string; product: string; wishes: string; question: string; answer: string }
> = {
  en: {
    offTopic: "hi, what do I do now?",
    question: "My last video failed. Can I get a 15-second one instead?",
    answer: "Yes — pick the UGC template and 15 s. Your credit for the failed video is already back.",
    product:
      "Ceramic mug 350 ml, matte black. Keeps coffee hot for 2 hours, dishwasher safe. A gift for coffee lovers.",
    wishes: "Cozy kitchen, morning light, steam over the cup",
  },
  ru: {
    offTopic: "здравствуйте, а что дальше?",
    question: "Последнее видео не получилось. Можно сделать вместо него на 15 секунд?",
    answer: "Да — выберите шаблон UGC и 15 с. Кредит за неудачное видео уже вернулся.",
    product:
      "Керамическая кружка 350 мл, матовая чёрная. Держит тепло два часа, можно мыть в посудомойке. Подарок для кофемана.",
    wishes: "Уютная кухня, утренний свет, пар над кружкой",
  },
};

export const JOURNEYS: Journey[] = [
  {
    title: "The command menu",
    about: "What Telegram lists under the chat's Menu button (set by the bot at start).",
    async run(s) {
      s.commandMenu();
    },
  },
  {
    title: "First start: the terms and consent",
    about: "A new seller opens the bot and accepts the terms; the free credit is on the balance.",
    async run(s) {
      await s.seller.send("/start");
      await s.seller.tap({ key: "btn-agree" });
    },
  },
  {
    title: "Ordering a video, and the video delivered",
    about:
      "From the menu through the five steps (with one wrong answer on the way) to Confirm; then the queue makes the video.",
    async run(s) {
      const says = SAYS[s.lang];
      await s.seller.tap({ key: "btn-create" });
      await s.seller.send(says.offTopic);
      await s.seller.photo();
      await s.seller.send(says.product);
      await s.seller.tap({ template: "ugc" });
      await s.seller.tap({ text: /^15/ });
      await s.seller.send(says.wishes);
      await s.seller.tap({ text: "1" });
      await s.seller.tap({ key: "btn-confirm" });
      await s.work("The queue takes the order: OpenAI writes the script, kie.ai renders the video");
    },
  },
  {
    title: "Buying credits with Telegram Stars",
    about: "The seller is out of credits and buys the smallest package.",
    async run(s) {
      await s.seller.tap({ key: "btn-menu" });
      await s.seller.tap({ key: "btn-buy" });
      await s.seller.tap({ data: /^buy:p/ });
      await s.seller.pay();
    },
  },
  {
    title: "A video that fails: the apology and the refund",
    about:
      "Another video of the same product, which kie.ai refuses (content policy): the seller is told why, and the credit comes back.",
    async run(s) {
      s.world.q.kie.nextTasks({ outcome: "fail", polls: 1 });
      await s.seller.tap({ key: "btn-again" });
      await s.seller.tap({ template: "broll" });
      await s.seller.tap({ text: /9:16/ });
      await s.seller.tap({ key: "btn-skip" });
      await s.seller.tap({ text: "1" });
      await s.seller.tap({ key: "btn-confirm" });
      await s.work("The queue takes the order; kie.ai refuses to render it");
    },
  },
  {
    title: "My cabinet: videos and payments",
    about: "The balance, the videos ordered (one made, one failed), a video's details and the payments.",
    async run(s) {
      await s.seller.send("/menu");
      await s.seller.tap({ key: "btn-cabinet" });
      await s.seller.tap({ text: /^#2\b/ });
      await s.seller.tap({ key: "btn-back" });
      await s.seller.tap({ key: "btn-payments" });
    },
  },
  {
    title: "Help, the terms and payment support",
    about: "The commands a seller (and Telegram's payment rules) expect to work at any time.",
    async run(s) {
      await s.seller.send("/help");
      await s.seller.send("/terms");
      await s.seller.send("/paysupport");
    },
  },
  {
    title: "Support: the seller writes, an admin answers",
    about:
      "/support, a question, what the admin sees, the admin's reply (a Telegram reply) and what the seller gets.",
    async run(s) {
      const says = SAYS[s.lang];
      await s.seller.send("/support");
      await s.seller.send(says.question);
      await s.admin.reply(says.answer);
    },
  },
  {
    title: "A promo code: created by the owner, redeemed by the seller",
    about:
      "The owner makes a code in /admin; the seller types it after the cabinet's Promo code button (a typo first), then tries it a second time.",
    async run(s) {
      await s.admin.send("/admin");
      await s.admin.tap({ data: "adm:promo" });
      await s.admin.tap({ data: "adm:pn" });
      await s.admin.send("SPRING25 5 100 30");
      await s.seller.send("/cabinet");
      await s.seller.tap({ key: "btn-promo" });
      await s.seller.send("spring52");
      await s.seller.send("spring25");
      await s.seller.send("/promo SPRING25");
    },
  },
];
