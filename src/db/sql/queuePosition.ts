// 1-based place of a queued job among queued jobs in claim order (run_at, id); 0 when it is not
// waiting (claimed, resumed-later or finished). Counting on the same key as the claim keeps the
// number the user sees in step with what workers actually do next.
import type { PgQuery, SqlitePrepare } from "./types.ts";

const SQLITE = `
select case when j.status = 'queued' then (
  select count(*) from jobs q
  where q.status = 'queued' and (q.run_at < j.run_at or (q.run_at = j.run_at and q.id <= j.id))
) else 0 end as position
from jobs j where j.id = ?`;

const POSTGRES = `
select case when j.status = 'queued' then (
  select count(*) from jobs q
  where q.status = 'queued' and (q.run_at, q.id) <= (j.run_at, j.id)
) else 0 end::int as position
from jobs j where j.id = $1`;

export function queuePositionSqlite(prepare: SqlitePrepare, id: number): number {
  const row = prepare(SQLITE).get(id) as { position: number } | undefined;
  return row ? Number(row.position) : 0;
}

export async function queuePositionPostgres(query: PgQuery, id: number): Promise<number> {
  const { rows } = await query(POSTGRES, [id], "nc_queue_position");
  return rows[0] ? Number(rows[0].position) : 0;
}
