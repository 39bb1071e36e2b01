// `neurocards service install`: the unit it writes must let the service write every folder the
// configuration points it at (ProtectSystem=strict makes everything else read-only).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCliIn } from "./helpers/cli.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neurocards-service-"));
  mkdirSync(join(dir, "bin"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function print(env: Record<string, string>) {
  const { code, out, err } = await runCliIn(dir, ["service", "install", "--print"], env);
  const unit = out;
  const line = /^ReadWritePaths=(.*)$/m.exec(unit)?.[1] ?? "";
  // systemd splits the list at spaces; a path with a space in it is quoted.
  const writable = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  return { code, err, unit, writable };
}

describe("neurocards service install", () => {
  it("with the default settings only the executable's folder is writable (data/ lives in it)", async () => {
    const r = await print({});
    expect(r.code).toBe(0);
    expect(r.writable).toEqual([join(dir, "bin")]);
    expect(r.err).toBe("");
  });

  it("makes BACKUP_DIR, STORAGE_PATH and the SQLite file's folder writable when they lie outside it", async () => {
    const outside = (p: string) => join(dir, "srv", p);
    mkdirSync(outside("backups"), { recursive: true });
    const r = await print({
      BACKUP_DIR: outside("backups"),
      STORAGE_PATH: outside("files"),
      DATABASE_PATH: outside("db/neurocards.db"),
    });
    expect(r.code).toBe(0);
    expect(r.writable).toEqual([join(dir, "bin"), outside("backups"), outside("files"), outside("db")]);
    // systemd will not start a unit whose writable folder is missing: the owner is told.
    expect(r.err).toContain(`note: ${outside("files")} does not exist yet`);
    expect(r.err).toContain(`note: ${outside("db")} does not exist yet`);
    expect(r.err).not.toContain(outside("backups"));
  });

  it("keeps a writable folder under /home reachable: home folders become read-only, not hidden", async () => {
    expect((await print({})).unit).toContain("ProtectHome=true");
    const r = await print({ BACKUP_DIR: "/home/owner/neurocards-backups" });
    expect(r.writable).toEqual([join(dir, "bin"), "/home/owner/neurocards-backups"]);
    expect(r.unit).toContain("ProtectHome=read-only");
    expect(r.unit).not.toContain("ProtectHome=true");
  });

  it("quotes a folder with a space in its name", async () => {
    const r = await print({ BACKUP_DIR: "/srv/my backups" });
    expect(r.unit).toContain(`ReadWritePaths=${join(dir, "bin")} "/srv/my backups"`);
    expect(r.writable).toEqual([join(dir, "bin"), "/srv/my backups"]);
  });

  it("resolves relative folders from the working directory and leaves out the SQLite folder on Postgres", async () => {
    const r = await print({
      BACKUP_DIR: "../backups",
      STORAGE_PATH: "./data/files",
      DATABASE_TYPE: "postgres",
      DATABASE_PATH: "/var/lib/unused/neurocards.db",
    });
    expect(r.writable).toEqual([join(dir, "bin"), join(dir, "backups")]);
  });
});
