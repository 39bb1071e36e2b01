// A template's form: names and descriptions in both languages, the prompt writer's instructions,
// model, the lengths offered with a price each (and which is preselected), formats, on/off — to
// edit a template or create one. What the owner typed is checked here, in the admin's language,
// against the same rules as the catalogue file (src/templates: templateIssues), then saved whole
// through the template operations, which check it again; a refused form keeps what was typed.
import { FORMATS, type Format, models } from "../../models/index.ts";
import {
  type StoredTemplate,
  type TemplateIssue,
  templateIssues,
  templateSchema,
} from "../../templates/index.ts";
import { LAST_ENABLED } from "../../templates/operations.ts";
import {
  type Ctx,
  type Handler,
  notFound,
  page,
  type Reply,
  type Route,
  redirect,
  type Translate,
} from "../context.ts";
import { type Html, html } from "../html.ts";
import { csrfField, when } from "../layout.ts";

/** Every length any model renders, shortest first: the rows of a template's price table. */
const ALL_SECONDS = [...new Set(models.all.flatMap((m) => m.durations))].sort((a, b) => a - b);
const KINDS = templateSchema.shape.kind.options;
/** Ids that would name one of the pages beside the templates' own (/console/templates/new …). */
const RESERVED_IDS = ["new", "export", "import"];
/** Digits a price may have: a video costs at most 999 999 credits. */
const PRICE = /^\d{1,6}$/;

export function problemList(problems: string[] | undefined): Html {
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
  <label>${t("con-tpl-model")}<select name="model">${models.all.map((m) => html`<option value="${m.id}" ${d.model === m.id ? html`selected` : ""}>${m.label} &mdash; ${t("con-tpl-model-renders", { lengths: m.durations.join(", "), formats: m.formats.join(", ") || t("con-tpl-photo-shape") })}</option>`)}</select></label>
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
  const body = html`<p><a href="/console/templates">&larr; ${t("con-nav-templates")}</a>${o.updated ? html` · <span class="muted">${o.updated}</span>` : ""}</p><section class="card">${editForm(ctx, d, o)}</section>`;
  return page("templates", title, body, {
    status: o.problems?.length ? 422 : undefined,
    error: o.problems?.length ? t("con-tpl-refused") : undefined,
  });
}

export const actor = (ctx: Ctx) => ({ via: "console" as const, adminTgId: ctx.session.adminTgId });

/** The operations' refusals, with the one the console can word in the admin's language. */
export const opsProblems = (t: Translate, problems: string[]) =>
  problems.map((p) => (p === LAST_ENABLED ? t("con-tpl-last-enabled") : p));

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

/** Template ids: /console/templates/<id>. */
export const TEMPLATE_ID = "([a-z0-9_-]{1,20})";

export const templateFormRoutes: Route[] = [
  { method: "GET", path: /^\/console\/templates\/new$/, handler: blank },
  { method: "POST", path: /^\/console\/templates\/new$/, handler: save },
  { method: "GET", path: new RegExp(`^/console/templates/${TEMPLATE_ID}$`), handler: show },
  { method: "POST", path: new RegExp(`^/console/templates/${TEMPLATE_ID}$`), handler: save },
];
