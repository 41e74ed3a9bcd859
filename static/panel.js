// The side panel (a bottom sheet on phones) that describes one feature.
// Each layer has a renderer that turns a GeoJSON feature into DOM nodes.

import { h, parseSource } from "./util.js";
import { freeLandOf, lastDateOf } from "./clusterfacts.js";
import { createEligibility } from "./eligibility.js";
import { colorOfStage, regionColor, cropColor, energyColor, clusterSymbolSVG, plantSymbolSVG, energySymbolSVG } from "./symbols.js";

// createPanel({panel, body, closeButton, i18n, onClose}) → the panel of one
// page: panel is the <aside>, body where features render, onClose() runs
// when the user closes it.
export function createPanel({ panel, body, closeButton, i18n, onClose = () => {}, onCompare = null, onPrint = null }) {
  const { t, label, num, lang, codesOf } = i18n;
  const { expansionSection, foundingSection } = createEligibility(i18n);
  let returnFocus = null;
  let current = null; // {layer, id, feature, ctx} for re-rendering on language change

  closeButton.addEventListener("click", () => close());
  // On phones the bottom sheet keeps the upper half of the map in view; its grip makes it taller.
  const grip = h("button", { type: "button", class: "sheet-grip", "aria-label": t("panel.resize"), "aria-expanded": "false" });
  grip.addEventListener("click", () => {
    const tall = panel.classList.toggle("tall");
    grip.setAttribute("aria-expanded", String(tall));
  });
  panel.prepend(grip);
  i18n.onLangChange(() => grip.setAttribute("aria-label", t("panel.resize")));
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") close();
  });

  function isOpen() {
    return !panel.hidden;
  }

  // Opens the panel in a loading state; show() fills it.
  function openLoading(layer, id) {
    if (panel.hidden) returnFocus = document.activeElement;
    current = null;
    panel.dataset.layer = layer;
    panel.dataset.id = String(id);
    body.replaceChildren(h("p", { class: "panel-loading" }, t("panel.loading")));
    reveal();
  }

  function show(layer, id, feature, ctx, { focus = true } = {}) {
    if (panel.hidden) returnFocus = document.activeElement;
    current = { layer, id, feature, ctx };
    panel.dataset.layer = layer;
    panel.dataset.id = String(id);
    render();
    reveal();
    // Move focus to the heading so keyboard and screen-reader users land on
    // what they just opened; not on restore from the URL, which would scroll.
    if (focus) {
      const title = body.querySelector("#panel-title");
      if (title) title.focus({ preventScroll: true });
    }
  }

  // A view that is not one feature (the comparison): its nodes, under a data-layer of its own.
  function showView(kind, nodes, { focus = true } = {}) {
    if (panel.hidden) returnFocus = document.activeElement;
    current = null;
    panel.dataset.layer = kind;
    panel.dataset.id = "";
    body.replaceChildren(...nodes.filter(Boolean));
    reveal();
    if (focus) {
      const title = body.querySelector("#panel-title");
      if (title) title.focus({ preventScroll: true });
    }
  }

  function showError(layer, id, message) {
    current = null;
    panel.dataset.layer = layer;
    panel.dataset.id = String(id);
    body.replaceChildren(h("p", { class: "panel-error", role: "alert" }, message));
    reveal();
  }

  function rerender() {
    if (current && !panel.hidden) render();
  }

  function close({ restoreFocus = true } = {}) {
    if (panel.hidden) return;
    panel.hidden = true;
    delete panel.dataset.layer;
    delete panel.dataset.id;
    current = null;
    document.body.classList.remove("panel-open");
    onClose();
    if (restoreFocus && returnFocus && document.contains(returnFocus)) returnFocus.focus({ preventScroll: true });
    returnFocus = null;
  }

  function reveal() {
    panel.hidden = false;
    document.body.classList.add("panel-open");
    panel.scrollTop = 0;
  }

  function render() {
    const { layer, feature, ctx } = current;
    const renderer = renderers[layer] || renderGeneric;
    body.replaceChildren(...renderer(feature.properties || {}, feature, ctx));
  }

  // --- building blocks -------------------------------------------------------

  function title(text, symbol, textLang = "vi") {
    return h("h2", { id: "panel-title", tabindex: "-1" }, symbol ? symbolNode(symbol) : null, h("span", { lang: text ? textLang : null }, text || "—"));
  }

  function symbolNode(svg) {
    const span = h("span", { class: "panel-symbol", "aria-hidden": "true" });
    span.innerHTML = svg; // our own markup from symbols.js, no data in it
    return span;
  }

  function badge(text, color, cls = "") {
    return h("span", { class: `badge ${cls}`, style: color ? `--badge:${color}` : null }, text);
  }

  // A definition list from [term, value] pairs, skipping empty values.
  function facts(pairs) {
    const dl = h("dl", { class: "facts" });
    for (const [term, value] of pairs) {
      if (value == null || value === "" || (Array.isArray(value) && !value.length)) continue;
      dl.append(h("dt", {}, term), h("dd", {}, value));
    }
    return dl.children.length ? dl : null;
  }

  function section(heading, ...content) {
    const items = content.filter(Boolean);
    if (!items.length) return null;
    return h("section", { class: "panel-section" }, h("h3", {}, heading), ...items);
  }

  function ha(n) {
    return n == null ? null : t("units.ha", { n: num(n, 2) });
  }

  // figures: how the source gives each number ({qualifier, as_of}); an object in
  // GeoJSON, JSON text in vector tiles.
  function figuresOf(p) {
    let f = p && p.figures;
    if (typeof f === "string") {
      try {
        f = JSON.parse(f);
      } catch (_) {
        f = null;
      }
    }
    return f && typeof f === "object" ? f : {};
  }

  // A number as its source gives it: "≥ 24,2 ha (2023)" for "more than 24.2 ha
  // in 2023", "≈ 88.000 ha" for "about"; exact and undated numbers stay as they are.
  function qualified(p, field, text) {
    if (text == null || text === "") return text;
    const q = figuresOf(p)[field];
    if (!q) return text;
    const sign = { at_least: "≥ ", about: "≈ " }[q.qualifier] || "";
    const when = q.as_of ? ` (${t("panel.asOf", { d: q.as_of })})` : "";
    return h("span", { class: "figure", dataset: { qualifier: q.qualifier || "exact" }, title: label("figure_qualifier", q.qualifier) }, `${sign}${text}${when}`);
  }

  // "unknown", and why when the reason is known: a field a user looks for is never hidden.
  function unknown(why) {
    return h("span", { class: "unknown" }, t("panel.unknown"), why ? h("span", { class: "unknown-why" }, ` — ${why}`) : null);
  }

  // Data text keeps the language it is written in (seed notes, placements and industries
  // are English, names Vietnamese): screen readers and the language check read the attribute.
  function dataText(text, textLang) {
    if (text == null || text === "") return null;
    return h("span", { lang: textLang }, text);
  }

  function sources(list) {
    if (!list || !list.length) return null;
    const ul = h("ul", { class: "sources" });
    for (const s of list) {
      const { text, url } = parseSource(s);
      ul.append(h("li", {}, url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text) : text));
    }
    return section(t("panel.sources"), ul);
  }

  function qualityBlock(p) {
    if (!p.geometry_quality && !p.placement) return null;
    return section(
      t("panel.quality"),
      p.geometry_quality === "indicative" ? h("p", { class: "warning" }, t("panel.indicativeWarning")) : null,
      facts([
        [t("panel.quality"), label("geometry_quality", p.geometry_quality)],
        [t("panel.placement"), dataText(p.placement, "en")],
      ]),
    );
  }

  function notes(p) {
    return p.notes ? section(t("panel.notes"), h("p", { lang: "en" }, p.notes)) : null;
  }

  function regionName(slug, ctx) {
    if (!slug) return t("panel.noRegion");
    const r = ctx.regions && ctx.regions.get(slug);
    if (!r) return slug;
    return lang() === "en" ? r.properties.name_en || r.properties.name_vi : r.properties.name_vi;
  }

  // A district name that opens the district's panel (founding eligibility).
  function districtLink(name, code, ctx) {
    if (!name) return null;
    if (!code) return h("span", { lang: "vi" }, name);
    return h("button", { type: "button", class: "link", lang: "vi", dataset: { district: String(code) }, onclick: () => ctx.select("districts", String(code), { fly: true }) }, name);
  }

  function regionLink(slug, ctx) {
    if (!slug) return h("span", { class: "unknown" }, t("panel.noRegion"));
    return h("button", { type: "button", class: "link", onclick: () => ctx.select("regions", slug, { fly: true }) }, regionName(slug, ctx));
  }

  // Lifecycle as a row of steps, the current one marked: planners read "how far
  // along" at a glance.
  function stageSteps(stage) {
    const stages = codesOf("stage");
    const at = stages.indexOf(stage);
    const ol = h("ol", { class: "stage-steps", "aria-label": t("panel.stage") });
    stages.forEach((s, i) => {
      ol.append(h("li", {
        class: i < at ? "done" : i === at ? "current" : "",
        style: `--step:${colorOfStage(s)}`,
        "aria-current": i === at ? "step" : null,
        title: label("stage", s),
      }, h("span", { class: "visually-hidden" }, label("stage", s))));
    });
    return ol;
  }

  function occupancyBar(p) {
    let pct = p.occupancy_pct;
    if (pct == null && p.leased_land_ha != null && p.industrial_land_ha) pct = (100 * p.leased_land_ha) / p.industrial_land_ha;
    if (pct == null) return h("p", { class: "unknown" }, t("panel.occupancyUnknown"));
    const shown = Math.max(0, Math.min(100, pct));
    return h("div", { class: "occupancy" },
      h("div", { class: "occupancy-label" }, h("span", {}, t("panel.occupancy")), h("strong", {}, `${num(pct, 1)} %`)),
      h("div", {
        class: "bar", role: "meter", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(shown)),
        "aria-label": t("panel.occupancy"),
      }, h("span", { style: `width:${shown}%` })));
  }

  function infraList(p) {
    const ul = h("ul", { class: "infra" });
    for (const key of ["road", "water", "wastewater", "power"]) {
      const v = p[`${key}_status`];
      ul.append(h("li", { class: `infra-${v || "unknown"}` },
        h("span", { class: "infra-dot", "aria-hidden": "true" }),
        h("span", {}, `${t(`panel.infra.${key}`)}: `, v ? h("strong", {}, label("infra_status", v)) : unknown(t("panel.notInSources")))));
    }
    return ul;
  }

  function decision(p) {
    if (!p.decision_number && !p.decision_date) return unknown(t("panel.decisionUnknown"));
    let date = p.decision_date;
    if (date) {
      const d = new Date(`${date}T00:00:00`);
      if (!Number.isNaN(d.getTime())) date = new Intl.DateTimeFormat(lang() === "vi" ? "vi-VN" : "en-GB", { dateStyle: "long" }).format(d);
    }
    return [p.decision_number, date].filter(Boolean).join(lang() === "vi" ? ", ngày " : ", ");
  }

  function contactNode(contact) {
    if (!contact) {
      // No source gives the cluster's own contact: the provincial Department of Industry and
      // Trade is the contact point for industrial clusters. No official page of it is
      // recorded in ClusterMap's data, so no address or number is made up.
      return h("span", { class: "contact-fallback" },
        h("span", {}, t("panel.contactFallback")), " ",
        h("span", { lang: "vi", class: "contact-dept" }, "Sở Công Thương Gia Lai"), " ",
        h("span", { class: "note" }, `(${t("panel.contactNotRecorded")})`));
    }
    // Turn phone numbers, e-mail addresses and URLs into links; the rest stays text.
    const span = h("span");
    const re = /(https?:\/\/\S+)|([\w.+-]+@[\w-]+\.[\w.-]+)|(\+?\d[\d .]{7,}\d)/g;
    let last = 0;
    for (const m of contact.matchAll(re)) {
      span.append(contact.slice(last, m.index));
      const [s, url, mail, tel] = m;
      const href = url ? url : mail ? `mailto:${mail}` : `tel:${tel.replace(/[ .]/g, "")}`;
      span.append(h("a", { href }, s));
      last = m.index + s.length;
    }
    span.append(contact.slice(last));
    return span;
  }

  // Free land: industrial land less leased land, or industrial land × (100 − occupancy) %;
  // "unknown" and why when neither is recorded.
  function freeLand(p) {
    const v = freeLandOf(p);
    if (v.ha == null) return unknown(t("panel.freeUnknownWhy"));
    const text = ha(v.ha);
    return v.basis === "occupancy" ? h("span", {}, text, h("span", { class: "note" }, ` (${t("panel.freeFromOccupancy")})`)) : text;
  }

  // The latest date the data records for the cluster: its decision, or a dated figure.
  function lastChange(p) {
    const d = lastDateOf(p);
    return d ? d : unknown(t("panel.noStageDates"));
  }

  function clusterActions(f) {
    if (!onCompare && !onPrint) return null;
    return h("div", { class: "panel-actions no-print" },
      onPrint ? h("button", { type: "button", class: "button secondary", id: "panel-print", onclick: () => onPrint(f) }, t("panel.print")) : null,
      onCompare ? h("button", { type: "button", class: "button secondary", id: "panel-compare", onclick: () => onCompare(f) }, t("panel.addCompare")) : null);
  }

  // --- per-layer renderers -----------------------------------------------------

  function renderCluster(p, f, ctx) {
    const indicative = p.geometry_quality === "indicative";
    const industries = Array.isArray(p.target_industries) ? p.target_industries : p.target_industries ? String(p.target_industries).split(",") : [];
    return [
      title(p.name, clusterSymbolSVG(p.kind, p.status, indicative, 22)),
      h("p", { class: "badges" }, badge(label("cluster_kind", p.kind), null, "kind"), badge(label("stage", p.status) || t("panel.unknown"), colorOfStage(p.status), "stage")),
      stageSteps(p.status),
      facts([
        [t("panel.district"), p.district_basis === "inferred"
          ? h("span", {}, districtLink(p.district, p.district_code, ctx), h("span", { class: "note district-inferred" }, ` (${t("panel.districtInferred")})`))
          : districtLink(p.district, p.district_code, ctx)],
        [t("panel.commune"), p.commune],
        [t("panel.region"), regionLink(p.region, ctx)],
      ]),
      section(t("panel.areas"),
        facts([
          [t("panel.planned"), qualified(p, "planned_area_ha", ha(p.planned_area_ha)) || unknown()],
          [t("panel.established"), qualified(p, "established_area_ha", ha(p.established_area_ha)) || unknown()],
          [t("panel.industrial"), qualified(p, "industrial_land_ha", ha(p.industrial_land_ha)) || unknown(t("panel.notInSources"))],
          [t("panel.leased"), qualified(p, "leased_land_ha", ha(p.leased_land_ha)) || unknown(t("panel.notInSources"))],
          [t("panel.free"), freeLand(p)],
        ]),
        occupancyBar(p),
        figuresOf(p).occupancy_pct && figuresOf(p).occupancy_pct.as_of
          ? h("p", { class: "note occupancy-as-of" }, t("panel.occupancyAsOf", { d: figuresOf(p).occupancy_pct.as_of }))
          : null),
      section(t("panel.infra"), infraList(p)),
      expansionSection(() => ctx.clusterEligibility(f.id)),
      facts([
        // null means "not reported", which is not the same as "no investor".
        [t("panel.investor"), p.investor ? dataText(p.investor, "vi") : unknown(t("panel.investorUnknown"))],
        [t("panel.industries"), industries.length ? h("ul", { class: "tags", lang: "en" }, industries.map((s) => h("li", {}, s.trim()))) : unknown(t("panel.notInSources"))],
        [t("panel.decision"), decision(p)],
        [t("panel.lastChange"), lastChange(p)],
        [t("panel.investment"), p.investment_vnd_bn != null ? qualified(p, "investment_vnd_bn", t("panel.billionVnd", { n: num(p.investment_vnd_bn, 1) })) : unknown(t("panel.notInSources"))],
        [t("panel.contact"), contactNode(p.contact)],
      ]),
      clusterActions(f),
      notes(p),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderRegion(p, f, ctx) {
    const name = lang() === "en" ? p.name_en || p.name_vi : p.name_vi;
    const slug = p.slug || f.id;
    const names = Array.isArray(p.member_names) ? p.member_names : p.member_names ? String(p.member_names).split(",") : [];
    const members = h("dd", { lang: "vi" }, names.join(", "));
    const stats = h("div", { class: "region-stats" }, h("p", { class: "panel-loading" }, t("panel.loading")));
    // The region's dashboard comes from GET /api/regions/{slug}/summary, filled
    // in when it arrives; its member list carries the codes for district links.
    ctx.regionSummary(slug).then((answer) => {
      const s = answer.region || answer;
      stats.replaceChildren(...regionStats(s));
      if (Array.isArray(s.members) && s.members.length) {
        members.replaceChildren(...s.members.flatMap((m, i) => [i ? ", " : null, districtLink(m.name, m.code, ctx)]).filter(Boolean));
      }
    }).catch(() => stats.replaceChildren(h("p", { class: "unknown" }, t("overview.error"))));
    const swatch = `<svg width="22" height="22" viewBox="0 0 22 22"><rect x="1" y="1" width="20" height="20" rx="3" fill="${regionColor[p.slug] || "#ddd"}" stroke="#333"/></svg>`;
    const about = h("dl", { class: "facts" });
    // The letter's role, in the interface language (role is English, role_vi Vietnamese).
    const role = lang() === "vi" ? p.role_vi || p.role : p.role;
    if (role) about.append(h("dt", {}, t("panel.role")), h("dd", {}, role));
    if (names.length) about.append(h("dt", {}, t("panel.members")), members);
    return [
      title(name, swatch, lang() === "en" && p.name_en ? "en" : "vi"),
      about.children.length ? about : null,
      section(t("panel.regionStats"), stats,
        h("button", { type: "button", class: "button", onclick: () => ctx.filterRegion(slug) }, t("panel.showClusters"))),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  // A figure summed over the clusters that report it: blank (unknown) when none does.
  function summed(s, key, value) {
    const n = s.clusters_with_data && s.clusters_with_data[key];
    return n === 0 ? unknown() : ha(value);
  }

  function regionStats(s) {
    const byStage = s.clusters_by_stage || {};
    const ul = h("ul", { class: "stage-counts" });
    for (const stage of codesOf("stage")) {
      if (!byStage[stage]) continue;
      ul.append(h("li", {}, h("span", { class: "swatch", style: `background:${colorOfStage(stage)}` }), `${label("stage", stage)}: `, h("strong", {}, String(byStage[stage]))));
    }
    const investors = s.investors || [];
    const raw = Object.entries(s.raw_material_ha_by_crop || {}).sort((a, b) => b[1] - a[1]);
    return [
      facts([
        [t("overview.clusters"), s.clusters != null ? String(s.clusters) : null],
        [t("overview.planned"), summed(s, "planned_ha", s.planned_ha)],
        [t("overview.established"), summed(s, "established_ha", s.established_ha)],
        [t("overview.leased"), summed(s, "leased_ha", s.leased_ha)],
      ]),
      ul.children.length ? ul : null,
      occupancyBar({ occupancy_pct: s.occupancy_pct }),
      s.occupancy_pct != null && s.occupancy_clusters_with_data != null ? h("p", { class: "note" }, t("overview.occupancyData", { n: s.occupancy_clusters_with_data })) : null,
      facts([
        [t("overview.investors"), h("span", { class: "region-investors" },
          investors.length ? h("span", { lang: "vi" }, investors.join("; ")) : h("span", { class: "unknown" }, t("overview.noInvestor")),
          s.investors_unnamed ? h("span", { class: "note" }, ` (${t("overview.investorsUnnamed", { n: s.investors_unnamed })})`) : null)],
        [t("overview.rawMaterial"), raw.length
          ? h("ul", { class: "crop-ha" }, raw.map(([crop, v]) => h("li", { dataset: { crop } },
            h("span", { class: "swatch", style: `background:${cropColor[crop] || "#777"}` }), `${label("crop", crop)}: `,
            v === 0 && (s.raw_material_zones_by_crop || {})[crop] > 0 ? h("span", { class: "unknown" }, t("overview.areaUnknown")) : h("strong", {}, ha(v)))))
          : h("span", { class: "unknown" }, t("overview.noInvestor"))],
      ]),
    ].filter(Boolean);
  }

  function renderZone(p, f, ctx) {
    // Arrays in the feature API, comma-joined in vector tiles: accept both.
    const codes = Array.isArray(p.district_codes) ? p.district_codes : p.district_codes ? String(p.district_codes).split(",") : [];
    const districts = dataText(codes.map((c) => ctx.districtName(c.trim())).join(", "), "vi");
    const swatch = `<svg width="22" height="22" viewBox="0 0 22 22"><rect x="1" y="1" width="20" height="20" rx="3" fill="url(#cm-hatch-crop-${p.crop})" stroke="${cropColor[p.crop] || "#333"}" stroke-width="2"/></svg>`;
    return [
      title(p.name || label("crop", p.crop), swatch),
      facts([
        [t("panel.crop"), label("crop", p.crop)],
        [t("panel.cropArea"), qualified(p, "area_ha", ha(p.area_ha)) || unknown()],
        [t("panel.output"), dataText(p.output, "en")],
        [t("panel.year"), p.reference_year != null ? String(p.reference_year) : null],
        [t("panel.zoneDistricts"), districts],
      ]),
      notes(p),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderPlant(p) {
    const capacity = p.capacity != null ? `${num(p.capacity, 1)} ${p.capacity_unit || ""}`.trim() : null;
    return [
      title(p.name, plantSymbolSVG(p.crop, 22, p.geometry_quality === "indicative")),
      facts([
        [t("panel.kind"), label("plant_kind", p.kind)],
        [t("panel.crop"), label("crop", p.crop)],
        [t("panel.capacity"), qualified(p, "capacity", capacity) || unknown()],
        [t("panel.status"), label("project_status", p.status)],
      ]),
      notes(p),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderEnergy(p) {
    return [
      title(p.name, energySymbolSVG(p.kind, 22, p.geometry_quality === "indicative")),
      facts([
        [t("panel.kind"), h("span", {}, h("span", { class: "swatch", style: `background:${energyColor[p.kind] || "#555"}` }), label("energy_kind", p.kind))],
        [t("panel.capacity"), p.capacity_mw != null ? qualified(p, "capacity_mw", t("units.mw", { n: num(p.capacity_mw, 1) })) : unknown()],
        [t("panel.status"), label("project_status", p.status)],
      ]),
      notes(p),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderDistrict(p, f, ctx) {
    const code = p.code ?? f.id;
    return [
      title(p.name),
      facts([
        [t("panel.districtKind"), label("district_kind", p.kind)],
        [t("panel.region"), regionLink(p.region, ctx)],
        [t("panel.districtArea"), p.area_km2 != null ? t("units.km2", { n: num(p.area_km2, 1) }) : null],
      ]),
      // Districts were abolished on 1 July 2025: say which units these are.
      h("p", { class: "note district-units" }, t("panel.districtUnits")),
      code != null ? foundingSection(() => ctx.districtEligibility(code), ctx) : null,
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderRoad(p) {
    return [
      title([p.ref, p.name].filter(Boolean).join(" — ")),
      notes(p),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderGeneric(p) {
    return [title(p.name || p.name_vi || ""), sources(p.sources)].filter(Boolean);
  }

  const renderers = {
    clusters: renderCluster,
    regions: renderRegion,
    raw_material_zones: renderZone,
    plants: renderPlant,
    energy: renderEnergy,
    districts: renderDistrict,
    roads: renderRoad,
  };

  return { isOpen, openLoading, show, showView, showError, rerender, close };
}
