// A seller's journey as it is played and written down: each step is something the seller does
// (a text, a photo, a tap, a payment) or the queue working on an order, followed by everything the
// bot did because of it — in the seller's chat, then in the admin's.
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
import { ADMIN_ID, type World } from "./world.ts";

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

export class Scene {
  readonly sections: Section[] = [];
  private cursor: number;
  /** What each message looked like when last written down, to tell an edit's kind. */
  private readonly shown = new Map<string, FakeMessage>();
  private lastUpdate = 0;

  constructor(
    readonly world: World,
    readonly seller: UserProfile,
    private readonly t: Translate,
  ) {
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
    const section = this.sections.at(-1);
    if (!section) throw new Error("a step outside of a section");
    section.lines.push("", ...list.map((c) => `- \`/${c.command}\` — ${escapeInline(c.description)}`));
  }

  /** The seller sends a text (a leading /command is a command). */
  async send(text: string): Promise<void> {
    const pushed = this.push(() => this.pushMessage(this.textContent(text)));
    const said = text.startsWith("/")
      ? [`👤 **Seller:** \`${text}\``]
      : ["👤 **Seller:**", "", ...userText(text)];
    await this.step(said, pushed);
  }

  /** The seller sends a product photo (compressed, as the Telegram app sends a picture). */
  async photo(): Promise<void> {
    const tg = this.world.tg;
    const file = tg.registerFile({ mimeType: "image/jpeg", dir: "photos" });
    const thumb = tg.registerFile({ size: 1200, mimeType: "image/jpeg", dir: "photos" });
    const photo = [
      { file_id: thumb.fileId, file_unique_id: thumb.uniqueId, width: 90, height: 90, file_size: thumb.size },
      {
        file_id: file.fileId,
        file_unique_id: file.uniqueId,
        width: 1280,
        height: 1280,
        file_size: file.size,
      },
    ];
    const pushed = this.push(() => this.pushMessage({ photo }));
    await this.step(["👤 **Seller:** 🖼 *a photo of the product*"], pushed);
  }

  /** The seller taps a button of the newest bot message that has it. */
  async tap(target: Target): Promise<void> {
    const { message, button } = this.find(target);
    const data = button.callback_data;
    if (!data) throw new Error(`${buttonLabel(button)} is not a callback button`);
    let queryId = "";
    const pushed = this.push(() => {
      queryId = this.world.tg.callbackQuery(this.seller, message, data).queryId;
    });
    const where =
      message.message_id === this.newest()?.message_id ? "" : ` under message ${message.message_id}`;
    await this.step([`👤 **Seller** taps ${buttonLabel(button)}${where}`], pushed, () => {
      const answer = this.world.tg.callbackAnswers.get(queryId);
      if (!answer) return ["🤖 **Bot** leaves the tap unanswered: the button keeps spinning"];
      if (!answer.text) return [];
      return [`🤖 **Bot** shows ${answer.show_alert ? "an alert" : "a notice"}: “${answer.text}”`];
    });
  }

  /** The seller pays the newest invoice: Telegram's pre-checkout question, then the payment. */
  async pay(): Promise<void> {
    const tg = this.world.tg;
    const invoice = [...this.messages()].reverse().find((m) => m.invoice);
    if (!invoice) throw new Error("no invoice to pay");
    const inv = tg.invoiceOf(invoice);
    const total = formatPrice(inv.total, inv.currency);
    let queryId = "";
    const asked = this.push(() => {
      queryId = tg.preCheckoutQuery(this.seller, {
        currency: inv.currency,
        total_amount: inv.total,
        invoice_payload: inv.payload,
      }).queryId;
    });
    let approved = false;
    await this.step(
      [`👤 **Seller** taps \`[Pay ${total}]\` and confirms in Telegram's payment form`],
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
    const paid = this.push(() => tg.reportPayment(this.seller, inv));
    await this.step([`💫 *Telegram takes ${total} from the seller and tells the bot*`], paid);
  }

  /** The queue takes the accepted orders and works on them until none is left. */
  async work(narration: string): Promise<void> {
    await this.world.work();
    this.write([`⏳ *${narration}*`], this.collect());
  }

  // ---------------------------------------------------------------- the record

  private textContent(text: string): Json {
    const cmd = /^\/[a-zA-Z0-9_]+/.exec(text);
    return cmd ? { text, entities: [{ type: "bot_command", offset: 0, length: cmd[0].length }] } : { text };
  }

  private pushMessage(content: Json): void {
    const tg = this.world.tg;
    tg.pushUpdate({ message: tg.userMessage(this.seller, content) });
  }

  /** Runs what makes Telegram push an update and returns that update's id. */
  private push(act: () => unknown): number {
    const before = this.lastUpdate;
    act();
    if (this.lastUpdate === before) throw new Error("the action pushed no update");
    return this.lastUpdate;
  }

  private async step(said: string[], updateId: number, answers: () => string[] = () => []): Promise<void> {
    await this.world.handled(updateId);
    const events = this.collect();
    this.write(said, events, answers());
  }

  /** Bot events since the last step, in the seller's chat and the admin's. */
  private collect(): BotEvent[] {
    const tg = this.world.tg;
    const upTo = tg.lastSeq();
    const chats = new Set([this.seller.id, ADMIN_ID]);
    const events = tg.events.filter((e) => e.seq > this.cursor && e.seq <= upTo && chats.has(e.chatId));
    this.cursor = upTo;
    return events;
  }

  private write(said: string[], events: BotEvent[], answers: string[] = []): void {
    const section = this.sections.at(-1);
    if (!section) throw new Error("a step outside of a section");
    const out = section.lines;
    out.push("", ...said);
    for (const a of answers) out.push("", a);
    const own = events.filter((e) => e.chatId === this.seller.id);
    const admins = events.filter((e) => e.chatId === ADMIN_ID);
    for (const e of own) out.push("", ...this.event(e));
    if (admins.length > 0) {
      out.push("", "🛠 *Meanwhile, in the admin's chat:*");
      for (const e of admins) out.push("", ...this.event(e));
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

  private messages(): FakeMessage[] {
    return this.world.tg.messages(this.seller.id);
  }

  private newest(): FakeMessage | undefined {
    return this.messages().at(-1);
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

  private find(target: Target): { message: FakeMessage; button: InlineButton } {
    const all = this.messages();
    for (const message of [...all].reverse()) {
      const button = (message.reply_markup?.inline_keyboard ?? [])
        .flat()
        .find((b) => this.matches(target, b));
      if (button) return { message, button };
    }
    const seen = all.flatMap((m) => (m.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text));
    throw new Error(
      `no button ${JSON.stringify(target)} in the chat (buttons there: ${JSON.stringify(seen)}); ` +
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
