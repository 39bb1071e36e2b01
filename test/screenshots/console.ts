// Screenshots of the console for the README (docs/console/*.png): the whole app against the fake
// providers with the seeded week of test/helpers/console-app.ts, signed in through the bot's link
// in Debian's Chromium. `npm run screenshots:console` regenerates them.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { createCostOperations } from "../../src/admin/costs.ts";
import { costsRepo } from "../../src/db/ops/costs.ts";
import { promoRepo } from "../../src/db/ops/promo.ts";
import { createLogger } from "../../src/logger.ts";
import { createPromoOperations } from "../../src/promo/operations.ts";
import { CHROMIUM, startConsoleApp } from "../helpers/console-app.ts";

const out = join(import.meta.dirname, "..", "..", "docs", "console");
mkdirSync(out, { recursive: true });

async function main(): Promise<void> {
  const c = await startConsoleApp();
  // A few promo codes and one model's cost, so those pages show what an owner would see.
  const logger = createLogger({ level: "silent" });
  const owner = { via: "cli" } as const;
  const promos = createPromoOperations({ repo: promoRepo(c.app.store.driver), logger });
  await promos.create(
    { code: "SPRING25", credits: 5, maxUses: 100, days: 30, note: "Instagram post" },
    owner,
  );
  await promos.create({ code: "BLOGGER_ANNA", credits: 3, maxUses: null, note: "Anna's channel" }, owner);
  await promos.create({ code: "LAUNCH", credits: 10, maxUses: 50 }, owner);
  await promos.disable("LAUNCH", owner);
  const costs = createCostOperations({ repo: costsRepo(c.app.store.driver), logger });
  await costs.set({ model: "veo3_fast", amount: "0.4", currency: "USD", unit: "video" }, owner);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
    const page = await context.newPage();
    await page.goto(await c.loginLink());
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${c.base}/console`);
    const shots: Array<[string, string]> = [
      ["overview", `/console?from=${c.seeded.days[0]}&to=${c.seeded.days.at(-1)}`],
      ["user", `/console/users/${c.seeded.seller.id}`],
      ["jobs", "/console/jobs"],
      ["job", `/console/jobs/${c.seeded.deliveredJob}`],
      ["payments", "/console/payments"],
      ["templates", "/console/templates"],
      ["template", "/console/templates/motion"],
      ["promos", "/console/promos"],
      ["costs", "/console/costs"],
      ["broadcasts", "/console/broadcasts"],
    ];
    for (const [name, path] of shots) {
      await page.goto(`${c.base}${path}`);
      if (name === "overview") await page.waitForFunction(() => "ncCharts" in globalThis);
      await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
      process.stdout.write(`docs/console/${name}.png\n`);
    }
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      locale: "ru-RU",
    });
    const mobile = await phone.newPage();
    await mobile.goto(await c.loginLink());
    // The sign-in page speaks the browser's language; the session the admin's Telegram one.
    await mobile.getByRole("button", { name: "Войти" }).click();
    await mobile.waitForURL(`${c.base}/console`);
    await mobile.getByRole("button", { name: "Русский" }).click();
    await mobile.goto(`${c.base}/console?from=${c.seeded.days[0]}&to=${c.seeded.days.at(-1)}`);
    await mobile.waitForFunction(() => "ncCharts" in globalThis);
    await mobile.screenshot({ path: join(out, "phone.png") });
    process.stdout.write("docs/console/phone.png\n");
  } finally {
    await browser.close();
    await c.close();
  }
}

await main();
