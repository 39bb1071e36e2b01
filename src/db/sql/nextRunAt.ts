// The earliest moment a runnable job becomes claimable: a queued or resumed job's run_at, or the
// expiry of a live lease. The claim loop asks after every claim that left slots empty, so it is a
// named statement, parsed and planned once per connection instead of built by drizzle each time.
import type { PgQuery } from "./types.ts";

// greatest() skips nulls: a job without a lease is due at run_at.
const POSTGRES = `
select min(greatest(run_at, lease_expires_at)) as at from jobs
where status in ('queued', 'processing')`;

export async function nextRunAtPostgres(query: PgQuery): Promise<Date | null> {
  const { rows } = await query(POSTGRES, [], "nc_next_run_at");
  const at = rows[0]?.at;
  return at instanceof Date ? at : null;
}
