// The offer in the console over HTTP: templates (edit, create, order, on/off, export, import),
// promo codes and model costs with the margin on the overview — each action, and its refusals
// without a session, without the CSRF token and for invalid input, which change nothing.

import { describe, expect, it } from "vitest";
import type { StoredTemplate } from "../src/templates/index.ts";
import { ADMIN, type ConsoleServer, consoleServer, csrfOf, postForm } from "./helpers/console-server.ts";
import { createJobAndConsumeCredit, moveJob } from "./helpers/store-ops.ts";

/** A template's edit form as the page fills it in. */
function formOf(t: StoredTemplate): Record<string, string> {
  const form: Record<string, string> = {
    kind: t.kind,
    name_en: t.name.en,
    name_ru: t.name.ru,
    description_en: t.description.en,
    description_ru: t.description.ru,
    model: t.model,
    instructions: t.instructions,
    fallback_prompt: t.fallbackPrompt,
  };
  for (const d of t.durations) {
    form[`len_${d.seconds}`] = "on";
    form[`cost_${d.seconds}`] = String(d.cost);
  }
  if (t.durations[0]) form.default_len = String(t.durations[0].seconds);
  for (const f of t.formats) form[`fmt_${f}`] = "on";
  if (t.formats[0]) form.default_fmt = t.formats[0];
  if (t.askWishes) form.ask_wishes = "on";
  if (t.enabled) form.enabled = "on";
  return form;
}

async function signedIn(c: ConsoleServer, lang: "en" | "ru" = "en") {
  const cookie = await c.signIn(lang);
  const get = async (path: string) => {
    const res = await fetch(`${c.base}${path}`, { headers: { cookie } });
    return { status: res.status, text: await res.text(), res };
  };
  const csrf = csrfOf((await get("/console/templates")).text);
  const post = (path: string, form: Record<string, string>) =>
    postForm(`${c.base}${path}`, cookie, { csrf, ...form });
  return { cookie, get, post, csrf };
}

/** The table row of a record (`<tr data-template="motion">…</tr>`) in a page, or "". */
const rowOf = (page: string, kind: string, id: string) =>
  new RegExp(`<tr data-${kind}="${id}">.*?</tr>`).exec(page)?.[0] ?? "";

/** Where the offer stands: each template's id, on/off and lengths with prices, in order. */
async function offer(c: ConsoleServer) {
  await c.catalogue.refresh();
  return c.catalogue.all.map((t) => `${t.id}:${t.durations.map((d) => `${d.seconds}=${d.cost}`).join(",")}`);
}

describe("templates in the console", () => {
  it("lists the offer in the sellers' order with on/off, prices, model and formats", async () => {
    const c = await consoleServer();
    const s = await signedIn(c);
    const page = await s.get("/console/templates");
    expect(page.status).toBe(200);
    const ids = [...page.text.matchAll(/<tr data-template="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(c.catalogue.all.map((t) => t.id));
    const motion = rowOf(page.text, "template", "motion");
    expect(motion).toContain("5 s: 1 credit · 10 s: 2 credits");
    expect(motion).toContain("Kling 2.6");
    expect(motion).toContain("the photo&#39;s shape");
    expect(motion).toContain('<span class="badge ok">on</span>');
  });

  it("saves a new price, and the catalogue the bot reads offers it at once", async () => {
    const c = await consoleServer();
    const s = await signedIn(c);
    const motion = c.catalogue.get("motion")!;
    const res = await s.post("/console/templates/motion", {
      ...formOf({ ...motion, enabled: true }),
      cost_10: "7",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console/templates/motion?ok=template-saved");
    expect(await offer(c)).toContain("motion:5=1,10=7");
    const page = await s.get("/console/templates/motion?ok=template-saved");
    expect(page.text).toContain("The template is saved: sellers see it at once.");
    expect(page.text).toContain(`by console:${ADMIN}`);
    expect(page.text).toMatch(/name="cost_10" value="7"/);
  });

  it("refuses an invalid template next to the form, in the admin's language, and saves nothing", async () => {
    const c = await consoleServer();
    const before = await offer(c);
    const en = await signedIn(c);
    const motion = { ...c.catalogue.get("motion")!, enabled: true };
    const bad = await en.post("/console/templates/motion", {
      ...formOf(motion),
      name_ru: "  ",
      cost_5: "0",
    });
    expect(bad.status).toBe(422);
    const text = await bad.text();
    expect(text).toContain("Nothing was saved: see what to fix next to the form.");
    expect(text).toContain("Write the name in Russian.");
    expect(text).toContain("The price of 5 s must be a whole number of credits, at least 1.");
    // The form keeps what was typed.
    expect(text).toMatch(/name="cost_10" value="2"/);

    const ru = await signedIn(c, "ru");
    const eight = await ru.post("/console/templates/motion", { ...formOf(motion), len_8: "on", cost_8: "3" });
    expect(eight.status).toBe(422);
    expect(await eight.text()).toContain("Kling 2.6 делает видео на 5, 10 с, а не на 8 с.");
    const square = await ru.post("/console/templates/motion", { ...formOf(motion), "fmt_1:1": "on" });
    expect(await square.text()).toContain("Kling 2.6 берёт форму фото: не отмечайте форматы.");
    expect(await offer(c)).toEqual(before);
  });

  it("creates a template, placed last and offered at once; an id in use is refused", async () => {
    const c = await consoleServer();
    const s = await signedIn(c);
    const form = {
      ...formOf({ ...c.catalogue.get("broll")!, enabled: true }),
      id: "spin",
      name_en: "Turntable",
      name_ru: "Вращение",
    };
    const res = await s.post("/console/templates/new", form);
    expect(res.headers.get("location")).toBe("/console/templates/spin?ok=template-created");
    expect((await offer(c)).at(-1)).toBe("spin:8=1");
    expect(c.catalogue.name(c.catalogue.get("spin")!, "ru")).toBe("Вращение");
    const again = await s.post("/console/templates/new", form);
    expect(again.status).toBe(422);
    expect(await again.text()).toContain("A template with the id “spin” already exists.");
    for (const id of ["new", "Spin!", ""]) {
      const bad = await s.post("/console/templates/new", { ...form, id });
      expect(bad.status, id).toBe(422);
      expect(await bad.text()).toContain("The id must be 1 to 20 of a–z, 0–9");
    }
  });

  it("moves a template up, switches one off and on; the last one offered cannot be switched off", async () => {
    const c = await consoleServer();
    const s = await signedIn(c);
    const ids = () => offer(c).then((o) => o.map((x) => x.split(":")[0]));
    const start = await ids();
    const second = start[1]!;
    expect((await s.post(`/console/templates/${second}/move`, { dir: "up" })).status).toBe(303);
    expect(await ids()).toEqual([second, start[0], ...start.slice(2)]);

    for (const id of start.slice(1)) await s.post(`/console/templates/${id}/enabled`, { enabled: "0" });
    expect(await ids()).toEqual([start[0]]);
    const last = await s.post(`/console/templates/${start[0]}/enabled`, { enabled: "0" });
    expect(last.status).toBe(409);
    expect(await last.text()).toContain("This is the last template offered");
    expect(await ids()).toEqual([start[0]]);
    const on = await s.post(`/console/templates/${second}/enabled`, { enabled: "1" });
    expect(on.headers.get("location")).toBe("/console/templates?ok=template-on");
    expect(await ids()).toContain(second);
  });

  it("exports the file `templates export` writes and imports an edited one, all or nothing", async () => {
    const c = await consoleServer();
    const s = await signedIn(c);
    const exported = await s.get("/console/templates/export");
    expect(exported.res.headers.get("content-disposition")).toBe('attachment; filename="templates.json"');
    const file = JSON.parse(exported.text) as { templates: StoredTemplate[] };
    expect(file.templates.map((t) => t.id)).toEqual(c.catalogue.all.map((t) => t.id));

    const before = await offer(c);
    const broken = structuredClone(file);
    broken.templates[0]!.durations[0]!.cost = 0;
    const refused = await s.post("/console/templates/import", { file: JSON.stringify(broken) });
    expect(refused.status).toBe(422);
    const text = await refused.text();
    expect(text).toContain("Nothing was imported: the file has these problems.");
    expect(text).toContain("templates[0].durations[0].cost");
    expect(await offer(c)).toEqual(before);
    const notJson = await s.post("/console/templates/import", { file: "{ nope" });
    expect(notJson.status).toBe(422);

    const edited = structuredClone(file);
    edited.templates[0]!.durations[0]!.cost = 9;
    const ok = await s.post("/console/templates/import", { file: JSON.stringify(edited) });
    expect(ok.headers.get("location")).toBe(
      `/console/templates?ok=templates-imported&n=${file.templates.length}`,
    );
    expect((await offer(c))[0]).toMatch(new RegExp(`^${file.templates[0]!.id}:\\d+=9`));
  });

  it("refuses every templates page and action without a session, and actions without the CSRF token", async () => {
    const c = await consoleServer();
    for (const path of ["/console/templates", "/console/templates/motion", "/console/templates/export"])
      expect((await fetch(`${c.base}${path}`)).status).toBe(401);
    const s = await signedIn(c);
    const before = await offer(c);
    const form = { ...formOf({ ...c.catalogue.get("motion")!, enabled: true }), cost_10: "50" };
    expect((await postForm(`${c.base}/console/templates/motion`, "", { csrf: s.csrf, ...form })).status).toBe(
      401,
    );
    expect((await postForm(`${c.base}/console/templates/motion`, s.cookie, form)).status).toBe(403);
    expect(
      (await postForm(`${c.base}/console/templates/motion/enabled`, s.cookie, { enabled: "0" })).status,
    ).toBe(403);
    expect(await offer(c)).toEqual(before);
  });
});

describe("promo codes in the console", () => {
  it("creates a code and lists it active with its uses left, redemptions and the bot's deep link", async () => {
    const c = await consoleServer({ botUsername: "neurocards_bot" });
    const s = await signedIn(c);
    const res = await s.post("/console/promos", {
      code: "spring25",
      credits: "5",
      uses: "100",
      days: "30",
      note: "Instagram post",
    });
    expect(res.headers.get("location")).toBe("/console/promos?ok=promo-created");
    const page = await s.get("/console/promos?ok=promo-created");
    expect(page.text).toContain("The promo code is created");
    const row = rowOf(page.text, "promo", "SPRING25");
    expect(row).toContain('data-state="active"');
    expect(row).toContain("+5");
    expect(row).toContain('<td class="num" data-redemptions>0</td>');
    expect(row).toContain('<td class="num" data-left>100</td>');
    expect(row).toContain("Instagram post");
    expect(row).toContain('href="https://t.me/neurocards_bot?start=promo_SPRING25"');
    const p = await c.promos.get("spring25");
    expect(p).toMatchObject({ credits: 5, maxUses: 100, createdBy: `console:${ADMIN}` });
  });

  it("generates a code when none is typed; without the bot's name it shows the /promo command", async () => {
    const c = await consoleServer();
    const s = await signedIn(c);
    await s.post("/console/promos", { code: "", credits: "3", uses: "", days: "", note: "" });
    const [p] = await c.promos.list({ limit: 5 });
    expect(p?.code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    expect(p).toMatchObject({ credits: 3, maxUses: null, expiresAt: null });
    expect((await s.get("/console/promos")).text).toContain(`<code>/promo ${p!.code}</code>`);
  });

  it("refuses what /admin and the CLI refuse, keeping the form, and creates nothing", async () => {
    const c = await consoleServer();
    const s = await signedIn(c);
    const ok = { code: "SUMMER", credits: "5", uses: "10", days: "7", note: "" };
    const cases: Array<[Record<string, string>, string]> = [
      [{ credits: "0" }, "Credits: a whole number from 1 to 1000."],
      [{ credits: "1001" }, "Credits: a whole number from 1 to 1000."],
      [{ code: "no spaces" }, "“no spaces” cannot be a code"],
      [{ uses: "-1" }, "People: empty for any number, or a whole number from 1 to 1000000."],
      [{ days: "4000" }, "Days: empty for no end, or a whole number from 1 to 3650."],
      [{ note: "x".repeat(201) }, "The note is too long: at most 200 characters."],
    ];
    for (const [change, message] of cases) {
      const res = await s.post("/console/promos", { ...ok, ...change });
      expect(res.status, message).toBe(422);
      const text = await res.text();
      expect(text).toContain(message);
      expect(text).toMatch(/name="code" value="[^"]*"/);
    }
    expect(await c.promos.list({ limit: 5 })).toEqual([]);
    await s.post("/console/promos", ok);
    const twice = await s.post("/console/promos", { ...ok, code: "summer" });
    expect(twice.status).toBe(422);
    expect(await twice.text()).toContain("The code SUMMER already exists: pick another one.");
  });

  it("switches a code off and on; refuses without a session or the CSRF token", async () => {
    const c = await consoleServer();
    const s = await signedIn(c);
    await s.post("/console/promos", { code: "WINTER", credits: "2", uses: "", days: "", note: "" });
    expect((await postForm(`${c.base}/console/promos/WINTER/disable`, s.cookie, {})).status).toBe(403);
    expect((await postForm(`${c.base}/console/promos/WINTER/disable`, "", { csrf: s.csrf })).status).toBe(
      401,
    );
    expect((await c.promos.get("WINTER"))?.disabledAt).toBeNull();
    const off = await s.post("/console/promos/WINTER/disable", {});
    expect(off.headers.get("location")).toBe("/console/promos?ok=promo-disabled");
    expect(rowOf((await s.get("/console/promos")).text, "promo", "WINTER")).toContain(
      'data-state="disabled"',
    );
    await s.post("/console/promos/WINTER/enable", {});
    expect(rowOf((await s.get("/console/promos")).text, "promo", "WINTER")).toContain('data-state="active"');
    expect((await s.post("/console/promos/NOPE/disable", {})).status).toBe(404);
    expect((await fetch(`${c.base}/console/promos`)).status).toBe(401);
  });
});

describe("model costs and the margin in the console", () => {
  it("records what a model costs, refuses a bad price, and the overview shows each template's margin", async () => {
    const c = await consoleServer();
    const s = await signedIn(c);
    // 10 credits sold for 100 Stars; one B-roll video (veo3_fast) made for 2 of them.
    const { user } = await c.store.getOrCreateUser({ tgId: 9001 });
    await c.store.recordPayment({
      userId: user.id,
      telegramChargeId: "charge-1",
      currency: "XTR",
      amount: 100,
      credits: 10,
      packageId: "p10",
    });
    const r = await createJobAndConsumeCredit(c.store, user.id, {
      chatId: 9001,
      template: "broll",
      model: "veo3_fast",
      language: "en",
      productText: "A mug",
      photoFileId: "photo",
      cost: 2,
      idempotencyKey: "made-1",
    });
    if (!r.ok) throw new Error("job refused");
    await moveJob(c.store, r.job.id, "processing");
    await moveJob(c.store, r.job.id, "succeeded");

    const unpriced = await s.get("/console");
    expect(unpriced.text).toContain("No cost recorded for the model veo3_fast");
    expect(rowOf(unpriced.text, "template", "broll")).toContain('<td class="num" data-margin>—</td>');

    const bad = await s.post("/console/costs", {
      model: "veo3_fast",
      amount: "free",
      currency: "XTR",
      unit: "video",
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("The price must be a positive number");
    const badCurrency = await s.post("/console/costs", {
      model: "veo3_fast",
      amount: "3",
      currency: "stars",
      unit: "video",
    });
    expect(await badCurrency.text()).toContain("The currency must be a 3-letter code");
    expect(await c.costs.list()).toEqual([]);

    const ok = await s.post("/console/costs", {
      model: "veo3_fast",
      amount: "3",
      currency: "XTR",
      unit: "video",
    });
    expect(ok.headers.get("location")).toBe("/console/costs?ok=cost-saved");
    const costs = await s.get("/console/costs");
    expect(rowOf(costs.text, "cost", "veo3_fast")).toContain("3 ⭐");

    // Revenue 2 credits × 10 ⭐ = 20 ⭐, cost 3 ⭐: a margin of 17 ⭐, 85%.
    const row = rowOf((await s.get("/console")).text, "template", "broll");
    expect(row).toMatch(
      /<td class="num" data-revenue>20 ⭐<\/td><td class="num" data-cost>3 ⭐<\/td><td class="num" data-margin>17 ⭐ \(85%\)<\/td>/,
    );

    await s.post("/console/costs/remove", { model: "veo3_fast" });
    expect(await c.costs.list()).toEqual([]);
    expect(
      (
        await postForm(`${c.base}/console/costs`, s.cookie, {
          model: "veo3_fast",
          amount: "1",
          currency: "XTR",
          unit: "video",
        })
      ).status,
    ).toBe(403);
    expect((await fetch(`${c.base}/console/costs`)).status).toBe(401);
  });
});
