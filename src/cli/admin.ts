// `neurocards users ...` and `neurocards jobs ...`: the admin panel's actions from the shell, for
// owners who would rather ssh than tap. Each one opens the store, does one thing, closes it.
import { randomUUID } from "node:crypto";
import { type Command, InvalidArgumentError, Option } from "commander";
import { type AdminOperations, createAdminOperations } from "../admin/operations.ts";
import type { Store } from "../db/store.ts";
import { JOB_STATUSES, type Job, type JobStatus, type User } from "../db/types.ts";
import { CliError, type CliIo, commandLogger, readConfig } from "./io.ts";

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError("must be a positive whole number");
  }
  return n;
}

/** `@username`, a Telegram id, or `#<id>` for the database id. */
export async function findUser(store: Store, who: string): Promise<User> {
  let user: User | null = null;
  if (who.startsWith("@")) user = await store.getUserByUsername(who.slice(1));
  else if (/^#\d+$/.test(who)) user = await store.getUserById(Number(who.slice(1)));
  else if (/^-?\d+$/.test(who)) user = await store.getUserByTgId(Number(who));
  else throw new CliError(`"${who}" is not a Telegram id, @username or #id`, 2);
  if (!user) throw new CliError(`no user ${who}`);
  return user;
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "-");

function userLine(u: User): string {
  const name = u.username ? `@${u.username}` : [u.firstName, u.lastName].filter(Boolean).join(" ") || "-";
  const flags = [u.blocked ? "blocked" : "", u.botBlockedAt ? "left the bot" : ""].filter(Boolean).join(",");
  return [`#${u.id}`, String(u.tgId), name, `${u.credits} cr`, day(u.createdAt), flags].join("\t");
}

function jobLine(j: Job): string {
  const error = j.errorCode ? `${j.errorCode}${j.errorMessage ? `: ${j.errorMessage}` : ""}` : "";
  const refunded = j.refundedAt ? "refunded" : "";
  return [`job ${j.id}`, `#${j.userId}`, j.template, j.status, day(j.createdAt), refunded, error]
    .filter(Boolean)
    .join("\t");
}

const CLI = { via: "cli" } as const;

/** Runs a command with an open store and the admin operations on it (the panel's and the console's). */
function action(io: CliIo, fn: (store: Store, ops: AdminOperations, ...args: never[]) => Promise<void>) {
  return async (...args: unknown[]) => {
    const config = readConfig(io);
    const logger = commandLogger(io, config, false);
    const { withStore } = await import("./context.ts");
    await withStore(config, logger, io.env, (store) =>
      fn(store, createAdminOperations({ store, logger }), ...(args as never[])),
    );
  };
}

export function registerAdminCommands(program: Command, io: CliIo): void {
  const users = program.command("users").description("find users, change balances, block");
  const who = "Telegram id, @username or #id";

  users
    .command("list")
    .description("the newest users: #id, Telegram id, name, balance, joined, flags")
    .option("--limit <n>", "how many", positiveInt, 50)
    .option("--offset <n>", "skip this many", (v) => positiveInt(String(Number(v) + 1)) - 1, 0)
    .action(
      action(io, async (store, _ops, opts: { limit: number; offset: number }) => {
        const list = await store.listUsers({ limit: opts.limit, offset: opts.offset });
        io.out(`${await store.countUsers()} users`);
        for (const u of list) io.out(userLine(u));
      }),
    );

  users
    .command("show")
    .description("balance, ledger, jobs and payments of one user")
    .argument("<user>", who)
    .action(
      action(io, async (store, _ops, whoArg: string) => {
        const u = await findUser(store, whoArg);
        io.out(userLine(u));
        io.out(
          `language ${u.language ?? u.languageCode ?? "-"}, consent ${day(u.consentAt)}, referral ${u.referralCode}`,
        );
        io.out("ledger (newest first):");
        for (const e of await store.getLedger(u.id, { limit: 20 })) {
          const d = e.delta > 0 ? `+${e.delta}` : String(e.delta);
          io.out(
            `  ${day(e.createdAt)}\t${d}\t= ${e.balanceAfter}\t${e.reason}${e.note ? `\t${e.note}` : ""}`,
          );
        }
        io.out("jobs:");
        for (const j of await store.getUserJobs(u.id, { limit: 20 })) io.out(`  ${jobLine(j)}`);
        io.out("payments:");
        for (const p of await store.getUserPayments(u.id, { limit: 20 })) {
          io.out(
            `  ${day(p.createdAt)}\t${p.amount} ${p.currency}\t+${p.credits} cr\t${p.status}\t${p.telegramChargeId}`,
          );
        }
      }),
    );

  const change = (name: "grant" | "deduct") =>
    users
      .command(name)
      .description(
        name === "grant" ? "give a user credits (a ledger row)" : "take credits from a user (a ledger row)",
      )
      .argument("<user>", who)
      .argument("<credits>", "how many credits", positiveInt)
      .option("--reason <text>", "why; kept in the ledger")
      .option("--ref <key>", "idempotency key: running the command again with it changes nothing")
      .addOption(
        name === "deduct"
          ? new Option("--allow-negative", "let the balance go below zero")
          : new Option("--allow-negative").hideHelp(),
      )
      .action(
        action(
          io,
          async (
            store,
            ops,
            whoArg: string,
            credits: number,
            opts: { reason?: string; ref?: string; allowNegative?: boolean },
          ) => {
            const u = await findUser(store, whoArg);
            const r = await ops.changeCredits({
              userId: u.id,
              op: name,
              amount: credits,
              reason: opts.reason ?? "from the command line",
              reference: `cli:${opts.ref ?? randomUUID()}`,
              actor: CLI,
              allowNegative: opts.allowNegative,
            });
            if (r.outcome === "not_found") throw new CliError(`no user ${whoArg}`);
            if (r.outcome === "applied") {
              io.out(
                `${name === "grant" ? "granted" : "deducted"} ${credits} credit(s): #${u.id} now has ${r.balance}`,
              );
            } else if (r.outcome === "short") {
              throw new CliError(
                `not deducted: #${u.id} has only ${r.balance} (--allow-negative to go below zero)`,
              );
            } else {
              io.out(`nothing changed: --ref ${opts.ref} was already applied; #${u.id} has ${r.balance}`);
            }
          },
        ),
      );
  change("grant");
  change("deduct");

  for (const [name, blocked] of [
    ["block", true],
    ["unblock", false],
  ] as const) {
    users
      .command(name)
      .description(blocked ? "block a user: the bot answers with one short notice" : "unblock a user")
      .argument("<user>", who)
      .action(
        action(io, async (store, ops, whoArg: string) => {
          const u = await findUser(store, whoArg);
          await ops.setBlocked(u.id, blocked, CLI);
          io.out(`#${u.id} ${blocked ? "blocked" : "unblocked"}`);
        }),
      );
  }

  const jobs = program.command("jobs").description("look at jobs, retry or refund failed ones");
  jobs
    .command("list")
    .description("the newest jobs, optionally by status")
    .addOption(new Option("--status <status>", "only jobs in this status").choices(JOB_STATUSES))
    .option("--limit <n>", "how many", positiveInt, 50)
    .action(
      action(io, async (store, _ops, opts: { status?: JobStatus; limit: number }) => {
        const list = await store.listLastJobs({ limit: opts.limit, status: opts.status });
        for (const j of list) io.out(jobLine(j));
        if (list.length === 0) io.out("no jobs");
      }),
    );

  jobs
    .command("show")
    .description("everything about one job, including its prompt and error")
    .argument("<id>", "job id", positiveInt)
    .action(
      action(io, async (store, _ops, id: number) => {
        const j = await store.getJobById(id);
        if (!j) throw new CliError(`no job ${id}`);
        io.out(jobLine(j));
        io.out(
          `attempts ${j.attempts}, step ${j.step ?? "-"}, provider ${j.provider ?? "-"} ${j.providerTaskId ?? ""}`,
        );
        io.out(`charged ${j.creditsCharged}, finished ${day(j.finishedAt)}, result ${j.resultPath ?? "-"}`);
        if (j.generatedPrompt) io.out(`prompt: ${j.generatedPrompt}`);
      }),
    );

  jobs
    .command("retry")
    .description(
      "put a failed job back in the queue from its first step, free if it was refunded (the running bot picks it up)",
    )
    .argument("<id>", "job id", positiveInt)
    .action(
      action(io, async (_store, ops, id: number) => {
        const j = await ops.retryJob(id, CLI);
        if (!j)
          throw new CliError(
            `job ${id} cannot be retried: only a failed job with a product photo can (not one imported from the old bot)`,
          );
        io.out(`job ${id} is queued again`);
      }),
    );

  jobs
    .command("refund")
    .description("give a failed job's credits back (exactly once)")
    .argument("<id>", "job id", positiveInt)
    .action(
      action(io, async (_store, ops, id: number) => {
        const r = await ops.refundJob(id, CLI);
        if (r.refunded) io.out(`job ${id} refunded: the user now has ${r.balance}`);
        else throw new CliError(`job ${id} not refunded: ${r.reason.replaceAll("_", " ")}`);
      }),
    );
}
