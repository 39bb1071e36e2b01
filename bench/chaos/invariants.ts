// The money invariants the soak checks at the end, from the database and from what the fake
// Telegram recorded (the charges it made, the videos it received). Pure: the same inputs always
// give the same violations, so test/chaos-invariants.test.ts can show each one firing.
import type { Snapshot } from "./database.ts";

/** A charge Telegram made: the user paid and got a successful_payment update. */
export interface Charge {
  chargeId: string;
  tgId: number;
}

/** A video the bot sent, with the job it belongs to (from the button under it). */
export interface SentVideo {
  chatId: number;
  jobId: number | null;
}

export type ViolationKind =
  | "balance_not_ledger_sum"
  | "job_not_ended"
  | "job_charged_wrongly"
  | "job_ended_twice"
  | "job_not_refunded"
  | "job_not_delivered"
  | "video_delivered_twice"
  | "charge_not_credited"
  | "charge_credited_twice"
  | "payment_without_charge";

export interface Violation {
  kind: ViolationKind;
  detail: string;
}

export function checkInvariants(
  db: Snapshot,
  charges: readonly Charge[],
  videos: readonly SentVideo[],
): Violation[] {
  const out: Violation[] = [];
  const v = (kind: ViolationKind, detail: string) => out.push({ kind, detail });
  const count = <T>(xs: readonly T[], key: (x: T) => string | number | null) => {
    const m = new Map<string | number, number>();
    for (const x of xs) {
      const k = key(x);
      if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  };

  const sums = new Map<number, number>();
  for (const e of db.ledger) sums.set(e.userId, (sums.get(e.userId) ?? 0) + e.delta);
  for (const u of db.users) {
    const sum = sums.get(u.id) ?? 0;
    if (u.credits !== sum)
      v("balance_not_ledger_sum", `user ${u.tgId}: balance ${u.credits}, ledger sum ${sum}`);
  }

  const jobCharges = count(
    db.ledger.filter((e) => e.reason === "job_charge"),
    (e) => e.jobId,
  );
  const refunds = count(
    db.ledger.filter((e) => e.reason === "refund"),
    (e) => e.jobId,
  );
  const videosOf = count(videos, (x) => x.jobId);
  for (const j of db.jobs) {
    const charged = jobCharges.get(j.id) ?? 0;
    const refunded = refunds.get(j.id) ?? 0;
    const sent = videosOf.get(j.id) ?? 0;
    if (charged !== (j.creditsCharged > 0 ? 1 : 0))
      v("job_charged_wrongly", `job ${j.id}: ${charged} charge entries for ${j.creditsCharged} credits`);
    if (sent > 1) v("video_delivered_twice", `job ${j.id}: ${sent} videos`);
    if (j.status === "succeeded") {
      if (sent === 0) v("job_not_delivered", `job ${j.id} succeeded but no video reached the chat`);
      if (refunded > 0) v("job_ended_twice", `job ${j.id} succeeded and was refunded ${refunded}×`);
    } else if (j.status === "failed") {
      if (sent > 0) v("job_ended_twice", `job ${j.id} failed (refunded ${refunded}×) but its video was sent`);
      if (j.creditsCharged > 0 && refunded === 0)
        v("job_not_refunded", `job ${j.id} failed without a refund`);
      if (refunded > 1) v("job_ended_twice", `job ${j.id} refunded ${refunded}×`);
    } else {
      v("job_not_ended", `job ${j.id} is still ${j.status}`);
    }
  }

  const credited = count(
    db.ledger.filter((e) => e.reason === "payment"),
    (e) => e.reference,
  );
  const recorded = count(db.payments, (p) => p.telegramChargeId);
  const made = new Set<string>();
  for (const c of charges) {
    made.add(c.chargeId);
    const rows = recorded.get(c.chargeId) ?? 0;
    const entries = credited.get(`payment:${c.chargeId}`) ?? 0;
    if (rows === 0 || entries === 0)
      v(
        "charge_not_credited",
        `user ${c.tgId} paid (charge ${c.chargeId}): ${rows} payment rows, ${entries} credit entries`,
      );
    else if (rows > 1 || entries > 1)
      v("charge_credited_twice", `charge ${c.chargeId}: ${rows} payment rows, ${entries} credit entries`);
  }
  for (const p of db.payments)
    if (!made.has(p.telegramChargeId))
      v("payment_without_charge", `payment ${p.telegramChargeId} was never charged`);
  return out;
}
