// The raw-material linkage view, from GET /api/analysis/linkage?radius_km=:
// on the map, a line from each raw-material zone to its nearest processing
// cluster with the distance, and the zones with no processing cluster within
// the radius outlined in red; in the sidebar, the radius and every zone with
// its link. The layer loads its data when it is first shown.

import { h, debounce } from "./util.js";
import { getLinkage } from "./api.js";
import { cropColor } from "./symbols.js";

// The slider moves in steps of this many km; its ends are the served bounds
// rounded inward to a step, so every position is a radius the server accepts.
const STEP_KM = 5;
const UNSERVED = "#c51b1b";
const SERVED = "#1b7837";

// createLinkage({map, elements, i18n, defaults, zoneOverlay, select}) →
// {layer, show, radius, data}. elements holds the radius slider, its output,
// the status line, the summary and the list; defaults is the catalog's
// (linkage_radius_km, min_radius_km, max_radius_km); zoneOverlay(style) makes
// the vector-tile layer of the zones drawn with style; select opens a
// feature's panel.
export function createLinkage({ map, elements: els, i18n, defaults, zoneOverlay, select, plants = () => [], clusterOf = () => null, districtTotal = () => 0 }) {
  const { t, label, num, onLangChange } = i18n;
  const km = (n) => t("link.km", { n: num(n, 1) });
  let radius = defaults.linkage_radius_km;
  let data = null; // the answer drawn
  let controller = null;
  const cache = new Map(); // radius → answer
  let unserved = new Set();

  // Only unserved zones are drawn; a served zone draws nothing (an empty
  // style list), so the overlay adds no paths where it has nothing to say.
  const overlay = zoneOverlay((p) => (unserved.has(String(p.__fid)) ? {
    fill: true, fillColor: UNSERVED, fillOpacity: 0.16,
    color: UNSERVED, weight: 3, opacity: 1, dashArray: "8 5",
    className: "cm-unserved-zone",
  } : []));
  const lines = L.layerGroup();
  const labels = L.layerGroup();
  const layer = L.layerGroup([overlay, lines, labels]);
  layer.on("add", () => show());

  els.radius.step = String(STEP_KM);
  els.radius.min = String(Math.max(STEP_KM, Math.ceil(defaults.min_radius_km / STEP_KM) * STEP_KM));
  els.radius.max = String(Math.floor(defaults.max_radius_km / STEP_KM) * STEP_KM);
  els.radius.value = String(radius);
  els.radiusValue.textContent = km(radius);
  const reload = debounce(() => load(radius), 250);
  els.radius.addEventListener("input", () => {
    radius = Number(els.radius.value);
    els.radiusValue.textContent = km(radius);
    reload();
  });
  onLangChange(() => {
    els.radiusValue.textContent = km(radius);
    if (data) {
      draw();
      renderList();
    }
  });

  function show() {
    if (!data || data.radius_km !== radius) return load(radius);
    return Promise.resolve(data);
  }

  async function load(r) {
    if (controller) controller.abort();
    controller = new AbortController();
    document.body.dataset.linkage = "loading";
    els.status.textContent = t("link.loading");
    try {
      let answer = cache.get(r);
      if (!answer) {
        answer = await getLinkage(r, { signal: controller.signal });
        cache.set(r, answer);
      }
      if (r !== radius) return data; // the slider moved on
      data = answer;
      unserved = new Set((data.unserved_zone_ids || []).map(String));
      els.status.textContent = "";
      draw();
      renderList();
      document.body.dataset.linkage = String(r);
      return data;
    } catch (err) {
      if (err.name === "AbortError") return data;
      els.status.textContent = t("link.error");
      document.body.dataset.linkage = "error";
      console.error("linkage:", err);
      return null;
    }
  }

  // One line per distinct zone→cluster segment: zones that reach a cluster at
  // the same point (zones drawn from the same districts) share one line whose
  // label lists their distances. A zone that contains its cluster (0 km) has
  // no line to draw; the list says "inside the zone".
  function draw() {
    lines.clearLayers();
    labels.clearLayers();
    // Re-adding the overlay re-renders its tiles with the new unserved set
    // (from the browser's cache). Not redraw(): Leaflet 1.9's GridLayer.redraw
    // asks for tiles at the map's fractional zoom (8.5/…), which do not exist.
    if (map.hasLayer(overlay)) {
      layer.removeLayer(overlay);
      layer.addLayer(overlay);
    }
    const groups = new Map();
    for (const z of data.zones || []) {
      const link = z.nearest_processing_cluster;
      if (!link || !link.line || link.line.coordinates.length < 2) continue;
      const [a, b] = link.line.coordinates;
      if (Math.abs(a[0] - b[0]) < 1e-6 && Math.abs(a[1] - b[1]) < 1e-6) continue;
      const key = [a, b].map((c) => c.map((v) => v.toFixed(5)).join(",")).join(";");
      if (!groups.has(key)) groups.set(key, { a, b, zones: [], link });
      groups.get(key).zones.push(z);
    }
    for (const g of groups.values()) {
      const within = g.zones.some((z) => z.nearest_processing_cluster.within_radius);
      const latlngs = [[g.a[1], g.a[0]], [g.b[1], g.b[0]]];
      const ids = g.zones.map((z) => String(z.id)).join(" ");
      const tip = g.zones.map((z) => t("link.tooltip", { zone: z.name, cluster: z.nearest_processing_cluster.cluster_name, km: km(z.nearest_processing_cluster.distance_km) })).join("\n");
      const casing = L.polyline(latlngs, { pane: "cm-linkage", interactive: false, color: "#ffffff", weight: within ? 6 : 5, opacity: 0.85 });
      const line = L.polyline(latlngs, {
        pane: "cm-linkage",
        color: within ? SERVED : UNSERVED,
        weight: within ? 3 : 2.5,
        opacity: 0.95,
        dashArray: within ? null : "6 5",
        className: `cm-link ${within ? "cm-link-served" : "cm-link-far"}`,
      });
      line.bindTooltip(h("span", { style: "white-space: pre-line" }, tip), { sticky: true }); // text, never HTML
      line.on("click", () => select("raw_material_zones", g.zones[0].id));
      line.on("add", () => {
        const el = line.getElement();
        el.dataset.zones = ids;
        el.dataset.cluster = String(g.link.cluster_id);
      });
      lines.addLayer(casing);
      lines.addLayer(line);
      const distances = [...new Set(g.zones.map((z) => num(z.nearest_processing_cluster.distance_km, 1)))];
      const mid = L.latLng((latlngs[0][0] + latlngs[1][0]) / 2, (latlngs[0][1] + latlngs[1][1]) / 2);
      labels.addLayer(L.marker(mid, {
        pane: "cm-linkage-labels",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: `cm-link-label${within ? "" : " far"}`,
          html: h("span", { "data-zones": ids }, t("link.km", { n: distances.join(" · ") })).outerHTML,
          iconSize: null,
        }),
      }));
    }
  }

  function renderList() {
    const tot = data.totals || {};
    const unservedHa = Object.entries(tot.unserved_ha_by_crop || {}).filter(([, v]) => v > 0)
      .map(([c, v]) => `${label("crop", c)} ${t("units.ha", { n: num(v, 0) })}`);
    els.summary.replaceChildren(
      h("p", { class: "linkage-totals" }, t("link.summary", { served: tot.served ?? 0, zones: tot.zones ?? 0, unserved: tot.unserved ?? 0, r: num(data.radius_km, 0) })),
      unservedHa.length ? h("p", { class: "linkage-unserved-ha" }, t("link.unservedHa", { list: unservedHa.join(", ") })) : null,
      h("p", { class: "linkage-plants" }, t("link.plantsSummary", {
        n: (data.zones || []).filter((z) => plants().some((f) => f.properties.crop === z.crop && f.properties.status === "operating" && (z.district_codes || []).includes(String(f.properties.district_code)))).length,
        zones: (data.zones || []).length,
      })));
    const zones = [...(data.zones || [])].sort((a, b) => Number(a.served) - Number(b.served) || String(a.name).localeCompare(String(b.name), "vi"));
    els.list.replaceChildren(...zones.map((z) => {
      const n = z.nearest_processing_cluster;
      const u = z.nearest_unclassified_cluster;
      // A zone drawn as the whole province contains every cluster: "0 km" would say nothing.
      const codes = Array.isArray(z.district_codes) ? z.district_codes : [];
      const whole = districtTotal() > 0 && codes.length >= districtTotal();
      const distance = n ? (whole ? t("link.wholeProvince") : n.distance_km === 0 ? `0 km, ${t("link.inside")}` : km(n.distance_km)) : "";
      // Operating processing plants of the zone's crop in its districts count as processing too.
      const running = plants().filter((f) => f.properties.crop === z.crop && f.properties.status === "operating" && codes.includes(String(f.properties.district_code)));
      const cl = n ? clusterOf(n.cluster_id) : null;
      const stage = cl ? cl.properties.status : null;
      const processor = stage ? h("span", { class: "processor-stage", dataset: { stage } },
        ` — ${label("stage", stage)}: ${t(stage === "operating" || stage === "expanded" ? "link.processorOperating" : "link.processorPlanned")}`) : null;
      return h("li", { class: z.served ? "served" : "unserved", dataset: { zoneId: String(z.id), served: String(z.served), crop: z.crop } },
        h("div", { class: "zone-line" },
          h("span", { class: "swatch", style: `background:${cropColor[z.crop] || "#777"}` }),
          h("button", { type: "button", class: "link zone-name", onclick: () => select("raw_material_zones", z.id, { fly: true }) }, z.name),
          h("span", { class: "list-meta" }, ` ${label("crop", z.crop)}${z.area_ha != null ? ", " + t("units.ha", { n: num(z.area_ha, 0) }) : ""}`)),
        h("p", { class: "zone-status" }, h("strong", {}, t(z.served ? "link.served" : "link.unserved"))),
        n ? h("p", { class: "zone-link", dataset: { cluster: String(n.cluster_id), km: String(n.distance_km) } },
          `${t("link.nearest")} `,
          h("button", { type: "button", class: "link", onclick: () => select("clusters", n.cluster_id, { fly: true }) }, n.cluster_name),
          `, ${distance}`,
          n.within_radius ? "" : ` (${t("link.beyond", { r: num(data.radius_km, 0) })})`, processor)
          : h("p", { class: "zone-link none" }, t("link.noneWithin", { crop: label("crop", z.crop), h: num(data.horizon_km, 0) })),
        !z.served && u ? h("p", { class: "note" }, t("link.unclassified", { cluster: u.cluster_name, km: km(u.distance_km) })) : null,
        h("p", { class: "zone-plants", dataset: { operatingPlants: String(running.length) } }, running.length
          ? [`${t("link.operatingPlants")} `, h("span", { lang: "vi" }, running.map((f) => f.properties.name).join(", "))]
          : t("link.noOperatingPlant")));
    }));
  }

  return {
    layer,
    show,
    radius: () => radius,
    data: () => data,
  };
}
