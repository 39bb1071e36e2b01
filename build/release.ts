// `npm run release`: the files of a GitHub release, in build/release/:
//   neurocards-linux-x64, neurocards-linux-arm64   the executables (build/build.mjs --target …)
//   VERSION, SHA256SUMS, SHA256SUMS.sig            what `neurocards update` checks (release-files.ts)
// SHA256SUMS is signed with the release key's private half, given as PEM in NEUROCARDS_RELEASE_KEY
// (CI's secret) or as a file in NEUROCARDS_RELEASE_KEY_FILE; `npm run release:key -- PATH` makes
// a key pair. The signature is checked against the public key the executables embed before
// anything is called a release, so a wrong key fails here and not on the owners' servers.
// On an x64 machine the arm64 executable's Node runs under qemu-user-static, which
// build/install-arm64-deps.sh installs; `EXE=build/release/neurocards-linux-arm64 bash build/smoke.sh`
// smoke-tests that file the same way.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RELEASE_PUBLIC_KEY, verifySignature } from "../src/cli/update.ts";
import { VERSION } from "../src/version.ts";
import { EXECUTABLE_PREFIX, writeReleaseManifest } from "./release-files.ts";

const root = join(import.meta.dirname, "..");
const out = join(root, "build", "release");
const TARGETS = ["linux-x64", "linux-arm64"];

function privateKey(): string {
  const { NEUROCARDS_RELEASE_KEY: pem, NEUROCARDS_RELEASE_KEY_FILE: file } = process.env;
  if (pem?.trim()) return pem;
  if (file) return readFileSync(file, "utf8");
  throw new Error(
    "set NEUROCARDS_RELEASE_KEY (the private key's PEM) or NEUROCARDS_RELEASE_KEY_FILE (its path); " +
      "npm run release:key -- PATH makes a new pair",
  );
}

const key = privateKey();
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const target of TARGETS) {
  const file = join(out, `${EXECUTABLE_PREFIX}${target.split("-")[1]}`);
  const r = spawnSync(
    process.execPath,
    [join(root, "build", "build.mjs"), "--target", target, "--out", file],
    {
      stdio: "inherit",
    },
  );
  if (r.status !== 0) throw new Error(`building ${target} failed`);
}
const sums = writeReleaseManifest(out, VERSION, key);
const signature = readFileSync(join(out, "SHA256SUMS.sig"), "utf8");
if (!verifySignature(Buffer.from(sums), signature, RELEASE_PUBLIC_KEY)) {
  rmSync(join(out, "SHA256SUMS.sig"));
  throw new Error(
    "the release key is not the one whose public half the executables embed (package.json " +
      "neurocards.releasePublicKey): `neurocards update` would refuse this release",
  );
}
process.stdout.write(`neurocards ${VERSION} in ${out}:\n${sums}`);
