// Model costs: what one video (or one second of video) of each kie.ai model costs the owner, in
// any currency — the other half of the margin the overview shows per template. Recorded and
// removed through the cost operations /admin and `neurocards costs` use (src/admin/costs.ts).
import { COST_LIMITS, type CostField, costText } from "../../admin/costs.ts";
import { models } from "../../models/index.ts";
import { type Ctx, type Handler, type PageDeps, page, type Route, redirect } from "../context.ts";
import { html } from "../html.ts";
import { actionButton, csrfField, when } from "../layout.ts";

interface FormValues {
  model: string;
  amount: string;
  currency: string;
  unit: string;
}

async function costsPage(
  ctx: Ctx,
  deps: PageDeps,
  o: { status?: number; error?: string; values?: FormValues } = {},
) {
  const { t } = ctx;
  const [costs, { templates }] = await Promise.all([deps.costs.list(), deps.templates.list()]);
  const priced = new Set(costs.map((c) => c.model));
  // Models the offer uses without a price: their videos show no margin yet.
  const missing = [...new Set(templates.filter((x) => x.enabled).map((x) => x.model))].filter(
    (m) => !priced.has(m),
  );
  const v = o.values ?? {
    model: missing[0] ?? models.all[0]?.id ?? "",
    amount: "",
    currency: "USD",
    unit: "video",
  };
  const form = html`<form method="post" action="/console/costs" class="credits">${csrfField(ctx)}
  <select name="model" aria-label="${t("con-tpl-model")}">${models.all.map((m) => html`<option value="${m.id}" ${v.model === m.id ? html`selected` : ""}>${m.label}</option>`)}</select>
  <input type="text" name="amount" value="${v.amount}" inputmode="decimal" required placeholder="${t("con-cost-amount")}" aria-label="${t("con-cost-amount")}" size="10">
  <input type="text" name="currency" value="${v.currency}" required maxlength="3" pattern="[A-Za-z]{3}" aria-label="${t("con-cost-currency")}" size="4">
  <select name="unit" aria-label="${t("con-cost-per")}"><option value="video" ${v.unit === "video" ? html`selected` : ""}>${t("con-cost-per-video")}</option><option value="second" ${v.unit === "second" ? html`selected` : ""}>${t("con-cost-per-second")}</option></select>
  <button type="submit">${t("con-cost-save")}</button>
</form>`;
  const body = html`<p><a href="/console/templates">&larr; ${t("con-nav-templates")}</a></p>
<section class="card"><h2>${t("con-cost-record")}</h2><p class="muted">${t("con-cost-how")}</p>${form}
${missing.length ? html`<p class="notice error">${t("con-cost-missing", { models: missing.map((m) => models.get(m)?.label ?? m).join(", "), n: missing.length })}</p>` : ""}</section>
<section class="card"><h2>${t("con-cost-recorded")}</h2>${
    costs.length === 0
      ? html`<p>${t("con-cost-none")}</p>`
      : html`<table class="costs"><thead><tr><th>${t("con-tpl-model")}</th><th class="num">${t("con-cost-amount")}</th><th>${t("con-cost-per")}</th><th>${t("con-col-time")}</th><th></th></tr></thead><tbody>${costs.map(
          (c) =>
            html`<tr data-cost="${c.model}"><td>${models.get(c.model)?.label ?? c.model} <code>${c.model}</code></td><td class="num">${costText(c)}</td><td>${t(c.unit === "second" ? "con-cost-per-second" : "con-cost-per-video")}</td><td>${when(c.updatedAt, deps.timeZone)} · ${c.updatedBy}</td><td>${actionButton(ctx, "/console/costs/remove", t("con-cost-remove"), { fields: { model: c.model }, danger: true, confirm: t("con-cost-remove-confirm", { model: c.model }) })}</td></tr>`,
        )}</tbody></table>`
  }</section>`;
  return page("templates", t("con-nav-costs"), body, { status: o.status, error: o.error });
}

const show: Handler = (ctx, deps) => costsPage(ctx, deps);

const FIELD_KEY: Record<CostField, string> = {
  model: "con-cost-bad-model",
  amount: "con-cost-bad-amount",
  currency: "con-cost-bad-currency",
  unit: "con-cost-bad-unit",
};

const record: Handler = async (ctx, deps) => {
  const values = {
    model: ctx.form.get("model") ?? "",
    amount: ctx.form.get("amount") ?? "",
    currency: ctx.form.get("currency") ?? "",
    unit: ctx.form.get("unit") ?? "",
  };
  const r = await deps.costs.set(values, { via: "console", adminTgId: ctx.session.adminTgId });
  if (!r.ok)
    return costsPage(ctx, deps, {
      status: 422,
      values,
      error: ctx.t(FIELD_KEY[r.field], { decimals: COST_LIMITS.decimals, max: COST_LIMITS.maxAmount }),
    });
  return redirect("/console/costs", "cost-saved");
};

const remove: Handler = async (ctx, deps) => {
  await deps.costs.remove(ctx.form.get("model") ?? "", { via: "console", adminTgId: ctx.session.adminTgId });
  return redirect("/console/costs", "cost-removed");
};

export const costRoutes: Route[] = [
  { method: "GET", path: /^\/console\/costs\/?$/, handler: show },
  { method: "POST", path: /^\/console\/costs$/, handler: record },
  { method: "POST", path: /^\/console\/costs\/remove$/, handler: remove },
];
