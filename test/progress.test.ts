// A job's progress message changes at most once per interval and always ends on the latest state:
// the delivery against the fake Bot API on its own (exact timing), then whole jobs through the queue.
import { describe, expect, it } from "vitest";
import type { Job } from "../src/db/types.ts";
import { createDelivery } from "../src/generation/deliver.ts";
import { messages } from "../src/generation/messages.ts";
import { createProgressEdits } from "../src/generation/progress-edits.ts";
import { createLogger } from "../src/logger.ts";
import type { TaskScenario } from "./fakes/kie-server.ts";
import { harnessPerTest } from "./helpers/harness-per-test.ts";
import type { Harness } from "./queue-harness.ts";

const logger = createLogger({ level: "silent" });
const t = messages("en");
const en = {
  script: t("gen-script"),
  render: (minutes: number) => t("gen-render", { minutes }),
  upload: t("gen-upload"),
  done: t("gen-done"),
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const start = harnessPerTest();

/** Edits of the user's chat as the fake Bot API received them. */
const edits = (h: Harness, chatId: number) =>
  h.tg
    .callsTo("editMessageText", chatId)
    .map((c) => ({ text: String(c.params.text), at: c.at, status: c.status }));
const editTexts = (h: Harness, chatId: number) => edits(h, chatId).map((e) => e.text);

async function until(cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(10);
  }
}

describe("progress edits of one message (the delivery against the fake Bot API)", () => {
  /** A job in the store and a delivery editing its progress message at most every `everyMs`. */
  async function setup(everyMs: number, tgId: number) {
    const h = await start({ noQueue: true });
    const u = await h.user(tgId);
    const job = await h.job(u.id, u.tgId);
    const delivery = createDelivery({
      config: h.config,
      telegram: h.telegram,
      storage: h.storage,
      logger,
      progressEveryMs: everyMs,
    });
    const sentAt = Date.now();
    const patch = await delivery.progress(job, "first");
    expect(patch?.progressMessageId).toBeTypeOf("number");
    const shown: Job = { ...job, ...patch };
    return { h, chatId: u.tgId, delivery, job: shown, sentAt };
  }

  it("states asked for faster than the interval reach the user as one edit with the latest text", async () => {
    const { h, chatId, delivery, job, sentAt } = await setup(300, 4001);
    await delivery.progress(job, "second");
    await delivery.progress(job, "third");
    await delivery.progress(job, "fourth");
    expect(editTexts(h, chatId)).toEqual([]);
    await until(() => editTexts(h, chatId).length > 0);
    await sleep(400);
    expect(editTexts(h, chatId)).toEqual(["fourth"]);
    // The interval counts from when the bot started sending the message (the fake may receive it
    // later on a busy machine), so the edit reaches the fake no sooner than 300 ms after that.
    expect(edits(h, chatId)[0]!.at - sentAt).toBeGreaterThanOrEqual(300 - 5);
    expect(h.tg.message(chatId, job.progressMessageId!)?.text).toBe("fourth");
  });

  it("a state asked for once the interval has passed is shown at once, before progress() returns", async () => {
    const { h, chatId, delivery, job } = await setup(200, 4002);
    for (const text of ["second", "third", "fourth"]) {
      await sleep(250);
      await delivery.progress(job, text);
      expect(editTexts(h, chatId).at(-1)).toBe(text);
    }
    expect(editTexts(h, chatId)).toEqual(["second", "third", "fourth"]);
  });

  it("never sends an edit with the text the message already shows", async () => {
    const { h, chatId, delivery, job } = await setup(200, 4003);
    // Back to the shown text before the pending one went out: nothing to send at all.
    await delivery.progress(job, "second");
    await delivery.progress(job, "first");
    await sleep(350);
    expect(editTexts(h, chatId)).toEqual([]);
    // The same text twice: one edit, at once (the interval has passed); then asked for again.
    await delivery.progress(job, "second");
    await delivery.progress(job, "second");
    await sleep(350);
    await delivery.progress(job, "third");
    await delivery.progress(job, "third");
    await sleep(350);
    expect(editTexts(h, chatId)).toEqual(["second", "third"]);
    expect(edits(h, chatId).filter((e) => e.status !== 200)).toEqual([]);
  });

  it("flush() sends the pending state at once and waits for it", async () => {
    const { h, chatId, delivery, job } = await setup(60_000, 4004);
    await delivery.progress(job, en.upload);
    await delivery.progress(job, en.done);
    expect(editTexts(h, chatId)).toEqual([]);
    await delivery.flush();
    expect(editTexts(h, chatId)).toEqual([en.done]);
    // Nothing is left to send: a second flush edits nothing.
    await delivery.flush();
    expect(editTexts(h, chatId)).toEqual([en.done]);
  });

  it("forgets a message one interval after its last edit, so memory does not grow with jobs", async () => {
    const h = await start({ noQueue: true });
    const edits = createProgressEdits({ telegram: h.telegram, logger, everyMs: 100 });
    const chats = [4011, 4012, 4013];
    const shown: Array<{ id: number; chatId: number; messageId: number }> = [];
    for (const [i, tgId] of chats.entries()) {
      const u = await h.user(tgId);
      const msg = await h.telegram.api.sendMessage(tgId, "first");
      shown.push({ id: i + 1, chatId: u.tgId, messageId: msg.message_id });
    }
    for (const m of shown) {
      await edits.show(m, m.messageId, "second");
      await edits.show(m, m.messageId, "third");
    }
    expect(edits.size).toBe(3);
    await until(() => edits.size === 0, 2000);
    for (const m of shown) expect(h.tg.message(m.chatId, m.messageId)?.text).toBe("third");
  });

  it("a failed edit does not throw and a later one goes out", async () => {
    const { h, chatId, delivery, job } = await setup(0, 4005);
    h.tg.inject({ method: "editMessageText", error: { status: 400, description: "Bad Request: boom" } });
    await expect(delivery.progress(job, "second")).resolves.toBeNull();
    // Unknown what the message shows after a failure: the same text is sent again.
    await delivery.progress(job, "second");
    expect(h.tg.message(chatId, job.progressMessageId!)?.text).toBe("second");
  });
});

describe("progress of whole jobs through the queue", () => {
  /** One user's job through the queue with this kie.ai scenario and edit interval, finished. */
  async function finishedJob(scenario: TaskScenario, progressEveryMs: number, tgId: number) {
    const h = await start({ kie: { scenario }, queue: { progressEveryMs } });
    const u = await h.user(tgId);
    const job = await h.job(u.id, u.tgId);
    expect((await h.waitFor(job.id, ["succeeded", "failed"])).status).toBe("succeeded");
    return { h, u, job };
  }

  it("a result ready at the first poll: the script message goes straight to Done in one edit after the video", async () => {
    // Generous interval: the whole job takes far less, so every state after the first is coalesced.
    const { h, u } = await finishedJob({ outcome: "success", polls: 0 }, 3000, 4101);
    await until(() => editTexts(h, u.tgId).length > 0);
    await sleep(200);
    expect(h.tg.callsTo("sendMessage", u.tgId).map((c) => c.params.text)).toEqual([en.script]);
    expect(editTexts(h, u.tgId)).toEqual([en.done]);
    // Below the video, as the last thing the chat shows.
    const events = h.tg.events.filter((e) => e.chatId === u.tgId);
    expect(events.findIndex((e) => e.message.video)).toBeLessThan(events.findIndex((e) => e.type === "edit"));
  });

  it("Done still arrives when the queue stops right after delivery", async () => {
    const { h, u, job } = await finishedJob({ outcome: "success", polls: 0 }, 60_000, 4102);
    await until(() => h.tg.messages(u.tgId).some((m) => m.video));
    expect(editTexts(h, u.tgId)).toEqual([]);
    const stopping = Date.now();
    await h.queue.stop(1000);
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(editTexts(h, u.tgId)).toEqual([en.done]);
    const done = await h.store.getJobById(job.id);
    expect(h.tg.message(u.tgId, done!.progressMessageId!)?.text).toBe(en.done);
  });

  it("a slow job still shows each state, one edit per state, never closer than the interval", async () => {
    const { h, u } = await finishedJob({ outcome: "success", afterMs: 1200 }, 300, 4103);
    await until(() => editTexts(h, u.tgId).includes(en.done));
    await sleep(400);
    expect(h.tg.callsTo("sendMessage", u.tgId).map((c) => c.params.text)).toEqual([en.script]);
    const seen = edits(h, u.tgId);
    expect(seen.map((e) => e.text)).toEqual([en.render(4), en.upload, en.done]);
    expect(seen.filter((e) => e.status !== 200)).toEqual([]);
    const times = [h.tg.callsTo("sendMessage", u.tgId)[0]!.at, ...seen.map((e) => e.at)];
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(300 - 50);
  });
});
