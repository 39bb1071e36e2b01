import { describe, expect, it } from "vitest";
import { decode } from "../src/bot/callbacks.ts";
import { openSentJournal, sentJournalPath } from "../src/generation/sent-journal.ts";
import { createCatalogue } from "../src/templates/index.ts";
import { buttonsOf } from "./fakes/telegram-server.ts";
import { harnessPerTest } from "./helpers/harness-per-test.ts";
import { clearProviderKey, ledgerSum, safeGetBalance } from "./helpers/store-ops.ts";
import { ADMIN_ID, type Harness } from "./queue-harness.ts";

const start = harnessPerTest();

/** This machine's journal of what was handed to Telegram, as the harness's queue opens it. */
const journalOf = (h: Harness) => openSentJournal(sentJournalPath(h.config.storage.path));

const texts = (h: Harness, chatId: number) => h.tg.messages(chatId).map((m) => m.text ?? m.caption ?? "");

/** Messages after the final status are sent once the job is recorded: wait for them. */
async function shows(h: Harness, chatId: number, match: (t: string) => boolean): Promise<boolean> {
  const end = Date.now() + 5000;
  while (!texts(h, chatId).some(match)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe("a paid job ends with the video in the chat", () => {
  it("Sora 2 (market API) without a public URL: photo uploaded to kie.ai, video uploaded to Telegram", async () => {
    // Every progress state as it comes (no coalescing), so each one can be seen below.
    const h = await start({ queue: { progressEveryMs: 0 } });
    const u = await h.user(1001);
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.resultFileId).toBeTruthy();
    expect(done.generatedPrompt).toMatch(/^FAKE-OPENAI videoPrompt/);
    // One task, made from the photo kie.ai's upload host received.
    expect(h.kie.created).toBe(1);
    const task = [...h.kie.tasks.values()][0]!;
    expect(task.api).toBe("market");
    expect(task.imageUrls[0]).toMatch(/\/uploads\/neurocards\/job-\d+\.png$/);
    expect(task.imageBytes).toBeGreaterThan(0);
    expect(task.callBackUrl).toBeUndefined();
    // The video with its two buttons, and one progress message edited to the end.
    const videos = h.tg.callsTo("sendVideo", u.tgId);
    expect(videos).toHaveLength(1);
    const video = h.tg.messages(u.tgId).find((m) => m.video)!;
    const buttons = video.reply_markup!.inline_keyboard!.flat();
    expect(buttons.map((b) => b.text)).toEqual(["🔁 Make another with this product", "☰ Menu"]);
    expect(decode(buttons[0]!.callback_data!)).toEqual({ ok: true, cb: { a: "again", job: job.id } });
    expect(decode(buttons[1]!.callback_data!)).toEqual({ ok: true, cb: { a: "menu" } });
    expect(h.tg.callsTo("sendMessage", u.tgId)).toHaveLength(1);
    expect(await shows(h, u.tgId, (t) => t === "✅ Done!")).toBe(true);
    const edits = h.tg.callsTo("editMessageText", u.tgId).map((c) => String(c.params.text));
    expect(edits.some((t) => /Rendering your video, about \d+ min/.test(t))).toBe(true);
    expect(edits.some((t) => /Uploading/.test(t))).toBe(true);
    expect(h.tg.callsTo("sendChatAction", u.tgId).map((c) => c.params.action)).toContain("upload_video");
    // Charged once, nothing refunded.
    expect(await safeGetBalance(h.store, u.id)).toBe(0);
    expect(await ledgerSum(h.store, u.id)).toBe(0);
  });

  it("a new job is written under its lease before kie.ai is asked for a render (its first claim may not be on disk yet)", async () => {
    // What kie.ai had been asked for when each write under the lease came back, in order.
    const tasksAtWrite: Array<{ write: string; tasks: number }> = [];
    let kie: Harness["kie"] | null = null;
    const h = await start({
      wrapStore: (store) => {
        const note =
          <A extends unknown[], R>(write: string, f: (...a: A) => Promise<R>) =>
          async (...a: A) => {
            const r = await f(...a);
            tasksAtWrite.push({ write, tasks: kie?.created ?? 0 });
            return r;
          };
        return {
          ...store,
          patchJob: note("patchJob", store.patchJob),
          finishJobs: note("finishJobs", store.finishJobs),
          releaseJob: note("releaseJob", store.releaseJob),
        };
      },
    });
    kie = h.kie;
    const u = await h.user(1002);
    const job = await h.job(u.id, u.tgId);
    expect((await h.waitFor(job.id, ["succeeded", "failed"])).status).toBe("succeeded");
    expect(h.kie.created).toBe(1);
    expect(tasksAtWrite[0]).toEqual({ write: "patchJob", tasks: 0 });
  });

  it("Veo 3 with a public URL: kie.ai fetches the photo from our server and its callback triggers the check", async () => {
    // The task finishes by time, not by polls; the scheduled poll is far away, so only the
    // callback can make the job finish quickly.
    const h = await start({
      publicUrl: true,
      kie: { scenario: { outcome: "success", afterMs: 150 } },
      queue: { timing: { firstPollMs: 60_000, pollMinMs: 60_000, pollMaxMs: 60_000 } },
    });
    const u = await h.user(1002, 1, "ru");
    const job = await h.job(u.id, u.tgId, { template: "broll", model: "veo3_fast", language: "ru" });
    const done = await h.waitFor(job.id, ["succeeded", "failed"], 8000);
    expect([done.status, done.errorCode, done.errorMessage]).toEqual(["succeeded", null, null]);
    const task = [...h.kie.tasks.values()][0]!;
    expect(task.api).toBe("veo");
    expect(task.imageUrls[0]).toMatch(new RegExp(`^${h.config.http.publicBaseUrl}/f/`));
    expect(task.imageBytes).toBeGreaterThan(0);
    expect(task.callBackUrl).toMatch(/\/kie\/callback\/[A-Za-z0-9_-]{40,}$/);
    expect(task.callbackSent).toBe(true);
    expect(h.kie.uploads.size).toBe(0);
    // OpenAI saw the photo by its public URL.
    expect(h.openai.seen.at(-1)!.imageUrls[0]).toMatch(/\/f\//);
    const video = h.tg.messages(u.tgId).find((m) => m.video)!;
    expect(video.caption).toBe("Ваше видео готово 🎉");
  });

  it("uploads through the service channel once and sends the user the channel's file_id", async () => {
    const h = await start({ env: { SERVICE_CHANNEL_ID: "-100777" } });
    h.tg.addChat(-100777, "channel", "Service");
    const u = await h.user(1003);
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    const channel = h.tg.callsTo("sendVideo", -100777);
    const user = h.tg.callsTo("sendVideo", u.tgId);
    expect(channel).toHaveLength(1);
    expect(user).toHaveLength(1);
    expect(user[0]!.params.video).toBe(done.resultFileId);
  });

  it("with TELEGRAM_UPLOAD_LIMIT_MB=20 a 21 MB result comes as a link that names the 20 MB limit", async () => {
    const h = await start({
      publicUrl: true,
      env: { TELEGRAM_UPLOAD_LIMIT_MB: "20" },
      kie: { scenario: { outcome: "success", polls: 0, resultBytes: 21 * 1024 * 1024 } },
    });
    const u = await h.user(1005);
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"], 20_000);
    expect(done.status).toBe("succeeded");
    expect(h.tg.callsTo("sendVideo")).toHaveLength(0);
    expect(texts(h, u.tgId).some((t) => t.includes("larger than 20 MB"))).toBe(true);
    expect(texts(h, u.tgId).some((t) => t.includes("50 MB"))).toBe(false);
  });

  it("sends a result over 50 MB as a link on our server instead of uploading it", async () => {
    const h = await start({
      publicUrl: true,
      kie: { scenario: { outcome: "success", polls: 0, resultBytes: 51 * 1024 * 1024 } },
    });
    const u = await h.user(1004);
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"], 20_000);
    expect([done.status, done.errorCode, done.errorMessage]).toEqual(["succeeded", null, null]);
    expect(h.tg.callsTo("sendVideo")).toHaveLength(0);
    const link = texts(h, u.tgId).find((t) => t.includes("larger than 50 MB"))!;
    const url = /(http:\/\/\S+)/.exec(link)![1]!;
    expect(url.startsWith(`${h.config.http.publicBaseUrl}/f/`)).toBe(true);
    const res = await fetch(url, { headers: { range: "bytes=0-9" } });
    expect(res.status).toBe(206);
    expect(Number(res.headers.get("content-range")!.split("/")[1])).toBe(51 * 1024 * 1024);
    await res.body?.cancel();
  });
});

describe("a job renders with the length and format it was bought with", () => {
  it("Sora 2 bought at 15 s horizontal: kie.ai gets n_frames 15 and landscape, the script writer is told both", async () => {
    const h = await start();
    const u = await h.user(1101);
    const job = await h.job(u.id, u.tgId, { template: "ad", durationSeconds: 15, aspectRatio: "16:9" });
    expect((await h.waitFor(job.id, ["succeeded", "failed"])).status).toBe("succeeded");
    const task = [...h.kie.tasks.values()][0]!;
    expect(task.body).toMatchObject({
      model: "sora-2-image-to-video",
      input: { n_frames: "15", aspect_ratio: "landscape" },
    });
    expect(h.openai.seen.at(-1)!.text).toContain("The video is 15 seconds, horizontal 16:9");
  });

  it("a job confirmed before lengths were chosen (none stored) renders as it was bought: Sora 10 s portrait", async () => {
    const h = await start();
    const u = await h.user(1102);
    const job = await h.job(u.id, u.tgId, { durationSeconds: null, aspectRatio: null });
    expect(job).toMatchObject({ template: "ugc", durationSeconds: null, aspectRatio: null });
    expect((await h.waitFor(job.id, ["succeeded", "failed"])).status).toBe("succeeded");
    const task = [...h.kie.tasks.values()][0]!;
    expect(task.body).toMatchObject({ input: { n_frames: "10", aspect_ratio: "portrait" } });
    expect(h.openai.seen.at(-1)!.text).toContain("The video is 10 seconds, vertical 9:16");
  });

  it("Kling bought at 10 s: kie.ai gets Kling's own fields, the photo's shape and no format", async () => {
    const h = await start();
    const u = await h.user(1103, 2);
    const job = await h.job(u.id, u.tgId, {
      template: "motion",
      model: "kling-2.6/image-to-video",
      durationSeconds: 10,
      cost: 2,
    });
    expect((await h.waitFor(job.id, ["succeeded", "failed"])).status).toBe("succeeded");
    const task = [...h.kie.tasks.values()][0]!;
    expect(task.body).toEqual({
      model: "kling-2.6/image-to-video",
      input: { prompt: task.prompt, image_urls: task.imageUrls, sound: true, duration: "10" },
    });
    expect(task.prompt.length).toBeLessThanOrEqual(1000);
    expect(h.openai.seen.at(-1)!.text).toContain("10 seconds, in the proportions of the photo");
  });
});

describe("without OpenAI", () => {
  it("no OPENAI_API_KEY: the video is made from the template's prompt and the job logs no warning or error", async () => {
    const logs: Array<Record<string, unknown>> = [];
    const h = await start({ env: { OPENAI_API_KEY: "" }, logs });
    const u = await h.user(1101);
    const job = await h.job(u.id, u.tgId, { template: "broll" });
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.generatedPrompt).toContain(createCatalogue().get("broll")!.fallbackPrompt);
    expect(h.openai.seen).toHaveLength(0);
    const loud = logs.filter((l) => Number(l.level) >= 40).map((l) => l.msg);
    expect(loud).toEqual([]);
  });
});

describe("a failed job gives the credit back and says why", () => {
  it("content refused by the provider: failed at once, refunded, user told what to change, admins told the class", async () => {
    const h = await start({
      kie: { scenario: { outcome: "fail", polls: 1, failMsg: "Image contains a real person" } },
    });
    const u = await h.user(2001);
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("failed");
    expect(done.errorCode).toBe("content_refused:task_400");
    expect(done.refundedAt).not.toBeNull();
    expect(h.kie.created).toBe(1);
    expect(await safeGetBalance(h.store, u.id)).toBe(1);
    expect(await ledgerSum(h.store, u.id)).toBe(1);
    expect(await shows(h, u.tgId, (t) => /refused this photo/.test(t) && /credit is back/.test(t))).toBe(
      true,
    );
    expect(await shows(h, ADMIN_ID, (t) => t.includes(`Job #${job.id} failed (content_refused`))).toBe(true);
    expect((await h.metrics.creditsRefunded.get()).values[0]!.value).toBe(1);
  });

  it("the admins' alert about a failed video names the template in each admin's language and counts the try that failed", async () => {
    const RU_ADMIN = 900_002;
    const h = await start({
      env: { ADMIN_IDS: `${ADMIN_ID},${RU_ADMIN}` },
      kie: { scenario: { outcome: "fail", polls: 1, failMsg: "Image contains a real person" } },
    });
    await h.user(RU_ADMIN, 0, "ru");
    const u = await h.user(2007);
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect([done.status, done.attempts]).toEqual(["failed", 1]);
    expect(
      await shows(h, ADMIN_ID, (t) =>
        t.includes(`Template UGC blogger, user #${u.id}, 1 attempt. 1 credit refunded.`),
      ),
    ).toBe(true);
    expect(
      await shows(h, RU_ADMIN, (t) => t.includes(`Шаблон UGC-блогер, пользователь #${u.id}, 1 попытка.`)),
    ).toBe(true);
    expect(texts(h, ADMIN_ID).some((t) => /Template ugc|0 attempts/.test(t))).toBe(false);
    // One tap from the alert to the job's card in the admin panel (its Retry and Refund), labelled
    // in each admin's language.
    const alertButtons = (chatId: number) =>
      buttonsOf(h.tg.messages(chatId).find((m) => (m.text ?? "").includes(`#${job.id}`))!);
    expect(alertButtons(ADMIN_ID)).toEqual([
      { text: `🔎 Open job #${job.id}`, callback_data: `adm:ja:${job.id}` },
    ]);
    expect(alertButtons(RU_ADMIN)).toEqual([
      { text: `🔎 Открыть задачу #${job.id}`, callback_data: `adm:ja:${job.id}` },
    ]);
  });

  it("a database that fails just after the video reached the chat: recorded once it answers, one video, no retry or refund", async () => {
    let failures = 3;
    const h = await start({
      wrapStore: (store) => ({
        ...store,
        finishJobs: async (items, next, now) => {
          if (items.some((i) => i.to === "succeeded") && failures-- > 0) throw new Error("read ECONNRESET");
          return store.finishJobs(items, next, now);
        },
      }),
    });
    const u = await h.user(2001);
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.attempts).toBe(0);
    // Three refused writes, then the one that recorded it.
    expect(failures).toBe(-1);
    expect(h.tg.callsTo("sendVideo", u.tgId)).toHaveLength(1);
    expect(await ledgerSum(h.store, u.id)).toBe(0);
  });

  it("a video this machine sent before a crash kept the database from hearing of it is recorded, not sent again", async () => {
    const h = await start({ noQueue: true });
    const u = await h.user(2003);
    const job = await h.job(u.id, u.tgId);
    journalOf(h).record(job, "FILE_SENT_BEFORE");
    h.queue.start();
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.resultFileId).toBe("FILE_SENT_BEFORE");
    expect(h.tg.callsTo("sendVideo", u.tgId)).toHaveLength(0);
    expect(await ledgerSum(h.store, u.id)).toBe(0);
  });

  it("the same when the database last heard of an earlier step and the job has no attempts left", async () => {
    const h = await start({ noQueue: true });
    const u = await h.user(2005);
    const job = await h.job(u.id, u.tgId);
    await h.store.patchJob(job.id, { step: "render", attempts: h.config.queue.maxAttempts });
    journalOf(h).record(job, "FILE_SENT_BEFORE");
    h.queue.start();
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect([done.status, done.resultFileId]).toEqual(["succeeded", "FILE_SENT_BEFORE"]);
    expect(h.kie.created).toBe(0);
    expect(h.tg.callsTo("sendVideo", u.tgId)).toHaveLength(0);
    expect(await ledgerSum(h.store, u.id)).toBe(0);
  });

  it("each video handed to Telegram is written to this machine's journal before the database records it", async () => {
    const h = await start();
    const u = await h.user(2004);
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(journalOf(h).lookup(done)).toEqual({ fileId: done.resultFileId });
  });

  it("a journal line of a job with the same id from a database started afresh is not taken for this job", async () => {
    const h = await start({ noQueue: true });
    const u = await h.user(2006);
    const job = await h.job(u.id, u.tgId);
    journalOf(h).record({ id: job.id, idempotencyKey: "an-older-database" }, "FILE_OF_SOMEONE_ELSE");
    h.queue.start();
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.resultFileId).not.toBe("FILE_OF_SOMEONE_ELSE");
    expect(h.tg.callsTo("sendVideo", u.tgId)).toHaveLength(1);
  });

  it("transient 5xx storm: retried and delivered without a second task", async () => {
    const h = await start();
    h.kie.setStorm(1, { http: 503 });
    const u = await h.user(2002);
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.attempts).toBe(1);
    expect(h.kie.created).toBe(1);
  });

  it("transient errors past JOB_MAX_ATTEMPTS: failed, refunded, apology in Russian that counts the credits back", async () => {
    const h = await start({ env: { JOB_MAX_ATTEMPTS: "2" } });
    h.kie.setStorm(1000, { code: 500 });
    const u = await h.user(2003, 2, "ru");
    const job = await h.job(u.id, u.tgId, { language: "ru", cost: 2 });
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("failed");
    expect(done.errorCode).toBe("transient:kie_500");
    expect(done.attempts).toBe(2);
    expect(await safeGetBalance(h.store, u.id)).toBe(2);
    expect(
      await shows(h, u.tgId, (t) => /сервис генерации не отвечал\. 2 кредита вернули на баланс/.test(t)),
    ).toBe(true);
  });

  it("an unknown task failure is retried with a new task, then failed and refunded", async () => {
    const h = await start({
      env: { JOB_MAX_ATTEMPTS: "2" },
      kie: { scenario: { outcome: "fail", polls: 0, failMsg: "internal render error" } },
    });
    const u = await h.user(2004);
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("failed");
    expect(done.errorCode).toBe("unknown:task_400");
    expect(h.kie.created).toBe(2);
    expect(await safeGetBalance(h.store, u.id)).toBe(1);
    expect(await shows(h, u.tgId, (t) => /Something went wrong/.test(t))).toBe(true);
  });

  it("a provider that never finishes hits the KIE_TIMEOUT_MINUTES deadline: failed and refunded, one task", async () => {
    const h = await start({ env: { KIE_TIMEOUT_MINUTES: "1" }, kie: { scenario: { outcome: "hang" } } });
    const u = await h.user(2005);
    const job = await h.job(u.id, u.tgId);
    await h.waitFor(job.id, ["processing"]);
    // Move the render's start a minute back instead of waiting a minute.
    const polling = await waitForStep(h, job.id, /^poll@/);
    const since = Number(polling.step!.split("@")[1]);
    await h.store.patchJob(job.id, { step: `poll@${since - 61_000}`, runAt: new Date() });
    h.queue.wake();
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("failed");
    expect(done.errorCode).toBe("transient:deadline");
    expect(h.kie.created).toBe(1);
    expect(await safeGetBalance(h.store, u.id)).toBe(1);
    expect(await shows(h, u.tgId, (t) => /took too long/.test(t))).toBe(true);
  });

  it("a hanging kie.ai API (requests never answered) times out and is retried, not stuck", async () => {
    const h = await start({ queue: { kieRequestTimeoutMs: 200 } });
    h.kie.setHang(true);
    const u = await h.user(2006);
    const job = await h.job(u.id, u.tgId);
    await waitUntil(async () => ((await h.store.getJobById(job.id))?.attempts ?? 0) >= 1);
    h.kie.setHang(false);
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
  });
});

describe("Telegram trouble while delivering", () => {
  it("a failed upload is retried from the downloaded file: no second render, no second download", async () => {
    const h = await start();
    const u = await h.user(2101);
    h.tg.inject({
      method: "sendVideo",
      chatId: u.tgId,
      times: 2,
      error: { status: 400, description: "Bad Request: wrong file" },
    });
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.attempts).toBeGreaterThan(0);
    expect(h.kie.created).toBe(1);
    expect(h.kie.requests.filter((r) => r.path.endsWith("recordInfo"))).toHaveLength(2);
  });

  it("a user who blocked the bot: the job still ends succeeded (the video stays in history), no refund", async () => {
    const h = await start();
    const u = await h.user(2102);
    const job = await h.job(u.id, u.tgId);
    h.tg.blockChat(u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.resultPath).toBeTruthy();
    expect(await safeGetBalance(h.store, u.id)).toBe(0);
  });
});

describe("provider out of money", () => {
  it("every key without balance: the job waits (not failed), admins are warned, and it finishes after a top-up", async () => {
    const h = await start({ kie: { keys: { "key-a": false, "key-b": false } } });
    const u = await h.user(3001);
    const job = await h.job(u.id, u.tgId);
    await waitUntil(async () => (await h.store.getProviderKeys()).filter((k) => k.restedUntil).length === 2);
    await new Promise((r) => setTimeout(r, 200));
    const waiting = await h.store.getJobById(job.id);
    expect(waiting!.status).toBe("processing");
    expect(waiting!.runAt.getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect(h.kie.created).toBe(0);
    expect(texts(h, ADMIN_ID).filter((t) => /no balance/.test(t))).toHaveLength(2);
    expect(await shows(h, u.tgId, (t) => /unavailable right now/.test(t))).toBe(true);
    // The owner tops up key-b and clears its rest (admin panel); the job goes on.
    h.kie.setKey("key-b", true);
    const b = (await h.store.getProviderKeys()).find((k) => k.label.includes("#2"))!;
    await clearProviderKey(h.store, b.keyHash);
    await new Promise((r) => setTimeout(r, 1100)); // the key pool's cache
    await h.store.patchJob(job.id, { runAt: new Date() });
    h.queue.wake();
    const done = await h.waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect([...h.kie.tasks.values()][0]!.key).toBe("key-b");
    expect(await safeGetBalance(h.store, u.id)).toBe(0);
  });
});

async function waitUntil(cond: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function waitForStep(h: Harness, jobId: number, step: RegExp) {
  let job = await h.store.getJobById(jobId);
  await waitUntil(async () => {
    job = await h.store.getJobById(jobId);
    return step.test(job?.step ?? "");
  });
  return job!;
}
