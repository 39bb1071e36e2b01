// Promo codes: every code with how it stands (active, off, expired, used up), its uses and the
// bot's deep link; a new code (typed or generated) and switching one off or on. The rules and
// limits are src/promo's operations, shared with /admin and `neurocards promo`.
import type { PromoCode } from "../../db/types.ts";
import { generatePromoCode, PROMO_LIMITS, promoLink } from "../../promo/limits.ts";
import { type PromoDraft, type PromoField, promoState } from "../../promo/operations.ts";
import { type Ctx, type Handler, type PageDeps, page, type Route, redirect } from "../context.ts";
import { type Html, html } from "../html.ts";
import { actionButton, csrfField, when } from "../layout.ts";
import { PAGE_ROWS } from "../limits.ts";

/** A generated code that happens to exist already is drawn again, this many times at most. */
const GENERATE_ATTEMPTS = 5;

const STATE_BADGE = { active: "ok", disabled: "bad", expired: "warn", used_up: "warn" } as const;

interface FormValues {
  code: string;
  credits: string;
  uses: string;
  days: string;
  note: string;
}

const EMPTY: FormValues = { code: "", credits: "", uses: "", days: "", note: "" };

function createForm(ctx: Ctx, v: FormValues): Html {
  const { t } = ctx;
  return html`<form method="post" action="/console/promos" class="compose promo">${csrfField(ctx)}
  <label>${t("con-promo-code")}<input type="text" name="code" value="${v.code}" maxlength="${PROMO_LIMITS.codeMax}" pattern="[A-Za-z0-9_-]*" placeholder="${t("con-promo-code-hint")}" autocapitalize="characters"></label>
  <label>${t("con-promo-credits")}<input type="number" name="credits" value="${v.credits}" min="1" max="${PROMO_LIMITS.maxCredits}" step="1" required></label>
  <label>${t("con-promo-uses")}<input type="number" name="uses" value="${v.uses}" min="1" max="${PROMO_LIMITS.maxUses}" step="1" placeholder="${t("con-promo-uses-hint")}"></label>
  <label>${t("con-promo-days")}<input type="number" name="days" value="${v.days}" min="1" max="${PROMO_LIMITS.maxDays}" step="1" placeholder="${t("con-promo-days-hint")}"></label>
  <label>${t("con-promo-note")}<input type="text" name="note" value="${v.note}" maxlength="${PROMO_LIMITS.maxNote}" placeholder="${t("con-promo-note-hint")}"></label>
  <button type="submit">${t("con-promo-create")}</button>
</form>`;
}

function row(ctx: Ctx, deps: PageDeps, p: PromoCode, bot: string | null, at: Date): Html {
  const { t } = ctx;
  const state = promoState(p, at);
  const left = p.maxUses === null ? "∞" : String(Math.max(0, p.maxUses - p.uses));
  const toggle = p.disabledAt
    ? actionButton(ctx, `/console/promos/${p.code}/enable`, t("con-promo-enable"))
    : actionButton(ctx, `/console/promos/${p.code}/disable`, t("con-promo-disable"), {
        danger: true,
        confirm: t("con-promo-disable-confirm", { code: p.code }),
      });
  const link = bot ? promoLink(bot, p.code) : null;
  return html`<tr data-promo="${p.code}"><td><code>${p.code}</code>${p.note ? html`<br><span class="muted">${p.note}</span>` : ""}</td><td class="num">+${p.credits}</td><td><span class="badge ${STATE_BADGE[state]}" data-state="${state}">${t(`con-promo-state-${state}`)}</span></td><td class="num" data-redemptions>${p.uses}</td><td class="num" data-left>${left}</td><td>${p.expiresAt ? when(p.expiresAt, deps.timeZone) : t("con-promo-no-expiry")}</td><td>${link ? html`<a href="${link}" rel="noopener noreferrer" class="deeplink">${link}</a>` : html`<code>/promo ${p.code}</code>`}</td><td>${toggle}</td></tr>`;
}

async function listPage(
  ctx: Ctx,
  deps: PageDeps,
  o: { status?: number; error?: string; values?: FormValues } = {},
): Promise<ReturnType<typeof page>> {
  const { t } = ctx;
  const offsetParam = Number(ctx.url.searchParams.get("offset") ?? 0);
  const offset = Number.isSafeInteger(offsetParam) && offsetParam > 0 ? offsetParam : 0;
  const [codes, bot] = await Promise.all([
    deps.promos.list({ limit: PAGE_ROWS, offset }),
    deps.botUsername().catch(() => null),
  ]);
  const at = deps.now();
  const body = html`<section class="card"><h2>${t("con-promo-new")}</h2>${createForm(ctx, o.values ?? EMPTY)}</section>
<section class="card"><h2>${t("con-promo-list")}</h2>
<p class="muted">${t("con-promo-how")}</p>
${
  codes.length === 0
    ? html`<p>${t("con-promo-none")}</p>`
    : html`<table class="promos"><thead><tr><th>${t("con-promo-code")}</th><th class="num">${t("con-col-credits")}</th><th>${t("con-col-status")}</th><th class="num">${t("con-promo-redemptions")}</th><th class="num">${t("con-promo-left")}</th><th>${t("con-promo-until")}</th><th>${t("con-promo-link")}</th><th></th></tr></thead><tbody>${codes.map(
        (p) => row(ctx, deps, p, bot, at),
      )}</tbody></table>${codes.length === PAGE_ROWS ? html`<p><a href="/console/promos?offset=${offset + PAGE_ROWS}">${t("con-older")}</a></p>` : ""}`
}</section>`;
  return page("promos", t("con-nav-promos"), body, { status: o.status, error: o.error });
}

const list: Handler = (ctx, deps) => listPage(ctx, deps);

/** A whole number typed in a field, null for an empty field, NaN for anything else. */
function wholeOrEmpty(text: string): number | null {
  if (text === "") return null;
  return /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
}

const create: Handler = async (ctx, deps) => {
  const { t, form } = ctx;
  const values: FormValues = {
    code: (form.get("code") ?? "").trim(),
    credits: (form.get("credits") ?? "").trim(),
    uses: (form.get("uses") ?? "").trim(),
    days: (form.get("days") ?? "").trim(),
    note: (form.get("note") ?? "").trim(),
  };
  const refuse = (field: PromoField | "exists", code = values.code) =>
    listPage(ctx, deps, {
      status: 422,
      values,
      error: t(`con-promo-bad-${field}`, {
        code,
        maxCredits: PROMO_LIMITS.maxCredits,
        maxUses: PROMO_LIMITS.maxUses,
        maxDays: PROMO_LIMITS.maxDays,
        maxNote: PROMO_LIMITS.maxNote,
      }),
    });
  const credits = wholeOrEmpty(values.credits);
  const uses = wholeOrEmpty(values.uses);
  const days = wholeOrEmpty(values.days);
  if (credits === null || Number.isNaN(credits)) return refuse("credits");
  if (Number.isNaN(uses)) return refuse("uses");
  if (Number.isNaN(days)) return refuse("expiry");
  const draft = (code: string): PromoDraft => ({ code, credits, maxUses: uses, days, note: values.note });
  const actor = { via: "console" as const, adminTgId: ctx.session.adminTgId };
  let r = await deps.promos.create(draft(values.code || generatePromoCode()), actor);
  for (let i = 1; !values.code && !r.ok && r.field === "exists" && i < GENERATE_ATTEMPTS; i++)
    r = await deps.promos.create(draft(generatePromoCode()), actor);
  if (!r.ok) return refuse(r.field, r.field === "exists" ? r.existing.code : values.code);
  return redirect("/console/promos", "promo-created");
};

const toggle =
  (disable: boolean): Handler =>
  async (ctx, deps) => {
    const actor = { via: "console" as const, adminTgId: ctx.session.adminTgId };
    const code = ctx.params[0] ?? "";
    const p = disable ? await deps.promos.disable(code, actor) : await deps.promos.enable(code, actor);
    if (!p) return listPage(ctx, deps, { status: 404, error: ctx.t("con-promo-missing", { code }) });
    return redirect("/console/promos", disable ? "promo-disabled" : "promo-enabled");
  };

export const promoRoutes: Route[] = [
  { method: "GET", path: /^\/console\/promos\/?$/, handler: list },
  { method: "POST", path: /^\/console\/promos$/, handler: create },
  { method: "POST", path: /^\/console\/promos\/([A-Za-z0-9_-]{1,32})\/disable$/, handler: toggle(true) },
  { method: "POST", path: /^\/console\/promos\/([A-Za-z0-9_-]{1,32})\/enable$/, handler: toggle(false) },
];
