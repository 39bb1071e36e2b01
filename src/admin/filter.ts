// Who may use the admin panel: the Telegram ids in ADMIN_IDS, nobody else.
import type { Context } from "grammy";

export function isAdmin(adminIds: readonly number[]) {
  const ids = new Set(adminIds);
  return (ctx: Context): boolean => ctx.from !== undefined && ids.has(ctx.from.id);
}
