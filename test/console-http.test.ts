// The console's HTTP side without a browser: what it sends back for hostile input, over https,
// for link previews, for odd forms, for an admin removed from ADMIN_IDS, and in Russian.

import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, consoleServer } from "./helpers/console-server.ts";
import { ledgerSum } from "./helpers/store-ops.ts";
import { sqliteFactory } from "./helpers/stores.ts";

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

describe("the console over HTTP", () => {
  it("escapes what users typed: a name, a search and an error are shown as text, never as markup", async () => {
    const c = await consoleServer();
    const { user } = await c.store.getOrCreateUser({
      tgId: 31337,
      firstName: "<img src=x onerror=alert(1)>",
    });
    const cookie = await c.signIn();
    const page = await (await fetch(`${c.base}/console/users/${user.id}`, { headers: { cookie } })).text();
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(page).not.toContain("<img src=x");
    const search = await (
      await fetch(`${c.base}/console/users?q=${encodeURIComponent('"><script>alert(1)</script>')}`, {
        headers: { cookie },
      })
    ).text();
    expect(search).not.toContain("<script>alert(1)</script>");
    expect(search).toContain("&quot;&gt;&lt;script&gt;");
  });

  it("over https the cookie is __Host-, Secure and for the whole site; over http it stays under /console", async () => {
    const https = await consoleServer({ publicBaseUrl: "https://bot.example.com" });
    const link = (await https.links.issue({ tgId: ADMIN, language: "en" }))!;
    expect(link).toMatch(/^https:\/\/bot\.example\.com\/console\/login\/[A-Za-z0-9_-]{43}$/);
    const res = await fetch(`${https.base}${new URL(link).pathname}`, { method: "POST", redirect: "manual" });
    expect(res.headers.get("set-cookie")).toMatch(
      /^__Host-nc_console=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure$/,
    );
    const http = await consoleServer();
    expect(await http.signIn()).toMatch(/^nc_console=/);
  });

  it("opening a link (as a link preview would) does not use it up; only the button does", async () => {
    const c = await consoleServer();
    const link = (await c.links.issue({ tgId: ADMIN, language: "en" }))!;
    const path = new URL(link).pathname;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${c.base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    expect((await fetch(`${c.base}${path}`, { method: "POST", redirect: "manual" })).status).toBe(303);
    expect((await fetch(`${c.base}${path}`, { method: "POST", redirect: "manual" })).status).toBe(410);
    expect((await fetch(`${c.base}/console/login/not-a-token`)).status).toBe(404);
  });

  it("pages forbid framing, inline scripts and referrers; assets are cached for good under their version", async () => {
    const c = await consoleServer();
    const cookie = await c.signIn();
    const res = await fetch(`${c.base}/console`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    const src = /src="(\/console\/assets\/uplot\.js\?v=[0-9a-f]{12})"/.exec(html)?.[1];
    const asset = await fetch(`${c.base}${src}`);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await fetch(`${c.base}/console/assets/secrets.env`)).status).toBe(404);
  });

  it("refuses an action that is not a form (415) or too big (413), and checks what the form says", async () => {
    const c = await consoleServer();
    const cookie = await c.signIn();
    const { user } = await c.store.getOrCreateUser({ tgId: 4001, firstName: "Ann" });
    const action = `${c.base}/console/users/${user.id}/credits`;
    const json = await fetch(action, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
    const big = await fetch(action, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: `reason=${"x".repeat(70_000)}`,
    });
    expect(big.status).toBe(413);
    const page = await (await fetch(`${c.base}/console/users/${user.id}`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const post = (form: Record<string, string>) =>
      fetch(action, {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf, ...form }).toString(),
        redirect: "manual",
      });
    const ref = "0b8e1c52-6d1e-4a4e-9a51-3c9f0e2d7a10";
    const start = await ledgerSum(c.store, user.id);
    const zero = await post({ op: "grant", amount: "0", reason: "x", ref });
    expect(zero.status).toBe(422);
    expect(await zero.text()).toContain("Enter a whole number of credits from 1 to 100000.");
    const noReason = await post({ op: "grant", amount: "3", reason: "  ", ref });
    expect(noReason.status).toBe(422);
    const ok = await post({ op: "grant", amount: "3", reason: "gift", ref });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(`/console/users/${user.id}?ok=granted&n=3`);
    // The same form sent again (a double click, a resubmit): one ledger row.
    const again = await post({ op: "grant", amount: "3", reason: "gift", ref });
    expect(again.headers.get("location")).toBe(`/console/users/${user.id}?ok=repeated&n=3`);
    expect(await ledgerSum(c.store, user.id)).toBe(start + 3);
  });

  it("an admin removed from ADMIN_IDS: the session and any link they still hold open nothing", async () => {
    const store = await sqliteFactory().make();
    cleanup.push(() => store.close());
    const before = await consoleServer({ store });
    const cookie = await before.signIn();
    const link = (await before.links.issue({ tgId: ADMIN, language: "en" }))!;
    const after = await consoleServer({ store, admins: "123" });
    expect((await fetch(`${after.base}/console`, { headers: { cookie } })).status).toBe(401);
    const res = await fetch(`${after.base}${new URL(link).pathname}`, { method: "POST", redirect: "manual" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("no longer an administrator");
  });

  it("speaks the admin's language, switches it for the session, and returns only to console pages", async () => {
    const c = await consoleServer();
    const cookie = await c.signIn("ru");
    const page = await (await fetch(`${c.base}/console/jobs`, { headers: { cookie } })).text();
    expect(page).toContain("<h1>Задачи</h1>");
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const switchTo = (back: string) =>
      fetch(`${c.base}/console/lang`, {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf, lang: "en", back }).toString(),
        redirect: "manual",
      });
    expect((await switchTo("/console/jobs?status=failed")).headers.get("location")).toBe(
      "/console/jobs?status=failed",
    );
    expect((await switchTo("//evil.example/console")).headers.get("location")).toBe("/console");
    expect((await switchTo("https://evil.example/")).headers.get("location")).toBe("/console");
    const english = await (await fetch(`${c.base}/console/jobs`, { headers: { cookie } })).text();
    expect(english).toContain("<h1>Jobs</h1>");
  });

  it("an impossible date range is said so, and the last 30 days are shown instead", async () => {
    const c = await consoleServer();
    const cookie = await c.signIn();
    const res = await fetch(`${c.base}/console?from=2026-02-30&to=2026-03-01`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain("That date range is not valid; showing the last 30 days.");
    const long = await (
      await fetch(`${c.base}/console?from=2024-01-01&to=2026-03-01`, { headers: { cookie } })
    ).text();
    expect(long).toContain("At most 366 days at a time");
  });
});
