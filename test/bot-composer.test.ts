// FeatureComposer (src/bot/composer.ts): the bot's features' handlers see exactly the updates
// grammY's own Composer would give them, in the same order.
import { Api, Context } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { describe, expect, it } from "vitest";
import { FeatureComposer } from "../src/bot/composer.ts";

const me = { id: 1, is_bot: true, first_name: "Bot", username: "bot" } as UserFromGetMe;
const from = { id: 7, is_bot: false, first_name: "Ann" };
const chat = { id: 7, type: "private" as const, first_name: "Ann" };

function text(t: string): Context {
  const entities = t.startsWith("/")
    ? [{ type: "bot_command" as const, offset: 0, length: t.split(" ")[0]?.length ?? 0 }]
    : [];
  const update = {
    update_id: 1,
    message: { message_id: 1, date: 0, chat, from, text: t, entities },
  } as Update;
  return new Context(update, new Api("1:x"), me);
}

function tap(data: string): Context {
  const update = { update_id: 2, callback_query: { id: "q", chat_instance: "c", from, data } } as Update;
  return new Context(update, new Api("1:x"), me);
}

async function handle(c: FeatureComposer<Context>, ctx: Context): Promise<string[]> {
  const seen: string[] = [];
  (ctx as Context & { seen: string[] }).seen = seen;
  await c.middleware()(ctx, async () => {
    seen.push("passed on");
  });
  return seen;
}

const note = (what: string) => (ctx: Context) => {
  (ctx as Context & { seen: string[] }).seen.push(what);
};

describe("the features' composer", () => {
  it("runs the handler of the first command, button or filter that matches, and nothing after it", async () => {
    const c = new FeatureComposer<Context>();
    c.command("start", note("start"));
    c.command("menu", note("menu"));
    c.callbackQuery("help", note("help button"));
    c.on("message:text", note("any text"));
    expect(await handle(c, text("/menu"))).toEqual(["menu"]);
    expect(await handle(c, tap("help"))).toEqual(["help button"]);
    expect(await handle(c, text("hello"))).toEqual(["any text"]);
  });

  it("passes on what no handler takes", async () => {
    const c = new FeatureComposer<Context>();
    c.command("start", note("start"));
    c.callbackQuery("help", note("help button"));
    expect(await handle(c, tap("other"))).toEqual(["passed on"]);
  });

  it("goes on to the next handlers when a handler calls next", async () => {
    const c = new FeatureComposer<Context>();
    c.on("message", async (ctx, next) => {
      note("first")(ctx);
      await next();
    });
    c.on("message:text", note("second"));
    expect(await handle(c, text("hi"))).toEqual(["first", "second"]);
  });

  it("waits for a filter that answers later", async () => {
    const c = new FeatureComposer<Context>();
    c.filter(async (ctx) => ctx.message?.text === "later", note("later"));
    expect(await handle(c, text("later"))).toEqual(["later"]);
    expect(await handle(c, text("now"))).toEqual(["passed on"]);
  });

  it("runs handlers added after the filter to the composer it returned", async () => {
    const c = new FeatureComposer<Context>();
    const texts = c.on("message:text");
    texts.command("help", note("help"));
    texts.use(note("other text"));
    expect(await handle(c, text("/help"))).toEqual(["help"]);
    expect(await handle(c, text("hi"))).toEqual(["other text"]);
    expect(await handle(c, tap("x"))).toEqual(["passed on"]);
  });
});
