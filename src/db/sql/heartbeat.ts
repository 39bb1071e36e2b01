// Extends a lease, only for the worker that holds it: a worker that lost its lease (it stalled past
// expiry and someone else claimed the job) learns so here and must stop touching the job.
import type { PgQuery, SqlitePrepare } from "./types.ts";

const SQLITE = `update jobs set lease_expires_at = ?, updated_at = ?
where id = ? and lease_owner = ? and status = 'processing'`;

const POSTGRES = `update jobs set lease_expires_at = $1, updated_at = $2
where id = $3 and lease_owner = $4 and status = 'processing'`;

export function heartbeatSqlite(
  prepare: SqlitePrepare,
  id: number,
  owner: string,
  now: Date,
  leaseMs: number,
): boolean {
  return prepare(SQLITE).run(now.getTime() + leaseMs, now.getTime(), id, owner).changes === 1;
}

export async function heartbeatPostgres(
  query: PgQuery,
  id: number,
  owner: string,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  const r = await query(POSTGRES, [new Date(now.getTime() + leaseMs), now, id, owner], "nc_heartbeat");
  return r.rowCount === 1;
}
