// Makes the Ed25519 key pair releases are signed with (`npm run release:key -- PATH`):
// the private key goes to PATH (PEM, mode 0600, never overwritten) and its public half into
// package.json's neurocards.releasePublicKey, which every executable built afterwards embeds and
// `neurocards update` checks SHA256SUMS.sig against. Executables built before keep trusting the
// old key, so a new key is for when the old one is lost or leaked: the next release must then be
// installed by hand once.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { root } from "../build/node-bin.mjs";

const target = process.argv[2];
if (!target) {
  console.error("usage: npm run release:key -- PATH   (where to write the private key; keep it out of git)");
  process.exit(2);
}
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const pem = privateKey.export({ type: "pkcs8", format: "pem" });
try {
  writeFileSync(resolve(target), pem, { mode: 0o600, flag: "wx" });
} catch (err) {
  console.error(
    `cannot write ${resolve(target)}: ${err.code === "EEXIST" ? "it exists already" : err.message}`,
  );
  process.exit(1);
}
const pkgPath = join(root, "package.json");
const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
pkg.neurocards = {
  ...pkg.neurocards,
  releasePublicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
};
writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
console.log(
  `private key: ${resolve(target)} (sign releases with NEUROCARDS_RELEASE_KEY_FILE=${resolve(target)})`,
);
console.log(`public key:  ${pkg.neurocards.releasePublicKey} (package.json neurocards.releasePublicKey)`);
console.log("For the GitHub workflow, store the private key's PEM as the secret NEUROCARDS_RELEASE_KEY.");
