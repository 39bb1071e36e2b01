// Every setting of the program, read from the environment once at start. Each entry documents
// itself: what it is and its default. Modes (sqlite/postgres) are a discriminated union so each
// mode's required keys are checked.
import { z } from "zod";
import { botTokenProblem } from "./token.ts";

const csv = (s: string | undefined) =>
  (s ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * A zone from Intl's list of canonical names (Europe/Moscow) is checked without a formatter: the
 * first Intl.DateTimeFormat of a process maps ~6 MB of ICU's locale data, which a bot that only
 * polls would then keep resident for nothing. Aliases (UTC, Etc/GMT-3) take the formatter.
 */
function isTimeZone(zone: string): boolean {
  if (Intl.supportedValuesOf("timeZone").includes(zone)) return true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const intFrom = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

const optionalUrl = z
  .string()
  .trim()
  .transform((s) => (s === "" ? undefined : s.replace(/\/+$/, "")))
  .pipe(z.url().optional())
  .optional();

const url = (def: string) =>
  z
    .string()
    .trim()
    .default(def)
    .transform((s) => s.replace(/\/+$/, ""))
    .pipe(z.url());

/** `true`/`false` (also `1`/`0`, `yes`/`no`), for switches. */
const flag = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], "true or false")
    .default(def ? "true" : "false")
    .transform((s) => s === "true" || s === "1" || s === "yes");

/** An S3 bucket name as every S3-compatible service accepts it. */
const bucketName = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "3-63 lowercase letters, digits, dots or hyphens")
  .optional();

const idList = z
  .string()
  .optional()
  .transform(csv)
  .pipe(z.array(z.string().regex(/^\d+$/, "must be numeric Telegram ids")))
  .transform((xs) => xs.map(Number));

/** CREDIT_PACKAGES: `credits:price` pairs, e.g. `5:250,10:450`. */
export const creditPackages = z
  .string()
  .default("5:250,10:450,30:1200,100:3500")
  .transform((s, ctx) => {
    const out: Array<{ id: string; credits: number; price: number }> = [];
    for (const part of csv(s)) {
      const m = /^(\d+):(\d+)$/.exec(part);
      if (!m || Number(m[1]) <= 0 || Number(m[2]) <= 0) {
        ctx.addIssue({ code: "custom", message: `"${part}" is not credits:price with positive numbers` });
        return z.NEVER;
      }
      out.push({ id: `p${m[1]}`, credits: Number(m[1]), price: Number(m[2]) });
    }
    if (out.length === 0) {
      ctx.addIssue({ code: "custom", message: "at least one package is needed" });
      return z.NEVER;
    }
    return out;
  });

const common = z.object({
  /** Bot token from @BotFather. Secret. */
  BOT_TOKEN: z.string().superRefine((v, ctx) => {
    const problem = botTokenProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  /** Where the database file lives (SQLite). */
  DATABASE_PATH: z.string().default("./data/neurocards.db"),
  /**
   * Folder for product photos and results (local storage); with s3 it keeps only this machine's
   * own bookkeeping (the delivery journal, `storage migrate`'s progress).
   */
  STORAGE_PATH: z.string().default("./data/files"),
  /** Where photos and results live: `local` (STORAGE_PATH) or `s3` (an S3-compatible bucket). */
  STORAGE_TYPE: z.enum(["local", "s3"], "local or s3").default("local"),
  /** S3 API endpoint; empty for AWS S3 itself (MinIO, R2, Supabase Storage give theirs). */
  S3_ENDPOINT: optionalUrl,
  /** Region the requests are signed for (`auto` on R2; MinIO takes any). */
  S3_REGION: z.string().trim().min(1).default("us-east-1"),
  /** Bucket of the files (required with STORAGE_TYPE=s3; also the target of `storage migrate --to s3`). */
  S3_BUCKET: bucketName,
  S3_ACCESS_KEY_ID: z.string().trim().optional(),
  /** Secret. */
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Path-style URLs (endpoint/bucket/key) instead of bucket.endpoint: MinIO and most self-hosted servers. */
  S3_FORCE_PATH_STYLE: flag(false),
  /** Public https URL of the built-in HTTP server; without it kie.ai's upload API is used. */
  PUBLIC_BASE_URL: optionalUrl,
  /** Port and interface of the built-in HTTP server. */
  HTTP_PORT: intFrom(8080, 0, 65535),
  HTTP_HOST: z.string().default("0.0.0.0"),
  /**
   * Secret that signs file links, the kie.ai callback path and the webhook route; derived from
   * BOT_TOKEN when empty. 32+ characters: anyone who guesses it forges links to every stored file.
   */
  LINK_SECRET: z.string().min(32, "at least 32 characters (make one with: openssl rand -hex 32)").optional(),
  /** Bearer token for /metrics (it shows revenue); without it /metrics answers 404. Secret. */
  METRICS_TOKEN: z.string().min(16, "at least 16 characters (e.g. from: openssl rand -hex 24)").optional(),
  /** Telegram ids of the owner and helpers who get /admin. */
  ADMIN_IDS: idList,
  /** Credits a new user gets once. */
  FREE_CREDITS: intFrom(1, 0, 1000),
  /** kie.ai API keys, comma separated; they rotate. Secret. */
  KIE_API_KEYS: z.string().optional().transform(csv),
  KIE_BASE_URL: url("https://api.kie.ai"),
  KIE_UPLOAD_BASE_URL: url("https://kieai.redpandaai.co"),
  /** Give up on a render after this many minutes. */
  KIE_TIMEOUT_MINUTES: intFrom(30, 1, 24 * 60),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_MODEL: z.string().default("gpt-4o-mini"),
  OPENAI_BASE_URL: url("https://api.openai.com/v1"),
  /** HTTP(S) proxy for OpenAI only, for hosts where it is blocked. */
  OPENAI_PROXY_URL: optionalUrl,
  OPENAI_TIMEOUT_SECONDS: intFrom(60, 1, 600),
  TELEGRAM_API_ROOT: url("https://api.telegram.org"),
  /** Upload limit of the Bot API server: 50 MB on Telegram's, 2000 MB on a local telegram-bot-api. */
  TELEGRAM_UPLOAD_LIMIT_MB: intFrom(50, 1, 2000),
  /** Pace outgoing long sends (deliveries, broadcasts) within Telegram's limits. */
  SEND_RATE_PER_SECOND: intFrom(30, 0, 1000),
  /** Delivery goes through this private channel first when set (a copy stays with the owner). */
  SERVICE_CHANNEL_ID: z.string().optional(),
  /**
   * Jobs worked on at once by this process. 0 (Postgres only): the bot renders nothing itself and
   * leaves every job to `neurocards worker` processes on other machines.
   */
  WORKER_CONCURRENCY: intFrom(3, 0, 64),
  JOB_MAX_ATTEMPTS: intFrom(3, 1, 20),
  /** Up to 10 file_ids of demo videos shown after /start. */
  WELCOME_VIDEO_FILE_IDS: z.string().optional().transform(csv).pipe(z.array(z.string()).max(10)),
  OFFER_URL: optionalUrl,
  PRIVACY_URL: optionalUrl,
  SUPPORT_URL: optionalUrl,
  /** IANA time zone of the dates sellers see (cabinet jobs, payments). */
  TIMEZONE: z.string().default("Europe/Moscow").refine(isTimeZone, "not a time zone Intl knows"),
  CREDIT_PACKAGES: creditPackages,
  /** Empty for Telegram Stars; a provider token (YooKassa etc.) for fiat. Secret. */
  PAYMENT_PROVIDER_TOKEN: z.string().optional(),
  PAYMENT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, "a 3-letter currency code like XTR or RUB")
    .default("XTR"),
  /**
   * 54-FZ receipt data for YooKassa (fiat through PAYMENT_PROVIDER_TOKEN only): set the VAT code of
   * your shop (1 no VAT, 2 0%, 3 10%, 4 20%, … as YooKassa numbers them) and each invoice asks the
   * buyer's email for the receipt and sends the item to the provider. Empty: no receipt data.
   */
  RECEIPT_VAT_CODE: z.coerce.number().int().min(1).max(12).optional(),
  /** The shop's tax system (YooKassa's 1–6); only needed when the shop has more than one. */
  RECEIPT_TAX_SYSTEM_CODE: z.coerce.number().int().min(1).max(6).optional(),
  /** The item's payment_subject (e.g. service) and payment_mode (e.g. full_prepayment); YooKassa's defaults when empty. */
  RECEIPT_PAYMENT_SUBJECT: z
    .string()
    .regex(/^[a-z_-]+$/, "a YooKassa payment_subject like service")
    .optional(),
  RECEIPT_PAYMENT_MODE: z
    .string()
    .regex(/^[a-z_-]+$/, "a YooKassa payment_mode like full_prepayment")
    .optional(),
  /** Credits a referrer gets when a referred user pays for the first time; 0 turns referrals off. */
  REFERRAL_BONUS: intFrom(0, 0, 1000),
  RETENTION_DAYS: intFrom(30, 1, 3650),
  /** Warn admins when free disk space falls below this many MB. */
  DISK_FREE_WARN_MB: intFrom(1024, 0),
  /** Webhook mode instead of long polling when set. */
  WEBHOOK_URL: optionalUrl,
  WEBHOOK_SECRET: z.string().optional(),
  BACKUP_INTERVAL_HOURS: intFrom(0, 0, 24 * 30),
  BACKUP_DIR: z.string().default("./data/backups"),
  BACKUP_KEEP: intFrom(7, 1, 1000),
  /** Off-site copies: every backup is also uploaded here (and rotated to BACKUP_KEEP) when set. */
  BACKUP_S3_BUCKET: bucketName,
  /** Key prefix of the uploaded archives in that bucket. */
  BACKUP_S3_PREFIX: z
    .string()
    .trim()
    .default("neurocards-backups/")
    .transform((s) => s.replace(/^\/+/, ""))
    .transform((s) => (s === "" || s.endsWith("/") ? s : `${s}/`))
    .pipe(z.string().regex(/^[A-Za-z0-9!_.*'()/-]*$/, "letters, digits, slashes and !_.*'()-")),
  /**
   * Another S3 service or account for backups: with BACKUP_S3_ACCESS_KEY_ID set, these five are
   * used as they are; without it, the S3_* connection (endpoint, region, keys, path style) is.
   */
  BACKUP_S3_ENDPOINT: optionalUrl,
  BACKUP_S3_REGION: z.string().trim().min(1).default("us-east-1"),
  BACKUP_S3_ACCESS_KEY_ID: z.string().trim().optional(),
  /** Secret. */
  BACKUP_S3_SECRET_ACCESS_KEY: z.string().optional(),
  BACKUP_S3_FORCE_PATH_STYLE: flag(false),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

const sqliteMode = z.object({ DATABASE_TYPE: z.literal("sqlite").default("sqlite") });
const postgresMode = z.object({
  DATABASE_TYPE: z.literal("postgres"),
  /** postgres://user:pass@host:5432/db. Secret. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "postgres://user:password@host:5432/database"),
  DATABASE_POOL_SIZE: intFrom(10, 1, 200),
  /**
   * `transaction` when DATABASE_URL is a transaction-mode pooler (PgBouncer pool_mode=transaction,
   * Supabase's pooler): no named statements, no LISTEN through it. Default: `transaction` when
   * DATABASE_URL's port is 6543 (Supabase's pooler), else `none`.
   */
  DATABASE_POOLER: z.enum(["none", "transaction"]).optional(),
  /** A direct (session) connection beside the pooler, for LISTEN. Optional. Secret. */
  DATABASE_DIRECT_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "postgres://user:password@host:5432/database")
    .optional(),
});

/** With SQLite the bot's own workers are the only ones: none would leave every order waiting. */
function checkWorkers(env: Env, ctx: z.RefinementCtx): void {
  if (env.WORKER_CONCURRENCY === 0 && env.DATABASE_TYPE !== "postgres")
    ctx.addIssue({
      code: "custom",
      path: ["WORKER_CONCURRENCY"],
      message:
        "0 (no workers in this process) needs DATABASE_TYPE=postgres and `neurocards worker` elsewhere",
    });
}

/** What S3_* and BACKUP_S3_* need together; each missing one is its own line. */
function checkS3(env: z.infer<typeof common>, ctx: z.RefinementCtx): void {
  const need = (name: keyof typeof env, why: string) => {
    if (env[name] === undefined)
      ctx.addIssue({ code: "custom", path: [name], message: `is required ${why}` });
  };
  if (env.STORAGE_TYPE === "s3") need("S3_BUCKET", "with STORAGE_TYPE=s3");
  if (env.STORAGE_TYPE === "s3" || env.S3_BUCKET) {
    const why = env.STORAGE_TYPE === "s3" ? "with STORAGE_TYPE=s3" : "with S3_BUCKET";
    need("S3_ACCESS_KEY_ID", why);
    need("S3_SECRET_ACCESS_KEY", why);
  }
  if (env.BACKUP_S3_ACCESS_KEY_ID) need("BACKUP_S3_SECRET_ACCESS_KEY", "with BACKUP_S3_ACCESS_KEY_ID");
  else if (env.BACKUP_S3_BUCKET && !env.S3_ACCESS_KEY_ID)
    need("BACKUP_S3_ACCESS_KEY_ID", "with BACKUP_S3_BUCKET (or the S3_* keys)");
}

export const envSchema = z
  .intersection(common, z.discriminatedUnion("DATABASE_TYPE", [sqliteMode, postgresMode]))
  .superRefine(checkS3)
  .superRefine(checkWorkers);
export type Env = z.infer<typeof envSchema>;

/** Example values printed next to each error, so the owner sees what a good value looks like. */
export const EXAMPLES: Record<string, string> = {
  BOT_TOKEN: "123456789:AAH-your-token-from-BotFather",
  DATABASE_TYPE: "sqlite",
  DATABASE_URL: "postgres://neurocards:secret@127.0.0.1:5432/neurocards",
  PUBLIC_BASE_URL: "https://bot.example.com",
  ADMIN_IDS: "123456789,987654321",
  CREDIT_PACKAGES: "5:250,10:450,30:1200,100:3500",
  PAYMENT_CURRENCY: "XTR",
  TIMEZONE: "Europe/Moscow",
  RECEIPT_VAT_CODE: "1",
  RECEIPT_TAX_SYSTEM_CODE: "2",
  RECEIPT_PAYMENT_SUBJECT: "service",
  RECEIPT_PAYMENT_MODE: "full_prepayment",
  HTTP_PORT: "8080",
  LOG_LEVEL: "info",
  STORAGE_TYPE: "s3",
  S3_BUCKET: "neurocards-files",
  S3_ENDPOINT: "https://s3.example.com",
  S3_FORCE_PATH_STYLE: "true",
  BACKUP_S3_BUCKET: "neurocards-backups",
};

/** Names whose values are never printed or logged. */
export const SECRET_KEYS = [
  "BOT_TOKEN",
  "KIE_API_KEYS",
  "OPENAI_API_KEY",
  "DATABASE_URL",
  "DATABASE_DIRECT_URL",
  "PAYMENT_PROVIDER_TOKEN",
  "WEBHOOK_SECRET",
  "LINK_SECRET",
  "METRICS_TOKEN",
  "S3_SECRET_ACCESS_KEY",
  "BACKUP_S3_SECRET_ACCESS_KEY",
] as const;
