// The checks of `neurocards doctor`, each returning one result; loaded only when doctor runs.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, statfs, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { type Dispatcher, fetch, ProxyAgent } from "undici";
import { type Config, ConfigError, parseConfig, redactSecrets, type S3Bucket } from "../config/index.ts";
import { openSqliteDatabase } from "../db/driver/sqlite.ts";
import { MIGRATIONS_TABLE, NewerDatabaseError, pendingMigrations } from "../db/migrate.ts";
import { MIGRATIONS } from "../db/migrations.generated.ts";
import { keyHash } from "../generation/keys.ts";
import { listenUrl, POLLING_NOTE } from "../queue/listen.ts";
import { sqliteBinding } from "./context.ts";
import type { CliIo } from "./io.ts";

export interface CheckResult {
  status: "ok" | "fail" | "note";
  name: string;
  detail: string;
  /** What to do about a failure or a note. */
  fix?: string;
}

const ok = (name: string, detail: string): CheckResult => ({ status: "ok", name, detail });
const fail = (name: string, detail: string, fix: string): CheckResult => ({
  status: "fail",
  name,
  detail,
  fix,
});
const note = (name: string, detail: string, fix?: string): CheckResult => ({
  status: "note",
  name,
  detail,
  fix,
});

const TIMEOUT_MS = 10_000;

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a timeout) is in `cause`. */
function reason(err: unknown, env: NodeJS.ProcessEnv): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause ? ` (${e.cause.code ?? e.cause.message})` : "";
  return redactSecrets(`${e.message ?? String(err)}${cause}`, env);
}
const mb = (bytes: number) => `${Math.floor(bytes / 1024 / 1024)} MB`;

async function getJson(
  url: string,
  headers: Record<string, string>,
  dispatcher?: Dispatcher,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS), dispatcher });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text.slice(0, 200) };
  }
}

/**
 * Rows of `select` on `table`, opened read-only; none when the table does not exist yet. Throws
 * when the database cannot be opened (a SQLite file must exist).
 */
async function readTable<T>(
  config: Config,
  env: NodeJS.ProcessEnv,
  table: string,
  select: string,
): Promise<T[]> {
  const db = config.database;
  if (db.type === "sqlite") {
    const conn = openSqliteDatabase({
      path: db.path,
      readonly: true,
      nativeBinding: sqliteBinding(config, env),
    });
    try {
      const has = conn.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table);
      return has ? (conn.prepare(select).all() as T[]) : [];
    } finally {
      conn.close();
    }
  }
  const { connectPostgres } = await import("../db/driver/postgres.ts");
  const client = await connectPostgres({
    url: db.url,
    connectionTimeoutMs: TIMEOUT_MS,
    applicationName: "neurocards-doctor",
  });
  try {
    const t = await client.query<{ t: string | null }>("select to_regclass($1) as t", [table]);
    return t.rows[0]?.t ? (await client.query(select)).rows : [];
  } finally {
    await client.end();
  }
}

export async function checkDatabase(config: Config, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const name = "database";
  let applied: Array<{ name: string; hash: string }>;
  const db = config.database;
  const where = db.type === "sqlite" ? `SQLite ${resolve(db.path)}` : `Postgres ${new URL(db.url).host}`;
  try {
    if (db.type === "sqlite" && !existsSync(db.path)) {
      await mkdir(dirname(resolve(db.path)), { recursive: true });
      return note(
        name,
        `${where} does not exist yet`,
        "it is created at first start, or now by `neurocards migrate`",
      );
    }
    applied = await readTable(config, env, MIGRATIONS_TABLE, `select name, hash from ${MIGRATIONS_TABLE}`);
  } catch (err) {
    const msg = redactSecrets(err instanceof Error ? err.message : String(err), env);
    return fail(
      name,
      `cannot open the database: ${msg}`,
      db.type === "sqlite"
        ? "check DATABASE_PATH and that the folder is writable by this user"
        : "check DATABASE_URL and that the Postgres server is running and reachable",
    );
  }
  try {
    const pending = pendingMigrations(MIGRATIONS[db.type], applied);
    if (pending.length > 0) {
      return note(
        name,
        `${where}: ${pending.length} migration(s) to apply`,
        "applied at start, or now by `neurocards migrate`",
      );
    }
    return ok(name, `${where}, schema up to date (${applied.length} migration(s))`);
  } catch (err) {
    if (err instanceof NewerDatabaseError) {
      return fail(
        name,
        `${where} was made by a newer neurocards`,
        "update this executable to the newest version",
      );
    }
    throw err;
  }
}

/**
 * Behind a transaction-mode pooler: whether LISTEN has a session to run on (DATABASE_DIRECT_URL,
 * tried here with a real LISTEN) or wake-ups fall back to polling. Nothing to say otherwise.
 */
export async function checkPooler(config: Config, env: NodeJS.ProcessEnv): Promise<CheckResult | null> {
  const db = config.database;
  if (db.type !== "postgres" || !db.transactionPooler) return null;
  const name = "database pooler";
  const url = listenUrl(db);
  if (!url) {
    return note(
      name,
      POLLING_NOTE,
      "set DATABASE_DIRECT_URL to the direct connection (Supabase: db.<project>.supabase.co:5432) for instant wake-ups",
    );
  }
  const { postgresClient } = await import("../db/driver/postgres.ts");
  const client = postgresClient({
    url,
    connectionTimeoutMs: TIMEOUT_MS,
    applicationName: "neurocards-doctor",
  });
  try {
    await client.connect();
    await client.query("listen neurocards_doctor");
    return ok(
      name,
      `transaction pooler: no named statements; LISTEN through DATABASE_DIRECT_URL (${new URL(url).host})`,
    );
  } catch (err) {
    return fail(
      name,
      `cannot LISTEN through DATABASE_DIRECT_URL: ${reason(err, env)}`,
      "check DATABASE_DIRECT_URL (a direct or session-mode connection, not the transaction pooler), or unset it to poll",
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** The variables behind a bucket, for the fixes doctor suggests. */
interface BucketVars {
  bucket: string;
  /** Prefix of the connection's variables: `S3_` or `BACKUP_S3_`. */
  connection: string;
}

/**
 * Reach, credentials and rights, each failure told apart: HeadBucket first (unreachable, keys
 * refused, no such bucket, wrong region), then a probe object written, read back and deleted.
 */
export async function checkBucket(
  name: string,
  b: S3Bucket,
  vars: BucketVars,
  env: NodeJS.ProcessEnv,
  probePrefix = "",
): Promise<CheckResult> {
  const { openBucket, explainS3Error } = await import("../s3/bucket.ts");
  const bucket = await openBucket(b, { maxAttempts: 1 });
  const where = bucket.location;
  const c = vars.connection;
  try {
    try {
      await bucket.check();
    } catch (err) {
      const { problem, detail } = explainS3Error(err);
      const said = redactSecrets(detail, env);
      if (problem === "unreachable")
        return fail(
          name,
          `cannot reach ${b.endpoint ?? "AWS S3"}: ${said}`,
          `check ${c}ENDPOINT and that this machine can reach it`,
        );
      if (problem === "credentials")
        return fail(
          name,
          `${where}: ${said}`,
          `check ${c}ACCESS_KEY_ID and ${c}SECRET_ACCESS_KEY, and that this key may use the bucket`,
        );
      if (problem === "no-bucket")
        return fail(
          name,
          `${where}: the bucket does not exist`,
          `create the bucket, or correct ${vars.bucket} (and ${c}FORCE_PATH_STYLE=true for MinIO-like servers)`,
        );
      if (problem === "region")
        return fail(name, `${where}: ${said}`, `set ${c}REGION to the bucket's region`);
      return fail(name, `${where}: ${said}`, "try again later, or check the service's status");
    }
    const probe = `${probePrefix}neurocards-doctor/${randomBytes(8).toString("hex")}.txt`;
    const text = `neurocards doctor ${new Date().toISOString()}`;
    let step = "written";
    try {
      await bucket.put(probe, Buffer.from(text), { contentType: "text/plain" });
      step = "read back";
      const body = await bucket.get(probe);
      const got = body ? Buffer.concat(await body.toArray()).toString() : null;
      if (got !== text) throw new Error(got === null ? "it is not there" : "it came back different");
      step = "deleted";
      await bucket.remove(probe);
      if (await bucket.head(probe)) throw new Error("it is still there");
    } catch (err) {
      return fail(
        name,
        `${where}: a probe object could not be ${step}: ${redactSecrets(explainS3Error(err).detail, env)}`,
        "give this key the right to write, read and delete objects in the bucket",
      );
    }
    return ok(name, `${where}: reachable, keys accepted, a probe object written, read back and deleted`);
  } finally {
    bucket.close();
  }
}

export async function checkStorage(config: Config, env: NodeJS.ProcessEnv = {}): Promise<CheckResult> {
  if (config.storage.type === "s3" && config.storage.s3)
    return checkBucket("storage", config.storage.s3, { bucket: "S3_BUCKET", connection: "S3_" }, env);
  const root = resolve(config.storage.path);
  try {
    await mkdir(root, { recursive: true });
    const probe = join(root, `.doctor-${randomBytes(4).toString("hex")}`);
    await writeFile(probe, "ok");
    await rm(probe);
    const s = await statfs(root);
    const free = s.bavail * s.bsize;
    if (free < config.storage.diskFreeWarnBytes) {
      return fail("storage", `${root}: only ${mb(free)} free`, "free disk space or lower DISK_FREE_WARN_MB");
    }
    return ok("storage", `${root} writable, ${mb(free)} free`);
  } catch (err) {
    return fail(
      "storage",
      `${root} is not writable: ${err instanceof Error ? err.message : String(err)}`,
      "set STORAGE_PATH to a folder this user can write",
    );
  }
}

export function checkPort(config: Config): Promise<CheckResult> {
  const { port, host } = config.http;
  return new Promise((done) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      done(
        fail(
          "http port",
          `${host}:${port} is not available (${err.code ?? err.message})`,
          err.code === "EADDRINUSE"
            ? "another program (or a running neurocards) uses it: stop it or set HTTP_PORT"
            : "set HTTP_PORT to a port above 1024 or HTTP_HOST to an address of this machine",
        ),
      );
    });
    server.listen(port, host, () => server.close(() => done(ok("http port", `${host}:${port} is free`))));
  });
}

export async function checkTelegram(config: Config, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const name = "telegram";
  try {
    const { status, body } = await getJson(`${config.telegram.apiRoot}/bot${config.botToken}/getMe`, {});
    const b = body as { ok?: boolean; result?: { username?: string }; description?: string };
    if (b.ok && b.result) return ok(name, `token valid: @${b.result.username}`);
    if (status === 401 || status === 404) {
      return fail(
        name,
        "BOT_TOKEN was rejected by Telegram",
        "copy the token again from @BotFather (/token)",
      );
    }
    return fail(
      name,
      `getMe answered ${status} ${redactSecrets(String(b.description ?? ""), env)}`,
      "try again later",
    );
  } catch (err) {
    return fail(
      name,
      `cannot reach ${config.telegram.apiRoot}: ${reason(err, env)}`,
      "check the network or TELEGRAM_API_ROOT",
    );
  }
}

interface KeyRest {
  until: Date;
  error: string | null;
}

/** kie.ai keys the bot rests after a 402/401, by key hash: the store shares them between processes. */
async function readKeyRests(config: Config, env: NodeJS.ProcessEnv): Promise<Map<string, KeyRest>> {
  const rests = new Map<string, KeyRest>();
  if (config.database.type === "sqlite" && !existsSync(config.database.path)) return rests;
  type Row = { key_hash: string; rested_until: number | Date | null; last_error: string | null };
  // The database check says what is wrong with a database that cannot be read.
  const rows = await readTable<Row>(
    config,
    env,
    "provider_keys",
    "select key_hash, rested_until, last_error from provider_keys",
  ).catch(() => [] as Row[]);
  for (const r of rows) {
    const until = r.rested_until === null ? null : new Date(r.rested_until);
    if (until && until.getTime() > Date.now()) rests.set(r.key_hash, { until, error: r.last_error });
  }
  return rests;
}

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

async function checkKieKey(config: Config, env: NodeJS.ProcessEnv, key: string): Promise<CheckResult> {
  const name = `kie.ai key …${key.slice(-4)}`;
  try {
    const { status, body } = await getJson(`${config.kie.baseUrl}/api/v1/chat/credit`, {
      authorization: `Bearer ${key}`,
    });
    const b = body as { code?: number; msg?: string; data?: unknown };
    const code = b.code ?? status;
    if (status === 200 && code === 200) {
      const credits = Number(b.data);
      return credits > 0
        ? ok(name, `accepted, ${credits} credits left`)
        : fail(name, "accepted but has no credits left", "top up the kie.ai account");
    }
    if (code === 401 || status === 401)
      return fail(name, "rejected (401)", "check the key at https://kie.ai/api-key");
    if (code === 402) return fail(name, "no credits left (402)", "top up the kie.ai account");
    return fail(
      name,
      `answered ${status}/${code} ${redactSecrets(String(b.msg ?? ""), env)}`,
      "try again later",
    );
  } catch (err) {
    return fail(
      name,
      `cannot reach ${config.kie.baseUrl}: ${reason(err, env)}`,
      "check the network or KIE_BASE_URL",
    );
  }
}

/**
 * Each key as kie.ai sees it now, and as the bot sees it: a key the store says is resting is not
 * used until its rest ends, even when its balance is back.
 */
export async function checkKie(
  config: Config,
  env: NodeJS.ProcessEnv,
  rests: Map<string, KeyRest> = new Map(),
): Promise<CheckResult[]> {
  const keys = config.kie.apiKeys;
  if (keys.length === 0) {
    return [
      fail(
        "kie.ai",
        "KIE_API_KEYS is empty: no video can be rendered",
        "add a key from https://kie.ai/api-key",
      ),
    ];
  }
  const results = await Promise.all(
    keys.map(async (key) => {
      const r = await checkKieKey(config, env, key);
      const rest = rests.get(keyHash(key));
      if (!rest) return r;
      const detail = `${r.detail}; the bot rests it until ${utc(rest.until)}${rest.error ? ` (${rest.error})` : ""}`;
      return r.status === "ok" ? note(r.name, detail, "it is used again then") : { ...r, detail };
    }),
  );
  const resting = keys.flatMap((k) => rests.get(keyHash(k)) ?? []);
  if (resting.length === keys.length) {
    const back = new Date(Math.min(...resting.map((r) => r.until.getTime())));
    results.push(
      note(
        "kie.ai",
        `every key is resting: new orders are refused until ${utc(back)}`,
        "top up or fix the keys above; the bot tries them again then",
      ),
    );
  }
  return results;
}

export async function checkOpenAi(config: Config, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const name = "openai";
  const { apiKey, baseUrl, proxyUrl, model } = config.openai;
  if (!apiKey) {
    return note(
      name,
      "OPENAI_API_KEY is not set: every video uses its template's fixed prompt",
      "set OPENAI_API_KEY for written scripts",
    );
  }
  const dispatcher = proxyUrl ? new ProxyAgent(proxyUrl) : undefined;
  try {
    const { status, body } = await getJson(
      `${baseUrl}/models`,
      { authorization: `Bearer ${apiKey}` },
      dispatcher,
    );
    if (status === 200) {
      const ids = ((body as { data?: Array<{ id?: string }> }).data ?? []).map((m) => m.id);
      return ids.length === 0 || ids.includes(model)
        ? ok(name, `key accepted, model ${model}`)
        : note(name, `key accepted, but ${model} is not in the models list`, "check OPENAI_MODEL");
    }
    if (status === 401 || status === 403)
      return fail(name, `key rejected (${status})`, "check OPENAI_API_KEY (and OPENAI_BASE_URL)");
    return fail(name, `models list answered ${status}`, "try again later or check OPENAI_BASE_URL");
  } catch (err) {
    return fail(
      name,
      `cannot reach ${baseUrl}: ${reason(err, env)}`,
      proxyUrl ? "check OPENAI_PROXY_URL" : "check the network; where OpenAI is blocked set OPENAI_PROXY_URL",
    );
  } finally {
    await dispatcher?.close();
  }
}

/**
 * Sellers accept the offer and the privacy policy before their first video; without the links the
 * consent screen can only point to /terms, which is rarely what the law of the owner's country asks.
 */
export function checkLegalDocuments(config: Config): CheckResult[] {
  const missing = [
    ...(config.bot.offerUrl ? [] : ["OFFER_URL"]),
    ...(config.bot.privacyUrl ? [] : ["PRIVACY_URL"]),
  ];
  if (missing.length === 0) return [ok("legal documents", "OFFER_URL and PRIVACY_URL set")];
  return missing.map((name) =>
    note(
      "legal documents",
      `${name} is not set: the consent screen does not link to the ${name === "OFFER_URL" ? "public offer" : "privacy policy"}`,
      `publish the document and set ${name}=https://... in .env`,
    ),
  );
}

/**
 * ADMIN_IDS: without it the bot sells, but nobody reaches /admin or /console, gets the alerts or
 * reads the support inbox — a (!), since a bot without an owner in the chat still works.
 */
export function checkAdmins(config: Config): CheckResult {
  const n = config.admins.length;
  if (n > 0) return ok("admins", `${n} admin${n === 1 ? "" : "s"} in ADMIN_IDS`);
  return note(
    "admins",
    "ADMIN_IDS is empty: nobody can use /admin or /console, get the alerts or read the support inbox",
    "set ADMIN_IDS=<your Telegram id> in .env (numeric; @userinfobot tells it, comma-separate several) and restart",
  );
}

/** Old .env names of the previous bot, each a (!) with what to rename. */
export function checkDeprecations(config: Config): CheckResult[] {
  return config.deprecations.map((d) => note("config", d, "update .env"));
}

/** All checks, in the order an owner would fix them. */
export async function runDoctor(io: CliIo, envFile: string | undefined): Promise<CheckResult[]> {
  let config: Config;
  try {
    config = parseConfig(io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) =>
      fail("config", redactSecrets(p, io.env), "fix it in .env and run doctor again"),
    );
  }
  const results: CheckResult[] = [
    ok("config", `valid${envFile ? ` (${envFile})` : " (environment only, no .env found)"}`),
    ...checkDeprecations(config),
    checkAdmins(config),
  ];
  const backupBucket = config.backup.s3;
  const [database, pooler, storage, backups, port, telegram, kie, openai] = await Promise.all([
    checkDatabase(config, io.env),
    checkPooler(config, io.env),
    checkStorage(config, io.env),
    backupBucket
      ? checkBucket(
          "backup bucket",
          backupBucket,
          {
            bucket: "BACKUP_S3_BUCKET",
            connection: io.env.BACKUP_S3_ACCESS_KEY_ID ? "BACKUP_S3_" : "S3_",
          },
          io.env,
          backupBucket.prefix,
        )
      : null,
    checkPort(config),
    checkTelegram(config, io.env),
    readKeyRests(config, io.env).then((rests) => checkKie(config, io.env, rests)),
    checkOpenAi(config, io.env),
  ]);
  results.push(
    database,
    ...(pooler ? [pooler] : []),
    storage,
    ...(backups ? [backups] : []),
    port,
    telegram,
    ...kie,
    openai,
  );
  results.push(...checkLegalDocuments(config));
  return results;
}
