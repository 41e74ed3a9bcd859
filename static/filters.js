// Filters over the clusters layer, the results list beside them, and the
// CSV / GeoJSON export of what the list shows. The map follows the same
// predicate (app.js asks matches()), so list and map always agree.

import { h, download } from "./util.js";
import { colorOfStage, clusterSymbolSVG } from "./symbols.js";
import { freeLandOf, occupancyOf, csvCell } from "./clusterfacts.js";

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

  // "Include clusters whose free land is unknown": a filter on free land says how many it
  // left out for want of data, and offers to keep them.
  let includeUnknown = false;
  const unknownNote = h("p", { class: "note filter-unknown", id: "filter-unknown", "aria-live": "polite", hidden: true });
  count.after(unknownNote);

  function minFree() {
    const min = parseFloat(fMinFree.value);
    return min > 0 ? min : 0;
  }

  function matchesExceptFree(f) {
    const p = f.properties;
    if (fStage.value && p.status !== fStage.value) return false;
    if (fKind.value && p.kind !== fKind.value) return false;
    if (fRegion.value === NO_REGION ? p.region : fRegion.value && p.region !== fRegion.value) return false;
    if (fIndustry.value && !industriesOf(p).includes(fIndustry.value)) return false;
    return true;
  }

  function matches(f) {
    if (!matchesExceptFree(f)) return false;
    const min = minFree();
    if (!min) return true;
    const free = freeLandOf(f.properties).ha;
    if (free == null) return includeUnknown;
    return free >= min;
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
    const unknownFree = minFree() ? features.filter((f) => matchesExceptFree(f) && freeLandOf(f.properties).ha == null).length : 0;
    unknownNote.hidden = !unknownFree;
    unknownNote.dataset.n = String(unknownFree);
    if (unknownFree) {
      unknownNote.replaceChildren(
        h("span", {}, t(includeUnknown ? "results.unknownIncluded" : "results.unknownExcluded", { n: unknownFree }) + " "),
        h("button", { type: "button", class: "link", id: "filter-unknown-toggle", onclick: () => { includeUnknown = !includeUnknown; update(); } },
          t(includeUnknown ? "results.excludeUnknown" : "results.includeUnknown")));
    }
    if (!shown.length) {
      list.replaceChildren(h("li", { class: "empty" }, t("results.empty")));
      return;
    }
    list.replaceChildren(...shown.map((f) => {
      const p = f.properties;
      const symbol = h("span", { class: "list-symbol", "aria-hidden": "true" });
      symbol.innerHTML = clusterSymbolSVG(p.kind, p.status, p.geometry_quality === "indicative", 16);
      const free = freeLandOf(p).ha;
      const occ = occupancyOf(p);
      const meta = [label("stage", p.status), p.district].filter(Boolean).join(" · ");
      const figures = h("span", { class: "list-figures" },
        h("span", { class: "list-occupancy" }, `${t("results.occupancy")}: `, occ == null ? h("em", { class: "unknown" }, t("panel.unknown")) : h("strong", {}, `${num(occ, 0)} %`)),
        " · ",
        h("span", { class: "list-free" }, `${t("results.freeLand")}: `, free == null ? h("em", { class: "unknown" }, t("panel.unknown")) : h("strong", {}, t("units.ha", { n: num(free, 1) }))));
      return h("li", { dataset: { id: String(f.id) } },
        h("button", { type: "button", onclick: () => onPick(f) },
          symbol,
          h("span", { class: "list-text" }, h("span", { class: "list-name", lang: "vi" }, p.name), h("span", { class: "list-meta", style: `--stage:${colorOfStage(p.status)}` }, meta), figures)));
    }));
  }

  // --- export --------------------------------------------------------------------

  const CSV_FIELDS = [
    "name", "kind", "status", "district", "district_code", "commune", "region", "planned_area_ha", "established_area_ha",
    "industrial_land_ha", "leased_land_ha", "occupancy_pct", "free_land_ha", "investor", "target_industries",
    "decision_number", "decision_date", "road_status", "water_status", "wastewater_status", "power_status", "contact",
    "investment_vnd_bn", "geometry_quality", "placement", "notes", "sources",
  ];

  // Coded fields: the label in the interface language, the code in an extra "…_code" column.
  const CODED = { kind: "cluster_kind", status: "stage", road_status: "infra_status", water_status: "infra_status", wastewater_status: "infra_status", power_status: "infra_status", geometry_quality: "geometry_quality" };

  function stamp() {
    return new Date().toISOString().slice(0, 10);
  }

  function exportCSV() {
    const codeCols = CSV_FIELDS.filter((k) => CODED[k]);
    const header = ["id", ...CSV_FIELDS.map((k) => t(`csv.${k}`)), t("csv.lon"), t("csv.lat"), ...codeCols.map((k) => `${k}_code`), "region_code"];
    const rows = [header.map(csvCell).join(",")];
    for (const f of filtered()) {
      const p = f.properties;
      const c = p.__anchor || [null, null];
      const shown = CSV_FIELDS.map((k) => (CODED[k] ? label(CODED[k], p[k]) : k === "region" ? (p.region ? regionName(p.region) : "") : p[k]));
      rows.push([f.id, ...shown, c[0], c[1], ...codeCols.map((k) => p[k]), p.region].map(csvCell).join(","));
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
