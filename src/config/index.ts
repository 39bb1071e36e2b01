// Parses the environment once into the typed Config the rest of the program receives.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import type { z } from "zod";
import { type Env, EXAMPLES, envSchema, SECRET_KEYS } from "./schema.ts";

export type DatabaseConfig =
  | { type: "sqlite"; path: string }
  | {
      type: "postgres";
      url: string;
      poolSize: number;
      /** DATABASE_URL is a transaction-mode pooler: session state does not survive a transaction. */
      transactionPooler: boolean;
      /** DATABASE_DIRECT_URL: a session connection for LISTEN beside the pooler. */
      directUrl?: string;
    };

/** What a 54-FZ receipt item carries besides the package (YooKassa's names). */
export interface ReceiptConfig {
  vatCode: number;
  taxSystemCode: number | undefined;
  paymentSubject: string | undefined;
  paymentMode: string | undefined;
}

/** How to reach an S3-compatible service. */
export interface S3Connection {
  /** Empty for AWS S3 itself. */
  endpoint: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export interface S3Bucket extends S3Connection {
  bucket: string;
}

export interface CreditPackage {
  id: string;
  credits: number;
  price: number;
}

export interface Config {
  botToken: string;
  admins: number[];
  freeCredits: number;
  /** IANA zone of every date shown to sellers. */
  timeZone: string;
  logLevel: Env["LOG_LEVEL"];
  database: DatabaseConfig;
  telegram: {
    apiRoot: string;
    uploadLimitBytes: number;
    sendRatePerSecond: number;
    serviceChannelId: string | undefined;
    webhook: { url: string; secret: string } | undefined;
  };
  bot: {
    welcomeVideoFileIds: string[];
    offerUrl: string | undefined;
    privacyUrl: string | undefined;
    supportUrl: string | undefined;
  };
  storage: {
    type: "local" | "s3";
    /** The local folder: the files themselves with local storage, this machine's bookkeeping with s3. */
    path: string;
    /** The bucket (S3_*): where files live with s3, the target of `storage migrate --to s3` otherwise. */
    s3: S3Bucket | undefined;
    retentionDays: number;
    diskFreeWarnBytes: number;
  };
  http: {
    port: number;
    host: string;
    publicBaseUrl: string | undefined;
    linkSecret: string;
    metricsToken: string | undefined;
  };
  kie: { apiKeys: string[]; baseUrl: string; uploadBaseUrl: string; timeoutMs: number };
  openai: {
    apiKey: string | undefined;
    model: string;
    baseUrl: string;
    proxyUrl: string | undefined;
    timeoutMs: number;
  };
  queue: { concurrency: number; maxAttempts: number };
  payments: {
    packages: CreditPackage[];
    providerToken: string | undefined;
    currency: string;
    referralBonus: number;
    /** Receipt data sent with fiat invoices (RECEIPT_VAT_CODE set); never with Stars. */
    receipt: ReceiptConfig | undefined;
  };
  backup: {
    intervalHours: number;
    dir: string;
    keep: number;
    /** Off-site copies (BACKUP_S3_*): every backup is uploaded under `prefix` and rotated there too. */
    s3: (S3Bucket & { prefix: string }) | undefined;
    /** The connection `restore s3://…` downloads with: BACKUP_S3_*'s own, else S3_*'s. */
    connection: S3Connection | undefined;
  };
  /** One line per old .env name found (from the previous bot), for the log and doctor. */
  deprecations: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function describe(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const name = String(issue.path[0] ?? "config");
  const given = env[name];
  const what =
    given === undefined || given === ""
      ? issue.code === "invalid_union" || issue.code === "invalid_value"
        ? `${issue.message.toLowerCase()}`
        : issue.code === "custom" && issue.message.startsWith("is required")
          ? issue.message
          : "is required"
      : `is not valid: ${issue.message}`;
  const example = EXAMPLES[name] ? ` (example: ${name}=${EXAMPLES[name]})` : "";
  return `${name} ${what}${example}`;
}

/** Old .env names of the previous bot and the list variable each one feeds (or a plain rename). */
const RENAMED: Array<{ old: RegExp; to: string; list: boolean }> = [
  { old: /^KIE_API_KEY(?:_(\d+))?$/, to: "KIE_API_KEYS", list: true },
  { old: /^WELCOME_VIDEO_FILE_ID$/, to: "WELCOME_VIDEO_FILE_IDS", list: true },
  { old: /^STORAGE_BASE_PATH$/, to: "STORAGE_PATH", list: false },
];

/**
 * Reads the previous bot's names into the current ones (when the current one is unset), so an
 * owner's old .env keeps working, and says for each what to rename. KIE_MODEL has no counterpart:
 * each template of the catalogue names its own model.
 */
function readOldNames(env: Record<string, string>): { env: Record<string, string>; deprecations: string[] } {
  const out = { ...env };
  const deprecations: string[] = [];
  for (const r of RENAMED) {
    // KIE_API_KEY first, then KIE_API_KEY_1, _2, ... in number order.
    const found = Object.keys(env)
      .map((name) => ({ name, m: r.old.exec(name) }))
      .filter((x) => x.m)
      .sort((a, b) => Number(a.m?.[1] ?? -1) - Number(b.m?.[1] ?? -1));
    if (found.length === 0) continue;
    if (env[r.to] !== undefined) {
      for (const f of found) deprecations.push(`${f.name} is deprecated and ignored: ${r.to} is set`);
      continue;
    }
    out[r.to] = found.map((f) => env[f.name]).join(",");
    for (const f of found)
      deprecations.push(
        `${f.name} is deprecated: read into ${r.to}; rename it to ${r.to}${r.list ? " (comma separated)" : ""}`,
      );
  }
  if (env.KIE_MODEL !== undefined)
    deprecations.push(
      "KIE_MODEL is ignored: each template names its own model in the template catalogue; remove it from .env",
    );
  return { env: out, deprecations };
}

/** Validates the environment; throws ConfigError listing every problem, never echoing a secret's value. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const given = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  );
  const { env: cleaned, deprecations } = readOldNames(given);
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = [...new Set(result.error.issues.map((i) => describe(i, cleaned)))];
    throw new ConfigError(problems);
  }
  const e = result.data;
  const receiptExtras = (
    ["RECEIPT_TAX_SYSTEM_CODE", "RECEIPT_PAYMENT_SUBJECT", "RECEIPT_PAYMENT_MODE"] as const
  ).filter((k) => e[k] !== undefined);
  if (e.RECEIPT_VAT_CODE === undefined && receiptExtras.length > 0)
    throw new ConfigError([
      `RECEIPT_VAT_CODE is required with ${receiptExtras.join(", ")}: every receipt item needs its VAT code (example: RECEIPT_VAT_CODE=${EXAMPLES.RECEIPT_VAT_CODE})`,
    ]);
  const s3Connection: S3Connection | undefined =
    e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
      ? {
          endpoint: e.S3_ENDPOINT,
          region: e.S3_REGION,
          accessKeyId: e.S3_ACCESS_KEY_ID,
          secretAccessKey: e.S3_SECRET_ACCESS_KEY,
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
        }
      : undefined;
  const backupConnection: S3Connection | undefined =
    e.BACKUP_S3_ACCESS_KEY_ID && e.BACKUP_S3_SECRET_ACCESS_KEY
      ? {
          endpoint: e.BACKUP_S3_ENDPOINT,
          region: e.BACKUP_S3_REGION,
          accessKeyId: e.BACKUP_S3_ACCESS_KEY_ID,
          secretAccessKey: e.BACKUP_S3_SECRET_ACCESS_KEY,
          forcePathStyle: e.BACKUP_S3_FORCE_PATH_STYLE,
        }
      : s3Connection;
  const database: DatabaseConfig =
    e.DATABASE_TYPE === "postgres"
      ? {
          type: "postgres",
          url: e.DATABASE_URL,
          poolSize: e.DATABASE_POOL_SIZE,
          transactionPooler: (e.DATABASE_POOLER ?? poolerByPort(e.DATABASE_URL)) === "transaction",
          directUrl: e.DATABASE_DIRECT_URL,
        }
      : { type: "sqlite", path: e.DATABASE_PATH };
  return {
    botToken: e.BOT_TOKEN,
    admins: e.ADMIN_IDS,
    freeCredits: e.FREE_CREDITS,
    timeZone: e.TIMEZONE,
    logLevel: e.LOG_LEVEL,
    database,
    telegram: {
      apiRoot: e.TELEGRAM_API_ROOT,
      uploadLimitBytes: e.TELEGRAM_UPLOAD_LIMIT_MB * 1024 * 1024,
      sendRatePerSecond: e.SEND_RATE_PER_SECOND,
      serviceChannelId: e.SERVICE_CHANNEL_ID,
      webhook: e.WEBHOOK_URL
        ? { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET ?? derive(e.BOT_TOKEN, "webhook") }
        : undefined,
    },
    bot: {
      welcomeVideoFileIds: e.WELCOME_VIDEO_FILE_IDS,
      offerUrl: e.OFFER_URL,
      privacyUrl: e.PRIVACY_URL,
      supportUrl: e.SUPPORT_URL,
    },
    storage: {
      type: e.STORAGE_TYPE,
      path: e.STORAGE_PATH,
      s3: s3Connection && e.S3_BUCKET ? { ...s3Connection, bucket: e.S3_BUCKET } : undefined,
      retentionDays: e.RETENTION_DAYS,
      diskFreeWarnBytes: e.DISK_FREE_WARN_MB * 1024 * 1024,
    },
    http: {
      port: e.HTTP_PORT,
      host: e.HTTP_HOST,
      publicBaseUrl: e.PUBLIC_BASE_URL,
      linkSecret: e.LINK_SECRET ?? derive(e.BOT_TOKEN, "links"),
      metricsToken: e.METRICS_TOKEN,
    },
    kie: {
      apiKeys: e.KIE_API_KEYS,
      baseUrl: e.KIE_BASE_URL,
      uploadBaseUrl: e.KIE_UPLOAD_BASE_URL,
      timeoutMs: e.KIE_TIMEOUT_MINUTES * 60_000,
    },
    openai: {
      apiKey: e.OPENAI_API_KEY,
      model: e.OPENAI_MODEL,
      baseUrl: e.OPENAI_BASE_URL,
      proxyUrl: e.OPENAI_PROXY_URL,
      timeoutMs: e.OPENAI_TIMEOUT_SECONDS * 1000,
    },
    queue: { concurrency: e.WORKER_CONCURRENCY, maxAttempts: e.JOB_MAX_ATTEMPTS },
    payments: {
      packages: e.CREDIT_PACKAGES,
      providerToken: e.PAYMENT_PROVIDER_TOKEN,
      currency: e.PAYMENT_PROVIDER_TOKEN ? e.PAYMENT_CURRENCY : "XTR",
      referralBonus: e.REFERRAL_BONUS,
      receipt:
        e.RECEIPT_VAT_CODE === undefined
          ? undefined
          : {
              vatCode: e.RECEIPT_VAT_CODE,
              taxSystemCode: e.RECEIPT_TAX_SYSTEM_CODE,
              paymentSubject: e.RECEIPT_PAYMENT_SUBJECT,
              paymentMode: e.RECEIPT_PAYMENT_MODE,
            },
    },
    backup: {
      intervalHours: e.BACKUP_INTERVAL_HOURS,
      dir: e.BACKUP_DIR,
      keep: e.BACKUP_KEEP,
      s3:
        backupConnection && e.BACKUP_S3_BUCKET
          ? { ...backupConnection, bucket: e.BACKUP_S3_BUCKET, prefix: e.BACKUP_S3_PREFIX }
          : undefined,
      connection: backupConnection,
    },
    deprecations,
  };
}

/** Supabase's transaction-mode pooler listens on 6543 (its session mode and direct Postgres on 5432). */
function poolerByPort(url: string): "none" | "transaction" {
  try {
    return new URL(url).port === "6543" ? "transaction" : "none";
  } catch {
    return "none";
  }
}

function derive(token: string, purpose: string): string {
  return createHash("sha256").update(`neurocards:${purpose}:${token}`).digest("base64url");
}

/**
 * Reads KEY=VALUE lines from a .env file into `env` without overriding what the environment
 * already says. Returns false when the file does not exist.
 */
export function loadEnvFile(path: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!existsSync(path)) return false;
  const parsed = parseEnv(readFileSync(path, "utf8"));
  for (const [k, v] of Object.entries(parsed)) {
    if (env[k] === undefined && v !== undefined) env[k] = v;
  }
  return true;
}

/** The old bot's key names (KIE_API_KEY, KIE_API_KEY_1, ...) hold secrets too. */
const OLD_SECRET = /^KIE_API_KEY(?:_\d+)?$/;

/** Replaces every secret value that occurs in `text` with a mask. */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const key of [...SECRET_KEYS, ...Object.keys(env).filter((k) => OLD_SECRET.test(k))]) {
    for (const value of (env[key] ?? "").split(",")) {
      const v = value.trim();
      if (v.length >= 6) out = out.split(v).join("***");
    }
  }
  return out;
}

export { SECRET_KEYS };
