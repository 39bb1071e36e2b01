// Named leases between processes (one bot per database): a row per name with its owner and expiry.
import { first, type Op, one, run, sql } from "../driver/index.ts";
import type { InstanceLeaseResult } from "../store.ts";

/**
 * One upsert decides: the row is taken when it is free, ours (renewed, keeping when we first took
 * it), or expired; otherwise it is left alone and its holder reported. A holder that released the
 * lease between the two statements means it is free: try again.
 */
export function* acquireLease(
  name: string,
  owner: string,
  ttlMs: number,
  now: Date,
): Op<InstanceLeaseResult> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  for (let attempt = 0; attempt < 3; attempt++) {
    const taken = yield* one(
      sql`insert into instance_leases (name, owner, acquired_at, expires_at) values (${name}, ${owner}, ${now}, ${expiresAt})
        on conflict (name) do update set owner = excluded.owner, expires_at = excluded.expires_at,
          acquired_at = case when instance_leases.owner = excluded.owner then instance_leases.acquired_at else excluded.acquired_at end
        where instance_leases.owner = excluded.owner or instance_leases.expires_at < excluded.acquired_at
        returning name`,
    );
    if (taken) return { acquired: true };
    const held = yield* first(sql`select * from instance_leases where name = ${name}`, "instance_leases");
    if (held)
      return { acquired: false, holder: held.owner, since: held.acquiredAt, expiresAt: held.expiresAt };
  }
  throw new Error(`lease ${name} neither free nor held`);
}

export const releaseLease = (name: string, owner: string) =>
  run(sql`delete from instance_leases where name = ${name} and owner = ${owner}`);
