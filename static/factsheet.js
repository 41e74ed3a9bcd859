// A cluster's fact sheet: one A4 page in the page's language, for an investor or a meeting —
// a map of the site with the highways, raw-material zones and district outlines around it, its
// figures with their dates, what the site finder measures (distance to the nearest national
// highway and the border gate, raw material within reach by crop and zone), its coordinates, whom
// to contact, its sources and the data's version and date. Printed by the browser from a sheet
// built over the page (app.css, "fact sheet"), whose map is drawn from the same tiles as the map.

import { h, parseSource, langOf } from "./util.js";
import { findSites } from "./api.js";
import { freeLandOf, occupancyOf, lastDateOf } from "./clusterfacts.js";
import { haOf } from "./compare.js";
import { showDate } from "./dates.js";
import { colorOfStage } from "./symbols.js";

const MAP_ZOOM = 9.5;
const TILE_WAIT_MS = 5000;

// createFactSheet({i18n, tiles, roads, contactOf, dataVersion, win, doc}) → {build(feature),
// print(feature), close()}: tiles is the map's tile factory (tiles.js), roads the highways'
// GeoJSON, contactOf(site) whom to ask, dataVersion() the clusters layer's version. build resolves
// once the sheet and its map are drawn; print builds, then prints and removes the sheet.
export function createFactSheet({ i18n, tiles, roads, contactOf, dataVersion = () => null, win = window, doc = document }) {
  const { t, label, num, lang } = i18n;
  let sheet = null;
  let miniMap = null;
  let sitesAnswer = null;

  function close() {
    if (miniMap) miniMap.remove();
    miniMap = null;
    if (sheet) sheet.remove();
    sheet = null;
    doc.body.classList.remove("printing-sheet");
  }

  async function siteOf(id) {
    // The site finder's figures for every cluster, with the default weights, once per page.
    if (!sitesAnswer) sitesAnswer = findSites("limit=1000").catch((err) => { sitesAnswer = null; throw err; });
    const a = await sitesAnswer;
    return { site: (a.sites || []).find((s) => String(s.id) === String(id)) || null, radius: a.filters ? a.filters.radius_km : null };
  }

  const ha = haOf(i18n);

  function dataText(v) {
    return v ? h("span", { lang: langOf(v) || "vi" }, v) : h("em", { class: "unknown" }, t("panel.unknown"));
  }

  function row(key, value) {
    return [h("dt", {}, t(key)), h("dd", {}, value)];
  }

  function facts(p) {
    const occ = occupancyOf(p);
    const free = freeLandOf(p);
    return h("dl", { class: "sheet-facts" },
      ...row("panel.stage", h("span", {}, h("span", { class: "swatch", style: `background:${colorOfStage(p.status)}` }), label("stage", p.status))),
      ...row("panel.planned", ha(p.planned_area_ha, p, "planned_area_ha")),
      ...row("panel.established", ha(p.established_area_ha, p, "established_area_ha")),
      ...row("panel.industrial", ha(p.industrial_land_ha, p, "industrial_land_ha")),
      ...row("panel.occupancy", occ == null ? h("em", { class: "unknown" }, t("panel.unknown")) : `${num(occ, 0)} %`),
      ...row("panel.free", free.ha == null ? h("em", { class: "unknown" }, t("sites.freeUnknownAsk")) : t("units.ha", { n: num(free.ha, 1) })),
      ...row("panel.investor", dataText(p.investor)),
      ...row("panel.industries", dataText((p.target_industries || []).join("; "))),
      ...row("panel.decision", dataText([p.decision_number, p.decision_date ? showDate(p.decision_date, lang()) : ""].filter(Boolean).join(", "))),
      ...row("panel.infra.road", p.road_status ? label("infra_status", p.road_status) : h("em", { class: "unknown" }, t("panel.unknown"))),
      ...row("panel.infra.water", p.water_status ? label("infra_status", p.water_status) : h("em", { class: "unknown" }, t("panel.unknown"))),
      ...row("panel.infra.wastewater", p.wastewater_status ? label("infra_status", p.wastewater_status) : h("em", { class: "unknown" }, t("panel.unknown"))));
  }

  // What the site finder measures, as figures (no score: a sheet states facts).
  function measures(site, radius) {
    if (!site) return h("p", { class: "note" }, t("sheet.noMeasures"));
    const hw = site.parts.highway, gate = site.parts.border, crop = site.parts.crop;
    const ref = (String(hw.reason || "").match(/\bQL\s?\d+[A-Z]?\b/) || [])[0];
    const zones = (crop.zones || []).filter((z) => z.within_ha != null && z.within_ha > 0);
    return h("dl", { class: "sheet-facts" },
      ...row("sheet.coords", `${num(site.point[1], 5)}° N, ${num(site.point[0], 5)}° E (WGS 84)`),
      ...row("sheet.highway", hw.known ? `${t("link.km", { n: num(hw.value, 1) })}${ref ? ` (${ref})` : ""}` : h("em", { class: "unknown" }, t("panel.unknown"))),
      ...row("sheet.gate", gate.known ? `≈ ${t("link.km", { n: num(gate.value, 0) })}` : h("em", { class: "unknown" }, t("panel.unknown"))),
      h("dt", {}, t("sheet.raw", { r: num(radius, 0) })),
      h("dd", {}, zones.length
        ? zones.map((z) => t("sheet.rawItem", { crop: label("crop", z.crop), n: num(z.within_ha, 0), of: num(z.area_ha, 0) })).join("; ")
        : t("sites.noZones", { r: num(radius, 0) })));
  }

  // The cluster's own contact as its source words it (a link where it holds a phone, an address
  // or a page), else the province's office for investors.
  function contact(site, p) {
    const c = contactOf({ ...(site || {}), name: p.name, contact: p.contact });
    if (p.contact) {
      return h("p", { class: "sheet-contact" }, dataText(p.contact), c && c.kind === "cluster" ? [" — ", h("a", { href: c.href }, c.detail || c.href)] : null);
    }
    if (!c) return h("p", {}, h("em", { class: "unknown" }, t("panel.contactNotRecorded")));
    return h("p", { class: "sheet-contact" }, t("sites.contactDepartment", { name: c.name }), " — ", h("a", { href: c.href }, c.detail || c.href));
  }

  function sources(p) {
    return h("ol", { class: "sheet-sources" }, (p.sources || []).map((s) => {
      const { text, url } = parseSource(s);
      return h("li", { lang: langOf(text) || null }, text, url ? [" ", h("span", { class: "sheet-url" }, url)] : null);
    }));
  }

  // The map of the site: district outlines, raw-material zones and area fills from the tiles,
  // the highways, and the site's point; not interactive, sized for the page.
  function drawMap(box, site, p) {
    const at = site ? [site.point[1], site.point[0]] : null;
    if (!at) return Promise.resolve();
    miniMap = L.map(box, { zoomControl: false, attributionControl: false, dragging: false, scrollWheelZoom: false,
      doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false, zoomSnap: 0.5, fadeAnimation: false, zoomAnimation: false });
    miniMap.setView(at, MAP_ZOOM);
    const loaded = [];
    for (const id of ["regions", "raw_material_zones", "districts"]) {
      const made = tiles.layer(id);
      if (!made) continue;
      made.grid.options.pane = "overlayPane";
      made.grid.options.interactive = false;
      loaded.push(new Promise((resolve) => made.grid.once("load", resolve)));
      made.grid.addTo(miniMap);
    }
    if (roads && roads.features) {
      L.geoJSON(roads, { interactive: false, style: { color: "#c0392b", weight: 3, dashArray: "6 4" } }).addTo(miniMap);
    }
    L.circleMarker(at, { radius: 9, color: "#111", weight: 3, fillColor: colorOfStage(p.status), fillOpacity: 1, interactive: false }).addTo(miniMap);
    L.control.scale({ metric: true, imperial: false }).addTo(miniMap);
    return Promise.race([Promise.all(loaded), new Promise((resolve) => setTimeout(resolve, TILE_WAIT_MS))]);
  }

  async function build(feature) {
    close();
    const p = feature.properties;
    const { site, radius } = await siteOf(feature.id).catch(() => ({ site: null, radius: null }));
    const mapBox = h("div", { class: "sheet-map", role: "img", "aria-label": t("sheet.mapLabel", { name: p.name }) });
    const version = dataVersion();
    // A named section: a landmark of its own while it is shown over the page.
    sheet = h("section", { id: "fact-sheet", class: "fact-sheet", lang: lang(), "aria-labelledby": "fact-sheet-title", dataset: { id: String(feature.id) } },
      h("header", {},
        h("h1", { id: "fact-sheet-title" }, h("span", { lang: "vi" }, p.name)),
        h("p", { class: "sheet-sub" }, [label("cluster_kind", p.kind), p.district, p.commune_2025, p.province].filter(Boolean).join(" · "))),
      mapBox,
      h("p", { class: "sheet-legend" },
        h("span", { class: "sheet-key road" }), t("layer.roads"), " ",
        h("span", { class: "sheet-key zone" }), t("layer.raw_material_zones"), " ",
        h("span", { class: "sheet-key district" }), t("layer.districts"), " — ", t("sheet.indicative")),
      h("div", { class: "sheet-cols" },
        h("section", {}, h("h2", {}, t("sheet.facts")), facts(p)),
        h("section", {}, h("h2", {}, t("sheet.measures")), measures(site, radius), h("h2", {}, t("panel.contact")), contact(site, p))),
      h("section", {}, h("h2", {}, t("panel.sources")), sources(p)),
      h("footer", {}, t("sheet.dataDate", {
        v: version == null ? "—" : String(version),
        last: lastDateOf(p) ? showDate(lastDateOf(p), lang()) : "—",
        d: showDate(new Date().toISOString().slice(0, 10), lang()),
      })));
    doc.body.append(sheet);
    doc.body.classList.add("printing-sheet");
    await drawMap(mapBox, site, p);
    sheet.dataset.ready = "true";
    return sheet;
  }

  async function print(feature) {
    await build(feature);
    win.addEventListener("afterprint", close, { once: true });
    win.print();
  }

  return { build, print, close };
}
