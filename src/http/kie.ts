// POST /kie/callback/<secret>: kie.ai says a task finished. The callback is only a hint: we take
// the task id, ask the queue to check the task with the provider (never trusting the posted
// result), and answer at once so kie.ai does not retry.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.ts";
import { BodyTooLargeError, readBody } from "./body.ts";
import { KIE_CALLBACK_MAX_BYTES } from "./limits.ts";
import { notFound, sendJson } from "./reply.ts";

/** Equal-time comparison of two strings of any length (hashing first evens the lengths). */
export function sameSecret(given: string, expected: string): boolean {
  const h = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

/** Market tasks post `data.taskId`; Veo posts `data.taskId` too, some records nest it in `data.info`. */
export function extractTaskId(body: unknown): string | undefined {
  const obj = (v: unknown): Record<string, unknown> | undefined =>
    v !== null && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  const root = obj(body);
  const data = obj(root?.data);
  const candidates = [data?.taskId, data?.task_id, obj(data?.info)?.taskId, root?.taskId];
  const id = candidates.find((c) => typeof c === "string" && c.length > 0 && c.length <= 200);
  return id as string | undefined;
}

export function createKieCallbackHandler(deps: {
  secret: string;
  onKieCallback: (taskId: string) => unknown;
  logger: Logger;
}) {
  const log = deps.logger.child({ module: "kie-callback" });
  return async function handle(req: IncomingMessage, res: ServerResponse, given: string): Promise<void> {
    if (!sameSecret(given, deps.secret)) {
      notFound(res);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readBody(req, KIE_CALLBACK_MAX_BYTES)).toString("utf8"));
    } catch (err) {
      if (err instanceof BodyTooLargeError) sendJson(res, 413, { code: 413, msg: "body too large" });
      else sendJson(res, 400, { code: 400, msg: "body is not JSON" });
      return;
    }
    const taskId = extractTaskId(parsed);
    if (!taskId) {
      sendJson(res, 400, { code: 400, msg: "no taskId" });
      return;
    }
    sendJson(res, 200, { code: 200, msg: "ok" });
    // Fire and forget, after the answer is on its way: the status check may take seconds and must
    // never hold kie.ai's request.
    setImmediate(() => {
      try {
        Promise.resolve(deps.onKieCallback(taskId)).catch((err: unknown) =>
          log.warn({ err, taskId }, "callback handler failed"),
        );
      } catch (err) {
        log.warn({ err, taskId }, "callback handler failed");
      }
    });
  };
}
