// The admin panel's screens: text plus buttons, built from the store.
import { InlineKeyboard } from "grammy";
import type { JobsRepository, LedgerRepository, PaymentsRepository, StatsRepository } from "../db/store.ts";
import type { Job, User } from "../db/types.ts";
import { isStars } from "../payments/packages.ts";
import { openJobData } from "./callbacks.ts";
import type { CostOperations } from "./costs.ts";
import {
  displayName,
  jobCard,
  jobLine,
  jobStatus,
  ledgerLine,
  marginText,
  paymentLine,
  statsText,
  type Translate,
  userCard,
} from "./format.ts";
import { canRefund, canRetry } from "./operations.ts";

export type View = { text: string; keyboard?: InlineKeyboard };

const LEDGER_ROWS = 15;
const LIST_ROWS = 10;
/** The margin in the totals covers the orders of this many days. */
const MARGIN_DAYS = 30;

export const backTo = (t: Translate, data: string) => new InlineKeyboard().text(t("btn-back"), data);

export function createAdminViews(
  store: StatsRepository & LedgerRepository & JobsRepository & PaymentsRepository,
  now: () => Date,
  costs: CostOperations,
) {
  return {
    async stats(t: Translate): Promise<View> {
      const at = now();
      const keyboard = new InlineKeyboard()
        .text(t("adm-button-find"), "adm:find")
        .text(t("adm-button-failed"), "adm:failed")
        .row()
        .text(t("adm-button-broadcast"), "adm:bc")
        .text(t("adm-button-fileid"), "adm:fid")
        .row()
        .text(t("adm-button-promo"), "adm:promo")
        .row()
        .text(t("adm-button-console"), "adm:console")
        .text(t("adm-button-refresh"), "adm:stats");
      const range = { from: new Date(at.getTime() - MARGIN_DAYS * 86_400_000), to: at };
      const [stats, margin] = await Promise.all([store.getAdminStats(at), costs.margin(range)]);
      return { text: `${statsText(t, stats, at)}\n${marginText(t, margin, MARGIN_DAYS)}`, keyboard };
    },

    user(t: Translate, u: User): View {
      const keyboard = new InlineKeyboard()
        .text(t("adm-button-grant"), `adm:g:${u.id}`)
        .text(t("adm-button-deduct"), `adm:d:${u.id}`)
        .row()
        .text(
          u.blocked ? t("adm-button-unblock") : t("adm-button-block"),
          `adm:${u.blocked ? "ublk" : "blk"}:${u.id}`,
        )
        .row()
        .text(t("adm-button-ledger"), `adm:led:${u.id}`)
        .text(t("adm-button-jobs"), `adm:jobs:${u.id}`)
        .text(t("btn-payments"), `adm:pay:${u.id}`)
        .row()
        .text(t("btn-back"), "adm:stats");
      return { text: userCard(t, u), keyboard };
    },

    async ledger(t: Translate, u: User): Promise<View> {
      const rows = await store.getLedger(u.id, { limit: LEDGER_ROWS });
      const body = rows.length ? rows.map((e) => ledgerLine(t, e)).join("\n") : t("adm-ledger-empty");
      const title = t("adm-ledger-title", { name: displayName(u), count: rows.length });
      return { text: `${title}\n${body}`, keyboard: backTo(t, `adm:u:${u.id}`) };
    },

    async jobs(t: Translate, u: User): Promise<View> {
      const jobs = await store.getUserJobs(u.id, { limit: LIST_ROWS });
      const keyboard = new InlineKeyboard();
      for (const j of jobs) keyboard.text(`#${j.id} ${jobStatus(t, j.status)}`, openJobData(j.id)).row();
      keyboard.text(t("btn-back"), `adm:u:${u.id}`);
      const body = jobs.length ? jobs.map((j) => jobLine(t, j)).join("\n") : t("adm-jobs-empty");
      const title = t("adm-jobs-title", { name: displayName(u), count: jobs.length });
      return { text: `${title}\n${body}`, keyboard };
    },

    async failed(t: Translate): Promise<View> {
      const jobs = await store.listLastJobs({ limit: LIST_ROWS, status: "failed" });
      const keyboard = new InlineKeyboard();
      for (const j of jobs) keyboard.text(`#${j.id} ${j.errorCode ?? "?"}`, openJobData(j.id)).row();
      keyboard.text(t("btn-back"), "adm:stats");
      const body = jobs.length ? jobs.map((j) => jobLine(t, j)).join("\n") : t("adm-jobs-empty");
      return { text: `${t("adm-failed-title", { count: jobs.length })}\n${body}`, keyboard };
    },

    async payments(t: Translate, u: User): Promise<View> {
      const list = await store.getUserPayments(u.id, { limit: LIST_ROWS });
      const keyboard = new InlineKeyboard();
      for (const p of list) {
        // Only Stars go back through the Bot API; fiat is refunded in the provider's dashboard.
        if (p.status === "paid" && isStars(p.currency))
          keyboard.text(t("adm-button-refund-payment", { id: p.id }), `adm:rf:${p.id}:${u.id}`).row();
      }
      keyboard.text(t("btn-back"), `adm:u:${u.id}`);
      const body = list.length ? list.map((p) => paymentLine(t, p)).join("\n") : t("adm-payments-empty");
      const title = t("adm-payments-title", { name: displayName(u), count: list.length });
      return { text: `${title}\n${body}`, keyboard };
    },

    job(t: Translate, job: Job): View {
      const keyboard = new InlineKeyboard();
      if (job.status === "failed") {
        // Every job the pipeline fails is refunded at once, so a retry after the refund is free.
        if (canRetry(job))
          keyboard.text(t(job.refundedAt ? "adm-button-retry-free" : "adm-button-retry"), `adm:jr:${job.id}`);
        if (canRefund(job)) keyboard.text(t("adm-button-refund-job"), `adm:jf:${job.id}`);
        keyboard.row();
      }
      keyboard.text(t("btn-back"), `adm:u:${job.userId}`);
      return { text: jobCard(t, job), keyboard };
    },
  };
}
