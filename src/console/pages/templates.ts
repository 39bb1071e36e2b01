// Templates: the offer in the sellers' order — on or off, model, lengths with their prices,
// formats — and a form per template (names and descriptions in both languages, the prompt
// writer's instructions, model, lengths with a price each, formats, on/off), a new template,
// moving one up or down, and the whole set exported and imported as the file `neurocards
// templates export|import` reads and writes. Every change goes through the template operations
// (src/templates/operations.ts), which check it like the built-in catalogue, write it whole or not
// at all and tell the bot's live catalogue to re-read: the next seller sees it; jobs already
// confirmed keep the price they were bought with.
import { FORMATS, type Format, models } from "../../models/index.ts";
import {
  type StoredTemplate,
  type TemplateIssue,
  templateIssues,
  templateSchema,
} from "../../templates/index.ts";
import { LAST_ENABLED, type TemplateEntry } from "../../templates/operations.ts";
import {
  type Ctx,
  type Handler,
  notFound,
  type PageDeps,
  page,
  type Reply,
  type Route,
  redirect,
  type Translate,
} from "../context.ts";
import { type Html, html } from "../html.ts";
import { actionButton, csrfField, when } from "../layout.ts";

/** Every length any model renders, shortest first: the rows of a template's price table. */
const ALL_SECONDS = [...new Set(models.all.flatMap((m) => m.durations))].sort((a, b) => a - b);
const KINDS = templateSchema.shape.kind.options;
/** Ids that would name one of the pages beside the templates' own (/console/templates/new …). */
const RESERVED_IDS = ["new", "export", "import"];
/** Digits a price may have: a video costs at most 999 999 credits. */
const PRICE = /^\d{1,6}$/;

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

function problemList(problems: string[] | undefined): Html {
  if (!problems?.length) return html``;
  return html`<ul class="problems" role="alert">${problems.map((p) => html`<li>${p}</li>`)}</ul>`;
}

/** A template as a form shows it: the stored one, or what the owner just typed. */
interface Draft {
  id: string;
  kind: string;
  name: { ru: string; en: string };
  description: { ru: string; en: string };
  model: string;
  /** Per length: offered, and the price typed. */
  prices: Map<number, { on: boolean; cost: string }>;
  defaultSeconds: number | null;
  formats: Set<string>;
  defaultFormat: string | null;
  askWishes: boolean;
  instructions: string;
  fallbackPrompt: string;
  enabled: boolean;
}

function draftOf(tpl: StoredTemplate): Draft {
  return {
    ...tpl,
    prices: new Map(tpl.durations.map((d) => [d.seconds, { on: true, cost: String(d.cost) }])),
    defaultSeconds: tpl.durations[0]?.seconds ?? null,
    formats: new Set(tpl.formats),
    defaultFormat: tpl.formats[0] ?? null,
  };
}

const BLANK: Draft = {
  id: "",
  kind: "ad",
  name: { ru: "", en: "" },
  description: { ru: "", en: "" },
  model: models.all[0]?.id ?? "",
  prices: new Map(),
  defaultSeconds: null,
  formats: new Set(),
  defaultFormat: null,
  askWishes: true,
  instructions: "",
  fallbackPrompt: "",
  enabled: true,
};

function readDraft(form: URLSearchParams, id: string): Draft {
  const text = (k: string) => (form.get(k) ?? "").trim();
  const prices = new Map<number, { on: boolean; cost: string }>();
  for (const s of ALL_SECONDS) prices.set(s, { on: form.get(`len_${s}`) === "on", cost: text(`cost_${s}`) });
  const defaultSeconds = Number(form.get("default_len"));
  return {
    id,
    kind: text("kind"),
    name: { ru: text("name_ru"), en: text("name_en") },
    description: { ru: text("description_ru"), en: text("description_en") },
    model: text("model"),
    prices,
    defaultSeconds: ALL_SECONDS.includes(defaultSeconds) ? defaultSeconds : null,
    formats: new Set(FORMATS.filter((f) => form.get(`fmt_${f}`) === "on")),
    defaultFormat: form.get("default_fmt"),
    askWishes: form.get("ask_wishes") === "on",
    instructions: text("instructions"),
    fallbackPrompt: text("fallback_prompt"),
    enabled: form.get("enabled") === "on",
  };
}

/** The template a draft describes, or what is wrong with it, in the admin's language. */
function checkDraft(t: Translate, d: Draft): { template: StoredTemplate } | { problems: string[] } {
  const problems: string[] = [];
  if (!templateSchema.shape.id.safeParse(d.id).success || RESERVED_IDS.includes(d.id))
    problems.push(t("con-tpl-bad-id"));
  const kind = KINDS.find((k) => k === d.kind);
  if (!kind) problems.push(t("con-tpl-bad-kind"));
  for (const [field, value] of [
    ["name", d.name],
    ["description", d.description],
  ] as const)
    for (const l of ["en", "ru"] as const)
      if (!value[l]) problems.push(t("con-tpl-need-text", { field: t(`con-tpl-field-${field}`), lang: l }));
  const durations: StoredTemplate["durations"] = [];
  for (const [seconds, p] of d.prices) {
    if (!p.on) continue;
    if (!PRICE.test(p.cost) || Number(p.cost) < 1) problems.push(t("con-tpl-bad-price", { seconds }));
    else durations.push({ seconds, cost: Number(p.cost) });
  }
  if (![...d.prices.values()].some((p) => p.on)) problems.push(t("con-tpl-no-lengths"));
  // The first length and format are what the buttons preselect.
  const first = <T>(list: T[], pick: (x: T) => boolean) => [
    ...list.filter(pick),
    ...list.filter((x) => !pick(x)),
  ];
  const formats = first(
    FORMATS.filter((f) => d.formats.has(f)),
    (f) => f === d.defaultFormat,
  );
  const template: StoredTemplate = {
    id: d.id,
    kind: kind ?? "ad",
    name: d.name,
    description: d.description,
    model: d.model,
    durations: first(durations, (x) => x.seconds === d.defaultSeconds),
    formats,
    askWishes: d.askWishes,
    instructions: d.instructions,
    fallbackPrompt: d.fallbackPrompt,
    enabled: d.enabled,
  };
  if (problems.length === 0) problems.push(...templateIssues(template).map((i) => issueText(t, i)));
  return problems.length ? { problems } : { template };
}

function issueText(t: Translate, i: TemplateIssue): string {
  switch (i.kind) {
    case "unknown_model":
      return t("con-tpl-issue-unknown-model", { model: i.model });
    case "length_twice":
    case "format_twice":
      return t("con-tpl-issue-twice");
    case "length_not_rendered":
      return t("con-tpl-issue-length", { model: i.model, seconds: i.seconds, renders: i.renders.join(", ") });
    case "no_formats":
      return t("con-tpl-issue-no-formats", { model: i.model });
    case "formats_needed":
      return t("con-tpl-issue-formats-needed", { model: i.model, renders: i.renders.join(", ") });
    case "format_not_rendered":
      return t("con-tpl-issue-format", { model: i.model, format: i.format });
  }
}

function editForm(ctx: Ctx, d: Draft, o: { isNew: boolean; problems?: string[] }): Html {
  const { t } = ctx;
  const action = o.isNew ? "/console/templates/new" : `/console/templates/${d.id}`;
  const checked = (b: boolean) => (b ? html`checked` : "");
  const lengthRows = ALL_SECONDS.map((s) => {
    const p = d.prices.get(s);
    const renders = models.all.filter((m) => m.durations.includes(s)).map((m) => m.label);
    return html`<tr><td><label><input type="checkbox" name="len_${s}" ${checked(Boolean(p?.on))}> ${t("con-tpl-seconds", { seconds: s })}</label></td><td><input type="number" name="cost_${s}" value="${p?.cost ?? ""}" min="1" max="999999" step="1" aria-label="${t("con-tpl-price-of", { seconds: s })}"></td><td><label><input type="radio" name="default_len" value="${s}" ${checked(d.defaultSeconds === s)}> ${t("con-tpl-default")}</label></td><td class="muted">${renders.join(", ")}</td></tr>`;
  });
  const formatRows = FORMATS.map(
    (f: Format) =>
      html`<label><input type="checkbox" name="fmt_${f}" ${checked(d.formats.has(f))}> ${f}</label> <label><input type="radio" name="default_fmt" value="${f}" ${checked(d.defaultFormat === f)}> ${t("con-tpl-default")}</label>`,
  );
  const text = (name: string, label: string, value: string) =>
    html`<label>${label}<input type="text" name="${name}" value="${value}" required></label>`;
  return html`<form method="post" action="${action}" class="compose template">${csrfField(ctx)}
  ${problemList(o.problems)}
  ${o.isNew ? html`<label>${t("con-tpl-id")}<input type="text" name="id" value="${d.id}" pattern="[a-z0-9_-]{1,20}" maxlength="20" required><span class="muted">${t("con-tpl-id-hint")}</span></label>` : ""}
  <fieldset><legend>${t("con-tpl-name")}</legend>${text("name_en", t("con-tpl-in-en"), d.name.en)}${text("name_ru", t("con-tpl-in-ru"), d.name.ru)}</fieldset>
  <fieldset><legend>${t("con-tpl-description")}</legend>${text("description_en", t("con-tpl-in-en"), d.description.en)}${text("description_ru", t("con-tpl-in-ru"), d.description.ru)}</fieldset>
  <label>${t("con-tpl-kind")}<select name="kind">${KINDS.map((k) => html`<option value="${k}" ${d.kind === k ? html`selected` : ""}>${t(`con-tpl-kind-${k}`)}</option>`)}</select></label>
  <label>${t("con-tpl-model")}<select name="model">${models.all.map((m) => html`<option value="${m.id}" ${d.model === m.id ? html`selected` : ""}>${m.label} — ${t("con-tpl-model-renders", { lengths: m.durations.join(", "), formats: m.formats.join(", ") || t("con-tpl-photo-shape") })}</option>`)}</select></label>
  <fieldset class="lengths"><legend>${t("con-tpl-prices")}</legend><table><thead><tr><th>${t("con-tpl-length")}</th><th>${t("con-tpl-price")}</th><th></th><th>${t("con-tpl-rendered-by")}</th></tr></thead><tbody>${lengthRows}</tbody></table></fieldset>
  <fieldset><legend>${t("con-tpl-formats")}</legend>${formatRows}<span class="muted">${t("con-tpl-formats-hint")}</span></fieldset>
  <label class="check"><input type="checkbox" name="ask_wishes" ${checked(d.askWishes)}> ${t("con-tpl-ask-wishes")}</label>
  <label>${t("con-tpl-instructions")}<textarea name="instructions" rows="8">${d.instructions}</textarea></label>
  <label>${t("con-tpl-fallback")}<textarea name="fallback_prompt" rows="3">${d.fallbackPrompt}</textarea></label>
  <label class="check"><input type="checkbox" name="enabled" ${checked(d.enabled)}> ${t("con-tpl-enabled")}</label>
  <button type="submit">${o.isNew ? t("con-tpl-create") : t("con-tpl-save")}</button>
</form>`;
}

function formPage(ctx: Ctx, d: Draft, o: { isNew: boolean; problems?: string[]; updated?: string }): Reply {
  const { t } = ctx;
  const title = o.isNew ? t("con-tpl-new") : t("con-tpl-edit", { name: d.name[ctx.lang] || d.id });
  const body = html`<p><a href="/console/templates">← ${t("con-nav-templates")}</a>${o.updated ? html` · <span class="muted">${o.updated}</span>` : ""}</p><section class="card">${editForm(ctx, d, o)}</section>`;
  return page("templates", title, body, {
    status: o.problems?.length ? 422 : undefined,
    error: o.problems?.length ? t("con-tpl-refused") : undefined,
  });
}

const actor = (ctx: Ctx) => ({ via: "console" as const, adminTgId: ctx.session.adminTgId });

/** The operations' refusals, with the one the console can word in the admin's language. */
const opsProblems = (t: Translate, problems: string[]) =>
  problems.map((p) => (p === LAST_ENABLED ? t("con-tpl-last-enabled") : p));

const list: Handler = (ctx, deps) => listPage(ctx, deps);

const show: Handler = async (ctx, deps) => {
  const tpl = await deps.templates.get(ctx.params[0] ?? "");
  if (!tpl) return notFound("templates", ctx, ctx.t("con-tpl-missing"));
  return formPage(ctx, draftOf(tpl), {
    isNew: false,
    updated: ctx.t("con-tpl-updated", { at: when(tpl.updatedAt, deps.timeZone), by: tpl.updatedBy }),
  });
};

const blank: Handler = async (ctx) => formPage(ctx, BLANK, { isNew: true });

const save: Handler = async (ctx, deps) => {
  const { t } = ctx;
  const isNew = ctx.params[0] === undefined;
  const id = isNew ? (ctx.form.get("id") ?? "").trim() : (ctx.params[0] ?? "");
  const existing = await deps.templates.get(id);
  if (!isNew && !existing) return notFound("templates", ctx, t("con-tpl-missing"));
  const d = readDraft(ctx.form, id);
  if (isNew && existing) return formPage(ctx, d, { isNew, problems: [t("con-tpl-id-taken", { id })] });
  const checked = checkDraft(t, d);
  if ("problems" in checked) return formPage(ctx, d, { isNew, problems: checked.problems });
  const r = await deps.templates.save(checked.template, actor(ctx));
  if (!r.ok) return formPage(ctx, d, { isNew, problems: opsProblems(t, r.problems) });
  return redirect(`/console/templates/${id}`, isNew ? "template-created" : "template-saved");
};

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

const ID = "([a-z0-9_-]{1,20})";

export const templateRoutes: Route[] = [
  { method: "GET", path: /^\/console\/templates\/?$/, handler: list },
  { method: "GET", path: /^\/console\/templates\/export$/, handler: exportFile },
  { method: "POST", path: /^\/console\/templates\/import$/, handler: importFile },
  { method: "GET", path: /^\/console\/templates\/new$/, handler: blank },
  { method: "POST", path: /^\/console\/templates\/new$/, handler: save },
  { method: "GET", path: new RegExp(`^/console/templates/${ID}$`), handler: show },
  { method: "POST", path: new RegExp(`^/console/templates/${ID}$`), handler: save },
  { method: "POST", path: new RegExp(`^/console/templates/${ID}/enabled$`), handler: switchOnOff },
  { method: "POST", path: new RegExp(`^/console/templates/${ID}/move$`), handler: move },
];
