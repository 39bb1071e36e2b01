// The console's aggregates over a date range, day by day in the configured TIMEZONE, written once
// for both databases.
//
// Day buckets: SQLite has no time zones, and Postgres' would make the two dialects disagree on the
// rules (tzdata versions). So both group by 15-minute slices of UTC time, and the slices are put
// into local days here, with Intl (the same tz rules that format the dates sellers see). Every
// offset in use is a whole number of quarter hours (Nepal's +5:45 included) and DST moves clocks
// on a quarter-hour boundary, so a local midnight is always a slice boundary: no slice straddles
// two local days. A 90-day range is at most 8,640 slices per series.
import { dialect, type Op, rows, type Sql, sql } from "../driver/index.ts";
import { num } from "../driver/types.ts";

const SLICE_MS = 15 * 60_000;

/** The slice a timestamp column falls in: whole quarter hours since the epoch. */
const slice = (column: Sql) =>
  dialect({
    sqlite: sql`(${column} / ${SLICE_MS})`,
    postgres: sql`floor(extract(epoch from ${column}) * 1000 / ${SLICE_MS})::bigint`,
  });
/** Milliseconds between two timestamp columns. */
const msBetween = (later: Sql, earlier: Sql) =>
  dialect({
    sqlite: sql`(${later} - ${earlier})`,
    postgres: sql`(extract(epoch from (${later} - ${earlier})) * 1000)`,
  });

const formatters = new Map<string, Intl.DateTimeFormat>();

/** "2026-03-29": the calendar day `at` falls on in `timeZone`. */
export function localDay(at: Date, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-CA writes dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, f);
  }
  return f.format(at);
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** The day after `day` ("2026-02-28" → "2026-03-01"). */
export function nextDay(day: string, by = 1): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + by)).toISOString().slice(0, 10);
}

/** Offset of `timeZone` from UTC at the instant `ms`, in ms (Moscow: +3 h). */
function offsetAt(ms: number, timeZone: string): number {
  const [y, m, d] = localDay(new Date(ms), timeZone).split("-").map(Number) as [number, number, number];
  const f = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hourCycle: "h23",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  const [hh, mm, ss] = f.format(new Date(ms)).split(":").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d, hh, mm, ss) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a local day starts in `timeZone`. Two passes: the offset at a first guess, then at
 * the corrected guess (they differ only when a DST change lies between the two). Where midnight
 * itself is skipped by a DST jump, the day starts at the first local time that exists.
 */
export function dayStart(day: string, timeZone: string): Date {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  return new Date(localDay(new Date(second), timeZone) === day ? second : first);
}

export interface DayRange {
  /** First and last local day, inclusive. */
  fromDay: string;
  toDay: string;
  /** [from, to): the instants the days cover. */
  from: Date;
  to: Date;
  /** Every local day of the range, in order. */
  days: string[];
  timeZone: string;
}

/** The local days fromDay..toDay (inclusive) of `timeZone`. */
export function dayRange(fromDay: string, toDay: string, timeZone: string): DayRange {
  const days: string[] = [];
  for (let d = fromDay; d <= toDay; d = nextDay(d)) days.push(d);
  return {
    fromDay,
    toDay,
    from: dayStart(fromDay, timeZone),
    to: dayStart(nextDay(toDay), timeZone),
    days,
    timeZone,
  };
}

/** One number per day of the range, in the range's order. */
export type Daily = number[];

export interface OverviewStats {
  range: DayRange;
  /** Paid (not refunded) payments per day, per currency (smallest units, or Stars). */
  revenue: Array<{ currency: string; daily: Daily; total: number; payments: number }>;
  /** Jobs ordered per day, and of those how many have succeeded and failed so far. */
  orders: { ordered: Daily; succeeded: Daily; failed: Daily };
  /**
   * Failed jobs of the range by error class (the part of the job's error code before ":", e.g.
   * content_refused), most frequent first, each with its codes.
   */
  failures: Array<{ errorClass: string; count: number; codes: Array<{ code: string; count: number }> }>;
  /** Average wait from order to the first worker picking the job up, per day of ordering (ms). */
  waitMs: Array<number | null>;
  /** Users who joined in the range, and how far they got. */
  funnel: { started: number; consented: number; ordered: number; paid: number };
  /** /start payloads of the users who joined in the range (null: none; referral: a friend's link). */
  sources: Array<{ source: string | null; referral: boolean; users: number; paid: number }>;
  /** Jobs of the range per template. */
  templates: Array<{ template: string; ordered: number; succeeded: number; failed: number; credits: number }>;
}

function bucketer(range: DayRange) {
  const index = new Map(range.days.map((d, i) => [d, i]));
  const cache = new Map<number, number | undefined>();
  /** The range's day index of a 15-minute slice (undefined: outside the range). */
  return (s: unknown): number | undefined => {
    const key = num(s);
    if (!cache.has(key)) cache.set(key, index.get(localDay(new Date(key * SLICE_MS), range.timeZone)));
    return cache.get(key);
  };
}

const zeros = (range: DayRange): Daily => range.days.map(() => 0);

/** Everything the console's overview shows for a range; run it with `driver.run`. */
export function* overviewStats(range: DayRange): Op<OverviewStats> {
  const { from, to } = range;
  const dayOf = bucketer(range);

  const revenueRows =
    yield* rows(sql`select ${slice(sql`created_at`)} as s, currency, sum(amount) as amount, count(*) as n
    from payments where status = 'paid' and created_at >= ${from} and created_at < ${to}
    group by s, currency`);
  const byCurrency = new Map<string, OverviewStats["revenue"][number]>();
  for (const r of revenueRows) {
    const currency = String(r.currency);
    const i = dayOf(r.s);
    if (i === undefined) continue;
    const c = byCurrency.get(currency) ?? { currency, daily: zeros(range), total: 0, payments: 0 };
    byCurrency.set(currency, c);
    c.daily[i] = (c.daily[i] ?? 0) + num(r.amount);
    c.total += num(r.amount);
    c.payments += num(r.n);
  }

  const orders = { ordered: zeros(range), succeeded: zeros(range), failed: zeros(range) };
  const waitSum = zeros(range);
  const waitCount = zeros(range);
  const jobRows = yield* rows(sql`select ${slice(sql`created_at`)} as s, count(*) as n,
      sum(case when status = 'succeeded' then 1 else 0 end) as ok,
      sum(case when status = 'failed' then 1 else 0 end) as bad,
      sum(case when started_at is not null then ${msBetween(sql`started_at`, sql`created_at`)} else 0 end) as wait,
      sum(case when started_at is not null then 1 else 0 end) as started
    from jobs where created_at >= ${from} and created_at < ${to}
    group by s`);
  for (const r of jobRows) {
    const i = dayOf(r.s);
    if (i === undefined) continue;
    orders.ordered[i]! += num(r.n);
    orders.succeeded[i]! += num(r.ok);
    orders.failed[i]! += num(r.bad);
    waitSum[i]! += num(r.wait);
    waitCount[i]! += num(r.started);
  }

  const byClass = new Map<string, OverviewStats["failures"][number]>();
  for (const r of yield* rows(sql`select coalesce(error_code, 'unknown') as code, count(*) as n from jobs
    where status = 'failed' and created_at >= ${from} and created_at < ${to}
    group by coalesce(error_code, 'unknown') order by n desc, code`)) {
    const code = String(r.code);
    const errorClass = code.split(":")[0] || "unknown";
    const c = byClass.get(errorClass) ?? { errorClass, count: 0, codes: [] };
    c.count += num(r.n);
    c.codes.push({ code, count: num(r.n) });
    byClass.set(errorClass, c);
  }
  const failures = [...byClass.values()].sort(
    (a, b) => b.count - a.count || a.errorClass.localeCompare(b.errorClass),
  );

  const joined = sql`from users u where u.created_at >= ${from} and u.created_at < ${to}`;
  const hasJob = sql`exists (select 1 from jobs j where j.user_id = u.id)`;
  const hasPayment = sql`exists (select 1 from payments p where p.user_id = u.id)`;
  const f = (yield* rows(sql`select count(*) as started,
      sum(case when u.consent_at is not null then 1 else 0 end) as consented,
      sum(case when ${hasJob} then 1 else 0 end) as ordered,
      sum(case when ${hasPayment} then 1 else 0 end) as paid
    ${joined}`))[0];

  const sources = (yield* rows(sql`select u.referral_source as source,
      case when u.referred_by is not null then 1 else 0 end as referral,
      count(*) as n, sum(case when ${hasPayment} then 1 else 0 end) as paid
    ${joined}
    group by u.referral_source, case when u.referred_by is not null then 1 else 0 end
    order by n desc, u.referral_source is null, u.referral_source, referral limit 50`)).map((r) => ({
    source: r.source === null || r.source === undefined ? null : String(r.source),
    referral: num(r.referral) === 1,
    users: num(r.n),
    paid: num(r.paid),
  }));

  const templates = (yield* rows(sql`select template, count(*) as n,
      sum(case when status = 'succeeded' then 1 else 0 end) as ok,
      sum(case when status = 'failed' then 1 else 0 end) as bad,
      sum(credits_charged) as credits
    from jobs where created_at >= ${from} and created_at < ${to}
    group by template order by n desc, template`)).map((r) => ({
    template: String(r.template),
    ordered: num(r.n),
    succeeded: num(r.ok),
    failed: num(r.bad),
    credits: num(r.credits),
  }));

  return {
    range,
    revenue: [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    orders,
    failures,
    waitMs: waitSum.map((s, i) => (waitCount[i] ? Math.round(s / waitCount[i]!) : null)),
    funnel: {
      started: num(f?.started),
      consented: num(f?.consented),
      ordered: num(f?.ordered),
      paid: num(f?.paid),
    },
    sources,
    templates,
  };
}
