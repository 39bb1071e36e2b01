// The files that make a folder of executables a release `neurocards update` accepts (format in
// src/cli/update.ts): VERSION, SHA256SUMS over the executables and VERSION, and SHA256SUMS.sig.
import { createHash, createPrivateKey, sign } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const EXECUTABLE_PREFIX = "neurocards-linux-";

/** Writes VERSION, SHA256SUMS and SHA256SUMS.sig into `dir`; returns SHA256SUMS' text. */
export function writeReleaseManifest(dir: string, version: string, privateKeyPem: string): string {
  writeFileSync(join(dir, "VERSION"), `${version}\n`);
  const names = readdirSync(dir)
    .filter((n) => n.startsWith(EXECUTABLE_PREFIX) || n === "VERSION")
    .sort();
  // sha256sum's own format, so that `sha256sum -c SHA256SUMS` checks a download by hand.
  const sums = names
    .map(
      (n) =>
        `${createHash("sha256")
          .update(readFileSync(join(dir, n)))
          .digest("hex")}  ${n}\n`,
    )
    .join("");
  writeFileSync(join(dir, "SHA256SUMS"), sums);
  const signature = sign(null, Buffer.from(sums), createPrivateKey(privateKeyPem));
  writeFileSync(join(dir, "SHA256SUMS.sig"), `${signature.toString("base64")}\n`);
  return sums;
}
