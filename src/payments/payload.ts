// The invoice payload: which package, for which Telegram user, signed so a forged or edited
// invoice cannot pass pre-checkout. Telegram allows 1–128 bytes; ours is ~35.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface InvoicePayload {
  packageId: string;
  tgId: number;
}

const SIG_LENGTH = 16;

function sign(secret: string, packageId: string, tgId: number): string {
  return createHmac("sha256", secret)
    .update(`invoice:${packageId}:${tgId}`)
    .digest("base64url")
    .slice(0, SIG_LENGTH);
}

export function encodePayload(secret: string, p: InvoicePayload): string {
  return `${p.packageId}:${p.tgId}:${sign(secret, p.packageId, p.tgId)}`;
}

/** null when the payload is malformed or its signature does not match. */
export function decodePayload(secret: string, payload: string): InvoicePayload | null {
  const m = /^(p\d{1,6}):(\d{1,20}):([\w-]{16})$/.exec(payload);
  if (!m) return null;
  const [, packageId, tg, sig] = m as unknown as [string, string, string, string];
  const tgId = Number(tg);
  const expected = Buffer.from(sign(secret, packageId, tgId));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { packageId, tgId } : null;
}

/** Credits a package id stands for (`p10` → 10), used when the package left the config after purchase. */
export function creditsOfPackageId(packageId: string): number {
  return Number(packageId.slice(1));
}
