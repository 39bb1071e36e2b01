// FeatureComposer (src/bot/composer.ts): the bot's features' handlers see exactly the updates
// grammY's own Composer would give them, in the same order.
import { Api, Composer, Context } from "grammy";
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

/**
 * The same tree of middleware built on grammY's Composer and on FeatureComposer: every update must
 * see the same layers in the same order, with the same outcome (resolved or the same rejection).
 */
describe("the flat chain against grammY's own Composer", () => {
  type Log = string[];
  type Build = <K extends Composer<Context>>(c: K) => K;

  async function trace(c: Composer<Context>, ctx: Context): Promise<Log> {
    const seen: Log = [];
    (ctx as Context & { seen: Log }).seen = seen;
    try {
      await c.middleware()(ctx, async () => {
        seen.push("passed on");
      });
      seen.push("resolved");
    } catch (e) {
      seen.push(`rejected: ${(e as Error).message}`);
    }
    return seen;
  }

  const both = async (build: Build, ...updates: Array<() => Context>) => {
    for (const update of updates) {
      const theirs = await trace(build(new Composer<Context>()), update());
      const ours = await trace(build(new FeatureComposer<Context>()), update());
      expect(ours).toEqual(theirs);
    }
  };

  it("layers, nested composers, filters and handlers added later run in the same order", async () => {
    await both(
      (c) => {
        c.use(async (ctx, next) => {
          note("outer before")(ctx);
          await next();
          note("outer after")(ctx);
        });
        const nested = new Composer<Context>();
        nested.command("pay", note("pay"));
        c.use(nested);
        const texts = c.on("message:text", async (ctx, next) => {
          note("text 1")(ctx);
          await next();
        });
        c.callbackQuery("help", note("help"));
        c.use(note("last"));
        // Added to the composers after they were installed: grammY runs them too.
        texts.use(note("text 2"));
        nested.command("late", note("late"));
        return c;
      },
      () => text("/pay"),
      () => text("/late"),
      () => text("hello"),
      () => tap("help"),
      () => tap("other"),
    );
  });

  it("a layer that does not call next ends the chain; one that calls it twice is rejected", async () => {
    await both(
      (c) => {
        c.use(async (_ctx, next) => {
          await next();
          await next();
        });
        c.use(note("once"));
        return c;
      },
      () => text("hi"),
    );
    await both(
      (c) => {
        c.on("message", note("stop"));
        c.use(note("never"));
        return c;
      },
      () => text("hi"),
      () => tap("x"),
    );
  });

  it("an error thrown in a layer, synchronously or not, rejects the whole chain", async () => {
    await both(
      (c) => {
        c.use(async (ctx, next) => {
          note("before")(ctx);
          await next();
        });
        c.command("sync", () => {
          throw new Error("sync");
        });
        c.command("async", async () => {
          throw new Error("async");
        });
        c.filter(async () => {
          throw new Error("predicate");
        });
        return c;
      },
      () => text("/sync"),
      () => text("/async"),
      () => text("other"),
    );
  });

  it("add() installs plain middleware as its own layer, in order with use() and filters", async () => {
    const c = new FeatureComposer<Context>();
    c.add(async (ctx, next) => {
      note("a")(ctx);
      await next();
    });
    c.command("x", note("x"));
    c.add(note("b"), note("never: b did not call next"));
    expect(await handle(c, text("/x"))).toEqual(["a", "x"]);
    expect(await handle(c, text("y"))).toEqual(["a", "b"]);
  });
});
