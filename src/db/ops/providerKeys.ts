// Provider keys' rest periods, shared by all processes: a key that hit its limit rests until a time.
import { all, run, sql } from "../driver/index.ts";

export const providerKeys = () => all(sql`select * from provider_keys order by label`, "provider_keys");

export const restProviderKey = (keyHash: string, label: string, until: Date, error: string, now: Date) =>
  run(sql`insert into provider_keys (key_hash, label, rested_until, last_error, updated_at)
    values (${keyHash}, ${label}, ${until}, ${error}, ${now})
    on conflict (key_hash) do update set label = excluded.label, rested_until = excluded.rested_until,
      last_error = excluded.last_error, updated_at = excluded.updated_at`);
