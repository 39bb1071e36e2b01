// The whole way with object storage (STORAGE_TYPE=s3 on a real S3-protocol server, s3rver): the
// seller orders in the real bot, the real queue stores the photo and the result in the bucket,
// kie.ai gets the photo (through its upload API, or by our /f/ link relayed from the bucket), and
// the video reaches the chat streamed from the object — or as a link when it is over the limit.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeS3, startFakeS3 } from "./fakes/s3-server.ts";
import { TINY_PNG } from "./fakes/telegram-server.ts";
import { orderVideo, type SellerWorld, startSellerWorld } from "./helpers/seller.ts";
import { safeGetBalance } from "./helpers/store-ops.ts";
import { sqliteFactory } from "./helpers/stores.ts";
import { type Harness, startHarness } from "./queue-harness.ts";

let s3: FakeS3;
beforeAll(async () => {
  s3 = await startFakeS3(["files"]);
});
afterAll(() => s3.close());

let w: SellerWorld | null = null;
let h: Harness | null = null;
afterEach(async () => {
  await w?.close();
  await h?.close();
  await h?.store.close();
  w = null;
  h = null;
  const bucket = await s3.open("files");
  for (const key of await s3.keys("files")) await bucket.remove(key);
});

describe("a seller gets a video with files in object storage", () => {
  it("en: the photo and the result live in the bucket; kie.ai gets the photo by upload; the video is streamed from the object", async () => {
    w = await startSellerWorld(1, {
      kie: { scenario: { outcome: "success", polls: 1, resultBytes: 300_000 } },
      env: s3.env("files"),
    });
    const u = await w.b.consentedUser({ id: 7301, language_code: "en" });
    await orderVideo(u, { lang: "en" });
    const video = await u.next((m) => m.video !== undefined, 15_000);
    const user = await w.store.getUserByTgId(u.id);
    const [created] = await w.store.getUserJobs(user!.id, { limit: 5 });
    const job = await w.q.waitFor(created!.id, ["succeeded", "failed"]);
    expect(job).toMatchObject({ status: "succeeded", errorCode: null });
    expect(await safeGetBalance(w.store, user!.id)).toBe(0);

    // Database keys name objects in the bucket; nothing was written to the local folder.
    expect((await s3.keys("files")).sort()).toEqual([job.photoPath, job.resultPath].sort());
    expect(job.resultPath).toMatch(/^results\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{32}\.mp4$/);
    const sent = w.q.tg.file((video.video as { file_id: string }).file_id)!;
    expect(sent.bytes).toEqual(Buffer.alloc(300_000, 7));
    expect([...w.q.kie.uploads.values()][0]).toEqual(TINY_PNG);
    expect(w.q.openai.seen.at(-1)!.imageUrls[0]).toMatch(/^data:image\/\w+;base64,/);
  });

  it("with a public URL kie.ai fetches the photo by its /f/ link, and an over-limit result comes as a link served from the bucket", async () => {
    const store = await sqliteFactory().make({ freeCredits: 0 });
    h = await startHarness({
      store,
      publicUrl: true,
      env: { ...s3.env("files"), TELEGRAM_UPLOAD_LIMIT_MB: "5" },
      kie: { scenario: { outcome: "success", polls: 0, resultBytes: 6 * 1024 * 1024 } },
    });
    const u = await h.user(7302);
    const job = await h.job(u.id, u.tgId);
    const done = await h.waitFor(job.id, ["succeeded", "failed"], 20_000);
    expect([done.status, done.errorCode]).toEqual(["succeeded", null]);
    const task = [...h.kie.tasks.values()][0]!;
    expect(task.imageUrls[0]).toMatch(new RegExp(`^${h.config.http.publicBaseUrl}/f/`));
    expect(task.imageBytes).toBe(TINY_PNG.length);
    expect(h.kie.uploads.size).toBe(0);
    expect(h.tg.callsTo("sendVideo")).toHaveLength(0);
    const link = h.tg.messages(u.tgId).find((m) => String(m.text ?? "").includes("larger than 5 MB"));
    const url = /(http:\/\/\S+)/.exec(String(link?.text))![1]!;
    const res = await fetch(url, { headers: { range: "bytes=0-9" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 0-9/${6 * 1024 * 1024}`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.alloc(10, 7));
  });
});
