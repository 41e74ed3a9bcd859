// The investor site finder, from GET /api/sites: a form (industry, minimum
// free land, raw material, maximum distance to a national highway, weights),
// and its ranked results as numbered markers on the map and as a list that
// shows each score's parts, so an investor sees why a site ranks where it does.

import { h, listeners } from "./util.js";
import { findSites } from "./api.js";

// The parts of a score in the API's order, with the colour of each in the
// score bars. Their default weights and query parameters come from the
// catalog (defaults.site_weights, defaults.site_weight_params).
export const PARTS = [
  { key: "free", color: "#0072b2" },
  { key: "crop", color: "#009e73" },
  { key: "highway", color: "#c0392b" },
  { key: "border", color: "#cc79a7" },
  { key: "stage", color: "#e69f00" },
];
// The scales of the parts (geo/sites.go), for the note under the results.
const SCALES = { free: 20, crop: 20000, highway: 50, border: 150 };
// Results whose parts are unfolded at once; the rest open on demand.
const OPEN_PARTS = 5;

// createSites({elements, weights, i18n, defaults, industries, anchorOf, select, showAll}) →
// {layer, hasResults, onResults}: elements holds the form, its fields and the result nodes;
// weights part key → {input, label, value} of its slider; defaults is the catalog's defaults;
// anchorOf(id) gives the latlng and pixel offset of a cluster's symbol, so a rank badge sits on
// it; showAll(latlngs) brings the results into view. layer holds the rank badges; onResults(fn)
// has fn(any) run when results arrive (true) or are cleared (false).
export function createSites({ elements, weights, i18n, defaults, industries, highways = [], contactOf = () => null, anchorOf, select, showAll = () => {} }) {
  const results = listeners();
  const { t, label, num, codesOf, onLangChange } = i18n;
  const { form, industry: fIndustry, industryList, minFree: fMinFree, includeUnknown: fUnknown, crop: fCrop, highway: fHighway, maxHighway: fMaxHighway, clear: clearButton, status, count, excluded: excludedEl, list, scaleNote } = elements;
  const defaultWeights = defaults.site_weights || {};
  const params = defaults.site_weight_params || {};
  const maxWeight = defaults.max_site_weight ?? 100;
  const defaultRadius = defaults.linkage_radius_km;

  let answer = null;
  let controller = null;
  const markers = L.layerGroup();

  function hasResults() {
    return !!answer;
  }

  function fillStatic() {
    const keep = fCrop.value;
    fCrop.replaceChildren(h("option", { value: "" }, t("sites.anyCrop")), ...codesOf("crop").map((c) => h("option", { value: c }, label("crop", c))));
    fCrop.value = keep;
    const keepHighway = fHighway.value;
    fHighway.replaceChildren(h("option", { value: "" }, t("sites.anyHighway")), ...highways.map((ref) => h("option", { value: ref }, t("sites.nearHighway", { ref }))));
    fHighway.value = keepHighway;
    for (const p of PARTS) {
      weights[p.key].label.textContent = partName(p.key, answer ? answer.filters.radius_km : defaultRadius);
      showWeight(p.key);
    }
    scaleNote.textContent = scaleText();
  }

  function scaleText() {
    return t("sites.scaleNote", { free: num(SCALES.free, 0), crop: num(SCALES.crop, 0), hw: num(SCALES.highway, 0), bg: num(SCALES.border, 0) });
  }

  function showWeight(key) {
    weights[key].value.textContent = weights[key].input.value;
  }

  function partName(key, radius) {
    return t(`sites.part.${key}`, { r: num(radius, 0) });
  }

  // The query string of the form; null (with the reason shown) when invalid.
  function query() {
    if (!form.reportValidity()) return null;
    const q = new URLSearchParams();
    const industry = fIndustry.value.trim();
    if (industry) q.set("industry", industry);
    if (fMinFree.value !== "") q.set("min_free_ha", fMinFree.value);
    if (fCrop.value) q.set("crop", fCrop.value);
    if (fHighway.value) q.set("highway", fHighway.value);
    if (fUnknown.checked) q.set("include_unknown_free", "true");
    if (fMaxHighway.value !== "") q.set("max_highway_km", fMaxHighway.value);
    let total = 0;
    for (const p of PARTS) {
      const v = Number(weights[p.key].input.value);
      total += v;
      q.set(params[p.key] || `w_${p.key}`, String(v));
    }
    if (total <= 0) {
      status.textContent = t("sites.noWeight");
      return null;
    }
    return q.toString();
  }

  async function run() {
    const q = query();
    if (q == null) return;
    if (controller) controller.abort();
    controller = new AbortController();
    status.textContent = t("sites.loading");
    document.body.dataset.sites = "loading";
    try {
      answer = await findSites(q, { signal: controller.signal });
      status.textContent = "";
      render();
      document.body.dataset.sites = "ready";
      results.call(true);
    } catch (err) {
      if (err.name === "AbortError") return;
      status.textContent = t("sites.error", { msg: err.message });
      document.body.dataset.sites = "error";
    }
  }

  function clear() {
    answer = null;
    markers.clearLayers();
    list.replaceChildren();
    count.textContent = "";
    excludedEl.textContent = "";
    status.textContent = "";
    delete document.body.dataset.sites;
    results.call(false);
  }

  function render() {
    const sites = answer.sites || [];
    count.textContent = sites.length ? t("sites.count", { n: answer.matched, total: answer.candidates }) : t("sites.none");
    count.dataset.matched = String(answer.matched);
    count.dataset.candidates = String(answer.candidates);
    const ex = Object.entries(answer.excluded || {}).filter(([, n]) => n > 0).map(([k, n]) => t(`sites.ex.${k}`, { n }));
    excludedEl.textContent = ex.length ? t("sites.excluded", { list: ex.join("; ") }) : "";
    scaleNote.textContent = [scaleText(), gateNote()].filter(Boolean).join(" ");
    // The list is in groups, each in score order: a heading says why a lower score can come
    // first (a site known to have no free land is listed last whatever its score).
    const items = [];
    let group = null;
    sites.forEach((s, i) => {
      if (s.group !== group) {
        group = s.group;
        items.push(h("li", { class: "site-group", dataset: { group } },
          h("h3", {}, t(`sites.group.${group}`)), h("p", { class: "note" }, t(`sites.groupWhy.${group}`))));
      }
      items.push(siteItem(s, i));
    });
    list.replaceChildren(...items);
    for (const p of PARTS) weights[p.key].label.textContent = partName(p.key, answer.filters.radius_km);
    drawMarkers(sites);
    // On a phone the results sit below the long form: bring them into view.
    count.scrollIntoView({ block: "start" }); // instant: a smooth scroll moves the form under the next click
  }

  function points(score) {
    return num(score * 100, 1);
  }

  // What a part measured, in words: the figure and its unit, or "unknown".
  function partValue(key, part, site) {
    if (!part.known || part.value == null) return h("span", { class: "unknown" }, t("sites.unknownValue"));
    switch (key) {
      case "free":
        return t("units.ha", { n: num(part.value, 1) });
      case "crop":
        return t("sites.cropValue", { n: num(part.value, 0) });
      case "highway": {
        // The road's number is in the server's reason ("0.66 km to QL14 …").
        const ref = (String(part.reason).match(/\bQL\s?\d+[A-Z]?\b/) || [])[0];
        return `${t("link.km", { n: num(part.value, 1) })}${ref ? ` (${ref})` : ""}`;
      }
      case "border":
        // An estimate when the gate has no cited coordinates (see gateNote()).
        return `${gateIsProxy() ? "≈ " : ""}${t("link.km", { n: num(part.value, 1) })}`;
      case "stage":
        return label("stage", site.status);
    }
    return num(part.value, 2);
  }

  function gateIsProxy() {
    const gate = answer.border_gate;
    return !!(gate && gate.basis === "district_point_on_surface" && gate.district);
  }

  function gateNote() {
    if (!gateIsProxy()) return "";
    const gate = answer.border_gate;
    return t("sites.gateNote", { district: gate.district, unc: t("link.km", { n: num(gate.uncertainty_km, 0) }) });
  }

  function siteItem(s, i) {
    const bar = h("div", { class: "score-bar", role: "img", "aria-label": t("sites.scoreOf", { n: points(s.score) }) },
      PARTS.map((p) => {
        const c = s.parts[p.key] ? s.parts[p.key].contribution : 0;
        return c > 0 ? h("span", { style: `width:${c * 100}%;background:${p.color}`, title: `${partName(p.key, answer.filters.radius_km)}: ${points(c)}` }) : null;
      }));
    const rows = PARTS.map((p) => {
      const part = s.parts[p.key];
      if (!part) return null;
      return h("tr", { dataset: { part: p.key, contribution: String(part.contribution), score: String(part.score), weight: String(part.weight) } },
        h("th", { scope: "row", title: partName(p.key, answer.filters.radius_km) }, h("span", { class: "swatch", style: `background:${p.color}` }), t(`sites.short.${p.key}`)),
        h("td", { class: "value" }, partValue(p.key, part, s)),
        h("td", { class: "num formula" }, `${num(part.score, 2)} × ${num(part.weight * 100, 0)} %`),
        h("td", { class: "num contribution" }, points(part.contribution)));
    });
    const table = h("table", { class: "site-parts" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, t("sites.part")),
        h("th", { scope: "col" }, t("sites.value")),
        h("th", { scope: "col", class: "num" }, t("sites.formula")),
        h("th", { scope: "col", class: "num" }, t("sites.contribution")))),
      h("tbody", {}, rows),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row", colspan: "3" }, t("sites.total")), h("td", { class: "num total" }, points(s.score)))));
    const meta = [label("cluster_kind", s.kind), label("stage", s.status), s.district].filter(Boolean).join(" · ");
    const crop = s.parts.crop;
    // Which zones the raw-material part counts, and how much of each lies within the radius.
    const zones = crop && crop.zones && crop.zones.length
      ? h("ul", { class: "site-zones" }, crop.zones.map((z) => h("li", { dataset: { zone: String(z.id), crop: z.crop, within: String(z.within_ha ?? "") } },
        h("span", { lang: "vi" }, z.name), " (", label("crop", z.crop), "): ",
        z.within_ha == null ? t("sites.zoneNoArea") : t("sites.zoneWithin", { n: num(z.within_ha, 0), of: num(z.area_ha, 0), r: num(answer.filters.radius_km, 0) }))))
      : h("p", { class: "note site-zones" }, t("sites.noZones", { r: num(answer.filters.radius_km, 0) }));
    const contact = contactAction(s);
    return h("li", { dataset: { id: String(s.id), rank: String(s.rank), score: String(s.score) } },
      h("button", { type: "button", class: "site-head", onclick: () => pick(s) },
        h("span", { class: "rank", "aria-hidden": "true" }, String(s.rank)),
        h("span", { class: "list-text" },
          h("span", { class: "list-name" }, `${s.rank}. ${s.name}`),
          h("span", { class: "list-meta" }, meta)),
        h("span", { class: "site-score" }, h("strong", {}, points(s.score)), h("small", {}, "/100"))),
      s.group === "free_land_unknown" ? h("p", { class: "site-ask" }, h("strong", {}, t("sites.freeUnknownAsk"))) : null,
      bar,
      contact,
      h("details", { class: "site-details", open: i < OPEN_PARTS }, h("summary", {}, t("sites.part")), table,
        h("p", { class: "note" }, t("sites.zonesCounted"), " ", t("sites.spreadNote")), zones));
  }

  // Whom to ask about a site: the cluster's own contact where a source gives one (a phone or an
  // address to write to), else the province's department that answers for every cluster.
  function contactAction(s) {
    const c = contactOf(s);
    if (!c) return null;
    return h("p", { class: "site-contact", dataset: { contact: c.kind } },
      h("a", { class: "button secondary", href: c.href, target: c.href.startsWith("http") ? "_blank" : null, rel: c.href.startsWith("http") ? "noopener" : null },
        t(c.kind === "cluster" ? "sites.contactCluster" : "sites.contactDepartment", { name: c.name || "" })),
      c.detail ? h("span", { class: "note" }, " ", c.detail) : null);
  }

  function pick(s) {
    select("clusters", s.id, { fly: true });
    highlight(s.id);
  }

  function highlight(id) {
    for (const li of list.children) li.classList.toggle("active", li.dataset.id === String(id));
    const li = list.querySelector(`li[data-id="${CSS.escape(String(id))}"]`);
    if (li) li.scrollIntoView({ block: "nearest" });
  }

  // Numbered badges at the upper right of each result's symbol.
  function drawMarkers(sites) {
    markers.clearLayers();
    const size = 22;
    for (const s of sites) {
      const at = anchorOf(s.id) || { latlng: [s.point[1], s.point[0]], offset: [0, 0] };
      const [dx, dy] = [at.offset[0] + 11, at.offset[1] - 11];
      const title = `${s.rank}. ${s.name} — ${t("sites.score", { n: points(s.score) })}`;
      const m = L.marker(at.latlng, {
        pane: "cm-sites",
        icon: L.divIcon({ className: "cm-site-marker", html: `<span>${Number(s.rank)}</span>`, iconSize: [size, size], iconAnchor: [size / 2 - dx, size / 2 - dy] }),
        title,
        alt: title,
        keyboard: true,
        zIndexOffset: 1000 - s.rank,
      });
      m.on("click", () => pick(s));
      // In the tab order like the symbols: Enter or Space opens the cluster.
      m.on("keypress", (e) => {
        if (e.originalEvent.key === "Enter" || e.originalEvent.key === " ") {
          e.originalEvent.preventDefault();
          pick(s);
        }
      });
      m.on("add", () => {
        const el = m.getElement();
        el.dataset.id = String(s.id);
        el.dataset.rank = String(s.rank);
      });
      markers.addLayer(m);
    }
    if (sites.length) showAll(sites.map((s) => [s.point[1], s.point[0]]));
  }

  industryList.replaceChildren(...industries.map((s) => h("option", { value: s })));
  for (const p of PARTS) {
    const input = weights[p.key].input;
    // The API takes any non-negative weights and uses their ratios; the slider
    // shows the served default weights as percentages.
    input.max = String(maxWeight);
    input.value = String(Math.round((defaultWeights[p.key] ?? 0) * 100));
    input.addEventListener("input", () => showWeight(p.key));
  }
  fillStatic();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    run();
  });
  clearButton.addEventListener("click", () => clear());
  onLangChange(() => {
    fillStatic();
    if (answer) render();
  });

  return { layer: markers, hasResults, onResults: results.add };
}
