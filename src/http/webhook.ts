// POST /telegram/<secret>: Telegram's webhook. The body is read here under WEBHOOK_MAX_BYTES and
// parsed here, so grammY only ever sees a parsed update: a huge or chunked body is refused with 413
// as it arrives, malformed JSON with 400. The update goes to `dispatch` (one update in, done when
// handled, and saved when it carries money): 200 once it resolves, 503 when it throws, so Telegram
// delivers the update again.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Update } from "grammy/types";
import type { Logger } from "../logger.ts";
import { BodyTooLargeError, readBody } from "./body.ts";
import { sameSecret } from "./kie.ts";
import { WEBHOOK_MAX_BYTES } from "./limits.ts";
import { sendText } from "./reply.ts";

export type UpdateDispatch = (update: Update) => Promise<unknown>;

export function createWebhookHandler(deps: { secret: string; dispatch: UpdateDispatch; logger: Logger }) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const given = req.headers["x-telegram-bot-api-secret-token"];
    if (typeof given !== "string" || !sameSecret(given, deps.secret)) {
      sendText(res, 401, "Unauthorized");
      return;
    }
    let update: unknown;
    try {
      update = JSON.parse((await readBody(req, WEBHOOK_MAX_BYTES)).toString("utf8"));
    } catch (err) {
      if (err instanceof BodyTooLargeError) sendText(res, 413, "Payload too large");
      else if (err instanceof SyntaxError) sendText(res, 400, "Bad request");
      else res.destroy(); // The client left mid-body: nobody to answer.
      return;
    }
    if (!isUpdate(update)) {
      sendText(res, 400, "Bad request");
      return;
    }
    try {
      await deps.dispatch(update);
    } catch (err) {
      deps.logger.warn(
        { err, updateId: update.update_id },
        "webhook update not handled; Telegram will deliver it again",
      );
      sendText(res, 503, "Try again", { "Retry-After": "1" });
      return;
    }
    sendText(res, 200, "OK");
  };
}

function isUpdate(value: unknown): value is Update {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Number.isSafeInteger((value as { update_id?: unknown }).update_id)
  );
}
