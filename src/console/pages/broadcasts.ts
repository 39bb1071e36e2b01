// Broadcasts: compose a text for all users or those active in 7 days, see it as recipients will,
// send it through the bot's broadcast sender (src/broadcast, resumable after a restart) and watch
// its progress. The text is plain: what the owner types is what users read.
import { ADMIN_LIMITS } from "../../admin/operations.ts";
import { escapeHtml } from "../../broadcast/html.ts";
import type { Broadcast } from "../../db/types.ts";
import {
  type Ctx,
  type Handler,
  type PageDeps,
  page,
  type Route,
  redirect,
  type Translate,
} from "../context.ts";
import { type Html, html } from "../html.ts";
import { actionButton, csrfField, when } from "../layout.ts";
import { PROGRESS_POLL_MS } from "../limits.ts";

const RECENT = 20;

/**
 * The stored message (Telegram HTML, also from /admin with formatting) as plain text: tags
 * dropped, entities read. The page escapes it again, so stored HTML is never rendered as HTML.
 */
export function plainText(stored: string | null): string {
  return (stored ?? "")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

const statusKey = (b: Broadcast) => `con-bc-status-${b.status}`;

function progress(t: Translate, b: Broadcast): Html {
  const done = b.sent + b.failed + b.blocked;
  return html`<div class="progress" data-progress="/console/broadcasts/${b.id}/progress" data-running="${b.status === "running" ? "1" : "0"}" data-every="${PROGRESS_POLL_MS}">
  <meter min="0" max="${Math.max(b.total, 1)}" value="${done}"></meter>
  <p><span data-field="status">${t(statusKey(b))}</span> · <span data-field="done">${done}</span> / <span data-field="total">${b.total}</span> · ${t("con-bc-sent")} <span data-field="sent">${b.sent}</span> · ${t("con-bc-failed")} <span data-field="failed">${b.failed}</span> · ${t("con-bc-blocked")} <span data-field="blocked">${b.blocked}</span></p>
</div>`;
}

const audienceLabel = (t: Translate, a: Broadcast["audience"]) => t(`adm-bc-audience-${a}`);

function composeForm(ctx: Ctx, text = ""): Html {
  const { t } = ctx;
  return html`<form method="post" action="/console/broadcasts" class="compose">${csrfField(ctx)}
  <fieldset><legend>${t("con-bc-audience")}</legend>
    <label><input type="radio" name="audience" value="all" checked> ${t("adm-bc-all")}</label>
    <label><input type="radio" name="audience" value="active"> ${t("adm-bc-active")}</label>
  </fieldset>
  <label>${t("con-bc-text")}<textarea name="text" rows="6" maxlength="${ADMIN_LIMITS.maxBroadcastText}" required>${text}</textarea></label>
  <button type="submit">${t("con-bc-preview")}</button>
</form>`;
}

async function listPage(
  ctx: Ctx,
  deps: PageDeps,
  o: { status?: number; error?: string; text?: string } = {},
) {
  const { t } = ctx;
  const recent = await deps.lists.broadcasts(RECENT);
  const body = html`<section class="card"><h2>${t("con-bc-new")}</h2>${composeForm(ctx, o.text)}</section>
<section class="card"><h2>${t("con-bc-recent")}</h2>${
    recent.length === 0
      ? html`<p>${t("con-bc-none")}</p>`
      : html`<table class="list"><thead><tr><th>#</th><th>${t("con-col-time")}</th><th>${t("con-bc-audience")}</th><th>${t("con-col-status")}</th><th class="num">${t("con-bc-sent")}</th><th class="num">${t("con-bc-failed")}</th><th class="num">${t("con-bc-blocked")}</th><th class="num">${t("con-bc-total")}</th></tr></thead><tbody>${recent.map(
          (b) =>
            html`<tr><td><a href="/console/broadcasts/${b.id}">#${b.id}</a></td><td>${when(b.createdAt, deps.timeZone)}</td><td>${audienceLabel(t, b.audience)}</td><td>${t(statusKey(b))}</td><td class="num">${b.sent}</td><td class="num">${b.failed}</td><td class="num">${b.blocked}</td><td class="num">${b.total}</td></tr>`,
        )}</tbody></table>`
  }</section>`;
  return page("broadcasts", t("con-nav-broadcasts"), body, {
    status: o.status,
    error: o.error,
  });
}

async function broadcastPage(
  ctx: Ctx,
  deps: PageDeps,
  b: Broadcast,
  o: { status?: number; error?: string } = {},
) {
  const { t } = ctx;
  const actions =
    b.status === "draft"
      ? html`<p class="actions">${actionButton(ctx, `/console/broadcasts/${b.id}/send`, t("adm-bc-send"), {
          confirm: t("con-bc-send-confirm", { audience: audienceLabel(t, b.audience) }),
        })} ${actionButton(ctx, `/console/broadcasts/${b.id}/cancel`, t("btn-cancel"))}</p>`
      : progress(t, b);
  const body = html`<section class="card">
  <p>${t("con-bc-audience")}: <strong>${audienceLabel(t, b.audience)}</strong> · ${t("con-col-time")}: ${when(b.createdAt, deps.timeZone)}${b.finishedAt ? html` · ${t("con-bc-finished")}: ${when(b.finishedAt, deps.timeZone)}` : ""}</p>
  <div class="bubble">${b.photoFileId ? html`<p class="muted">${t("con-bc-photo")}</p>` : ""}<p class="message">${plainText(b.text)}</p></div>
  ${b.status === "draft" ? html`<p>${t("adm-bc-preview", { audience: audienceLabel(t, b.audience) })}</p>` : ""}
  ${actions}
</section>`;
  return page("broadcasts", t("con-bc-title", { id: b.id }), body, {
    status: o.status,
    error: o.error,
  });
}

const list: Handler = (ctx, deps) => listPage(ctx, deps);

const create: Handler = async (ctx, deps) => {
  const { t, form } = ctx;
  const text = (form.get("text") ?? "").replace(/\r\n/g, "\n").trim();
  const audience = form.get("audience") === "active" ? "active" : "all";
  if (text.length < 1 || text.length > ADMIN_LIMITS.maxBroadcastText)
    return listPage(ctx, deps, {
      status: 422,
      error: t("con-bc-bad-text", { max: ADMIN_LIMITS.maxBroadcastText }),
      text,
    });
  const b = await deps.ops.createBroadcast({
    adminTgId: ctx.session.adminTgId,
    audience,
    text: escapeHtml(text),
    photoFileId: null,
    chatId: ctx.session.adminTgId,
  });
  return redirect(`/console/broadcasts/${b.id}`);
};

const show: Handler = async (ctx, deps) => {
  const b = await deps.store.getBroadcast(Number(ctx.params[0]));
  if (!b) return listPage(ctx, deps, { status: 404, error: ctx.t("con-bc-missing") });
  return broadcastPage(ctx, deps, b);
};

const progressJson: Handler = async (ctx, deps) => {
  const b = await deps.store.getBroadcast(Number(ctx.params[0]));
  if (!b) return { kind: "json", value: null };
  return {
    kind: "json",
    value: {
      status: b.status,
      statusText: ctx.t(statusKey(b)),
      total: b.total,
      sent: b.sent,
      failed: b.failed,
      blocked: b.blocked,
      done: b.sent + b.failed + b.blocked,
    },
  };
};

const send: Handler = async (ctx, deps) => {
  const id = Number(ctx.params[0]);
  const r = await deps.ops.launchBroadcast(id, null, { via: "console", adminTgId: ctx.session.adminTgId });
  if (r.ok) return redirect(`/console/broadcasts/${id}`, "broadcast-started", r.broadcast.total);
  const b = await deps.store.getBroadcast(id);
  if (!b) return listPage(ctx, deps, { status: 404, error: ctx.t("con-bc-missing") });
  const error = ctx.t(r.reason === "unavailable" ? "con-bc-unavailable" : "adm-bc-not-draft");
  return broadcastPage(ctx, deps, b, { status: 409, error });
};

const cancel: Handler = async (ctx, deps) => {
  const id = Number(ctx.params[0]);
  if (await deps.ops.cancelBroadcast(id, { via: "console", adminTgId: ctx.session.adminTgId }))
    return redirect("/console/broadcasts", "broadcast-cancelled");
  const b = await deps.store.getBroadcast(id);
  if (!b) return listPage(ctx, deps, { status: 404, error: ctx.t("con-bc-missing") });
  return broadcastPage(ctx, deps, b, { status: 409, error: ctx.t("adm-bc-not-draft") });
};

export const broadcastRoutes: Route[] = [
  { method: "GET", path: /^\/console\/broadcasts\/?$/, handler: list },
  { method: "POST", path: /^\/console\/broadcasts\/?$/, handler: create },
  { method: "GET", path: /^\/console\/broadcasts\/(\d{1,15})$/, handler: show },
  { method: "GET", path: /^\/console\/broadcasts\/(\d{1,15})\/progress$/, handler: progressJson },
  { method: "POST", path: /^\/console\/broadcasts\/(\d{1,15})\/send$/, handler: send },
  { method: "POST", path: /^\/console\/broadcasts\/(\d{1,15})\/cancel$/, handler: cancel },
];
