// Filters over the clusters layer, the results list beside them, and the
// CSV / GeoJSON export of what the list shows. The map follows the same
// predicate (app.js asks matches()), so list and map always agree.

import { h, download } from "./util.js";
import { colorOfStage, clusterSymbolSVG } from "./symbols.js";

const NO_REGION = "__none__";

// The target industries of a cluster, as a list (arrays in GeoJSON,
// comma-joined where a source flattened them).
export function industriesOf(p) {
  const v = p.target_industries;
  if (Array.isArray(v)) return v.map((s) => String(s).trim()).filter(Boolean);
  return v ? String(v).split(",").map((s) => s.trim()).filter(Boolean) : [];
}

// createFilters({elements, i18n, features, regions, onChange, onPick}):
// elements holds the form and its fields, the list and its count and the two
// export buttons; features are the clusters, regions slug → region feature;
// onChange() runs when the filtered set changes, onPick(feature) when a list
// item is chosen.
export function createFilters({ elements, i18n, features, regions, onChange = () => {}, onPick = () => {} }) {
  const { t, label, num, lang, codesOf, onLangChange } = i18n;
  const { form, stage: fStage, kind: fKind, region: fRegion, industry: fIndustry, minFree: fMinFree, list, count, exportCSV: csvButton, exportGeoJSON: geojsonButton } = elements;

  function matches(f) {
    const p = f.properties;
    if (fStage.value && p.status !== fStage.value) return false;
    if (fKind.value && p.kind !== fKind.value) return false;
    if (fRegion.value === NO_REGION ? p.region : fRegion.value && p.region !== fRegion.value) return false;
    if (fIndustry.value && !industriesOf(p).includes(fIndustry.value)) return false;
    const min = parseFloat(fMinFree.value);
    // A cluster with no reported free land cannot promise any.
    if (min > 0 && !(p.free_land_ha >= min)) return false;
    return true;
  }

  function setRegion(slug) {
    fRegion.value = slug;
    update();
  }

  function update() {
    renderList();
    onChange();
  }

  function regionName(slug) {
    const r = regions.get(slug);
    if (!r) return slug;
    return lang() === "en" ? r.properties.name_en || r.properties.name_vi : r.properties.name_vi;
  }

  // (Re)fills the selects in the current language, keeping the chosen values.
  function fillOptions() {
    const fill = (select, entries) => {
      const keep = select.value;
      select.replaceChildren(h("option", { value: "" }, t("filters.all")), ...entries.map(([v, text]) => h("option", { value: v }, text)));
      select.value = entries.some(([v]) => v === keep) ? keep : "";
    };
    fill(fStage, codesOf("stage").map((s) => [s, label("stage", s)]));
    fill(fKind, codesOf("cluster_kind").map((k) => [k, label("cluster_kind", k)]));
    fill(fRegion, [...[...regions.keys()].map((slug) => [slug, regionName(slug)]), [NO_REGION, t("filters.noRegion")]]);
    const industries = [...new Set(features.flatMap((f) => industriesOf(f.properties)))].sort((a, b) => a.localeCompare(b, "vi"));
    fill(fIndustry, industries.map((s) => [s, s]));
  }

  function filtered() {
    return features.filter(matches);
  }

  function renderList() {
    const shown = filtered().sort((a, b) => String(a.properties.name).localeCompare(String(b.properties.name), "vi"));
    count.textContent = t("results.count", { n: shown.length, total: features.length });
    if (!shown.length) {
      list.replaceChildren(h("li", { class: "empty" }, t("results.empty")));
      return;
    }
    list.replaceChildren(...shown.map((f) => {
      const p = f.properties;
      const symbol = h("span", { class: "list-symbol", "aria-hidden": "true" });
      symbol.innerHTML = clusterSymbolSVG(p.kind, p.status, p.geometry_quality === "indicative", 16);
      const meta = [label("stage", p.status), p.district, p.free_land_ha != null ? t("results.free", { ha: t("units.ha", { n: num(p.free_land_ha, 1) }) }) : null]
        .filter(Boolean).join(" · ");
      return h("li", { dataset: { id: String(f.id) } },
        h("button", { type: "button", onclick: () => onPick(f) },
          symbol,
          h("span", { class: "list-text" }, h("span", { class: "list-name" }, p.name), h("span", { class: "list-meta", style: `--stage:${colorOfStage(p.status)}` }, meta))));
    }));
  }

  // --- export --------------------------------------------------------------------

  const CSV_FIELDS = [
    "name", "kind", "status", "district", "district_code", "commune", "region", "planned_area_ha", "established_area_ha",
    "industrial_land_ha", "leased_land_ha", "occupancy_pct", "free_land_ha", "investor", "target_industries",
    "decision_number", "decision_date", "road_status", "water_status", "wastewater_status", "power_status", "contact",
    "investment_vnd_bn", "geometry_quality", "placement", "notes", "sources",
  ];

  function csvCell(v) {
    if (v == null) return "";
    if (Array.isArray(v)) v = v.join("; ");
    const s = String(v);
    return /[",;\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  function stamp() {
    return new Date().toISOString().slice(0, 10);
  }

  function exportCSV() {
    const rows = [["id", ...CSV_FIELDS, "lon", "lat"].join(",")];
    for (const f of filtered()) {
      const c = f.properties.__anchor || [null, null];
      rows.push([f.id, ...CSV_FIELDS.map((k) => f.properties[k]), c[0], c[1]].map(csvCell).join(","));
    }
    // The byte-order mark makes spreadsheet programs read the Vietnamese as UTF-8.
    download(`clustermap-clusters-${stamp()}.csv`, "text/csv;charset=utf-8", "\uFEFF" + rows.join("\r\n") + "\r\n");
  }

  function exportGeoJSON() {
    const clean = (p) => Object.fromEntries(Object.entries(p).filter(([k]) => !k.startsWith("__")));
    const fc = {
      type: "FeatureCollection",
      features: filtered().map((f) => ({ type: "Feature", id: f.id, geometry: f.geometry, properties: clean(f.properties) })),
    };
    download(`clustermap-clusters-${stamp()}.geojson`, "application/geo+json", JSON.stringify(fc));
  }

  fillOptions();
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", (e) => e.preventDefault());
  form.addEventListener("reset", () => setTimeout(update, 0));
  csvButton.addEventListener("click", exportCSV);
  geojsonButton.addEventListener("click", exportGeoJSON);
  onLangChange(() => {
    fillOptions();
    renderList();
  });
  renderList();

  return { matches, setRegion, filtered };
}
