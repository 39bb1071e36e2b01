// The chaos soak's verdict (bench/chaos/invariants.ts): a healthy end state passes, and each way
// money or a video can go wrong is reported by name.
import { describe, expect, it } from "vitest";
import type { Snapshot } from "../bench/chaos/database.ts";
import { type Charge, checkInvariants, type SentVideo } from "../bench/chaos/invariants.ts";

/** Seller 501 got 1 free credit, paid for 3 (charge c1), ordered 2 videos: one delivered, one failed and refunded. */
function healthy(): { db: Snapshot; charges: Charge[]; videos: SentVideo[] } {
  return {
    db: {
      users: [{ id: 1, tgId: 501, credits: 3 }],
      ledger: [
        { userId: 1, delta: 1, reason: "signup_bonus", jobId: null, reference: "signup:1" },
        { userId: 1, delta: 3, reason: "payment", jobId: null, reference: "payment:c1" },
        { userId: 1, delta: -1, reason: "job_charge", jobId: 10, reference: "job:10:charge" },
        { userId: 1, delta: -1, reason: "job_charge", jobId: 11, reference: "job:11:charge" },
        { userId: 1, delta: 1, reason: "refund", jobId: 11, reference: "job:11:refund" },
      ],
      jobs: [
        { id: 10, userId: 1, status: "succeeded", creditsCharged: 1, refunded: false, finishedAt: 1 },
        { id: 11, userId: 1, status: "failed", creditsCharged: 1, refunded: true, finishedAt: 1 },
      ],
      payments: [{ userId: 1, telegramChargeId: "c1", credits: 3, status: "paid" }],
    },
    charges: [{ chargeId: "c1", tgId: 501 }],
    videos: [{ chatId: 501, jobId: 10 }],
  };
}

const kinds = (s: ReturnType<typeof healthy>) =>
  checkInvariants(s.db, s.charges, s.videos).map((v) => v.kind);

describe("the chaos soak's verdict", () => {
  it("finds nothing wrong when every job ended once and every charge was credited once", () => {
    expect(kinds(healthy())).toEqual([]);
  });

  it("reports a balance that differs from the sum of its ledger", () => {
    const s = healthy();
    s.db.users[0]!.credits = 4;
    expect(kinds(s)).toEqual(["balance_not_ledger_sum"]);
  });

  it("reports a job still queued or running after the bot settled", () => {
    const s = healthy();
    s.db.jobs[0]!.status = "processing";
    expect(kinds(s)).toEqual(["job_not_ended"]);
  });

  it("reports a failed job whose credit never came back", () => {
    const s = healthy();
    s.db.ledger.pop();
    s.db.users[0]!.credits = 2;
    expect(kinds(s)).toEqual(["job_not_refunded"]);
  });

  it("reports a delivered job that was refunded as well", () => {
    const s = healthy();
    s.db.ledger.push({ userId: 1, delta: 1, reason: "refund", jobId: 10, reference: "job:10:refund" });
    s.db.users[0]!.credits = 4;
    expect(kinds(s)).toEqual(["job_ended_twice"]);
  });

  it("reports a job that succeeded without its video reaching the chat", () => {
    const s = healthy();
    s.videos = [];
    expect(kinds(s)).toEqual(["job_not_delivered"]);
  });

  it("reports the same job's video sent twice", () => {
    const s = healthy();
    s.videos.push({ chatId: 501, jobId: 10 });
    expect(kinds(s)).toEqual(["video_delivered_twice"]);
  });

  it("reports a job charged twice", () => {
    const s = healthy();
    s.db.ledger.push({ userId: 1, delta: -1, reason: "job_charge", jobId: 10, reference: null });
    s.db.users[0]!.credits = 2;
    expect(kinds(s)).toEqual(["job_charged_wrongly"]);
  });

  it("reports a charge Telegram made that was never credited", () => {
    const s = healthy();
    s.charges.push({ chargeId: "c2", tgId: 501 });
    expect(checkInvariants(s.db, s.charges, s.videos)).toEqual([
      { kind: "charge_not_credited", detail: "user 501 paid (charge c2): 0 payment rows, 0 credit entries" },
    ]);
  });

  it("reports a charge credited twice", () => {
    const s = healthy();
    s.db.ledger.push({ userId: 1, delta: 3, reason: "payment", jobId: null, reference: "payment:c1" });
    s.db.users[0]!.credits = 6;
    expect(kinds(s)).toEqual(["charge_credited_twice"]);
  });

  it("reports credits for a payment Telegram never charged", () => {
    const s = healthy();
    s.db.payments.push({ userId: 1, telegramChargeId: "forged", credits: 3, status: "paid" });
    expect(kinds(s)).toEqual(["payment_without_charge"]);
  });
});
