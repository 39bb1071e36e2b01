// A journey as it is played and written down: each step is something the seller (or the admin)
// does — a text, a photo, a tap, a reply, a payment — or the queue working on the orders, followed
// by everything the bot did because of it: in the chat of whoever acted first, then in the other.
import type { Language } from "../../src/db/types.ts";
import { formatPrice } from "../../src/payments/packages.ts";
import { createCatalogue } from "../../src/templates/index.ts";
import type { BotEvent, FakeMessage, InlineButton, Json, UserProfile } from "../fakes/telegram-server.ts";
import {
  anchor,
  buttonLabel,
  escapeInline,
  type InvoiceView,
  mediaLabel,
  messageBlock,
  userText,
} from "./render.ts";
import type { World } from "./world.ts";

/** A button to tap, found on the newest bot message that has it. */
export type Target =
  /** The button whose text is this key of the bot's texts in the seller's language (`btn-create`). */
  | { key: string; vars?: Record<string, string | number> }
  | { text: string | RegExp }
  | { data: string | RegExp }
  /** A template's button, by the template's id. */
  | { template: string };

/** Translates the bot's own texts (the same bundle the bot uses), for finding buttons by key. */
export type Translate = (lang: Language, key: string, vars?: Record<string, string | number>) => string;

export interface Section {
  title: string;
  lines: string[];
}

const catalogue = createCatalogue();

/** Someone in a private chat with the bot, as the transcript names them. */
export interface Person {
  profile: UserProfile;
  /** "👤 **Seller**" */
  name: string;
  /** "👤 **Seller:**", before what they write */
  says: string;
  /** "the seller's chat" */
  chat: string;
}

/** What a person can do in their chat; each call is one step of the transcript. */
export interface Actor {
  /** Sends a text (a leading /command is a command). */
  send(text: string): Promise<void>;
  /** Sends a product photo (compressed, as the Telegram app sends a picture). */
  photo(): Promise<void>;
  /** Taps a button of the newest bot message in the chat that has it. */
  tap(target: Target): Promise<void>;
  /** Replies (Telegram's "Reply") to the newest bot message in the chat with a text. */
  reply(text: string): Promise<void>;
  /** Pays the newest invoice: Telegram's pre-checkout question, then the payment. */
  pay(): Promise<void>;
}

export class Scene {
  readonly sections: Section[] = [];
  readonly seller: Actor;
  readonly admin: Actor;
  private readonly people: Person[];
  private cursor: number;
  /** What each message looked like when last written down, to tell an edit's kind. */
  private readonly shown = new Map<string, FakeMessage>();
  private lastUpdate = 0;

  constructor(
    readonly world: World,
    seller: UserProfile,
    private readonly t: Translate,
  ) {
    const sellerP = {
      profile: seller,
      name: "👤 **Seller**",
      says: "👤 **Seller:**",
      chat: "the seller's chat",
    };
    const adminP = {
      profile: world.admin,
      name: "🛠 **Admin**",
      says: "🛠 **Admin:**",
      chat: "the admin's chat",
    };
    this.people = [sellerP, adminP];
    this.seller = this.actor(sellerP);
    this.admin = this.actor(adminP);
    this.cursor = world.tg.lastSeq();
    world.tg.on("update", (u: Json) => {
      this.lastUpdate = Number(u.update_id);
    });
  }

  get lang(): Language {
    return this.world.lang;
  }

  section(title: string, about: string): void {
    this.sections.push({ title, lines: [`*${about}*`] });
  }

  /** The commands Telegram lists under the chat's Menu button for the seller's language. */
  commandMenu(): void {
    // The bot sets a Russian list for Russian-speaking clients and the default (English) for the rest.
    const list = this.world.tg.commandsFor({ type: "default" }, this.lang === "ru" ? "ru" : "") ?? [];
    this.current().push("", ...list.map((c) => `- \`/${c.command}\` — ${escapeInline(c.description)}`));
  }

  /** The queue takes the accepted orders and works on them until none is left. */
  async work(narration: string): Promise<void> {
    await this.world.work();
    this.write(this.people[0] as Person, [`⏳ *${narration}*`], this.collect());
  }

  // ---------------------------------------------------------------- what people do

  private actor(p: Person): Actor {
    return {
      send: (text) => this.send(p, text),
      photo: () => this.photo(p),
      tap: (target) => this.tap(p, target),
      reply: (text) => this.reply(p, text),
      pay: () => this.pay(p),
    };
  }

  private async send(p: Person, text: string, extra: Json = {}, quoted = ""): Promise<void> {
    const cmd = /^\/[a-zA-Z0-9_]+/.exec(text);
    const content = cmd
      ? { text, entities: [{ type: "bot_command", offset: 0, length: cmd[0].length }] }
      : { text };
    const pushed = this.push(() => this.pushMessage(p, { ...content, ...extra }));
    const who = quoted ? `${p.name}, ${quoted}:` : p.says;
    const said = cmd ? [`${who} \`${text}\``] : [who, "", ...userText(text)];
    await this.step(p, said, pushed);
  }

  private async reply(p: Person, text: string): Promise<void> {
    const to = this.messages(p).at(-1);
    if (!to) throw new Error(`nothing to reply to in ${p.chat}`);
    await this.send(p, text, { reply_to_message: to }, `replying to message ${to.message_id}`);
  }

  private async photo(p: Person): Promise<void> {
    const tg = this.world.tg;
    const file = tg.registerFile({ mimeType: "image/jpeg", dir: "photos" });
    const thumb = tg.registerFile({ size: 1200, mimeType: "image/jpeg", dir: "photos" });
    const size = (f: typeof file, side: number) => ({
      file_id: f.fileId,
      file_unique_id: f.uniqueId,
      width: side,
      height: side,
      file_size: f.size,
    });
    const pushed = this.push(() => this.pushMessage(p, { photo: [size(thumb, 90), size(file, 1280)] }));
    await this.step(p, [`${p.says} 🖼 *a photo of the product*`], pushed);
  }

  private async tap(p: Person, target: Target): Promise<void> {
    const { message, button } = this.find(p, target);
    const data = button.callback_data;
    if (!data) throw new Error(`${buttonLabel(button)} is not a callback button`);
    let queryId = "";
    const pushed = this.push(() => {
      queryId = this.world.tg.callbackQuery(p.profile, message, data).queryId;
    });
    const newest = this.messages(p).at(-1)?.message_id;
    const where = message.message_id === newest ? "" : ` under message ${message.message_id}`;
    await this.step(p, [`${p.name} taps ${buttonLabel(button)}${where}`], pushed, () => {
      const answer = this.world.tg.callbackAnswers.get(queryId);
      if (!answer) return ["🤖 **Bot** leaves the tap unanswered: the button keeps spinning"];
      if (!answer.text) return [];
      return [`🤖 **Bot** shows ${answer.show_alert ? "an alert" : "a notice"}: “${answer.text}”`];
    });
  }

  private async pay(p: Person): Promise<void> {
    const tg = this.world.tg;
    const invoice = this.messages(p).findLast((m) => m.invoice);
    if (!invoice) throw new Error(`no invoice to pay in ${p.chat}`);
    const inv = tg.invoiceOf(invoice);
    const total = formatPrice(inv.total, inv.currency);
    let queryId = "";
    const asked = this.push(() => {
      queryId = tg.preCheckoutQuery(p.profile, {
        currency: inv.currency,
        total_amount: inv.total,
        invoice_payload: inv.payload,
      }).queryId;
    });
    let approved = false;
    await this.step(
      p,
      [`${p.name} taps \`[Pay ${total}]\` and confirms in Telegram's payment form`],
      asked,
      () => {
        const answer = tg.preCheckoutAnswers.get(queryId);
        approved = answer?.ok === true;
        if (!answer) return ["🤖 **Bot** does not answer Telegram's pre-checkout question"];
        return approved
          ? ["🤖 **Bot** approves the payment (Telegram's pre-checkout question)"]
          : [`🤖 **Bot** declines the payment: “${answer.error_message ?? ""}”`];
      },
    );
    if (!approved) return;
    const paid = this.push(() => tg.reportPayment(p.profile, inv));
    await this.step(p, [`💫 *Telegram takes ${total} and tells the bot*`], paid);
  }

  // ---------------------------------------------------------------- the record

  private current(): string[] {
    const section = this.sections.at(-1);
    if (!section) throw new Error("a step outside of a section");
    return section.lines;
  }

  private pushMessage(p: Person, content: Json): void {
    const tg = this.world.tg;
    tg.pushUpdate({ message: tg.userMessage(p.profile, content) });
  }

  /** Runs what makes Telegram push an update and returns that update's id. */
  private push(act: () => unknown): number {
    const before = this.lastUpdate;
    act();
    if (this.lastUpdate === before) throw new Error("the action pushed no update");
    return this.lastUpdate;
  }

  /** Waits until the bot has handled the update, then writes down the step and what it caused. */
  private async step(
    p: Person,
    said: string[],
    updateId: number,
    answers: () => string[] = () => [],
  ): Promise<void> {
    await this.world.handled(updateId);
    const events = this.collect();
    this.write(p, said, events, answers());
  }

  /** Bot events since the last step in the chats of the people in the scene. */
  private collect(): BotEvent[] {
    const tg = this.world.tg;
    const upTo = tg.lastSeq();
    const chats = new Set(this.people.map((p) => p.profile.id));
    const events = tg.events.filter((e) => e.seq > this.cursor && e.seq <= upTo && chats.has(e.chatId));
    this.cursor = upTo;
    return events;
  }

  /** The step, then the bot's answers in the actor's chat, then in each other chat. */
  private write(actor: Person, said: string[], events: BotEvent[], answers: string[] = []): void {
    const out = this.current();
    out.push("", ...said);
    for (const a of answers) out.push("", a);
    for (const p of [actor, ...this.people.filter((x) => x !== actor)]) {
      const here = events.filter((e) => e.chatId === p.profile.id);
      if (here.length === 0) continue;
      if (p !== actor) out.push("", `💬 *Meanwhile, in ${p.chat}:*`);
      for (const e of here) out.push("", ...this.event(e));
    }
  }

  private event(e: BotEvent): string[] {
    const m = e.message;
    const key = `${e.chatId}:${m.message_id}`;
    const before = this.shown.get(key);
    if (e.type === "delete") {
      this.shown.delete(key);
      return [`🤖 **Bot** deletes message ${m.message_id}`];
    }
    this.shown.set(key, m);
    const label = mediaLabel(m);
    if (e.type === "send") {
      const body = messageBlock(m, m.invoice ? this.invoiceView(m) : undefined);
      const head = `🤖 **Bot** · message ${m.message_id}${label ? ` · ${label}` : ""}`;
      return body.length > 0 ? [head, "", ...body] : [head];
    }
    const sameText = before && before.text === m.text && before.caption === m.caption;
    const sameEntities =
      before &&
      JSON.stringify(before.entities ?? before.caption_entities) ===
        JSON.stringify(m.entities ?? m.caption_entities);
    if (sameText && sameEntities) {
      const rows = m.reply_markup?.inline_keyboard ?? [];
      if (rows.length === 0) return [`🤖 **Bot** removes the buttons under message ${m.message_id}`];
      const keys = messageBlock({ ...m, text: undefined, caption: undefined });
      return [`🤖 **Bot** changes the buttons under message ${m.message_id}:`, "", ...keys];
    }
    return [
      `🤖 **Bot** edits message ${m.message_id}${label ? ` (${label})` : ""} to:`,
      "",
      ...messageBlock(m),
    ];
  }

  private invoiceView(m: FakeMessage): InvoiceView {
    const inv = m.invoice as { title: string; description: string; currency: string; total_amount: number };
    const call = this.world.tg
      .callsTo("sendInvoice", m.chat.id)
      .filter((c) => c.status === 200 && c.params.title === inv.title)
      .at(-1);
    const raw = call?.params.prices;
    const prices = (typeof raw === "string" ? JSON.parse(raw) : (raw ?? [])) as Array<{
      label: string;
      amount: number;
    }>;
    return {
      title: inv.title,
      description: inv.description,
      prices: prices.map((p) => `${p.label}: ${formatPrice(p.amount, inv.currency)}`),
      total: formatPrice(inv.total_amount, inv.currency),
    };
  }

  // ---------------------------------------------------------------- finding buttons

  /** The bot's messages in a person's chat, as they are now. */
  private messages(p: Person): FakeMessage[] {
    return this.world.tg.messages(p.profile.id);
  }

  private matches(target: Target, b: InlineButton): boolean {
    if ("key" in target) return b.text === this.t(this.lang, target.key, target.vars);
    if ("template" in target) {
      const t = catalogue.get(target.template);
      return t !== undefined && b.text === catalogue.name(t, this.lang);
    }
    const value = "text" in target ? b.text : (b.callback_data ?? "");
    const want = "text" in target ? target.text : target.data;
    return typeof want === "string" ? value === want : want.test(value);
  }

  private find(p: Person, target: Target): { message: FakeMessage; button: InlineButton } {
    const all = this.messages(p);
    for (const message of [...all].reverse()) {
      const button = (message.reply_markup?.inline_keyboard ?? [])
        .flat()
        .find((b) => this.matches(target, b));
      if (button) return { message, button };
    }
    const seen = all.flatMap((m) => (m.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text));
    throw new Error(
      `no button ${JSON.stringify(target)} in ${p.chat} (buttons there: ${JSON.stringify(seen)}); ` +
        "if the flow changed, change its journey in test/transcripts/journeys.ts",
    );
  }
}

/** The Markdown of a language's transcript: the heading, the contents and every section. */
export function transcriptMarkdown(head: string[], sections: Section[]): string {
  const titles = sections.map((s, i) => `${i + 1}. ${s.title}`);
  const contents = titles.map((t) => `- [${t}](#${anchor(t)})`);
  const body = sections.flatMap((s, i) => ["", `## ${titles[i]}`, "", ...s.lines]);
  return [...head, "", "## Contents", "", ...contents, ...body, ""].join("\n");
}
