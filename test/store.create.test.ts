// createStore/migrateDatabase: what the program does at startup and on `neurocards migrate`.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/index.ts";
import { createStore, migrateDatabase, NewerDatabaseError } from "../src/db/index.ts";
import { MIGRATIONS } from "../src/db/migrations.generated.ts";
import { safeGetBalance } from "./helpers/store-ops.ts";
import { silentLogger } from "./helpers/stores.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";

describe("createStore", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function configFor(path: string, freeCredits = 2) {
    return parseConfig({ BOT_TOKEN: TOKEN, DATABASE_PATH: path, FREE_CREDITS: String(freeCredits) });
  }
  function tempPath(): string {
    const dir = mkdtempSync(join(tmpdir(), "nc-create-"));
    dirs.push(dir);
    return join(dir, "nested", "data", "neurocards.db");
  }

  it("opens the SQLite default in WAL mode, creating its directory, with the configured free credits", async () => {
    const path = tempPath();
    const store = await createStore(configFor(path, 2), silentLogger());
    try {
      expect(store.dialect).toBe("sqlite");
      expect(existsSync(path)).toBe(true);
      expect((await store.getOrCreateUser({ tgId: 1 })).user.credits).toBe(2);
      expect(await store.ping()).toBe(true);
    } finally {
      await store.close();
    }
    expect(await store.ping()).toBe(false);
    expect(await safeGetBalance(store, 1)).toBeNull();
    const db = new Database(path, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("reopens an existing database keeping its data; `migrate` reports what it applied", async () => {
    const path = tempPath();
    const config = configFor(path);
    expect((await migrateDatabase(config, silentLogger())).applied).toEqual(
      MIGRATIONS.sqlite.map((m) => m.name),
    );
    expect((await migrateDatabase(config, silentLogger())).applied).toEqual([]);
    const first = await createStore(config, silentLogger());
    await first.getOrCreateUser({ tgId: 5, username: "kept" });
    await first.close();
    const second = await createStore(config, silentLogger());
    expect((await second.getUserByTgId(5))?.username).toBe("kept");
    await second.close();
  });

  it.runIf(process.platform === "linux" && process.arch === "x64")(
    "accepts the SQLite addon as an already loaded object (how the single executable passes it)",
    async () => {
      const addonPath = fileURLToPath(
        new URL("../node_modules/better-sqlite3/prebuilds/linux-x64.node", import.meta.url),
      );
      const mod = { exports: {} };
      process.dlopen(mod, addonPath);
      const store = await createStore(configFor(tempPath()), silentLogger(), { nativeBinding: mod.exports });
      expect((await store.getOrCreateUser({ tgId: 9 })).created).toBe(true);
      await store.close();
    },
  );

  it("refuses a database written by a newer version, naming the problem", async () => {
    const path = tempPath();
    const config = configFor(path);
    await migrateDatabase(config, silentLogger());
    const db = new Database(path);
    db.prepare(
      "insert into __neurocards_migrations (name, hash, applied_at) values ('0999_next', 'x', 0)",
    ).run();
    db.close();
    await expect(createStore(config, silentLogger())).rejects.toBeInstanceOf(NewerDatabaseError);
    await expect(migrateDatabase(config, silentLogger())).rejects.toThrow(
      /newer Neurocards version.*0999_next/,
    );
  });
});
