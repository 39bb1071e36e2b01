// One-time login links to the console, asked for with /console in the bot. This part is loaded
// with the bot (it is small); the console itself is loaded on its first request (./index.ts).
// The link carries a 256-bit secret; the database keeps only its SHA-256, so neither a backup nor
// a read of the table can be replayed as a login.
import { createHash, randomBytes } from "node:crypto";
import type { Config } from "../config/index.ts";
import type { Driver } from "../db/driver/index.ts";
import { type ConsoleRepo, consoleRepo } from "../db/ops/console.ts";
import type { Language } from "../db/types.ts";
import { LINK_TTL_MS } from "./limits.ts";

export const hashSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");
export const newSecret = (): string => randomBytes(32).toString("base64url");

export interface ConsoleLinks {
  /** A fresh login link for this admin, or null when PUBLIC_BASE_URL is not set. */
  issue(admin: { tgId: number; language: Language }): Promise<string | null>;
}

export function createConsoleLinks(deps: {
  config: Config;
  driver: Driver;
  now?: () => Date;
  repo?: ConsoleRepo;
}): ConsoleLinks {
  const now = deps.now ?? (() => new Date());
  const repo = deps.repo ?? consoleRepo(deps.driver, now);
  return {
    async issue(admin) {
      const base = deps.config.http.publicBaseUrl;
      if (!base) return null;
      const token = newSecret();
      await repo.issue({
        tokenHash: hashSecret(token),
        adminTgId: admin.tgId,
        language: admin.language,
        expiresAt: new Date(now().getTime() + LINK_TTL_MS),
      });
      return `${base}/console/login/${token}`;
    },
  };
}
