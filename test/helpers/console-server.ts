// The console alone (no bot, no workers) on a fresh store, behind a plain HTTP server: what the
// console's HTTP tests sign in to and post forms at. Cleaned up when the test finishes.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, onTestFinished } from "vitest";
import { createCostOperations } from "../../src/admin/costs.ts";
import { createAdminOperations } from "../../src/admin/operations.ts";
import { parseConfig } from "../../src/config/index.ts";
import { createConsole } from "../../src/console/index.ts";
import { createConsoleLinks } from "../../src/console/login.ts";
import { costsRepo } from "../../src/db/ops/costs.ts";
import { promoRepo } from "../../src/db/ops/promo.ts";
import { templatesRepo } from "../../src/db/ops/templates.ts";
import type { Store } from "../../src/db/store.ts";
import { createPromoOperations } from "../../src/promo/operations.ts";
import { createStorage } from "../../src/storage/index.ts";
import { openLiveCatalogue } from "../../src/templates/live.ts";
import { createTemplateOperations } from "../../src/templates/operations.ts";
import { FAKE_BOT_TOKEN } from "../fakes/telegram-server.ts";
import { silentLogger, sqliteFactory } from "./stores.ts";

export const ADMIN = 777;

export type ConsoleServer = Awaited<ReturnType<typeof consoleServer>>;

export async function consoleServer(
  o: { publicBaseUrl?: string; admins?: string; store?: Store; botUsername?: string } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "nc-console-http-"));
  const config = parseConfig({
    BOT_TOKEN: FAKE_BOT_TOKEN,
    ADMIN_IDS: o.admins ?? String(ADMIN),
    PUBLIC_BASE_URL: o.publicBaseUrl ?? "http://127.0.0.1:1",
    STORAGE_PATH: join(dir, "files"),
    TIMEZONE: "Europe/Moscow",
  });
  const logger = silentLogger();
  const store = o.store ?? (await sqliteFactory().make());
  const repo = templatesRepo(store.driver);
  const catalogue = await openLiveCatalogue({ repo, logger });
  const promos = createPromoOperations({ repo: promoRepo(store.driver), logger });
  const costs = createCostOperations({ repo: costsRepo(store.driver), logger });
  const handler = createConsole({
    config,
    store,
    logger,
    ops: createAdminOperations({ store, logger }),
    catalogue,
    templates: createTemplateOperations({ repo, logger, catalogue }),
    promos,
    costs,
    botUsername: async () => o.botUsername ?? null,
    storage: createStorage(config, logger),
  });
  const server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  onTestFinished(async () => {
    await new Promise((r) => server.close(r));
    if (!o.store) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const links = createConsoleLinks({ config, driver: store.driver });
  return {
    base,
    store,
    catalogue,
    promos,
    costs,
    /** A session cookie ("name=value") for the admin, through a fresh link. */
    async signIn(language: "en" | "ru" = "en"): Promise<string> {
      const link = (await links.issue({ tgId: ADMIN, language }))!;
      const res = await fetch(`${base}${new URL(link).pathname}`, { method: "POST", redirect: "manual" });
      expect(res.status).toBe(303);
      return res.headers.get("set-cookie")!.split(";")[0]!;
    },
    links,
  };
}

/** The CSRF token of a console page's forms. */
export function csrfOf(page: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error("no CSRF token on the page");
  return token;
}

/** Posts a form as the browser would, without following the redirect. */
export function postForm(url: string, cookie: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
}
