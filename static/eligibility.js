// Decree 32/2024 eligibility in the feature panel: may a cluster expand
// (GET /api/clusters/{id}/eligibility), may a district found a new cluster
// (GET /api/districts/{code}/eligibility). The server decides every verdict;
// this module words each condition in the interface language from the
// condition's id and values (the server's reasons are English only), and names
// the data a condition lacks. A condition this module does not know is shown
// with the server's own wording, so a new rule never disappears from the panel.

import { h } from "./util.js";

// createEligibility(i18n) → {expansionSection, foundingSection}, worded in
// the language of i18n.
export function createEligibility(i18n) {
  const { t, label, num, lang } = i18n;
  const VERDICT_ICON = { yes: "✓", no: "✗", unknown: "?", not_applicable: "–" };

  function ha(n, digits = 2) {
    return t("units.ha", { n: num(n, digits) });
  }

  function pct(n) {
    return `${num(n, 2)} %`;
  }

  // The server names missing data in English, tied to column names; these are
  // the names a planner reads. Unknown strings are shown as the server wrote them.
  const MISSING_KEYS = [
    [/^occupancy of every established/, "missing.districtOccupancy"],
    [/^leased and industrial land of every/, "missing.districtUnleased"],
    [/^occupancy \(/, "missing.occupancy"],
    [/^demand for industrial land/, "missing.demand"],
    [/^road_status$/, "missing.road_status"],
    [/^water_status$/, "missing.water_status"],
    [/^wastewater_status$/, "missing.wastewater_status"],
    [/^area \(/, "missing.area"],
  ];

  function missingName(s) {
    if (lang() === "en") return s;
    const hit = MISSING_KEYS.find(([re]) => re.test(s));
    return hit ? t(hit[1]) : s;
  }

  function basisName(basis) {
    return basis ? t(`elig.basis.${basis}`) : "";
  }

  // A loading section, filled when load() resolves; the panel re-renders on a
  // language change and calls this again with the cached promise.
  function asyncSection(id, heading, load, fill) {
    const body = h("div", { class: "elig-body" }, h("p", { class: "panel-loading" }, t("elig.loading")));
    const sec = h("section", { class: "panel-section eligibility", id, "aria-busy": "true" }, h("h3", {}, heading), body);
    load().then((answer) => {
      sec.removeAttribute("aria-busy");
      body.replaceChildren(...fill(answer, sec).filter(Boolean));
    }).catch((err) => {
      sec.removeAttribute("aria-busy");
      sec.dataset.verdict = "error";
      body.replaceChildren(h("p", { class: "panel-error" }, t("elig.error")));
      console.warn("eligibility:", err.message);
    });
    return sec;
  }

  function verdictBlock(kind, verdict, extra) {
    return h("div", { class: `verdict verdict-${verdict}`, dataset: { verdict } },
      h("span", { class: "verdict-icon", "aria-hidden": "true" }, VERDICT_ICON[verdict] || "?"),
      h("div", {},
        h("strong", { class: "verdict-text" }, t(`${kind}.verdict.${verdict}`)),
        extra ? h("span", { class: "verdict-extra" }, extra) : null));
  }

  // One condition: the rule, its verdict, the reason and the data it lacks.
  function conditionItem(c, rule, reason) {
    const missing = (c.missing || []).map(missingName);
    return h("li", { class: `condition verdict-${c.verdict}`, dataset: { condition: c.id, verdict: c.verdict } },
      h("span", { class: "verdict-icon", "aria-hidden": "true" }, VERDICT_ICON[c.verdict] || "?"),
      h("div", {},
        h("span", { class: "rule" }, rule || c.rule),
        " ",
        h("span", { class: "cond-verdict" }, `(${t(`elig.cond.${c.verdict}`) || c.verdict})`),
        h("p", { class: "reason" }, reason || c.reason),
        missing.length ? h("div", { class: "missing" }, h("span", {}, t("elig.missing")), h("ul", {}, missing.map((m) => h("li", {}, m)))) : null));
  }

  function notCheckedList(items) {
    if (!items || !items.length) return null;
    return h("div", { class: "not-checked" },
      h("p", {}, t("elig.notChecked")),
      h("ul", {}, items.map((c) => h("li", { dataset: { condition: c.id } }, h("span", { class: "rule" }, c.rule), ": ", c.reason))));
  }

  function ruleLinks(sources) {
    const rules = (sources && sources.rules) || [];
    if (!rules.length) return null;
    return h("details", { class: "rule-sources" }, h("summary", {}, t("elig.rules")),
      h("ul", { class: "rule-links" }, rules.map((r) => h("li", {}, h("a", { href: r.url, target: "_blank", rel: "noopener noreferrer" }, (lang() === "vi" && r.title_vi) || r.title)))));
  }

  // --- may the cluster expand? ---------------------------------------------------------

  function clusterRule(c) {
    const v = c.values || {};
    switch (c.id) {
      case "occupancy": return t("elig.rule.occupancy", { pct: num(v.threshold_pct ?? 60, 0) });
      case "total_area": return t("elig.rule.total_area", { max: num(v.max_ha ?? 75, 0) });
      case "roads": case "water": case "wastewater": case "investor": case "land_fund":
        return t(`elig.rule.${c.id}`);
    }
    return null; // the server's wording
  }

  function clusterReason(c) {
    const v = c.values || {};
    switch (c.id) {
      case "occupancy": {
        const min = num(v.threshold_pct ?? 60, 0);
        if (v.occupancy_pct == null) return t("elig.occ.none");
        const basis = v.occupancy_basis === "occupancy_pct" || v.leased_land_ha == null || v.industrial_land_ha == null
          ? t("elig.occ.stated")
          : t("elig.occ.leased", { leased: num(v.leased_land_ha, 2), ind: num(v.industrial_land_ha, 2) });
        // How old the figure is: a verdict on an old occupancy says so.
        const age = v.occupancy_as_of ? t("elig.occ.asOf", { d: v.occupancy_as_of }) : t("elig.occ.undated");
        return `${t(c.verdict === "yes" ? "elig.occ.yes" : "elig.occ.below", { pct: num(v.occupancy_pct, 2), basis, min })} ${age}`;
      }
      case "roads": case "water": case "wastewater": {
        const status = v[{ roads: "road_status", water: "water_status", wastewater: "wastewater_status" }[c.id]];
        return status ? t("elig.infra.status", { status: label("infra_status", status) }) : t("elig.infra.none");
      }
      case "investor":
        if (v.investor) return t("elig.inv.named", { investor: v.investor });
        return t(c.verdict === "yes" ? "elig.inv.implied" : "elig.inv.none", { stage: label("stage", v.status) });
      case "total_area": {
        if (v.area_ha == null) return t("elig.area.none");
        const args = { area: num(v.area_ha, 2), basis: basisName(v.area_basis), max: num(v.max_ha ?? 75, 0), room: num(v.room_ha, 2) };
        if (v.add_ha != null) return t("elig.area.add", { ...args, add: num(v.add_ha, 2), total: num(v.total_after_ha, 2) });
        return t(c.verdict === "yes" ? "elig.area.room" : "elig.area.full", args);
      }
      case "land_fund": return t("elig.why.land_fund");
    }
    return null;
  }

  function sizeBlock(s) {
    if (!s) return null;
    const args = { area: s.area_ha != null ? num(s.area_ha, 2) : "", basis: basisName(s.area_basis), min: num(s.min_ha, 0), max: num(s.max_ha, 0) };
    let text = t(`elig.size.${s.verdict}`, args);
    if (s.verdict === "outside" && s.area_ha >= 5 && s.area_ha < s.min_ha) text += " " + t("elig.size.mountain", { min68: num(5, 0) });
    const flag = s.flagged === true ? h("span", { class: "badge flag" }, t("elig.size.flag"))
      : s.flagged === false ? h("span", { class: "badge ok" }, t("elig.size.ok")) : null;
    return h("div", { class: "size-check", id: "size-check", dataset: { verdict: s.verdict, flagged: String(s.flagged) } },
      h("strong", {}, `${t("elig.size")}: `), flag, " ", h("span", { class: "size-reason" }, text));
  }

  function fillExpansion(e, sec) {
    sec.dataset.verdict = e.verdict;
    const conds = e.conditions || [];
    if (e.verdict === "not_applicable") {
      const name = (e.cluster && e.cluster.name) || "";
      return [
        verdictBlock("elig", e.verdict),
        h("p", { class: "reason" }, t("elig.notApplicable", { name, kind: label("cluster_kind", e.cluster && e.cluster.kind) })),
        sizeBlock(e.size),
        ruleLinks(e.sources),
      ];
    }
    const missing = (e.missing || []).length;
    return [
      verdictBlock("elig", e.verdict, missing ? t("elig.missingCount", { n: missing }) : null),
      h("ul", { class: "conditions" }, conds.map((c) => conditionItem(c, clusterRule(c), clusterReason(c)))),
      notCheckedList((e.not_checked || []).map((c) => ({ ...c, rule: clusterRule(c) || c.rule, reason: clusterReason(c) || c.reason }))),
      sizeBlock(e.size),
      ruleLinks(e.sources),
    ];
  }

  // The expansion section of a cluster panel; load() returns the answer.
  function expansionSection(load) {
    return asyncSection("eligibility", t("elig.title"), load, fillExpansion);
  }

  // --- may the district found a new cluster? -------------------------------------------

  function rangeWord(v, word, limit) {
    return t(`found.range.${v === "yes" || v === "no" ? v : "unknown"}`, { word, limit });
  }

  function existingReason(c) {
    const v = c.values || {};
    const n = v.established_ccns || 0;
    if (!n) return t("found.none");
    const occMin = `${num(v.threshold_occupancy_pct ?? 50, 0)} %`;
    const unlMax = ha(v.threshold_unleased_ha ?? 100, 0);
    const parts = [];
    if (v.average_occupancy_pct != null) {
      parts.push(t("found.occ.known", { n, avg: num(v.average_occupancy_pct, 2), cmp: t(v.occupancy_verdict === "yes" ? "found.above" : "found.notAbove"), min: num(v.threshold_occupancy_pct ?? 50, 0) }));
    } else if (Array.isArray(v.average_occupancy_range_pct)) {
      const [lo, hi] = v.average_occupancy_range_pct;
      parts.push(t("found.occ.range", { k: v.with_occupancy, n, lo: num(lo, 2), hi: num(hi, 2), cmp: rangeWord(v.occupancy_verdict, t("found.above"), occMin) }));
    }
    if (v.unleased_ha != null) {
      parts.push(t("found.unl.known", { ha: num(v.unleased_ha, 2), cmp: t(v.unleased_verdict === "yes" ? "found.atMost" : "found.moreThan"), max: num(v.threshold_unleased_ha ?? 100, 0) }));
    } else if (Array.isArray(v.unleased_range_ha)) {
      const [lo, hi] = v.unleased_range_ha;
      parts.push(t("found.unl.range", { k: v.with_unleased_land, n, lo: num(lo, 2), hi: hi != null ? ha(hi) : t("found.unl.noUpper"), cmp: rangeWord(v.unleased_verdict, t("found.atMost"), unlMax) }));
    }
    const s = parts.join("; ");
    return s.charAt(0).toUpperCase() + s.slice(1) + ".";
  }

  function districtRule(c) {
    const v = c.values || {};
    if (c.id === "existing_clusters") return t("found.rule.existing_clusters", { occ: num(v.threshold_occupancy_pct ?? 50, 0), unl: num(v.threshold_unleased_ha ?? 100, 0) });
    if (["provincial_list", "investor", "land_fund"].includes(c.id)) return t(`found.rule.${c.id}`);
    return null;
  }

  function districtNotCheckedReason(c, clusters) {
    if (c.id === "provincial_list") {
      const planned = clusters.filter((k) => k.kind === "ccn" && !k.counted).map((k) => `${k.name} (${label("stage", k.status)})`);
      return [t("found.why.provincial_list"), planned.length ? t("found.why.provincialHint", { names: planned.join("; ") }) : null].filter(Boolean).join(" ");
    }
    if (c.id === "investor" || c.id === "land_fund") return t(`found.why.${c.id}`);
    return null;
  }

  function districtClusters(list, ctx) {
    if (!list || !list.length) return h("p", { class: "unknown" }, t("found.noClusters"));
    return h("ul", { class: "district-clusters" }, list.map((c) => {
      const why = c.counted ? t("found.counted") : c.kind !== "ccn" ? t("found.notCountedKind", { kind: String(c.kind).toUpperCase() }) : t("found.notCountedStage");
      const occ = c.occupancy_pct != null
        ? ` · ${t("panel.occupancy")} ${pct(c.occupancy_pct)}${c.occupancy_as_of ? ` (${t("panel.asOf", { d: c.occupancy_as_of })})` : ""}`
        : "";
      const inferred = c.district_basis === "inferred" ? ` · ${t("panel.districtInferred")}` : "";
      return h("li", { dataset: { id: String(c.id), counted: String(c.counted) } },
        h("button", { type: "button", class: "link", onclick: () => ctx.select("clusters", c.id, { fly: true }) }, c.name),
        h("span", { class: "list-meta" }, ` — ${label("stage", c.status)} · ${why}${occ}${inferred}`));
    }));
  }

  function fillFounding(e, sec, ctx) {
    sec.dataset.verdict = e.verdict;
    const clusters = e.clusters || [];
    const missing = (e.missing || []).length;
    return [
      verdictBlock("found", e.verdict, missing ? t("elig.missingCount", { n: missing }) : null),
      // Which units the answer is about: the districts before 1 July 2025.
      e.units ? h("p", { class: "note founding-units" }, lang() === "en" ? e.units.en : e.units.vi) : null,
      h("ul", { class: "conditions" }, (e.conditions || []).map((c) => conditionItem(c, districtRule(c), c.id === "existing_clusters" ? existingReason(c) : null))),
      notCheckedList((e.not_checked || []).map((c) => ({ ...c, rule: districtRule(c) || c.rule, reason: districtNotCheckedReason(c, clusters) || c.reason }))),
      h("h4", {}, t("found.clusters")),
      districtClusters(clusters, ctx),
      ruleLinks(e.sources),
    ];
  }

  // The founding section of a district panel.
  function foundingSection(load, ctx) {
    return asyncSection("founding", t("found.title"), load, (e, sec) => fillFounding(e, sec, ctx));
  }

  // words(c) → {rule, reason} of one condition in the interface language (null where this
  // module does not know the condition); missingName(s) names a lacking datum. The workspace
  // words its check of a drawn boundary with these.
  function words(c) {
    return { rule: clusterRule(c) || districtRule(c), reason: clusterReason(c) || (c.id === "existing_clusters" ? existingReason(c) : null) };
  }

  return { expansionSection, foundingSection, words, missingName };
}
