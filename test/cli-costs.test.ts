// `neurocards costs …`: the owner records what a model's videos cost and reads the margin per
// template from the shell; a refused value says what would be accepted.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/index.ts";
import { createStore } from "../src/db/index.ts";
import { createLogger } from "../src/logger.ts";
import { runCliIn } from "./helpers/cli.ts";
import { createJobAndConsumeCredit, moveJob } from "./helpers/store-ops.ts";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef";
let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neurocards-costs-"));
  env = { BOT_TOKEN: TOKEN, DATABASE_PATH: join(dir, "nc.db"), STORAGE_PATH: join(dir, "files") };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCliIn(dir, ["costs", ...args], env);

describe("neurocards costs", () => {
  it("records prices, lists them, shows the margin per template and forgets a price", async () => {
    const store = await createStore(parseConfig(env), createLogger({ level: "silent" }));
    const { user } = await store.getOrCreateUser({ tgId: 7001 });
    await store.recordPayment({
      userId: user.id,
      telegramChargeId: "c1",
      currency: "XTR",
      amount: 250,
      credits: 5,
      packageId: "p5",
    });
    const r = await createJobAndConsumeCredit(store, user.id, {
      chatId: 1,
      template: "ugc",
      model: "sora-2-image-to-video",
      language: "en",
      productText: "A mug",
      photoFileId: "p",
      cost: 1,
      idempotencyKey: "k1",
    });
    if (!r.ok) throw new Error("job refused");
    await moveJob(store, r.job.id, "processing");
    await moveJob(store, r.job.id, "succeeded");
    await store.close();

    expect(await cli("margin")).toMatchObject({
      code: 0,
      out: [
        "average price of a credit: 50 ⭐",
        "ugc\t1 made\trevenue 50 ⭐\tcost -\tmargin -",
        "no cost recorded for: sora-2-image-to-video (neurocards costs set …)",
      ].join("\n"),
    });
    expect(await cli("set", "sora-2-image-to-video", "2.5", "xtr", "--per", "second")).toMatchObject({
      code: 0,
      out: "sora-2-image-to-video costs 2.5 ⭐ per second",
    });
    expect(await cli("set", "veo3", "0.4", "USD")).toMatchObject({
      code: 0,
      out: "veo3 costs 0.4 USD per video",
    });
    expect((await cli("list")).out).toBe(
      "sora-2-image-to-video\t2.5 ⭐\tper second\tby cli\nveo3\t0.4 USD\tper video\tby cli",
    );
    // A job without a recorded length was rendered at the model's first one: Sora 2's 10 s.
    expect((await cli("margin", "--days", "7")).out).toContain(
      "ugc\t1 made\trevenue 50 ⭐\tcost 25 ⭐\tmargin 25 ⭐ (50%)",
    );
    await cli("set", "sora-2-image-to-video", "20", "XTR");
    expect((await cli("margin", "--days", "7")).out).toContain(
      "ugc\t1 made\trevenue 50 ⭐\tcost 20 ⭐\tmargin 30 ⭐ (60%)",
    );
    expect(await cli("remove", "veo3")).toMatchObject({ code: 0, out: "veo3: cost removed" });
    expect(await cli("remove", "veo3")).toMatchObject({ code: 1, err: "error: no cost recorded for veo3" });
  });

  it("refuses a price it cannot read, saying what is expected", async () => {
    expect(await cli("set", "veo3", "0.4.1", "USD")).toMatchObject({
      code: 2,
      err: "error: not recorded: the amount must be a positive number with at most 6 decimals, e.g. 0.15",
    });
    expect((await cli("set", "veo3", "1", "dollars")).err).toContain("3-letter code");
    expect((await cli("set", "veo3", "1", "USD", "--per", "minute")).code).toBe(2);
    expect((await cli("list")).out).toBe("no model costs recorded");
  });
});
