// The invoice payload: which package, for which Telegram user, in which chat, signed so a forged
// or edited invoice cannot pass pre-checkout. Telegram allows 1–128 bytes; ours is ~35–50.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface InvoicePayload {
  packageId: string;
  tgId: number;
  /**
   * The chat the invoice was sent to. Omitted in the payload when it is the user's private chat
   * (chat id = user id, the only place the bot sells), which keeps payloads of earlier versions valid.
   */
  chatId?: number;
}

const SIG_LENGTH = 16;

function sign(secret: string, packageId: string, tgId: number, chatId: number): string {
  const chat = chatId === tgId ? "" : `:${chatId}`;
  return createHmac("sha256", secret)
    .update(`invoice:${packageId}:${tgId}${chat}`)
    .digest("base64url")
    .slice(0, SIG_LENGTH);
}

export function encodePayload(secret: string, p: InvoicePayload): string {
  const chatId = p.chatId ?? p.tgId;
  const chat = chatId === p.tgId ? "" : `${chatId}:`;
  return `${p.packageId}:${p.tgId}:${chat}${sign(secret, p.packageId, p.tgId, chatId)}`;
}

/** null when the payload is malformed or its signature does not match. */
export function decodePayload(secret: string, payload: string): (InvoicePayload & { chatId: number }) | null {
  const m = /^(p\d{1,6}):(\d{1,20}):(?:(-?\d{1,20}):)?([\w-]{16})$/.exec(payload);
  if (!m) return null;
  const [, packageId, tg, chat, sig] = m as unknown as [string, string, string, string | undefined, string];
  const tgId = Number(tg);
  const chatId = chat === undefined ? tgId : Number(chat);
  const expected = Buffer.from(sign(secret, packageId, tgId, chatId));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given)
    ? { packageId, tgId, chatId }
    : null;
}

/** Credits a package id stands for (`p10` → 10), used when the package left the config after purchase. */
export function creditsOfPackageId(packageId: string): number {
  return Number(packageId.slice(1));
}
