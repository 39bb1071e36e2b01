import { describe, expect, it } from "vitest";
import { checkAdmins, checkDeprecations, checkLegalDocuments } from "../src/cli/checks.ts";
import { ConfigError, parseConfig, redactSecrets } from "../src/config/index.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("config", () => {
  it("defaults to SQLite in ./data with one free credit", () => {
    const c = parseConfig({ BOT_TOKEN: TOKEN });
    expect(c.database).toEqual({ type: "sqlite", path: "./data/neurocards.db" });
    expect(c.freeCredits).toBe(1);
    expect(c.payments.currency).toBe("XTR");
    expect(c.payments.packages[0]).toEqual({ id: "p5", credits: 5, price: 250 });
  });

  it("requires DATABASE_URL in postgres mode and says so with an example", () => {
    const p = problems({ BOT_TOKEN: TOKEN, DATABASE_TYPE: "postgres" });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^DATABASE_URL is required \(example: DATABASE_URL=postgres:\/\//);
  });

  it("WORKER_CONCURRENCY=0 leaves rendering to `neurocards worker` machines: Postgres only", () => {
    const pg = { BOT_TOKEN: TOKEN, DATABASE_TYPE: "postgres", DATABASE_URL: "postgres://u@h/db" };
    expect(parseConfig({ ...pg, WORKER_CONCURRENCY: "0" }).queue.concurrency).toBe(0);
    const p = problems({ BOT_TOKEN: TOKEN, WORKER_CONCURRENCY: "0" });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^WORKER_CONCURRENCY .*needs DATABASE_TYPE=postgres/);
  });

  it("lists one line per problem and never echoes a secret value", () => {
    const badToken = "not-a-token-secret-value";
    const p = problems({ BOT_TOKEN: badToken, HTTP_PORT: "99999", CREDIT_PACKAGES: "5:abc" });
    expect(p.map((x) => x.split(" ")[0]).sort()).toEqual(["BOT_TOKEN", "CREDIT_PACKAGES", "HTTP_PORT"]);
    expect(p.join("\n")).not.toContain(badToken);
  });

  it("reads comma lists of admins and kie keys", () => {
    const c = parseConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1, 22", KIE_API_KEYS: "k1,k2" });
    expect(c.admins).toEqual([1, 22]);
    expect(c.kie.apiKeys).toEqual(["k1", "k2"]);
  });

  it("masks secrets found in a text", () => {
    expect(redactSecrets(`url ${TOKEN}/getMe`, { BOT_TOKEN: TOKEN })).toBe("url ***/getMe");
  });

  it.each([
    ["no colon", "AAHdefghijklmnopqrstuvwxyz0123456789", /has no colon/],
    [
      "no id before the colon",
      "bot:AAHdefghijklmnopqrstuvwxyz0123456789",
      /the part before the colon is not the bot's numeric id/,
    ],
    ["a cut-off secret", "123456789:AAHdefgh", /only 8 characters after the colon/],
    ["a space inside", "123456789:AAHdefghijklmnopq rstuvwxyz0123", /characters a token never has/],
  ])("a malformed BOT_TOKEN (%s) is told what is wrong and the shape a token has", (_what, token, wrong) => {
    const [line] = problems({ BOT_TOKEN: token });
    expect(line).toMatch(/^BOT_TOKEN is not valid: /);
    expect(line).toMatch(wrong);
    expect(line).toContain("123456789:AA…");
    expect(line).not.toMatch(/looks like/);
    expect(line).not.toContain(token.split(":").at(-1));
  });
});

describe("doctor's warnings about the seller's terms", () => {
  it("warns (!) about each of OFFER_URL and PRIVACY_URL that is unset, and is quiet when both are", () => {
    const none = checkLegalDocuments(parseConfig({ BOT_TOKEN: TOKEN }));
    expect(none.map((r) => [r.status, r.detail.split(" ")[0]])).toEqual([
      ["note", "OFFER_URL"],
      ["note", "PRIVACY_URL"],
    ]);
    expect(none[0]?.fix).toMatch(/OFFER_URL=https:/);
    const both = checkLegalDocuments(
      parseConfig({ BOT_TOKEN: TOKEN, OFFER_URL: "https://e.com/o", PRIVACY_URL: "https://e.com/p" }),
    );
    expect(both.map((r) => r.status)).toEqual(["ok"]);
  });
});

describe("doctor's warning about ADMIN_IDS", () => {
  it("warns (!) without failing that nobody can use /admin or /console, and says how to set ADMIN_IDS", () => {
    const none = checkAdmins(parseConfig({ BOT_TOKEN: TOKEN }));
    expect(none.status).toBe("note");
    expect(none.detail).toMatch(/ADMIN_IDS is empty: nobody can use \/admin or \/console/);
    expect(none.fix).toMatch(/set ADMIN_IDS=<your Telegram id> in \.env/);
    const two = checkAdmins(parseConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1,2" }));
    expect([two.status, two.detail]).toEqual(["ok", "2 admins in ADMIN_IDS"]);
  });
});

describe("TIMEZONE", () => {
  it("defaults to Europe/Moscow and takes any IANA zone", () => {
    expect(parseConfig({ BOT_TOKEN: TOKEN }).timeZone).toBe("Europe/Moscow");
    expect(parseConfig({ BOT_TOKEN: TOKEN, TIMEZONE: "Asia/Vladivostok" }).timeZone).toBe("Asia/Vladivostok");
  });

  it("takes the aliases Intl formats with but does not list (UTC, Etc/GMT-3)", () => {
    expect(parseConfig({ BOT_TOKEN: TOKEN, TIMEZONE: "UTC" }).timeZone).toBe("UTC");
    expect(parseConfig({ BOT_TOKEN: TOKEN, TIMEZONE: "Etc/GMT-3" }).timeZone).toBe("Etc/GMT-3");
  });

  it("refuses a zone Intl does not know, with an example", () => {
    expect(problems({ BOT_TOKEN: TOKEN, TIMEZONE: "Moscow" })).toEqual([
      "TIMEZONE is not valid: not a time zone Intl knows (example: TIMEZONE=Europe/Moscow)",
    ]);
  });
});

describe("54-FZ receipt settings (RECEIPT_*)", () => {
  it("are off by default and on with RECEIPT_VAT_CODE", () => {
    expect(parseConfig({ BOT_TOKEN: TOKEN }).payments.receipt).toBeUndefined();
    expect(parseConfig({ BOT_TOKEN: TOKEN, RECEIPT_VAT_CODE: "4" }).payments.receipt).toEqual({
      vatCode: 4,
      taxSystemCode: undefined,
      paymentSubject: undefined,
      paymentMode: undefined,
    });
  });

  it("refuse a VAT code YooKassa does not have, with an example", () => {
    expect(problems({ BOT_TOKEN: TOKEN, RECEIPT_VAT_CODE: "20" })[0]).toMatch(
      /^RECEIPT_VAT_CODE is not valid: .*\(example: RECEIPT_VAT_CODE=1\)$/,
    );
  });

  it("refuse the other receipt settings without RECEIPT_VAT_CODE, which every receipt item needs", () => {
    expect(
      problems({ BOT_TOKEN: TOKEN, RECEIPT_TAX_SYSTEM_CODE: "2", RECEIPT_PAYMENT_MODE: "full_prepayment" }),
    ).toEqual([
      "RECEIPT_VAT_CODE is required with RECEIPT_TAX_SYSTEM_CODE, RECEIPT_PAYMENT_MODE: every receipt item needs its VAT code (example: RECEIPT_VAT_CODE=1)",
    ]);
  });
});

describe("old .env names from the previous bot", () => {
  it("KIE_API_KEY and KIE_API_KEY_1..N become the key list, each with a one-line deprecation warning that shows no key", () => {
    const c = parseConfig({
      BOT_TOKEN: TOKEN,
      KIE_API_KEY: "old-key-zero",
      KIE_API_KEY_2: "old-key-two",
      KIE_API_KEY_1: "old-key-one",
    });
    expect(c.kie.apiKeys).toEqual(["old-key-zero", "old-key-one", "old-key-two"]);
    expect(c.deprecations).toEqual([
      "KIE_API_KEY is deprecated: read into KIE_API_KEYS; rename it to KIE_API_KEYS (comma separated)",
      "KIE_API_KEY_1 is deprecated: read into KIE_API_KEYS; rename it to KIE_API_KEYS (comma separated)",
      "KIE_API_KEY_2 is deprecated: read into KIE_API_KEYS; rename it to KIE_API_KEYS (comma separated)",
    ]);
    expect(c.deprecations.join("\n")).not.toContain("old-key");
    expect(redactSecrets("failed with old-key-two", { KIE_API_KEY_2: "old-key-two" })).toBe(
      "failed with ***",
    );
  });

  it("an old name next to its new one is ignored, and the warning says so", () => {
    const c = parseConfig({ BOT_TOKEN: TOKEN, KIE_API_KEYS: "new", KIE_API_KEY: "old-key-zero" });
    expect(c.kie.apiKeys).toEqual(["new"]);
    expect(c.deprecations).toEqual(["KIE_API_KEY is deprecated and ignored: KIE_API_KEYS is set"]);
  });

  it("WELCOME_VIDEO_FILE_ID and STORAGE_BASE_PATH are read under their new names; KIE_MODEL is ignored and says why", () => {
    const c = parseConfig({
      BOT_TOKEN: TOKEN,
      WELCOME_VIDEO_FILE_ID: "demo-1",
      STORAGE_BASE_PATH: "/srv/files",
      KIE_MODEL: "veo3",
    });
    expect(c.bot.welcomeVideoFileIds).toEqual(["demo-1"]);
    expect(c.storage.path).toBe("/srv/files");
    expect(c.deprecations).toEqual([
      "WELCOME_VIDEO_FILE_ID is deprecated: read into WELCOME_VIDEO_FILE_IDS; rename it to WELCOME_VIDEO_FILE_IDS (comma separated)",
      "STORAGE_BASE_PATH is deprecated: read into STORAGE_PATH; rename it to STORAGE_PATH",
      "KIE_MODEL is ignored: each template names its own model in the template catalogue; remove it from .env",
    ]);
  });

  it("doctor shows each old name as a (!) note", () => {
    const notes = checkDeprecations(parseConfig({ BOT_TOKEN: TOKEN, KIE_MODEL: "veo3" }));
    expect(notes).toEqual([
      {
        status: "note",
        name: "config",
        detail:
          "KIE_MODEL is ignored: each template names its own model in the template catalogue; remove it from .env",
        fix: "update .env",
      },
    ]);
  });

  it("a configuration without old names has no warnings", () => {
    expect(parseConfig({ BOT_TOKEN: TOKEN }).deprecations).toEqual([]);
  });
});

describe("object storage and off-site backup settings", () => {
  const S3 = {
    S3_ENDPOINT: "https://s3.example.com/",
    S3_BUCKET: "neurocards-files",
    S3_ACCESS_KEY_ID: "key-id",
    S3_SECRET_ACCESS_KEY: "secret-access-key",
  };

  it("stays on local storage by default, with no bucket and no off-site copies", () => {
    const c = parseConfig({ BOT_TOKEN: TOKEN });
    expect(c.storage).toMatchObject({ type: "local", path: "./data/files", s3: undefined });
    expect(c.backup).toMatchObject({ s3: undefined, connection: undefined });
  });

  it("STORAGE_TYPE=s3 names each missing S3_ variable on its own line", () => {
    expect(problems({ BOT_TOKEN: TOKEN, STORAGE_TYPE: "s3" })).toEqual([
      "S3_BUCKET is required with STORAGE_TYPE=s3 (example: S3_BUCKET=neurocards-files)",
      "S3_ACCESS_KEY_ID is required with STORAGE_TYPE=s3",
      "S3_SECRET_ACCESS_KEY is required with STORAGE_TYPE=s3",
    ]);
    expect(problems({ BOT_TOKEN: TOKEN, STORAGE_TYPE: "disk" })).toEqual([
      "STORAGE_TYPE is not valid: local or s3 (example: STORAGE_TYPE=s3)",
    ]);
    expect(problems({ BOT_TOKEN: TOKEN, ...S3, S3_BUCKET: "Has_Capitals" })[0]).toMatch(
      /^S3_BUCKET is not valid: 3-63 lowercase letters/,
    );
  });

  it("reads the bucket (also with local storage, for `storage migrate --to s3`), and backups reuse its connection", () => {
    const c = parseConfig({
      BOT_TOKEN: TOKEN,
      ...S3,
      S3_FORCE_PATH_STYLE: "true",
      BACKUP_S3_BUCKET: "nc-backups",
    });
    expect(c.storage.type).toBe("local");
    expect(c.storage.s3).toEqual({
      endpoint: "https://s3.example.com",
      region: "us-east-1",
      bucket: "neurocards-files",
      accessKeyId: "key-id",
      secretAccessKey: "secret-access-key",
      forcePathStyle: true,
    });
    expect(c.backup.s3).toEqual({ ...c.storage.s3, bucket: "nc-backups", prefix: "neurocards-backups/" });
  });

  it("BACKUP_S3_ACCESS_KEY_ID switches backups to their own service; the prefix always ends with a slash", () => {
    const c = parseConfig({
      BOT_TOKEN: TOKEN,
      ...S3,
      BACKUP_S3_BUCKET: "offsite",
      BACKUP_S3_PREFIX: "/bot/daily",
      BACKUP_S3_ACCESS_KEY_ID: "backup-id",
      BACKUP_S3_SECRET_ACCESS_KEY: "backup-secret",
      BACKUP_S3_REGION: "auto",
    });
    expect(c.backup.s3).toEqual({
      endpoint: undefined,
      region: "auto",
      bucket: "offsite",
      prefix: "bot/daily/",
      accessKeyId: "backup-id",
      secretAccessKey: "backup-secret",
      forcePathStyle: false,
    });
    expect(problems({ BOT_TOKEN: TOKEN, BACKUP_S3_BUCKET: "offsite" })).toEqual([
      "BACKUP_S3_ACCESS_KEY_ID is required with BACKUP_S3_BUCKET (or the S3_* keys)",
    ]);
  });

  it("never shows the secret keys", () => {
    const env = { BOT_TOKEN: TOKEN, ...S3, BACKUP_S3_SECRET_ACCESS_KEY: "backup-secret" };
    expect(redactSecrets("signed with secret-access-key and backup-secret", env)).toBe(
      "signed with *** and ***",
    );
  });
});
