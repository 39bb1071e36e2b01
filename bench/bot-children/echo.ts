// The baseline of bench:bot: a bare grammY runner echo bot, bundled on its own so that its
// memory is grammY's alone. Started by bench/bot.bench.ts; prints "ready" once polling.
import { run } from "@grammyjs/runner";
import { Bot } from "grammy";
import { childEnv, signalReady } from "./env.ts";

const { apiRoot, token } = childEnv();
const bot = new Bot(token, { client: { apiRoot } });
bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));
bot.on("callback_query:data", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.callbackQuery.data);
});
const runner = run(bot, { runner: { silent: true } });
signalReady(() => runner.stop());
