import { afterEach, describe, expect, it } from "vitest";
import { type FakeTelegram, startFakeTelegram } from "./fakes/telegram-server.ts";
import { type BotHarness, startBotHarness } from "./helpers/bot-harness.ts";

let h: BotHarness | undefined;
let tg: FakeTelegram | undefined;
afterEach(async () => {
  await h?.close();
  await tg?.close();
  h = undefined;
  tg = undefined;
});

const names = (list: Array<{ command: string }> | undefined) => list?.map((c) => c.command);

describe("command lists", () => {
  it("advertise /admin and /console only in the admins' chats, and /support where there are admins to read it; an admin who never opened the bot is logged and skipped", async () => {
    tg = await startFakeTelegram();
    const admin = tg.user({ id: 4242, language_code: "ru" });
    const someone = tg.user({ id: 5151 });
    // 999001 has never opened the bot: Telegram answers "chat not found" for its chat scope.
    h = await startBotHarness({ tg, env: { ADMIN_IDS: "999001,4242" } });

    const adminChat = { type: "chat", chat_id: admin.profile.id };
    expect(names(tg.commandsFor(adminChat))).toEqual([
      "start",
      "menu",
      "cancel",
      "help",
      "support",
      "promo",
      "lang",
      "terms",
      "paysupport",
      "admin",
      "console",
    ]);
    expect(tg.commandsFor(adminChat)?.at(-2)?.description).toBe("Admin panel");
    expect(tg.commandsFor(adminChat)?.at(-1)?.description).toBe("Console in the browser");
    expect(tg.commandsFor(adminChat, "ru")?.slice(-2)).toEqual([
      { command: "admin", description: "Панель администратора" },
      { command: "console", description: "Консоль в браузере" },
    ]);

    for (const lang of ["", "ru", "uk", "be", "kk"]) {
      expect(names(tg.commandsFor(undefined, lang))).toEqual([
        "start",
        "menu",
        "cancel",
        "help",
        "support",
        "promo",
        "lang",
        "terms",
        "paysupport",
      ]);
    }
    expect(tg.commandsFor({ type: "chat", chat_id: someone.profile.id })).toBeUndefined();

    const skipped = h.logs.find(
      (l) => l.msg === "admin command list not set for this admin; set on the next start",
    );
    expect(skipped).toMatchObject({ adminId: 999001 });
    expect(JSON.stringify(skipped)).toContain("chat not found");
    expect(h.bot.isPolling()).toBe(true);
  });
});
