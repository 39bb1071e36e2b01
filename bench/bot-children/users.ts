// The bench's sellers, for bench:bot and bench:bot-instructions alike.
import type { Store } from "../../src/db/store.ts";

/**
 * Makes `count` bench users (ids 10,000 on, every other one Russian) with the terms accepted until
 * `consentUntil`, and their fake Telegram clients.
 */
export async function seedUsers<U>(
  store: Pick<Store, "getOrCreateUser" | "setConsent">,
  tg: { user(profile: { id: number; language_code: string; first_name: string }): U },
  count: number,
  consentUntil: Date,
): Promise<U[]> {
  const users: U[] = [];
  for (let i = 0; i < count; i++) {
    const profile = { id: 10_000 + i, language_code: i % 2 ? "ru" : "en", first_name: `U${i}` };
    const { user } = await store.getOrCreateUser({
      tgId: profile.id,
      firstName: profile.first_name,
      languageCode: profile.language_code,
    });
    await store.setConsent(user.id, consentUntil);
    users.push(tg.user(profile));
  }
  return users;
}
