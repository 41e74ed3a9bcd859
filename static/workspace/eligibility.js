// The Decree 32/2024 answer for a drawn or proposed boundary (POST
// /api/eligibility, GET /api/proposals/{id}/eligibility), worded in the
// interface language from each condition's id and values; a condition this
// module does not know keeps the server's own wording.

import { h } from "../util.js";

const ICON = { yes: "✓", no: "✗", unknown: "?", not_applicable: "–" };

// nameOf names a district by its name, never by its code alone.
const nameOf = (ctx, code) => (ctx.state && ctx.state.districtNames.get(String(code))) || String(code);

function reasonOf(c, ctx) {
  const { t, i18n } = ctx;
  const v = c.values || {};
  if (i18n.lang() === "en") return c.reason;
  switch (c.id) {
    case "size":
      return t("elig.reason.size", { ha: i18n.num(v.area_ha, 2) });
    case "no_overlap":
      return c.verdict === "yes" ? t("elig.reason.no_overlap.ok") : t("elig.reason.no_overlap.bad", { n: (v.overlaps || []).length });
    case "inside_district":
      if (v.district_code == null) return t("elig.reason.inside.none");
      return c.verdict === "yes" ? t("elig.reason.inside.ok", { d: nameOf(ctx, v.district_code) }) : t("elig.reason.inside.bad", { ha: i18n.num(v.outside_ha, 2), d: nameOf(ctx, v.district_code) });
    default:
      return c.reason;
  }
}

// renderEligibility(answer) → elements: verdict, area, inside-district status, conditions, errors, context.
export function renderEligibility(answer, ctx) {
  const { t, i18n } = ctx;
  const conds = answer.conditions || [];
  const inside = conds.find((c) => c.id === "inside_district");
  let insideText = "";
  if (inside) {
    const v = inside.values || {};
    insideText = v.district_code == null ? t("draw.noDistrict") : inside.verdict === "yes" ? `${t("draw.inside")} ${nameOf(ctx, v.district_code)}` : t("draw.outside", { ha: i18n.num(v.outside_ha, 2) });
  }
  const zone = ((answer.context || {}).raw_material_zones || [])[0];
  const road = ((answer.context || {}).national_highways || [])[0];
  return [
    h("p", { class: `ws-verdict verdict-${answer.verdict}`, id: "ws-verdict", dataset: { verdict: answer.verdict } }, `${ICON[answer.verdict] || ""} ${t(`elig.verdict.${answer.verdict}`)}`),
    h("dl", { class: "ws-measures" },
      h("dt", {}, t("draw.area")), h("dd", { id: "ws-area", dataset: { ha: answer.area_ha } }, `${i18n.num(answer.area_ha, 2)} ha`),
      inside ? h("dt", {}, t("elig.cond.inside_district")) : null,
      inside ? h("dd", { id: "ws-inside", dataset: { inside: inside.verdict } }, insideText) : null),
    h("h4", {}, t("elig.title")),
    h("ul", { class: "ws-conditions" }, conds.map((c) => h("li", { class: `verdict-${c.verdict}`, dataset: { cond: c.id, verdict: c.verdict } },
      h("span", { class: "ws-icon", "aria-hidden": "true" }, ICON[c.verdict] || ""), " ",
      h("strong", {}, ["size", "no_overlap", "inside_district", "district"].includes(c.id) && i18n.lang() === "vi" ? t(`elig.cond.${c.id}`) : c.rule),
      h("span", { class: "visually-hidden" }, ` (${t(`elig.verdict.${c.verdict}`)})`),
      h("br"), h("span", { class: "ws-reason" }, reasonOf(c, ctx))))),
    (answer.errors || []).length ? h("div", { class: "ws-elig-errors", role: "alert", id: "ws-elig-errors" }, h("strong", {}, t("elig.errors")), h("ul", {}, answer.errors.map((e) => h("li", {}, e)))) : null,
    zone || road ? h("p", { class: "note" }, zone ? t("elig.zone", { name: zone.name, km: i18n.num(zone.distance_km, 1) }) : "", zone && road ? " · " : "", road ? t("elig.road", { name: road.ref || road.name, km: i18n.num(road.distance_km, 1) }) : "") : null,
  ].filter(Boolean);
}
