// The kie.ai key pool. Keys rotate round-robin; a key that answers 401 (bad key) or 402 (no
// balance) is rested for a while and the owner is told once. Health lives in the store, so every
// process (bot + extra workers) skips the same rested keys; a short cache keeps the store out of
// the hot path.
import { createHash } from "node:crypto";
import type { ProviderKeysRepository } from "../db/store.ts";
import type { Logger } from "../logger.ts";
import type { KeyAvailability } from "../queue/types.ts";
import type { Telegram } from "../telegram/types.ts";
import { GenerationError } from "./errors.ts";
import { messages } from "./messages.ts";

/** How long a key rests: no balance is often fixed by a top-up within the hour; a bad key needs a config change. */
export const KEY_REST_MS = { noBalance: 30 * 60_000, badKey: 6 * 60 * 60_000 } as const;
const CACHE_MS = 1000;

export interface KieKey {
  key: string;
  hash: string;
  label: string;
}

export function keyHash(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

export interface KeyPoolDeps {
  keys: string[];
  store: ProviderKeysRepository;
  telegram: Pick<Telegram, "notifyAdmins">;
  logger: Logger;
  now?: () => number;
}

export function createKeyPool({ keys, store, telegram, logger, now = Date.now }: KeyPoolDeps) {
  const all: KieKey[] = keys.map((key, i) => ({
    key,
    hash: keyHash(key),
    label: `kie key #${i + 1} (…${key.slice(-4)})`,
  }));
  const byHash = new Map(all.map((k) => [k.hash, k]));
  let next = 0;
  let cache: { at: number; rested: Map<string, Date> } | null = null;

  async function restedKeys(): Promise<Map<string, Date>> {
    if (cache && now() - cache.at < CACHE_MS) return cache.rested;
    const rested = new Map<string, Date>();
    for (const s of await store.getProviderKeys()) {
      if (s.restedUntil && s.restedUntil.getTime() > now()) rested.set(s.keyHash, s.restedUntil);
    }
    cache = { at: now(), rested };
    return rested;
  }

  function judge(rested: Map<string, Date>): KeyAvailability {
    if (all.length === 0) return { ok: false, reason: "no_keys" };
    // Only configured keys count: the store also remembers keys since removed from KIE_API_KEYS.
    let until = Number.POSITIVE_INFINITY;
    for (const k of all) {
      const wake = rested.get(k.hash);
      if (!wake) return { ok: true };
      until = Math.min(until, wake.getTime());
    }
    return { ok: false, reason: "keys_rested", until: new Date(until) };
  }

  return {
    size: all.length,
    get(hash: string | null | undefined): KieKey | undefined {
      return hash ? byHash.get(hash) : undefined;
    },
    availability: async (): Promise<KeyAvailability> => judge(await restedKeys()),
    /**
     * Usable keys, starting with the next in rotation. Throws provider_unavailable (with the time
     * the first key wakes up) when none is usable.
     */
    async usable(): Promise<KieKey[]> {
      const rested = await restedKeys();
      const state = judge(rested);
      if (!state.ok) {
        throw state.reason === "no_keys"
          ? new GenerationError("provider_unavailable", "no_keys", "KIE_API_KEYS is empty")
          : new GenerationError(
              "provider_unavailable",
              "keys_rested",
              "every kie.ai key is resting (no balance or rejected)",
              state.until,
            );
      }
      const start = next++ % all.length;
      return [...all.slice(start), ...all.slice(0, start)].filter((k) => !rested.has(k.hash));
    },
    /** Rests a key after 401/402 and warns the admins the first time. */
    async rest(k: KieKey, code: number, message: string): Promise<void> {
      const alreadyRested = (await restedKeys()).has(k.hash);
      const until = new Date(now() + (code === 402 ? KEY_REST_MS.noBalance : KEY_REST_MS.badKey));
      await store.restProviderKey(k.hash, k.label, until, `${code}: ${message}`);
      cache?.rested.set(k.hash, until);
      if (alreadyRested) return;
      logger.warn({ key: k.label, code }, "kie.ai key rested");
      const key = code === 402 ? "gen-admin-key-rested-402" : "gen-admin-key-rested-401";
      const at = until.toISOString().slice(0, 16).replace("T", " ");
      await telegram.notifyAdmins((l) => messages(l)(key, { label: k.label, until: at }));
    },
  };
}

export type KeyPool = ReturnType<typeof createKeyPool>;
