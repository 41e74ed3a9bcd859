// The Decree 32/2024 answer for a drawn or proposed boundary (POST
// /api/eligibility, GET /api/proposals/{id}/eligibility), worded in the
// interface language from each condition's id and values — the server's
// reasons are English and name districts by code, so they are never shown
// where a wording exists. The conditions an existing cluster or district also
// has (occupancy, infrastructure, the district's clusters) are worded by the
// public panel's module (../eligibility.js), so both screens say the same; a
// condition neither knows keeps the server's own wording. Districts are named,
// never given by code alone, and missing data says what to enter.

import { h } from "../util.js";
import { createEligibility } from "../eligibility.js";

const ICON = { yes: "✓", no: "✗", unknown: "?", not_applicable: "–" };

// nameOf names a district by its name, never by its code alone.
const nameOf = (ctx, code) => (ctx.state && ctx.state.districtNames.get(String(code))) || String(code);

const OWN = ["size", "no_overlap", "inside_district", "district"];

function ruleOf(c, ctx, pub) {
  if (OWN.includes(c.id)) return ctx.t(`elig.cond.${c.id}`);
  return pub.words(c).rule || c.rule;
}

function reasonOf(c, answer, ctx, pub) {
  const { t, i18n } = ctx;
  const v = c.values || {};
  switch (c.id) {
    case "size":
      return t("elig.reason.size", { ha: i18n.num(v.area_ha, 2) });
    case "no_overlap":
      return c.verdict === "yes" ? t("elig.reason.no_overlap.ok") : t("elig.reason.no_overlap.bad", { n: (v.overlaps || []).length });
    case "inside_district":
      if (v.district_code == null) return t("elig.reason.inside.none");
      return c.verdict === "yes" ? t("elig.reason.inside.ok", { d: nameOf(ctx, v.district_code) }) : t("elig.reason.inside.bad", { ha: i18n.num(v.outside_ha, 2), d: nameOf(ctx, v.district_code) });
    case "district": {
      // The district's own answer: its established clusters' occupancy or unleased land.
      const existing = ((answer.district_eligibility || {}).conditions || []).find((x) => x.id === "existing_clusters");
      return existing ? pub.words(existing).reason : c.reason;
    }
  }
  return pub.words(c).reason || c.reason;
}

// nextStep says what to do about data a condition lacks.
function nextStep(c, ctx, pub) {
  const missing = c.missing || [];
  if (!missing.length) return null;
  return h("span", { class: "ws-next" }, " ", ctx.t("elig.next", { what: missing.map(pub.missingName).join("; ") }));
}

// errorsOf: the boundary's geometric errors, worded from the conditions' values.
function errorsOf(conds, ctx) {
  const { t, i18n } = ctx;
  const out = [];
  for (const c of conds) {
    const v = c.values || {};
    if (c.id === "no_overlap") for (const o of v.overlaps || []) out.push(t("elig.err.overlap", { name: o.name, ha: i18n.num(o.overlap_ha, 2) }));
    if (c.id === "inside_district" && c.verdict === "no") out.push(reasonOf(c, {}, ctx, null));
  }
  return out;
}

// renderEligibility(answer) → elements: verdict, area, inside-district status, conditions, errors, context.
export function renderEligibility(answer, ctx) {
  const { t, i18n } = ctx;
  const pub = createEligibility(i18n);
  const conds = answer.conditions || [];
  const inside = conds.find((c) => c.id === "inside_district");
  let insideText = "";
  if (inside) {
    const v = inside.values || {};
    insideText = v.district_code == null ? t("draw.noDistrict") : inside.verdict === "yes" ? `${t("draw.inside")} ${nameOf(ctx, v.district_code)}` : t("draw.outside", { ha: i18n.num(v.outside_ha, 2) });
  }
  const errors = errorsOf(conds, ctx);
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
      h("strong", {}, ruleOf(c, ctx, pub)),
      h("span", { class: "visually-hidden" }, ` (${t(`elig.verdict.${c.verdict}`)})`),
      h("br"), h("span", { class: "ws-reason" }, reasonOf(c, answer, ctx, pub)), nextStep(c, ctx, pub)))),
    errors.length ? h("div", { class: "ws-elig-errors", role: "alert", id: "ws-elig-errors" }, h("strong", {}, t("elig.errors")), h("ul", {}, errors.map((e) => h("li", {}, e)))) : null,
    zone || road ? h("p", { class: "note" }, zone ? t("elig.zone", { name: zone.name, km: i18n.num(zone.distance_km, 1) }) : "", zone && road ? " · " : "", road ? t("elig.road", { name: road.ref || road.name, km: i18n.num(road.distance_km, 1) }) : "") : null,
  ].filter(Boolean);
}
