// The owner's console in a real browser (Debian's Chromium through Playwright) against the whole
// app and the fake providers: sign in with the link the bot sends, read the charts drawn from a
// seeded week, and act — grant credits, retry and refund jobs, refund a Stars payment, run a
// broadcast — then the refusals: no session, a used or expired link, a missing CSRF token, a
// non-admin.

import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashSecret } from "../src/console/login.ts";
import { run, sql } from "../src/db/driver/index.ts";
import { formatMoney } from "../src/i18n/money.ts";
import { buttonsOf } from "./fakes/telegram-server.ts";
import { ADMIN_ID, CHROMIUM, type ConsoleApp, linkIn, startConsoleApp } from "./helpers/console-app.ts";
import { SELLER_TEXTS } from "./helpers/seller.ts";
import { ledgerSum } from "./helpers/store-ops.ts";

const present = existsSync(CHROMIUM);
if (!present) {
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  console.warn(`console browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
}

/** The browser side of page.evaluate, typed here (the project compiles without DOM types). */
interface InPage {
  ncCharts?: Record<
    string,
    {
      data: Array<Array<number | null>>;
      width: number;
      ctx: {
        canvas: { width: number; height: number };
        getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
      };
    }
  >;
  document: { documentElement: { scrollWidth: number } };
  innerWidth: number;
}

interface Charts {
  [id: string]: { sums: number[]; painted: number; width: number };
}

describe.skipIf(!present)("the console in a browser", () => {
  let c: ConsoleApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [c, browser] = await Promise.all([
      startConsoleApp(),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  async function fresh(): Promise<Page> {
    const context = await browser.newContext({ locale: "en-GB", acceptDownloads: false });
    contexts.push(context);
    const page = await context.newPage();
    // Confirmations ("Refund payment #4…?") are accepted, as the owner would.
    page.on("dialog", (d) => void d.accept());
    return page;
  }

  async function signIn(): Promise<Page> {
    const link = await c.loginLink();
    const page = await fresh();
    await page.goto(link);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${c.base}/console`);
    return page;
  }

  // One signed-in browser tab for the tests that act (a new browser context costs seconds here).
  let tab: Page | undefined;
  async function signedIn(): Promise<Page> {
    tab ??= await signIn();
    await tab.setViewportSize({ width: 1280, height: 900 });
    await tab.goto(`${c.base}/console`);
    return tab;
  }

  it("an admin signs in with the bot's one-time link; the cookie is HttpOnly and SameSite=Strict", async () => {
    const m = await c.askConsole(ADMIN_ID);
    expect(m.text).toContain("Your sign-in link to the console");
    const sent = c.fakes.telegram.callsTo("sendMessage", ADMIN_ID).at(-1);
    // Never previewed: the link stays out of a card (and a preview fetch only shows the button).
    expect(sent?.params.link_preview_options).toEqual({ is_disabled: true });
    const page = await fresh();
    await page.goto(linkIn(m)!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${c.base}/console`);
    await expect(page.locator("h1").textContent()).resolves.toMatch(
      /^Overview, \d{4}-\d\d-\d\d – \d{4}-\d\d-\d\d$/,
    );
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({
      name: "nc_console",
      httpOnly: true,
      sameSite: "Strict",
      path: "/console",
    });
    expect(await page.locator("footer").textContent()).toContain("Europe/Moscow (GMT+3)");
  });

  it("draws every chart of the overview from the seeded week, with the right totals", async () => {
    const page = await signedIn();
    const s = c.seeded;
    await page.waitForFunction(
      () => Object.keys((globalThis as unknown as InPage).ncCharts ?? {}).length === 4,
    );
    const charts: Charts = await page.evaluate(() => {
      const out: Charts = {};
      for (const [id, u] of Object.entries((globalThis as unknown as InPage).ncCharts ?? {})) {
        const { width, height } = u.ctx.canvas;
        const pixels = u.ctx.getImageData(0, 0, width, height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
        out[id] = {
          sums: u.data.slice(1).map((series) => series.reduce<number>((a, b) => a + (b ?? 0), 0)),
          painted,
          width: u.width,
        };
      }
      return out;
    });
    expect(charts["revenue-XTR"]?.sums).toEqual([s.revenue.XTR]);
    expect(charts["revenue-RUB"]?.sums).toEqual([s.revenue.RUB / 100]);
    expect(charts.orders?.sums).toEqual([s.orders.ordered, s.orders.succeeded, s.orders.failed]);
    for (const [id, chart] of Object.entries(charts)) {
      expect(chart.painted, `${id} has pixels drawn`).toBeGreaterThan(500);
      expect(chart.width, `${id} fills its card`).toBeGreaterThan(300);
    }
    const total = (id: string) => page.locator(`[data-total="${id}"]`).textContent();
    expect(await total("revenue-XTR")).toBe(
      `Total ${formatMoney(s.revenue.XTR, "XTR", "en")} from ${s.revenue.xtrPayments} payments`,
    );
    expect(await total("revenue-RUB")).toBe(
      `Total ${formatMoney(s.revenue.RUB, "RUB", "en")} from ${s.revenue.rubPayments} payment`,
    );
    const { ordered, succeeded, failed } = s.orders;
    const rate = ((succeeded / (succeeded + failed)) * 100).toFixed(1);
    expect(await total("orders")).toBe(
      `${ordered} orders · ${succeeded} succeeded · ${failed} failed · success rate ${rate}%`,
    );
    const f = s.funnel;
    expect(await page.locator("[data-funnel]").getAttribute("data-funnel")).toBe(
      [f.started, f.consented, f.ordered, f.paid].join(","),
    );
    for (const [cls, n] of Object.entries(s.failures))
      expect(await page.locator(`tr[data-class="${cls}"] td.num`).first().textContent()).toBe(String(n));
    await expect(page.getByRole("cell", { name: "ads_vk" })).toBeDefined();
  });

  it("on a phone the charts fit the screen", async () => {
    const page = await signedIn();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => {
      const charts = (globalThis as unknown as InPage).ncCharts ?? {};
      return Object.values(charts).every((u) => u.width <= 390);
    });
    const overflow = await page.evaluate(() => {
      const w = globalThis as unknown as InPage;
      return w.document.documentElement.scrollWidth - w.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it("on a phone the templates, a template's form and the promo codes fit the screen too", async () => {
    const page = await signedIn();
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of [
      "/console/templates",
      "/console/templates/motion",
      "/console/promos",
      "/console/costs",
    ]) {
      await page.goto(`${c.base}${path}`);
      const overflow = await page.evaluate(() => {
        const w = globalThis as unknown as InPage;
        return w.document.documentElement.scrollWidth - w.innerWidth;
      });
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
  });

  it("grants credits to a user found by @username, and the ledger shows the row with the reason", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("searchbox").fill("@seller_an");
    await page.getByRole("button", { name: "Find" }).click();
    await page.getByRole("link", { name: "Seller" }).first().click();
    const before = Number(await page.locator("[data-balance]").textContent());
    await page.locator("select[name=op]").selectOption("grant");
    await page.locator("input[name=amount]").fill("5");
    await page.locator("input[name=reason]").fill("Sorry for the wait");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toBe("5 credits granted.");
    expect(Number(await page.locator("[data-balance]").textContent())).toBe(before + 5);
    const row = page.locator("table.ledger tbody tr").first();
    expect(await row.textContent()).toContain(
      `+5${before + 5}granted by an adminSorry for the wait (admin ${ADMIN_ID}, console)`,
    );
    // Reloading the page after the action does not apply it again.
    await page.reload();
    expect(Number(await page.locator("[data-balance]").textContent())).toBe(before + 5);

    await page.locator("select[name=op]").selectOption("deduct");
    await page.locator("input[name=amount]").fill(String(before + 100));
    await page.locator("input[name=reason]").fill("Too much");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toBe(
      `Nothing was taken: the user has only ${before + 5} credits.`,
    );
    expect(await ledgerSum(c.app.store, c.seeded.seller.id)).toBe(before + 5);
  });

  it("retries a failed job, which then runs to a delivered video, and refunds another one once", async () => {
    const page = await signedIn();
    await page.goto(`${c.base}/console/jobs?status=failed`);
    await page.getByRole("link", { name: `#${c.seeded.failedJob}`, exact: true }).click();
    await page.getByRole("button", { name: "🔁 Retry" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toBe("The job is back in the queue.");
    let job = await c.app.store.getJobById(c.seeded.failedJob);
    for (let i = 0; i < 300 && job?.status !== "succeeded"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = await c.app.store.getJobById(c.seeded.failedJob);
    }
    expect(job?.status).toBe("succeeded");
    await page.reload();
    expect(await page.locator("[data-status]").getAttribute("data-status")).toBe("succeeded");
    expect(await page.locator("video").getAttribute("src")).toMatch(/^\/f\//);

    await page.goto(`${c.base}/console/jobs/${c.seeded.refundableJob}`);
    const balance = (await c.app.store.getUserById(c.seeded.seller.id))!.credits;
    await page.getByRole("button", { name: "↩️ Refund credits" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toBe(
      `The job's credits are returned. The user's balance: ${balance + 1}.`,
    );
    expect(await page.getByRole("button", { name: "↩️ Refund credits" }).count()).toBe(0);
    expect(await page.locator("ol.timeline").textContent()).toContain("failed video refunded +1");
  });

  it("plays a delivered job's result through a signed link", async () => {
    const page = await signedIn();
    await page.goto(`${c.base}/console/jobs/${c.seeded.deliveredJob}`);
    const src = await page.locator("video").getAttribute("src");
    expect(src).toMatch(/^\/f\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const res = await page.request.get(`${c.base}${src}`);
    expect(res.status()).toBe(200);
    expect(await res.text()).toBe("not really a video, but bytes");
  });

  it("refunds a Stars payment through Telegram and takes its credits back", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "Payments" }).click();
    await page
      .locator(`tr[data-payment="${c.seeded.starsPayment}"]`)
      .getByRole("button", { name: "Refund" })
      .click();
    await expect(page.getByRole("status").textContent()).resolves.toBe(
      "Payment refunded; 10 credits taken back.",
    );
    expect(await page.locator(`tr[data-payment="${c.seeded.starsPayment}"]`).textContent()).toContain(
      "refunded",
    );
    expect(c.fakes.telegram.callsTo("refundStarPayment")).toHaveLength(1);
  });

  it("runs a broadcast: compose, preview exactly as typed, send, and watch it finish", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "Broadcasts" }).click();
    const text = "New templates are here!\nTry <b>B-roll</b> & tell us.";
    await page.locator("textarea[name=text]").fill(text);
    await page.getByRole("button", { name: "Preview" }).click();
    await page.waitForURL(/\/console\/broadcasts\/\d+$/);
    expect(await page.locator(".bubble .message").textContent()).toBe(text);
    await page.getByRole("button", { name: "📣 Send" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toMatch(
      /^The broadcast is being sent to \d+ users\.$/,
    );
    await page.locator('[data-field="status"]', { hasText: "finished" }).waitFor({ timeout: 20_000 });
    const users = await c.app.store.countUsers();
    expect(await page.locator('[data-field="sent"]').textContent()).toBe(String(users));
    // The admin is a recipient too: the message arrives as typed, markup characters and all.
    const inAdminChat = c.fakes.telegram.messages(ADMIN_ID).map((m) => m.text);
    expect(inAdminChat).toContain(text);
  });

  it("edits a template's price and a seller in the bot is offered the new price", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "Templates", exact: true }).click();
    const name = SELLER_TEXTS.en.names.motion;
    await page.getByRole("link", { name }).click();
    await page.getByLabel("Price of a 10 s video in credits").fill("7");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toBe(
      "The template is saved: sellers see it at once.",
    );
    await page.getByRole("link", { name: "Templates", exact: true }).click();
    expect(await page.locator('tr[data-template="motion"] [data-prices]').textContent()).toBe(
      "5 s: 1 credit · 10 s: 7 credits",
    );

    const seller = await c.seller(6101);
    seller.tap(seller.last()!, SELLER_TEXTS.en.create);
    await seller.next(/1/);
    seller.photo();
    await seller.next(/2/);
    seller.send(SELLER_TEXTS.en.product);
    const templates = await seller.next((m) => buttonsOf(m).some((b) => b.text === name));
    seller.tap(templates, name);
    const lengths = await seller.next((m) => buttonsOf(m).some((b) => b.text.startsWith("10 s")));
    expect(buttonsOf(lengths).map((b) => b.text)).toEqual([
      "5 s · 1 credit",
      "10 s · 7 credits",
      expect.any(String),
    ]);
  });

  it("creates a promo code, a seller redeems it through the bot, and the console shows the redemption", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "Promo codes" }).click();
    await page.getByLabel("Code", { exact: true }).fill("launch10");
    await page.getByLabel("Credits", { exact: true }).fill("10");
    await page.getByLabel("People", { exact: true }).fill("5");
    await page.getByLabel("Note", { exact: true }).fill("Launch post");
    await page.getByRole("button", { name: "Create" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toBe(
      "The promo code is created: it is at the top of the list.",
    );
    const row = page.locator('tr[data-promo="LAUNCH10"]');
    expect(await row.locator("[data-state]").textContent()).toBe("active");
    expect(await row.locator("a.deeplink").getAttribute("href")).toBe(
      `https://t.me/${c.fakes.telegram.bot.username}?start=promo_LAUNCH10`,
    );

    const seller = await c.seller(6102);
    const before = (await c.app.store.getUserByTgId(6102))!;
    seller.command("promo", "LAUNCH10");
    const answer = await seller.next(/LAUNCH10/);
    expect(answer.text).toContain("accepted: +10");
    const after = (await c.app.store.getUserByTgId(6102))!;
    expect(after.credits).toBe(before.credits + 10);
    expect(await ledgerSum(c.app.store, after.id)).toBe(after.credits);

    await page.reload();
    expect(await row.locator("[data-redemptions]").textContent()).toBe("1");
    expect(await row.locator("[data-left]").textContent()).toBe("4");
    await page.goto(`${c.base}/console/users/${after.id}`);
    expect(await page.locator("table.ledger tbody tr").first().textContent()).toContain("+10");
    expect(await page.locator("table.ledger tbody tr").first().textContent()).toContain("promo code");
  });

  it("imports an edited copy of the exported templates, picked as a file, and the list shows its prices", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "Templates", exact: true }).click();
    const exported = await page.request.get(`${c.base}/console/templates/export`);
    const file = (await exported.json()) as {
      templates: Array<{ id: string; durations: Array<{ cost: number }> }>;
    };
    const ugc = file.templates.find((t) => t.id === "ugc")!;
    for (const d of ugc.durations) d.cost = 3;
    await page.locator("input[type=file]").setInputFiles({
      name: "templates.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(file)),
    });
    await page.waitForFunction(() => {
      const doc = (
        globalThis as unknown as { document: { getElementById(id: string): { value: string } | null } }
      ).document;
      return (doc.getElementById("import-text")?.value ?? "") !== "";
    });
    await page.getByRole("button", { name: "Import" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toBe(
      `Imported: ${file.templates.length} templates created or replaced.`,
    );
    expect(await page.locator('tr[data-template="ugc"] [data-prices]').textContent()).toBe(
      "15 s: 3 credits · 10 s: 3 credits",
    );
  });

  describe("refuses", () => {
    it("every page without a session, telling how to get in", async () => {
      const page = await fresh();
      for (const path of [
        "/console",
        "/console/users",
        "/console/jobs/1",
        "/console/payments",
        "/console/templates",
        "/console/promos",
        "/console/costs",
      ]) {
        const res = await page.goto(`${c.base}${path}`);
        expect(res?.status()).toBe(401);
        expect(await page.textContent("main")).toContain("send /console to the bot");
      }
      const post = await page.request.post(`${c.base}/console/users/1/credits`, {
        form: { op: "grant", amount: "5", reason: "x" },
      });
      expect(post.status()).toBe(401);
    });

    it("a link used once already, and one past its ten minutes", async () => {
      const link = await c.loginLink();
      const first = await fresh();
      await first.goto(link);
      await first.getByRole("button", { name: "Sign in" }).click();
      await first.waitForURL(`${c.base}/console`);
      const second = await fresh();
      const res = await second.goto(link);
      expect(res?.status()).toBe(410);
      expect(await second.textContent("main")).toContain("This link was already used");
      expect(await second.context().cookies()).toEqual([]);

      const late = await c.loginLink();
      const token = late.split("/").pop()!;
      await c.app.store.driver.run(function* () {
        return yield* run(
          sql`update console_tokens set expires_at = ${new Date(Date.now() - 1000)} where token_hash = ${hashSecret(token)}`,
        );
      });
      const third = await fresh();
      expect((await third.goto(late))?.status()).toBe(410);
      expect(await third.textContent("main")).toContain("This link has expired");
    });

    it("an action without the session's CSRF token, changing nothing", async () => {
      const page = await signedIn();
      const sum = await ledgerSum(c.app.store, c.seeded.seller.id);
      const action = `${c.base}/console/users/${c.seeded.seller.id}/credits`;
      const form = {
        op: "grant",
        amount: "50",
        reason: "forged",
        ref: "8a1f2c3e-0000-4000-8000-000000000000",
      };
      const missing = await page.request.post(action, { form });
      expect(missing.status()).toBe(403);
      expect(await missing.text()).toContain("Nothing was changed");
      const wrong = await page.request.post(action, { form: { ...form, csrf: "A".repeat(43) } });
      expect(wrong.status()).toBe(403);
      expect(await ledgerSum(c.app.store, c.seeded.seller.id)).toBe(sum);
    });

    it("a non-admin who asks the bot for the console: a truthful answer and no link", async () => {
      const m = await c.askConsole(4242);
      expect(m.text).toBe("The console is only for the bot's administrators.");
      expect(linkIn(m)).toBeNull();
    });
  });

  it("signs out: the cookie no longer opens anything", async () => {
    const page = await signIn();
    await page.getByRole("button", { name: "Sign out" }).click();
    expect(await page.textContent("main")).toContain("You are signed out");
    expect((await page.goto(`${c.base}/console`))?.status()).toBe(401);
  });
});
