// The batch key of each of the first `limit` queued jobs, in claim order (run_at, id), null for a
// job of no batch: all the position notices need to number every waiting order. One column instead
// of whole job rows, ordered by the database along jobs_ready_idx instead of sorted in JS.
import type { PgQuery, SqlitePrepare } from "./types.ts";

// The `status in (...)` term repeats the partial index's predicate, which SQLite needs before it
// uses a partial index; INDEXED BY pins the plan (see claimJobs.ts), so the scan walks the index in
// claim order and stops after `limit` queued rows.
const SQLITE = `
select batch_key from jobs indexed by jobs_ready_idx
where status in ('queued', 'processing') and status = 'queued'
order by run_at, id
limit ?`;

// Postgres proves `status = 'queued'` implies the partial index's predicate by itself.
const POSTGRES = `
select batch_key from jobs
where status = 'queued'
order by run_at, id
limit $1`;

export function queuedBatchKeysSqlite(prepare: SqlitePrepare, limit: number): (string | null)[] {
  return prepare(SQLITE).pluck(true).all(limit) as (string | null)[];
}

export async function queuedBatchKeysPostgres(query: PgQuery, limit: number): Promise<(string | null)[]> {
  const { rows } = await query(POSTGRES, [limit], "nc_queued_batch_keys");
  return rows.map((r) => (r.batch_key ?? null) as string | null);
}
