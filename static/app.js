// ClusterMap web app, the entry point: it reads the layer catalog once
// (GET /api/layers), finds the page's elements and wires the modules
// together, one area at a time: the map and its layers, the data drawn on it,
// the feature panel and the selection, the sidebar's views, the header, the
// legend and the basemap, and the hook of the zoning workspace. Each module
// does one job and gets what it needs as arguments; what it does for others it
// announces (onPick, onOpen, …), and the areas below connect those, so no
// module waits for one made after it. None of them looks anything up in the
// page on its own.

import { createI18n, loadLanguage, savedLang } from "./i18n.js";
import { getLabels, getAllFeatures, findDistrictAt, createPlanningReads, readOnlyProvince } from "./api.js";
import { installPatterns } from "./symbols.js";
import { loadCatalog, creditHTML } from "./catalog.js";
import { createMap } from "./mapview.js";
import { createState, layerPlan } from "./state.js";
import { createBasemap, basemapURL } from "./basemap.js";
import { createTiles } from "./tiles.js";
import { createGeoJSONLayers } from "./geojson.js";
import { createLabels } from "./labels.js";
import { createSelection } from "./selection.js";
import { createURLHash, parseHash } from "./urlhash.js";
import { createSidebar } from "./sidebar.js";
import { createLanguageToggle } from "./language.js";
import { createPanel } from "./panel.js";
import { createFilters, industriesOf } from "./filters.js";
import { createSearch } from "./search.js";
import { createOverview } from "./overview.js";
import { createSites, PARTS } from "./sites.js";
import { createLinkage } from "./linkage.js";
import { createLegend } from "./legend.js";
import { createAbout } from "./about.js";
import { createTable } from "./table.js";
import { createCompare } from "./compare.js";
import { createCompareTray } from "./comparetray.js";
import { createFactSheet } from "./factsheet.js";
import { printParams, startPrintMode } from "./printmode.js";
import { startOffline, offline } from "./offline.js";
import { createDeclutter } from "./declutter.js";
import { contactLinkOf } from "./clusterfacts.js";
import { showDate, dateInWords } from "./dates.js";

// Where the map opens when the province states no view and has no outline: Vietnam.
const VIETNAM = L.latLngBounds([8.2, 102.1], [23.4, 109.5]);
const TILE_WAIT_MS = 8000;
const FIRST_DRAW_WAIT_MS = 250;
const TILES_WITH_FEATURES_MS = 150;

const $ = (id) => document.getElementById(id);
const isPhone = () => window.matchMedia("(max-width: 720px)").matches;

const readyCallbacks = {};
const ready = new Promise((resolve, reject) => Object.assign(readyCallbacks, { resolve, reject }));
// Tests and other scripts wait on this; keep an internal catch so a failed
// load is reported once, through the status line, not as an unhandled rejection.
ready.catch(() => {});
window.clustermap = { map: null, ready };

function statusMessage(text) {
  const el = $("status");
  el.textContent = text;
  el.hidden = !text;
}

performance.mark("clustermap:module"); // the phases of a first load, for the browser tests

async function start() {
  // The print mode's language is the request's, whatever this (fresh) browser remembers.
  const print = printParams();
  if (print) window.localStorage.setItem("clustermap.lang", print.lang);
  // From an offline pack, the requests are answered by the pack's files (offline.js).
  const pack = await startOffline();
  const { catalog, i18n } = await loadCatalogAndLanguage();
  if (pack) showPackStamp(pack, i18n);
  const data = requestData(catalog);
  const sidebar = wireSidebar();
  const { map, footprintRenderer, markZoom, state, tiles, initial, tilesLoaded } = wireMap({ catalog, i18n });
  const geojson = createGeoJSONLayers({ map, footprintRenderer });
  const labels = createLabels({ i18n, regions: state.regions });
  const { fcs, clusters, districts } = await drawData({ map, state, geojson, data, tilesFetched: tiles.whenFirstFetched() });
  await firstPaint(tilesLoaded);
  drawLabels({ map, state, labels, districts });

  // The views are wired a few at a time, each part a task of its own: the tiles that arrive
  // meanwhile are decoded and painted between them, not after all of them (a first load whose
  // tiles came late waited ~250 ms more for its map, the wiring's whole length).
  installPatterns();
  window.clustermap.about = createAbout({ dialog: $("about"), body: $("about-body"), closeButton: $("about-close"), i18n, catalog, map });
  const reads = createPlanningReads();
  const { panel, compare, selection, select } = wirePanel({ map, state, geojson, i18n, reads });
  await nextTask();
  // The fact sheet: one A4 page with a map of the site, printed from the panel.
  const factSheet = createFactSheet({ i18n, tiles, roads: fcs.roads, contactOf: contactsOf(catalog, i18n),
    dataVersion: () => (catalog.layer("clusters") || {}).version });
  panel.onPrint((f) => factSheet.print(f));
  window.clustermap.select = select;
  window.clustermap.factSheet = (id) => {
    const f = clusters.features.find((x) => String(x.id) === String(id));
    return f ? factSheet.build(f).then(() => true) : Promise.resolve(false);
  };
  // On a phone the panel and the sidebar are both bottom sheets: one opening closes the other.
  sidebar.onOpen(() => {
    if (isPhone()) panel.close({ restoreFocus: false });
  });
  selection.onOpen(() => {
    if (isPhone()) sidebar.close();
  });
  wirePicks({ map, tiles, geojson, select });
  wireLinkage({ map, i18n, catalog, sidebar, state, tiles, fcs, select });
  await nextTask();
  wireFilters({ i18n, sidebar, state, geojson, panel, selection, clusters, select });
  await nextTask();
  wireTable({ i18n, sidebar, panel, compare, clusters, districts, reads, select });
  wireOverview({ i18n, sidebar, select });
  await nextTask();
  const sites = wireSites({ i18n, catalog, state, geojson, selection, clusters, fcs, select });
  wireHeader({ map, i18n, catalog, labels, select });
  await nextTask();
  map.on("zoomend", () => {
    geojson.updateClusters();
    selection.draw();
  });
  markZoom();
  const legend = wireLegendAndBasemap({ map, i18n, state, selection, sites, home: provinceBounds(catalog.province) });
  // Symbols apart, labels off the symbols; the selection ring follows the moved symbol.
  const declutter = createDeclutter({ map, onShift: () => selection.draw() });
  declutter.run();
  i18n.onLangChange(() => declutter.run());
  window.clustermap.declutter = declutter;
  const refreshLayer = layerRefresher({ map, state, geojson, fcs, clusters, filtersForm: $("filters"), declutter, selection, geojsonIds: data.geojsonIds });
  wireWorkspace({ i18n, app: { map, catalog, select, state, panel, refreshLayer, legend } });

  if (initial && initial.sel) await select(initial.sel.layer, initial.sel.id, { focus: false });
  await tilesLoaded;
  if (print && print.sheet) {
    if (await window.clustermap.factSheet(print.sheet)) document.body.dataset.printReady = "true";
  } else if (print && print.compare) {
    const picked = print.compare.map((id) => clusters.features.find((f) => String(f.id) === id)).filter(Boolean);
    if (picked.length >= 2) {
      compare.compare(picked);
      document.body.classList.add("printing"); // the panel alone, as the browser's print shows it
      await new Promise((resolve) => setTimeout(resolve, 300)); // the verdicts, asked for as the table is drawn
      document.body.dataset.printReady = "true";
    }
  } else if (print) await startPrintMode({ params: print, map, catalog, i18n, state, tilesLoaded, drawn: Promise.resolve() });
  return i18n;
}

// --- loading -------------------------------------------------------------------------------------

// The catalog and the strings. English strings are fetched beside the catalog (preloaded by the
// page) when that is the language chosen before, and the page's own words switch at once; the
// HTML is in Vietnamese.
async function loadCatalogAndLanguage() {
  const catalogLoaded = loadCatalog();
  catalogLoaded.catch(() => {}); // awaited below; a failure is reported there, once
  const lang = savedLang(window.localStorage);
  await loadLanguage(lang);
  if (lang !== "vi") createI18n({ storage: window.localStorage, root: document }).applyStatic();
  const catalog = await catalogLoaded;
  performance.mark("clustermap:catalog");
  const i18n = createI18n({ vocabularies: catalog.vocabularies, storage: window.localStorage, root: document });
  i18n.setContext(provinceWords(catalog)); // and fills the page's words, in its language
  return { catalog, i18n };
}

// The data is asked for now, before the map and the panels are built, so that the requests
// travel while the page sets itself up: the label points of regions and districts (a few kB,
// each region with its properties: legend, filters, panel; their polygons come as tiles) and
// the GeoJSON layers.
function requestData(catalog) {
  // An installation of several provinces: the map reads the one it shows (api.js).
  readOnlyProvince(catalog.provinces.length > 1 && catalog.province ? catalog.province.code : null);
  const load = async (what, fn) => {
    try {
      return await fn();
    } catch (err) {
      throw new Error(`${what}: ${err.message}`);
    }
  };
  const geojsonIds = layerPlan(catalog.layerIds).filter((p) => p.transport === "geojson").map((p) => p.id);
  const loaded = Promise.all([load("labels", getLabels), ...geojsonIds.map((id) => load(id, () => getAllFeatures(id)))]);
  loaded.catch(() => {}); // awaited in drawData; a failure is reported there, once
  return { geojsonIds, loaded };
}

// The province the map shows, in the page's words: its name, its units today and before the
// reform, what it was formed from, and the day its units are given for (title, subtitle, legend,
// About).
function provinceWords(catalog) {
  const p = catalog.province;
  return (lang) => {
    const formed = (p && p.formed_from ? p.formed_from : []).map((f) => f.replace(/^province:\d+ /, ""));
    const vi = lang === "vi";
    let formedFrom = "";
    if (formed.length > 1) {
      formedFrom = vi ? `hợp nhất các tỉnh ${formed.join(" và ")} (đến hết ngày 30/6/2025)`
        : `the merger of the former ${formed.join(" and ")} provinces (until 30 June 2025)`;
    } else formedFrom = vi ? "không qua hợp nhất" : "not merged";
    return {
      province: p ? p.name : "",
      communes: p && p.units ? p.units.commune || 0 : 0,
      districts: p ? p.former_districts || 0 : 0,
      formedFrom,
      asOf: vi ? showDate(catalog.unitsAsOf, "vi") : dateInWords(catalog.unitsAsOf, "en"),
    };
  };
}

// The province's outline's extent, or Vietnam's when it has none.
function provinceBounds(p) {
  if (!p || !p.bbox) return VIETNAM;
  return L.latLngBounds([p.bbox[1], p.bbox[0]], [p.bbox[3], p.bbox[2]]).pad(0.03);
}

// --- the map -------------------------------------------------------------------------------------

// The sidebar and its tabs; on wide screens it starts open at the filters, before the map is
// made, so that the map starts at the size it keeps and the first view fits it. Each view
// listens for its own tab (sidebar.onOpen).
function wireSidebar() {
  const tabNames = { filters: "filters-section", overview: "overview", linkage: "linkage-section", sites: "sites-section", table: "table-section" };
  const sidebar = createSidebar({
    sidebar: $("sidebar"),
    tabs: Object.fromEntries(Object.entries(tabNames).map(([name, section]) => [name, { button: $(`tab-${name}`), section: $(section) }])),
    closeButton: $("sidebar-close"),
    body: document.body,
  });
  if (!isPhone()) sidebar.open("filters");
  return sidebar;
}

// The map, what the page holds, and the polygons' tiles at once: they are under what arrives
// later, and their requests go out before the panels are built. tilesLoaded resolves with their
// first tiles, or after TILE_WAIT_MS: a slow tile must not hold up the page's readiness forever.
function wireMap({ catalog, i18n }) {
  const home = provinceBounds(catalog.province);
  const { map, footprintRenderer, markZoom } = createMap({
    container: $("map"),
    bounds: home,
    i18n,
    credits: (lang) => catalog.credits.map((c) => creditHTML(c, lang)),
  });
  window.clustermap.map = map;
  const state = createState({ map, plan: layerPlan(catalog.layerIds) });
  const layerBounds = (id) => {
    const b = catalog.layer(id) && catalog.layer(id).bounds;
    return b ? L.latLngBounds([b[1], b[0]], [b[3], b[2]]) : null;
  };
  const tiles = createTiles({ bounds: home, layerBounds });
  const tiled = state.plan.filter((p) => p.transport === "tiles");
  const grids = [];
  for (const l of tiled) {
    const made = tiles.layer(l.id);
    if (!made) continue;
    state.layers[l.id] = made.layer;
    if (l.id !== "raw_material_zones") grids.push(made.grid);
  }
  const initial = parseHash(window.location.hash);
  if (initial) map.setView([initial.lat, initial.lon], initial.z);
  // Keep the province clear of the legend, which starts open on wide screens.
  else if (catalog.province && catalog.province.view) map.setView([catalog.province.view[1], catalog.province.view[0]], catalog.province.view[2]);
  else map.fitBounds(home, { paddingBottomRight: [isPhone() ? 0 : 270, 0] });
  const tilesLoaded = atMost(TILE_WAIT_MS, Promise.all(grids.map((g) => new Promise((resolve) => g.once("load", resolve)))));
  for (const l of tiled) state.setVisible(l.id, state.visible[l.id]);
  performance.mark("clustermap:tiles-requested");
  return { map, footprintRenderer, markZoom, state, tiles, initial, tilesLoaded };
}

// The features go on the map as soon as they are in, and in the same turn as the first view's
// tiles when those come within TILES_WITH_FEATURES_MS: one frame then draws both (drawn in two,
// the second waited for the first's raster, some 50–70 ms on a busy 2-core machine). The panels,
// tabs and the legend are built after, so the map does not wait for them. → {fcs: layer id →
// FeatureCollection, clusters: the clusters' collection (empty when not served), districts: the
// district label points}.
async function drawData({ map, state, geojson, data, tilesFetched }) {
  const [labelPoints, ...loaded] = await data.loaded;
  await atMost(TILES_WITH_FEATURES_MS, tilesFetched);
  const fcs = Object.fromEntries(data.geojsonIds.map((id, i) => [id, state.indexFeatures(id, loaded[i])]));
  const regions = labelPoints.features.filter((f) => f.properties.layer === "regions");
  const districts = { features: labelPoints.features.filter((f) => f.properties.layer === "districts") };
  for (const f of regions) {
    if (f.id == null) f.id = f.properties.slug;
    state.regions.set(String(f.id), f);
  }
  for (const f of districts.features) state.districtNames.set(String(f.properties.code ?? f.id), f.properties.name);
  for (const id of data.geojsonIds) {
    const layer = geojson.build(id, fcs[id]);
    if (layer) state.layers[id] = layer;
  }
  // Top layer first: symbols at the same latitude stack in the order they are
  // added, and a plant or power station on a cluster's point stays visible.
  for (const id of [...data.geojsonIds].reverse()) state.setVisible(id, state.visible[id]);
  return { fcs, clusters: fcs.clusters || { type: "FeatureCollection", features: [] }, districts };
}

// The names of areas and units go on the map after its first paint: the features first (a
// province's ~200 commune names were a third of the first frame's elements). The measure lets the
// browser tests report what placing them costs.
function drawLabels({ map, state, labels, districts }) {
  performance.mark("clustermap:labels:start");
  labels.regionLabels.addTo(map);
  labels.drawRegionLabels();
  const districtLabels = labels.districtLabels(districts);
  if (state.layers.districts) state.layers.districts.addLayer(districtLabels);
  performance.measure("clustermap:labels", "clustermap:labels:start");
}

// The map is painted with its features before the views are built (their building and painting
// would hold the first picture back); a slow tile holds those views back a moment at most.
// "Features drawn" is marked after that paint, for the browser tests; "ready" is when every view
// is wired.
async function firstPaint(tilesLoaded) {
  const afterPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const featuresDrawn = tilesLoaded.then(afterPaint).then(() => performance.mark("clustermap:features-drawn"));
  await atMost(FIRST_DRAW_WAIT_MS, featuresDrawn);
}

// A task boundary: what the browser has queued meanwhile (a tile's decoding, a frame) runs before
// the code after it. setTimeout, not scheduler.yield(), whose continuation goes ahead of them.
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

// atMost(ms, promise) settles with promise, or after ms with undefined, whichever comes first.
function atMost(ms, promise) {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);
}

// --- the panel and the selection -----------------------------------------------------------------

// The feature panel, the comparison it shows, the selection (highlight, panel) and the URL that
// follows it. → {panel, compare, selection, select}.
function wirePanel({ map, state, geojson, i18n, reads }) {
  const panelElement = $("panel");
  const panel = createPanel({
    panel: panelElement,
    body: $("panel-body"),
    closeButton: $("panel-close"),
    i18n,
    reads,
    regions: state.regions,
    districtName: (code) => state.districtNames.get(String(code)) || String(code),
  });
  const compare = createCompare({ panel, i18n, clusterEligibility: reads.clusterEligibility });
  const selection = createSelection({ map, state, panel, panelElement, symbolAt: geojson.symbolAt, isPhone, i18n });
  const { select } = selection;
  panel.onPick(select);
  const hash = createURLHash({
    map,
    location: window.location,
    history: window.history,
    win: window,
    selected: () => state.selected,
    onNavigate: (v) => {
      map.setView([v.lat, v.lon], v.z);
      if (v.sel) select(v.sel.layer, v.sel.id, { focus: false });
      else panel.close({ restoreFocus: false });
    },
  });
  selection.onChange(() => hash.write());
  map.on("moveend", () => hash.write());
  return { panel, compare, selection, select };
}

// What a click on the map opens: a tiled or GeoJSON feature, else the district under it (the
// server finds it: the page holds no district polygon).
// A feature's click reaches the map's click too (Leaflet passes it on), and the district lookup
// answers later: without care the district would open over the cluster just picked. So a click
// that picked a feature looks up no district, and a lookup that a later pick overtook is dropped:
// clusters (and every other feature) are above districts for clicks, at every zoom.
function wirePicks({ map, tiles, geojson, select }) {
  let picks = 0;
  let pickedThisClick = false;
  const drawing = () => map.pm && ((map.pm.globalDrawModeEnabled && map.pm.globalDrawModeEnabled()) || (map.pm.globalEditModeEnabled && map.pm.globalEditModeEnabled()) ||
    (map.pm.globalCutModeEnabled && map.pm.globalCutModeEnabled()) || (map.pm.globalRemovalModeEnabled && map.pm.globalRemovalModeEnabled()));
  const pick = (...args) => {
    // While a drawing tool is on, a tap places a vertex: it opens no panel.
    if (drawing()) return undefined;
    picks++;
    pickedThisClick = true;
    setTimeout(() => (pickedThisClick = false));
    return select(...args);
  };
  tiles.onPick(pick);
  geojson.onPick(pick);
  map.on("click", (e) => {
    if (drawing() || pickedThisClick) return;
    const before = picks;
    findDistrictAt(e.latlng)
      .then((code) => {
        if (code && picks === before) select("districts", code);
      })
      .catch(() => {}); // a failed lookup leaves the map as it was
  });
}

// --- the sidebar's views -------------------------------------------------------------------------

// The linkage tab shows its lines on the map; they stay (a layer in the legend) when another
// tab opens. The zones layer stays as the user has it: the province-wide cassava zone would
// hatch the whole map.
function wireLinkage({ map, i18n, catalog, sidebar, state, tiles, fcs, select }) {
  const linkage = createLinkage({
    map,
    i18n,
    defaults: catalog.defaults,
    elements: { radius: $("linkage-radius"), radiusValue: $("linkage-radius-value"), status: $("linkage-status"), summary: $("linkage-summary"), list: $("linkage-list") },
    zoneOverlay: (style) => tiles.vectorLayer("raw_material_zones", "cm-linkage-zones", style, false),
    select,
    // Operating plants count in the linkage.
    plants: () => (fcs.plants ? fcs.plants.features : []),
    clusterOf: (id) => (state.features.clusters ? state.features.clusters.get(String(id)) : null),
    districtTotal: () => state.districtNames.size,
  });
  state.layers.linkage = linkage.layer;
  sidebar.onOpen((tab) => {
    if (tab === "linkage") state.setVisible("linkage", true);
  });
  return linkage;
}

// The filters and the list of clusters; the panel's "show the region's clusters" sets the region.
function wireFilters({ i18n, sidebar, state, geojson, panel, selection, clusters, select }) {
  const filters = createFilters({
    i18n,
    elements: {
      form: $("filters"), stage: $("f-stage"), kind: $("f-kind"), region: $("f-region"), industry: $("f-industry"), minFree: $("f-minfree"),
      list: $("results-list"), count: $("results-count"), exportCSV: $("export-csv"), exportGeoJSON: $("export-geojson"),
    },
    features: clusters.features,
    regions: state.regions,
    onChange: () => {
      geojson.updateClusters();
      selection.draw();
    },
    onPick: (f) => select("clusters", f.id, { fly: true }),
  });
  geojson.setFilter(filters.matches);
  panel.onFilterRegion((slug) => {
    filters.setRegion(slug);
    sidebar.open("filters");
  });
  return filters;
}

// The table of clusters and its comparison; the panel's "add to the comparison" adds to it.
function wireTable({ i18n, sidebar, panel, compare, clusters, districts, reads, select }) {
  // The comparison tray sits over the map and stays there: adding a cluster from its panel
  // says so in the tray, without switching the sidebar's tab.
  const tray = createCompareTray({ container: $("map"), i18n, features: clusters.features, onCompare: (picked) => compare.compare(picked) });
  const table = createTable({
    section: $("table-section"),
    i18n,
    features: clusters.features,
    districts: districts.features.map((f) => ({ code: String(f.properties.code ?? f.id), name: f.properties.name })),
    clusterEligibility: reads.clusterEligibility,
    districtEligibility: reads.districtEligibility,
    stuck: reads.stuck,
    select,
    onCompare: (picked) => compare.compare(picked),
    tray,
  });
  panel.onCompare((f) => tray.add(f.id));
  sidebar.onOpen((tab) => {
    if (tab === "table") table.show();
  });
  if (document.body.dataset.tab === "table") table.show();
  return table;
}

function wireOverview({ i18n, sidebar, select }) {
  const overview = createOverview({
    i18n,
    elements: { chart: $("overview-chart"), cropChart: $("overview-crops-chart"), table: $("overview-table"), details: $("overview-details"), status: $("overview-status"), rawNote: $("overview-raw-note"), coverage: $("overview-coverage"), exportCSV: $("overview-export") },
    onPickRegion: (slug) => select("regions", slug, { fly: true }),
  });
  sidebar.onOpen((tab) => {
    if (tab === "overview") overview.show();
  });
  return overview;
}

// Whom an investor asks about a site: the cluster's own contact where a source gives one, else
// the province's office for investors (/api/provinces). → contactOf(site) → {kind, name, href,
// detail} or null.
function contactsOf(catalog, i18n) {
  const office = catalog.province && catalog.province.contact;
  return (site) => {
    const own = contactLinkOf(site.contact);
    if (own) return { kind: "cluster", name: site.name, ...own };
    const link = office && contactLinkOf([office.phone, office.email, office.url].filter(Boolean).join(" "));
    return link ? { kind: "department", name: office.name[i18n.lang()] || office.name.vi, ...link } : null;
  };
}

function wireSites({ i18n, catalog, state, geojson, selection, clusters, fcs, select }) {
  const contactOf = contactsOf(catalog, i18n);
  const sites = createSites({
    i18n,
    defaults: catalog.defaults,
    elements: {
      form: $("sites-form"), industry: $("s-industry"), industryList: $("s-industries"), minFree: $("s-minfree"), includeUnknown: $("s-unknown"), crop: $("s-crop"), highway: $("s-highway"), maxHighway: $("s-maxhighway"),
      clear: $("sites-clear"), status: $("sites-status"), count: $("sites-count"), excluded: $("sites-excluded"), list: $("sites-list"), scaleNote: $("sites-scale-note"),
    },
    weights: Object.fromEntries(PARTS.map(({ key }) => [key, { input: $(`w-${key}`), label: $(`w-${key}-label`), value: $(`w-${key}-value`) }])),
    industries: [...new Set(clusters.features.flatMap((f) => industriesOf(f.properties)))].sort((a, b) => a.localeCompare(b, "vi")),
    // The national highways drawn: "near QL19" measures to that road.
    highways: [...new Set(((fcs.roads || {}).features || []).map((f) => f.properties.ref).filter((r) => /^QL\d/.test(r || "")))]
      .sort((a, b) => parseInt(a.slice(2), 10) - parseInt(b.slice(2), 10)),
    contactOf,
    anchorOf: (id) => geojson.symbolAt("clusters", id),
    select,
    showAll: (latlngs) => selection.showAll(latlngs),
  });
  state.layers.sites = sites.layer;
  sites.onResults((any) => {
    if (any) state.setVisible("sites", true);
  });
  return sites;
}

// --- the header, the legend and the basemap ------------------------------------------------------

function wireHeader({ map, i18n, catalog, labels, select }) {
  createSearch({
    input: $("search"),
    results: $("search-results"),
    i18n,
    layerTitle: (id) => i18n.title(catalog.layer(id) && catalog.layer(id).title, i18n.t(`layer.${id}`)),
    onPick: (r) => select(r.layer, r.id, { fly: true, bbox: r.bbox }),
  });
  // The skip link focuses the map without writing "#map" over the view in the URL.
  document.querySelector(".skip-link").addEventListener("click", (e) => {
    e.preventDefault();
    map.getContainer().focus();
  });
  createLanguageToggle({ button: $("lang-toggle"), i18n });
  i18n.onLangChange(() => {
    performance.mark("clustermap:relabel:start");
    labels.drawRegionLabels();
    performance.measure("clustermap:relabel", "clustermap:relabel:start");
  });
}

function wireLegendAndBasemap({ map, i18n, state, selection, sites, home }) {
  const legend = createLegend({
    map,
    i18n,
    // Top of the list = top of the map; the site-finder ranks only once there are some.
    layerIds: () => [...(sites.hasResults() ? ["sites"] : []), "linkage", ...[...state.layerIds].reverse()],
    regions: state.regions,
    clusters: () => (state.features.clusters ? [...state.features.clusters.values()] : []),
    isVisible: state.isVisible,
    setVisible: state.setVisible,
    // Phones start with the legend folded so the map stays visible.
    expanded: !isPhone(),
  });
  state.onVisible((id, on) => legend.setChecked(id, on));
  addPrintControl({ map, i18n, state });
  selection.onOpen(() => legend.foldForPanel());
  selection.onClose(() => legend.unfoldAfterPanel());
  sites.onResults(() => legend.render());
  createBasemap({
    map,
    url: basemapURL(document, location.search),
    probeAt: home.getCenter(),
    i18n,
    onLayer: (layer) => {
      state.basemap = layer;
      state.visible.basemap = true;
    },
    onState: (s) => {
      document.body.dataset.basemap = s;
      legend.setBasemapState(s);
    },
  }).start();
  return legend;
}

// --- the workspace -------------------------------------------------------------------------------

// After a write in the workspace (a save, a revert, an approval) a layer is read again and
// redrawn, so the map, the list and the filters show the change without a reload. → refresh(id).
function layerRefresher({ map, state, geojson, fcs, clusters, filtersForm, declutter, selection, geojsonIds }) {
  return async (id) => {
    if (!geojsonIds.includes(id)) {
      const grid = state.layers[id];
      if (grid && typeof grid.redraw === "function") grid.redraw();
      return;
    }
    const fc = state.indexFeatures(id, await getAllFeatures(id));
    let target = fc;
    if (id === "clusters") {
      // The filters and the table hold this array: refill it in place.
      clusters.features.splice(0, clusters.features.length, ...fc.features);
      target = clusters;
    }
    fcs[id] = target;
    const old = state.layers[id];
    const on = !!state.visible[id];
    if (old && map.hasLayer(old)) map.removeLayer(old);
    const layer = geojson.build(id, target);
    if (!layer) return;
    state.layers[id] = layer;
    state.setVisible(id, on);
    if (id === "clusters") filtersForm.dispatchEvent(new Event("input"));
    declutter.run();
    selection.draw();
    document.body.dataset.refreshed = `${id}:${Date.now()}`;
  };
}

// The zoning workspace (static/workspace/) loads only when someone signs in, or was signed
// in before this reload: anonymous visitors download none of it. app is what it works with.
function wireWorkspace({ i18n, app }) {
  const signinButton = $("signin-open");
  let signin = null;
  const loadSignin = () => (signin ||= import("./workspace/signin.js").then((m) => m.startSignin({ button: signinButton, i18n, app })));
  const signinLabel = () => {
    signinButton.textContent = i18n.lang() === "en" ? "Sign in" : "Đăng nhập";
  };
  signinLabel();
  i18n.onLangChange(signinLabel);
  signinButton.addEventListener("click", () => loadSignin().then((s) => s.click()));
  try {
    if (window.localStorage.getItem("clustermap.signedIn")) loadSignin().then((s) => s.resume());
  } catch (_) {
    // No storage: nobody was signed in.
  }
}

start().then(() => {
  document.body.dataset.ready = "1";
  readyCallbacks.resolve();
}, (err) => {
  // The catalog may be what failed: word the message without its vocabularies.
  statusMessage(createI18n({ storage: window.localStorage }).t("status.loadError", { what: err.message }));
  document.body.dataset.ready = "error";
  console.error("ClusterMap:", err);
  readyCallbacks.reject(err);
});

// "Print the map (PDF)": the server's /print of the current view and the layers shown, in the
// page's language (server/print.go); a link, so the PDF opens in its own tab.
function addPrintControl({ map, i18n, state }) {
  const link = document.createElement("a");
  link.className = "cm-print-link";
  link.target = "_blank";
  link.rel = "noopener";
  const update = () => {
    const b = map.getBounds();
    const q = new URLSearchParams({
      bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(","),
      layers: state.layerIds.filter((id) => state.isVisible(id) && id !== "basemap").join(","),
      lang: i18n.lang(),
    });
    link.href = `print?${q}`;
    link.textContent = i18n.t("print.button");
  };
  const Control = L.Control.extend({ onAdd: () => { const box = L.DomUtil.create("div", "leaflet-bar cm-print"); box.append(link); return box; } });
  new Control({ position: "topleft" }).addTo(map);
  update();
  map.on("moveend", update);
  state.onVisible(update);
  i18n.onLangChange(update);
}

// The offline pack's stamp under the title: when its data was taken and at which version, so a
// reader in the field knows how old the map is.
function showPackStamp(pack, i18n) {
  const stamp = document.createElement("span");
  stamp.className = "offline-stamp";
  const write = () => {
    stamp.textContent = i18n.t("offline.stamp", { d: showDate(String(pack.made).slice(0, 10), i18n.lang()), v: (pack.versions || {}).clusters ?? "—" });
  };
  write();
  i18n.onLangChange(write);
  document.querySelector(".brand").append(stamp);
}
