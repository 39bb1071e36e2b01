// Templates: the offer in the sellers' order — on or off, model, lengths with their prices,
// formats — moving one up or down, switching one on or off, and the whole set exported and
// imported as the file `neurocards templates export|import` reads and writes (./template.ts is a
// template's form). Every change goes through the template operations
// (src/templates/operations.ts), which check it like the built-in catalogue, write it whole or not
// at all and tell the bot's live catalogue to re-read: the next seller sees it; jobs already
// confirmed keep the price they were bought with.
import { models } from "../../models/index.ts";
import type { StoredTemplate } from "../../templates/index.ts";
import type { TemplateEntry } from "../../templates/operations.ts";
import {
  type Ctx,
  type Handler,
  notFound,
  type PageDeps,
  page,
  type Route,
  redirect,
  type Translate,
} from "../context.ts";
import { html } from "../html.ts";
import { actionButton, csrfField } from "../layout.ts";
import { actor, opsProblems, problemList, TEMPLATE_ID } from "./template.ts";

const modelLabel = (id: string) => models.get(id)?.label ?? id;

function lengths(t: Translate, tpl: StoredTemplate): string {
  return tpl.durations.map((d) => t("con-tpl-length-price", { seconds: d.seconds, n: d.cost })).join(" · ");
}

function formatsText(t: Translate, tpl: StoredTemplate): string {
  return tpl.formats.length ? tpl.formats.join(", ") : t("con-tpl-photo-shape");
}

async function listPage(
  ctx: Ctx,
  deps: PageDeps,
  o: { status?: number; error?: string; problems?: string[]; importText?: string } = {},
) {
  const { t, lang } = ctx;
  const { templates, broken } = await deps.templates.list();
  const move = (tpl: TemplateEntry, dir: "up" | "down", label: string, disabled: boolean) =>
    disabled ? html`` : actionButton(ctx, `/console/templates/${tpl.id}/move`, label, { fields: { dir } });
  const rows = templates.map(
    (tpl, i) =>
      html`<tr data-template="${tpl.id}"><td class="num">${i + 1}</td><td><a href="/console/templates/${tpl.id}">${tpl.name[lang]}</a> <code>${tpl.id}</code></td><td>${tpl.enabled ? html`<span class="badge ok">${t("con-tpl-on")}</span>` : html`<span class="badge bad">${t("con-tpl-off")}</span>`}</td><td data-prices>${lengths(t, tpl)}</td><td>${modelLabel(tpl.model)}</td><td>${formatsText(t, tpl)}</td><td class="actions">${move(tpl, "up", "↑", i === 0)}${move(tpl, "down", "↓", i === templates.length - 1)}${actionButton(
        ctx,
        `/console/templates/${tpl.id}/enabled`,
        tpl.enabled ? t("con-tpl-switch-off") : t("con-tpl-switch-on"),
        { fields: { enabled: tpl.enabled ? "0" : "1" }, danger: tpl.enabled },
      )}</td></tr>`,
  );
  const body = html`<p class="filters"><a href="/console/templates/new">${t("con-tpl-new")}</a> <a href="/console/templates/export" download="templates.json">${t("con-tpl-export")}</a> <a href="/console/costs">${t("con-nav-costs")}</a></p>
<section class="card"><h2>${t("con-tpl-list")}</h2><p class="muted">${t("con-tpl-live")}</p>
<table class="templates"><thead><tr><th class="num">#</th><th>${t("con-col-template")}</th><th>${t("con-col-status")}</th><th>${t("con-tpl-prices")}</th><th>${t("con-tpl-model")}</th><th>${t("con-tpl-formats")}</th><th></th></tr></thead><tbody>${rows}</tbody></table>
${broken.length ? html`<h3>${t("con-tpl-broken")}</h3><ul class="problems">${broken.map((b) => html`<li><code>${b.id}</code>: ${b.problems.join("; ")}</li>`)}</ul>` : ""}
</section>
<section class="card"><h2>${t("con-tpl-import")}</h2><p class="muted">${t("con-tpl-import-how")}</p>
<form method="post" action="/console/templates/import" class="compose" data-confirm="${t("con-tpl-import-confirm")}">${csrfField(ctx)}
  <label>${t("con-tpl-import-file")}<input type="file" accept="application/json,.json" data-into="import-text"></label>
  <label>${t("con-tpl-import-text")}<textarea name="file" id="import-text" rows="6" required spellcheck="false">${o.importText ?? ""}</textarea></label>
  ${problemList(o.problems)}
  <button type="submit">${t("con-tpl-import-button")}</button>
</form></section>`;
  return page("templates", t("con-nav-templates"), body, { status: o.status, error: o.error });
}

const list: Handler = (ctx, deps) => listPage(ctx, deps);

const switchOnOff: Handler = async (ctx, deps) => {
  const on = ctx.form.get("enabled") === "1";
  const r = await deps.templates.setEnabled(ctx.params[0] ?? "", on, actor(ctx));
  if (!r.ok) return listPage(ctx, deps, { status: 409, error: opsProblems(ctx.t, r.problems).join(" ") });
  return redirect("/console/templates", on ? "template-on" : "template-off");
};

const move: Handler = async (ctx, deps) => {
  const id = ctx.params[0] ?? "";
  const ids = (await deps.templates.list()).templates.map((x) => x.id);
  const i = ids.indexOf(id);
  const j = ctx.form.get("dir") === "up" ? i - 1 : i + 1;
  if (i < 0) return notFound("templates", ctx, ctx.t("con-tpl-missing"));
  if (j < 0 || j >= ids.length) return redirect("/console/templates");
  [ids[i], ids[j]] = [ids[j] ?? id, id];
  const r = await deps.templates.reorder(ids, actor(ctx));
  // Another admin changed the list meanwhile: show it as it is now.
  if (!r.ok) return listPage(ctx, deps, { status: 409, error: r.problems.join(" ") });
  return redirect("/console/templates", "template-moved");
};

const exportFile: Handler = async (_ctx, deps) => ({
  kind: "download",
  name: "templates.json",
  type: "application/json; charset=utf-8",
  body: await deps.templates.exportFile(),
});

const importFile: Handler = async (ctx, deps) => {
  const text = ctx.form.get("file") ?? "";
  const r = await deps.templates.importFile(text, actor(ctx));
  if (!r.ok)
    return listPage(ctx, deps, {
      status: 422,
      error: ctx.t("con-tpl-import-refused"),
      problems: opsProblems(ctx.t, r.problems),
      importText: text,
    });
  return redirect("/console/templates", "templates-imported", r.counts.created + r.counts.updated);
};

export const templateRoutes: Route[] = [
  { method: "GET", path: /^\/console\/templates\/?$/, handler: list },
  { method: "GET", path: /^\/console\/templates\/export$/, handler: exportFile },
  { method: "POST", path: /^\/console\/templates\/import$/, handler: importFile },
  { method: "POST", path: new RegExp(`^/console/templates/${TEMPLATE_ID}/enabled$`), handler: switchOnOff },
  { method: "POST", path: new RegExp(`^/console/templates/${TEMPLATE_ID}/move$`), handler: move },
];
