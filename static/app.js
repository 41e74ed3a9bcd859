// ClusterMap web app: the map, its layers, selection and the URL hash.
// Large polygon layers (regions, districts, raw-material zones) come as
// vector tiles; the small interactive point and line layers come as GeoJSON.

import { t, lang, setLang, onLangChange, applyStatic } from "./i18n.js";
import { h, getJSON, getAllFeatures, geomBBox, labelPoint, HTTPError } from "./util.js";
import { regionColor, cropColor, colorOfStage, darker, clusterSymbolSVG, plantSymbolSVG, energySymbolSVG, installPatterns } from "./symbols.js";
import * as panel from "./panel.js";
import * as filters from "./filters.js";
import * as search from "./search.js";
import * as overview from "./overview.js";
import * as sites from "./sites.js";
import { createLinkage } from "./linkage.js";
import { createLegend } from "./legend.js";

// Leaflet 1.8 removed L.DomEvent.fakeStop, which VectorGrid 1.3.0 still calls
// when a feature on a canvas tile is clicked ("fakeStop is not a function").
// stopPropagation keeps the click from also reaching the map, as fakeStop did.
if (typeof L.DomEvent.fakeStop !== "function") L.DomEvent.fakeStop = L.DomEvent.stopPropagation;

// Gia Lai as organised before July 2025, with a little margin.
const GIA_LAI = L.latLngBounds([12.97, 107.45], [14.62, 108.95]);
// From this zoom on, clusters with a footprint are drawn as polygons.
const FOOTPRINT_ZOOM = 12;
const GEOJSON_LAYERS = ["clusters", "plants", "energy", "roads"];
const LAYER_IDS = ["regions", "districts", "raw_material_zones", "roads", "energy", "plants", "clusters"];
// Off at start: zones are unions of districts and would hide the regions.
const HIDDEN_AT_START = new Set(["raw_material_zones"]);
const BASEMAP_TIMEOUT_MS = 4000;
const TILE_WAIT_MS = 8000;

const attributions = {
  boundaries: 'Boundaries: <a href="https://www.geoboundaries.org/" target="_blank" rel="noopener">geoBoundaries</a> (Runfola et al. 2020), CC BY 3.0 IGO; source OCHA ROAP / Government of Viet Nam.',
  gppd: '<a href="https://datasets.wri.org/dataset/globalpowerplantdatabase" target="_blank" rel="noopener">Global Power Plant Database</a>, World Resources Institute, CC BY 4.0',
  osm: '&copy; <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">OpenStreetMap</a> contributors',
};

applyStatic(document);
installPatterns();

// --- the map -----------------------------------------------------------------

const map = L.map("map", {
  minZoom: 7,
  maxZoom: 18,
  maxBounds: GIA_LAI.pad(1.5),
  zoomSnap: 0.5,
  keyboard: true,
  attributionControl: true,
  zoomControl: false, // added below with translated titles
});
let zoomControl = null;
function addZoomControl() {
  if (zoomControl) zoomControl.remove();
  zoomControl = L.control.zoom({ zoomInTitle: t("map.zoomIn"), zoomOutTitle: t("map.zoomOut") }).addTo(map);
}
addZoomControl();
map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
map.attributionControl.addAttribution(attributions.boundaries);
map.attributionControl.addAttribution(attributions.gppd);
L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);

// Panes fix the drawing order whatever order the data arrives in. Site-finder
// rank badges sit above the symbols (markers are at 600), below tooltips (650).
const panes = {
  regions: 250, zones: 260, districts: 270, "linkage-zones": 275, roads: 380, linkage: 400, footprints: 410,
  selection: 440, labels: 450, "linkage-labels": 455, sites: 620,
};
for (const [name, z] of Object.entries(panes)) {
  const pane = map.createPane(`cm-${name}`);
  pane.style.zIndex = String(z);
}
for (const name of ["labels", "selection", "linkage-zones", "linkage-labels"]) map.getPane(`cm-${name}`).style.pointerEvents = "none";
const footprintRenderer = L.svg({ pane: "cm-footprints" });

const readyCallbacks = {};
const ready = new Promise((resolve, reject) => Object.assign(readyCallbacks, { resolve, reject }));
// Tests and other scripts wait on this; keep an internal catch so a failed
// load is reported once, through the status line, not as an unhandled rejection.
ready.catch(() => {});
window.clustermap = { map, ready };

function isPhone() {
  return window.matchMedia("(max-width: 720px)").matches;
}

// --- state ---------------------------------------------------------------------

const state = {
  features: {}, // layer id -> Map(id string -> feature)
  regions: new Map(), // slug -> region feature (for names, labels, legend)
  districtNames: new Map(), // GSO code -> name
  layers: {}, // layer id -> Leaflet layer
  visible: {},
  selected: null, // {layer, id}
  clusterViews: new Map(), // id -> {feature, marker, footprint}
  symbols: new Map(), // "layer:id" -> {marker, offset [dx, dy] px}: where each symbol is drawn
  selectedFeature: null,
  basemap: null,
  basemapState: "checking",
  hashWritten: "",
};

let legend = null; // the layer control, created in start()

function visibleLayer(id) {
  return state.visible[id];
}

function setVisible(id, on) {
  const layer = id === "basemap" ? state.basemap : state.layers[id];
  state.visible[id] = on;
  if (!layer) return;
  if (on && !map.hasLayer(layer)) layer.addTo(map);
  if (!on && map.hasLayer(layer)) map.removeLayer(layer);
  const box = document.getElementById(`layer-${id}`);
  if (box) box.checked = on;
}

// --- basemap ---------------------------------------------------------------------

// The basemap URL is configurable for intranets (a local tile server) through
// <meta name="clustermap-basemap">; ?basemap=none switches it off.
function basemapURL() {
  if (new URLSearchParams(location.search).get("basemap") === "none") return "";
  const meta = document.querySelector('meta[name="clustermap-basemap"]');
  return meta ? meta.content.trim() : "";
}

// Probes one tile before adding the tile layer, so an unreachable tile host
// costs one failed request instead of a grid of broken images. The map reads
// on its own meanwhile (light background, region fills, labels).
function startBasemap() {
  const url = basemapURL();
  if (!url) return setBasemapState("off");
  const center = GIA_LAI.getCenter();
  const z = 8;
  const p = map.project(center, z).divideBy(256).floor();
  const probe = new Image();
  let settled = false;
  const timer = setTimeout(() => {
    if (!settled) setBasemapState("off");
  }, BASEMAP_TIMEOUT_MS);
  probe.onload = () => {
    settled = true;
    clearTimeout(timer);
    enableBasemap(url);
  };
  probe.onerror = () => {
    settled = true;
    clearTimeout(timer);
    setBasemapState("off");
  };
  probe.src = L.Util.template(url, { s: "a", z, x: p.x, y: p.y, r: "" });
}

function enableBasemap(url) {
  const layer = L.tileLayer(url, {
    attribution: attributions.osm,
    maxZoom: 19,
    // A failed tile shows nothing rather than a broken-image box.
    errorTileUrl: "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
    crossOrigin: false,
  });
  let loaded = 0, failed = 0;
  layer.on("tileload", () => loaded++);
  layer.on("tileerror", () => {
    // The host went away after the probe: fall back to our own layers.
    if (++failed >= 6 && failed > loaded) {
      map.removeLayer(layer);
      setBasemapState("off");
    }
  });
  state.basemap = layer;
  state.visible.basemap = true;
  layer.addTo(map);
  setBasemapState("on");
}

function setBasemapState(s) {
  state.basemapState = s;
  document.body.dataset.basemap = s;
  if (legend) legend.setBasemapState(s);
}

// --- vector tile layers ------------------------------------------------------------

function featureIdOf(f) {
  const p = f.properties;
  // regions are keyed by slug, districts by GSO code, the rest by integer id
  // (a property if the server sends one, else the MVT feature id).
  const id = p.id ?? p.slug ?? p.code ?? f.id;
  // VectorGrid hands click handlers only the properties, so keep the id there.
  p.__fid = id;
  return id;
}

// VectorGrid leaves a failed tile fetch (server restarting, network gone) as
// an unhandled promise rejection; draw such a tile empty instead.
const VectorTiles = L.VectorGrid.Protobuf.extend({
  _getVectorTilePromise(coords) {
    return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords).catch(() => ({ layers: {} }));
  },
});

function vectorLayer(id, pane, style, interactive) {
  const layer = new VectorTiles(`tiles/${id}/{z}/{x}/{y}.mvt`, {
    pane,
    interactive,
    getFeatureId: featureIdOf,
    vectorTileLayerStyles: { [id]: style },
    bounds: GIA_LAI.pad(0.1),
    maxZoom: 18,
  });
  if (interactive) {
    layer.on("click", (e) => {
      const fid = e.layer && e.layer.properties && e.layer.properties.__fid;
      if (fid != null) select(id, fid);
    });
  }
  return layer;
}

state.layers.regions = vectorLayer("regions", "cm-regions", (p) => ({
  fill: true,
  fillColor: regionColor[p.slug] || "#dddddd",
  fillOpacity: 0.55,
  color: darker(regionColor[p.slug] || "#dddddd", 0.6),
  weight: 1.5,
  opacity: 0.9,
}), true);

state.layers.districts = L.layerGroup([
  vectorLayer("districts", "cm-districts", (p, z) => ({
    fill: false,
    color: "#4d4d4d",
    weight: z >= 10 ? 1.6 : 1,
    opacity: 0.85,
  }), false),
]);

state.layers.raw_material_zones = vectorLayer("raw_material_zones", "cm-zones", (p) => ({
  fill: true,
  fillColor: cropColor[p.crop] || "#777777",
  fillOpacity: 0.35,
  className: `cm-zone-${p.crop}`,
  color: cropColor[p.crop] || "#777777",
  weight: 2,
  opacity: 0.9,
}), true);

const linkage = createLinkage(map, {
  zoneOverlay: (style) => vectorLayer("raw_material_zones", "cm-linkage-zones", style, false),
  select: (layer, id, opts) => select(layer, id, opts),
});
state.layers.linkage = linkage.layer;
state.layers.sites = sites.layer();

// --- GeoJSON layers ------------------------------------------------------------------

function indexFeatures(layer, fc) {
  const m = new Map();
  for (const f of fc.features) {
    if (f.id == null) f.id = f.properties.id;
    m.set(String(f.id), f);
  }
  state.features[layer] = m;
  return fc;
}

function tagElement(layer, layerId, id) {
  const el = layer.getElement && layer.getElement();
  if (el) {
    el.dataset.layer = layerId;
    el.dataset.id = String(id);
  }
}

// offset [dx, dy] in pixels moves the symbol off its point, for features that
// share one (see spreadOffsets).
function symbolMarker(latlng, html, size, title, layerId, id, offset = [0, 0]) {
  const marker = L.marker(latlng, {
    icon: L.divIcon({
      className: `cm-symbol cm-symbol-${layerId}`,
      html,
      iconSize: [size, size],
      iconAnchor: [size / 2 - offset[0], size / 2 - offset[1]],
    }),
    title,
    alt: title,
    keyboard: true,
    riseOnHover: true,
  });
  marker.on("click", () => select(layerId, id));
  // Markers are in the tab order (keyboard: true) but Leaflet 1.9 only opens
  // popups on Enter; make Enter and Space select, like a button.
  marker.on("keypress", (e) => {
    const key = e.originalEvent.key;
    if (key === "Enter" || key === " ") {
      e.originalEvent.preventDefault();
      select(layerId, id);
    }
  });
  // The element exists only once on the map; tag it for styling and tests.
  marker.on("add", () => tagElement(marker, layerId, id));
  state.symbols.set(`${layerId}:${id}`, { marker, offset });
  return marker;
}

// The point a symbol stands on; null for a feature without geometry (it is
// still listed and has a panel, but is not drawn).
function anchorOf(f) {
  if (!f.geometry) return null;
  return f.geometry.type === "Point" ? f.geometry.coordinates : labelPoint(f.geometry);
}

// Clusters placed at their district's point-on-surface (commune unknown) share
// one point; drawn there they would hide each other. Symbols that share a point
// are set around it on a small ring, a fixed number of pixels out.
function spreadOffsets(anchors) {
  const groups = new Map();
  anchors.forEach((a, i) => {
    if (!a) return;
    const key = `${a[0].toFixed(4)},${a[1].toFixed(4)}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(i);
  });
  const offsets = anchors.map(() => [0, 0]);
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const r = 10 + 3 * members.length;
    members.forEach((i, k) => {
      const angle = (2 * Math.PI * k) / members.length - Math.PI / 2;
      offsets[i] = [Math.round(r * Math.cos(angle)), Math.round(r * Math.sin(angle))];
    });
  }
  return offsets;
}

function buildClusters(fc) {
  const symbols = L.layerGroup();
  const footprints = L.layerGroup();
  const anchors = fc.features.map(anchorOf);
  const offsets = spreadOffsets(anchors);
  fc.features.forEach((f, i) => {
    const p = f.properties;
    const indicative = p.geometry_quality === "indicative";
    const anchor = anchors[i];
    p.__anchor = anchor;
    const size = p.kind === "ccn" ? 20 : 24;
    const marker = anchor && symbolMarker([anchor[1], anchor[0]], clusterSymbolSVG(p.kind, p.status, indicative, size), size, p.name, "clusters", f.id, offsets[i]);
    let footprint = null;
    if (f.geometry && /Polygon/.test(f.geometry.type)) {
      footprint = L.geoJSON(f, {
        renderer: footprintRenderer,
        pane: "cm-footprints",
        style: {
          color: darker(colorOfStage(p.status), 0.5),
          weight: 2,
          opacity: 1,
          dashArray: indicative ? "6 4" : null,
          fillColor: colorOfStage(p.status),
          fillOpacity: 0.6,
          className: `cm-footprint cm-stage-${p.status}${indicative ? " cm-indicative" : ""}`,
        },
      });
      footprint.bindTooltip(h("span", null, p.name), { sticky: true }); // text, never HTML: names come from data
      footprint.on("click", () => select("clusters", f.id));
      footprint.on("add", () => footprint.eachLayer((l) => tagElement(l, "clusters", f.id)));
    }
    state.clusterViews.set(String(f.id), { feature: f, marker, footprint });
  });
  state.layers.clusters = L.layerGroup([footprints, symbols]);
  state.clusterGroups = { symbols, footprints };
  updateClusters();
}

// Where a feature's symbol is drawn: its point and the pixel offset that
// moves it off a point it shares; null for features drawn without a symbol.
function symbolAt(layer, id) {
  const s = state.symbols.get(`${layer}:${id}`);
  return s ? { latlng: s.marker.getLatLng(), offset: s.offset, shown: map.hasLayer(s.marker) } : null;
}

// Shows each cluster that passes the filters, as a polygon when zoomed in and
// it has one, else as a symbol.
function updateClusters() {
  if (!state.clusterGroups) return;
  const { symbols, footprints } = state.clusterGroups;
  const zoomedIn = map.getZoom() >= FOOTPRINT_ZOOM;
  for (const v of state.clusterViews.values()) {
    const show = filters.matches(v.feature);
    const asPolygon = show && zoomedIn && v.footprint;
    const asSymbol = show && !asPolygon && v.marker;
    if (asPolygon && !footprints.hasLayer(v.footprint)) footprints.addLayer(v.footprint);
    if (!asPolygon && v.footprint && footprints.hasLayer(v.footprint)) footprints.removeLayer(v.footprint);
    if (asSymbol && !symbols.hasLayer(v.marker)) symbols.addLayer(v.marker);
    if (!asSymbol && v.marker && symbols.hasLayer(v.marker)) symbols.removeLayer(v.marker);
  }
}

function buildPoints(layerId, fc, svgOf) {
  const group = L.layerGroup();
  const features = fc.features.filter((f) => f.geometry); // nothing to draw without
  const anchors = features.map(anchorOf);
  const offsets = spreadOffsets(anchors);
  features.forEach((f, i) => {
    const c = anchors[i];
    group.addLayer(symbolMarker([c[1], c[0]], svgOf(f.properties), 18, f.properties.name, layerId, f.id, offsets[i]));
  });
  state.layers[layerId] = group;
}

function buildRoads(fc) {
  const casing = L.geoJSON(fc, { pane: "cm-roads", interactive: false, style: { color: "#ffffff", weight: 6, opacity: 0.9 } });
  const lines = L.geoJSON(fc, {
    pane: "cm-roads",
    style: { color: "#c0392b", weight: 3, opacity: 1 },
    onEachFeature: (f, l) => {
      l.bindTooltip(h("span", null, [f.properties.ref, f.properties.name].filter(Boolean).join(" — ")), { sticky: true });
      l.on("click", () => select("roads", f.id));
    },
  });
  // One route shield per road, on the middle vertex of its longest part.
  const shields = L.layerGroup();
  for (const f of fc.features) {
    if (!f.geometry || !f.properties.ref) continue;
    const parts = f.geometry.type === "LineString" ? [f.geometry.coordinates] : f.geometry.coordinates;
    const longest = parts.reduce((a, b) => (b.length > a.length ? b : a), []);
    if (!longest.length) continue;
    const c = longest[Math.floor(longest.length / 2)];
    shields.addLayer(L.marker([c[1], c[0]], {
      pane: "cm-labels",
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: "cm-road-shield", html: h("span", {}, f.properties.ref).outerHTML, iconSize: null }),
    }));
  }
  state.layers.roads = L.layerGroup([casing, lines, shields]);
}

// Labels for regions and districts: a div marker on a point inside each
// polygon, computed from the GeoJSON (vector tiles carry no label points).
function labelMarker(latlng, cls, text) {
  return L.marker(latlng, {
    pane: "cm-labels",
    interactive: false,
    keyboard: false,
    icon: L.divIcon({ className: cls, html: h("span", {}, text).outerHTML, iconSize: null }),
  });
}

const regionLabels = L.layerGroup();
function drawRegionLabels() {
  regionLabels.clearLayers();
  for (const f of state.regions.values()) {
    const c = labelPoint(f.geometry);
    if (!c) continue;
    const name = lang() === "en" ? f.properties.name_en || f.properties.name_vi : f.properties.name_vi;
    regionLabels.addLayer(labelMarker([c[1], c[0]], "cm-region-label", name));
  }
}

// A district label that would sit on its region's label moves below it, or is
// dropped when it says the same thing (the Chư Sê region is Chư Sê district).
function buildDistrictLabels(fc) {
  const group = L.layerGroup();
  const regionPoints = [...state.regions.values()].map((r) => ({
    at: labelPoint(r.geometry),
    names: [r.properties.name_vi, r.properties.name_en].filter(Boolean).map((n) => n.toLowerCase()),
  }));
  for (const f of fc.features) {
    const c = labelPoint(f.geometry);
    if (!c) continue;
    const near = regionPoints.find((r) => r.at && Math.hypot(r.at[0] - c[0], r.at[1] - c[1]) < 0.08);
    if (near && near.names.includes(String(f.properties.name).toLowerCase())) continue;
    group.addLayer(labelMarker([c[1], c[0]], `cm-district-label${near ? " offset" : ""}`, f.properties.name));
  }
  state.layers.districts.addLayer(group);
}

// --- selection and the panel ----------------------------------------------------------

// The selected feature is outlined; a feature drawn as a symbol (every cluster
// below zoom 12, where its footprint would be a pixel or two) gets a ring
// around the symbol instead, on the symbol's own offset.
const selection = L.geoJSON(null, {
  pane: "cm-selection",
  interactive: false,
  style: { color: "#111111", weight: 4, opacity: 0.9, fill: false, dashArray: null },
  pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 17, color: "#111111", weight: 3, fill: false, pane: "cm-selection" }),
}).addTo(map);
const selectionRing = L.layerGroup().addTo(map);
const RING = 36;

function drawSelection() {
  selection.clearLayers();
  selectionRing.clearLayers();
  const sel = state.selected;
  const f = state.selectedFeature;
  if (!sel || !f) return;
  const at = symbolAt(sel.layer, sel.id);
  if (at && at.shown) {
    const ring = L.marker(at.latlng, {
      pane: "cm-selection",
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: "cm-selection-ring", iconSize: [RING, RING], iconAnchor: [RING / 2 - at.offset[0], RING / 2 - at.offset[1]] }),
    });
    ring.on("add", () => tagElement(ring, sel.layer, sel.id));
    selectionRing.addLayer(ring);
  } else if (f.geometry) {
    selection.addData(f.geometry);
  }
}

const summaryCache = new Map();
// Answers of the per-feature planning endpoints, kept for the session: the
// panel re-renders on a language switch and must not ask again.
const answerCache = new Map();
function cachedJSON(path) {
  if (!answerCache.has(path)) {
    const p = getJSON(path);
    p.catch(() => answerCache.delete(path));
    answerCache.set(path, p);
  }
  return answerCache.get(path);
}
const panelCtx = {
  clusterEligibility: (id) => cachedJSON(`api/clusters/${encodeURIComponent(id)}/eligibility`),
  districtEligibility: (code) => cachedJSON(`api/districts/${encodeURIComponent(code)}/eligibility`),
  regions: state.regions,
  districtName: (code) => state.districtNames.get(String(code)) || String(code),
  select: (layer, id, opts) => select(layer, id, opts),
  regionSummary: (slug) => {
    if (!summaryCache.has(slug)) {
      const p = getJSON(`api/regions/${encodeURIComponent(slug)}/summary`);
      p.catch(() => summaryCache.delete(slug));
      summaryCache.set(slug, p);
    }
    return summaryCache.get(slug);
  },
  filterRegion: (slug) => {
    filters.setRegion(slug);
    openSidebar("filters");
  },
};

async function loadFeature(layer, id) {
  if (state.features[layer]) {
    // The whole layer is loaded: asking the server again would only 404.
    const local = state.features[layer].get(String(id));
    if (local) return local;
    throw new HTTPError(404, `${layer} ${id}: not found`);
  }
  if (layer === "regions" && state.regions.has(String(id))) return state.regions.get(String(id));
  return getJSON(`api/layers/${encodeURIComponent(layer)}/features/${encodeURIComponent(id)}`);
}

let selectSeq = 0;
// Selects a feature: panel, highlight, URL. fly zooms to it (search, list, links).
async function select(layer, id, { fly = false, focus = true, bbox = null } = {}) {
  const seq = ++selectSeq;
  state.selected = { layer, id: String(id) };
  writeHash();
  if (LAYER_IDS.includes(layer) && !visibleLayer(layer)) setVisible(layer, true);
  if (isPhone()) closeSidebar();
  panel.openLoading(layer, id);
  if (legend) legend.foldForPanel();
  if (fly && bbox) flyTo(bbox, layer);
  let feature;
  try {
    feature = await loadFeature(layer, id);
  } catch (err) {
    if (seq !== selectSeq) return;
    panel.showError(layer, id, err.status === 404 ? t("panel.notFound") : err.message);
    return;
  }
  if (seq !== selectSeq) return; // a later selection won
  if (feature.id == null) feature.id = id;
  state.selectedFeature = feature;
  panel.show(layer, id, feature, panelCtx, { focus });
  drawSelection();
  if (fly && !bbox && feature.geometry) flyTo(geomBBox(feature.geometry), layer);
  // A tap on a phone: the bottom sheet must not cover what was tapped.
  else if (!fly && focus && isPhone()) keepAboveSheet(layer, id);
}

// The height of the bottom sheet at its tallest (max-height: 62dvh in app.css).
function sheetHeight() {
  return Math.round(window.innerHeight * 0.62);
}

// Pans the map so that the selected symbol sits in the strip of map above the
// phone's bottom sheet, when the sheet covers it (or it is at the very top).
function keepAboveSheet(layer, id) {
  const at = symbolAt(layer, id);
  if (!at || !at.shown) return;
  const mapTop = map.getContainer().getBoundingClientRect().top;
  const sheetTop = document.getElementById("panel").getBoundingClientRect().top - mapTop;
  const p = map.latLngToContainerPoint(at.latlng).add(at.offset);
  const margin = 32;
  if (p.y >= margin && p.y <= sheetTop - margin) return;
  map.panBy([0, Math.round(p.y - Math.max(margin, sheetTop / 2))], { duration: 0.35 });
}

// Brings a set of points into view, clear of the panel (desktop) or of the
// bottom sheet (phone), unless they are all in view already.
function showAll(latlngs) {
  const bounds = L.latLngBounds(latlngs);
  const phone = isPhone();
  const size = map.getSize();
  const covered = phone ? Math.min(size.y - 80, sheetHeight()) : 0;
  const inView = latlngs.every((ll) => {
    const p = map.latLngToContainerPoint(ll);
    return p.x >= 20 && p.x <= size.x - 20 && p.y >= 20 && p.y <= size.y - covered - 20;
  });
  if (inView) return;
  map.flyToBounds(bounds, {
    maxZoom: 11,
    paddingTopLeft: [30, 30],
    paddingBottomRight: phone ? [30, covered + 20] : [30, 30],
    duration: 0.6,
  });
}

function flyTo(b, layer) {
  const bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
  const maxZoom = layer === "clusters" ? 14 : layer === "plants" || layer === "energy" ? 13 : 11;
  // Leave room for the panel: right on desktop, bottom sheet on phones.
  const phone = isPhone();
  map.flyToBounds(bounds, {
    maxZoom,
    paddingTopLeft: [40, 40],
    paddingBottomRight: phone ? [40, sheetHeight() + 16] : [420, 40],
    duration: 0.6,
  });
}

panel.setOnClose(() => {
  if (legend) legend.unfoldAfterPanel();
  state.selected = null;
  state.selectedFeature = null;
  drawSelection();
  writeHash();
});

// --- URL hash: #zoom/lat/lon[/layer:id] -------------------------------------------------

function writeHash() {
  const c = map.getCenter();
  const z = Math.round(map.getZoom() * 2) / 2;
  let hash = `#${z}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}`;
  if (state.selected) hash += `/${state.selected.layer}:${encodeURIComponent(state.selected.id)}`;
  if (hash !== location.hash) {
    state.hashWritten = hash;
    // replaceState: panning should not fill the back button's history.
    history.replaceState(null, "", hash);
  }
}

function parseHash(hash) {
  const parts = hash.replace(/^#/, "").split("/");
  if (parts.length < 3) return null;
  const [z, lat, lon] = parts.slice(0, 3).map(Number);
  if (![z, lat, lon].every(Number.isFinite)) return null;
  let sel = null;
  if (parts[3]) {
    const i = parts[3].indexOf(":");
    if (i > 0) sel = { layer: parts[3].slice(0, i), id: decodeURIComponent(parts[3].slice(i + 1)) };
  }
  return { z, lat, lon, sel };
}

window.addEventListener("hashchange", () => {
  if (location.hash === state.hashWritten) return;
  const v = parseHash(location.hash);
  if (!v) return;
  map.setView([v.lat, v.lon], v.z);
  if (v.sel) select(v.sel.layer, v.sel.id, { focus: false });
  else panel.close({ restoreFocus: false });
});

// --- sidebar: filters & list, region overview -------------------------------------------

const sidebar = document.getElementById("sidebar");
const TABS = ["filters", "overview", "linkage", "sites"];
// Tabs whose tables need a wider sidebar than the filters.
const WIDE_TABS = new Set(["overview", "sites"]);
const tabButtons = Object.fromEntries(TABS.map((n) => [n, document.getElementById(`tab-${n}`)]));
const tabPanels = {
  filters: document.getElementById("filters-section"),
  overview: document.getElementById("overview"),
  linkage: document.getElementById("linkage-section"),
  sites: document.getElementById("sites-section"),
};

function openSidebar(tab) {
  for (const [name, button] of Object.entries(tabButtons)) {
    button.setAttribute("aria-pressed", String(name === tab));
    tabPanels[name].hidden = name !== tab;
  }
  const wasHidden = sidebar.hidden;
  const wasWide = document.body.classList.contains("sidebar-wide");
  sidebar.hidden = false;
  document.body.classList.add("sidebar-open");
  document.body.classList.toggle("sidebar-wide", WIDE_TABS.has(tab));
  document.body.classList.toggle("overview-active", tab === "overview");
  document.body.dataset.tab = tab;
  if (isPhone()) panel.close({ restoreFocus: false });
  if (tab === "overview") overview.show();
  // The linkage tab shows its lines on the map; they stay (a layer in the
  // legend) when another tab opens. The zones layer stays as the user has it:
  // the province-wide cassava zone would hatch the whole map.
  if (tab === "linkage") setVisible("linkage", true);
  if (wasHidden || wasWide !== WIDE_TABS.has(tab)) map.invalidateSize();
}

function closeSidebar() {
  if (sidebar.hidden) return;
  sidebar.hidden = true;
  document.body.classList.remove("sidebar-open", "sidebar-wide", "overview-active");
  delete document.body.dataset.tab;
  for (const b of Object.values(tabButtons)) b.setAttribute("aria-pressed", "false");
  map.invalidateSize();
}

for (const [name, button] of Object.entries(tabButtons)) {
  button.addEventListener("click", () => {
    const open = !sidebar.hidden && !tabPanels[name].hidden;
    if (open) closeSidebar();
    else openSidebar(name);
  });
}
document.getElementById("sidebar-close").addEventListener("click", () => closeSidebar());

// The skip link focuses the map without writing "#map" over the view in the URL.
document.querySelector(".skip-link").addEventListener("click", (e) => {
  e.preventDefault();
  map.getContainer().focus();
});

// --- language ---------------------------------------------------------------------------

const langToggle = document.getElementById("lang-toggle");
function updateLangToggle() {
  langToggle.textContent = t("lang.switch");
  langToggle.setAttribute("lang", lang() === "vi" ? "en" : "vi");
  langToggle.setAttribute("aria-label", t("lang.switchLabel"));
}
langToggle.addEventListener("click", () => setLang(lang() === "vi" ? "en" : "vi"));
onLangChange(() => {
  updateLangToggle();
  addZoomControl();
  performance.mark("clustermap:relabel:start");
  drawRegionLabels();
  performance.measure("clustermap:relabel", "clustermap:relabel:start");
  panel.rerender();
});
updateLangToggle();

// --- start ------------------------------------------------------------------------------

function statusMessage(text) {
  const el = document.getElementById("status");
  el.textContent = text;
  el.hidden = !text;
}

async function start() {
  const initial = parseHash(location.hash);
  if (initial) map.setView([initial.lat, initial.lon], initial.z);
  // Keep the province clear of the legend, which starts open on wide screens.
  else map.fitBounds(GIA_LAI, { paddingBottomRight: [isPhone() ? 0 : 270, 0] });
  map.on("moveend", writeHash);
  map.on("zoomend", () => {
    updateClusters();
    drawSelection();
    map.getContainer().classList.toggle("zoomed-out", map.getZoom() < 9);
  });
  map.getContainer().classList.toggle("zoomed-out", map.getZoom() < 9);

  for (const id of LAYER_IDS) state.visible[id] = !HIDDEN_AT_START.has(id);
  state.visible.linkage = false;
  state.visible.sites = true;
  legend = createLegend(map, {
    // Top of the list = top of the map; the site-finder ranks only once there are some.
    layerIds: () => [...(sites.hasResults() ? ["sites"] : []), "linkage", ...[...LAYER_IDS].reverse()],
    regions: state.regions,
    isVisible: visibleLayer,
    setVisible,
  });
  setBasemapState("checking");
  startBasemap();

  // Polygons first, so they are under what arrives later. "ready" also waits
  // for their first tiles, but never more than TILE_WAIT_MS: a slow tile must
  // not hold up the page's readiness forever.
  const grids = [state.layers.regions, state.layers.districts.getLayers()[0]];
  const tilesLoaded = Promise.race([
    Promise.all(grids.map((g) => new Promise((resolve) => g.once("load", resolve)))),
    new Promise((resolve) => setTimeout(resolve, TILE_WAIT_MS)),
  ]);
  for (const id of ["regions", "districts", "raw_material_zones"]) setVisible(id, state.visible[id]);
  regionLabels.addTo(map);

  const load = async (what, fn) => {
    try {
      return await fn();
    } catch (err) {
      throw new Error(`${what}: ${err.message}`);
    }
  };
  const [regions, districts, clusters, plants, energy, roads] = await Promise.all([
    load("regions", () => getAllFeatures("regions")),
    load("districts", () => getAllFeatures("districts")),
    ...GEOJSON_LAYERS.map((id) => load(id, () => getAllFeatures(id).then((fc) => indexFeatures(id, fc)))),
  ]);

  for (const f of regions.features) {
    if (f.id == null) f.id = f.properties.slug;
    state.regions.set(String(f.id), f);
  }
  for (const f of districts.features) state.districtNames.set(String(f.properties.code ?? f.id), f.properties.name);
  // Label points are searched once per polygon (util.js caches them); the
  // measure lets the browser tests report what placing the labels costs.
  performance.mark("clustermap:labels:start");
  drawRegionLabels();
  buildDistrictLabels(districts);
  performance.measure("clustermap:labels", "clustermap:labels:start");
  buildRoads(roads);
  buildPoints("energy", energy, (p) => energySymbolSVG(p.kind));
  buildPoints("plants", plants, (p) => plantSymbolSVG(p.crop));
  filters.init({
    features: clusters.features,
    regions: state.regions,
    onChange: () => {
      updateClusters();
      drawSelection();
    },
    onPick: (f) => select("clusters", f.id, { fly: true }),
  });
  buildClusters(clusters);
  sites.init({
    industries: [...new Set(clusters.features.flatMap((f) => filters.industriesOf(f.properties)))].sort((a, b) => a.localeCompare(b, "vi")),
    anchorOf: (id) => symbolAt("clusters", id),
    select: (layer, id, opts) => select(layer, id, opts),
    onResults: (any) => {
      if (any) setVisible("sites", true);
      legend.render();
    },
    showAll: (latlngs) => showAll(latlngs),
  });
  for (const id of GEOJSON_LAYERS) setVisible(id, state.visible[id]);
  legend.render();

  if (initial && initial.sel) await select(initial.sel.layer, initial.sel.id, { focus: false });
  await tilesLoaded;
}

search.init({ onPick: (r) => select(r.layer, r.id, { fly: true, bbox: r.bbox }) });
overview.init({ onPickRegion: (slug) => select("regions", slug, { fly: true }) });

if (isPhone()) closeSidebar();
else openSidebar("filters");

start().then(() => {
  document.body.dataset.ready = "1";
  readyCallbacks.resolve();
}, (err) => {
  statusMessage(t("status.loadError", { what: err.message }));
  document.body.dataset.ready = "error";
  console.error("ClusterMap:", err);
  readyCallbacks.reject(err);
});
