// The GeoJSON layers: clusters and parks (a symbol, or their footprint from
// zoom 12), processing plants and energy projects (symbols), and national
// highways (lines with route shields). Each symbol is tagged with its layer
// and id (data-layer, data-id) for styling and tests.

import { h, labelPoint, listeners } from "./util.js";
import { colorOfStage, darker, clusterSymbolSVG, plantSymbolSVG, energySymbolSVG, isIndicative, INDICATIVE_DASH } from "./symbols.js";

// From this zoom on, clusters with a footprint are drawn as polygons.
const FOOTPRINT_ZOOM = 12;
// From this zoom on, clusters are labelled with their names.
const CLUSTER_LABEL_ZOOM = 10;

export function tagElement(layer, layerId, id) {
  const el = layer.getElement && layer.getElement();
  if (el) {
    el.dataset.layer = layerId;
    el.dataset.id = String(id);
  }
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

// A few SVG strings draw every symbol of a layer: each is parsed once, and each symbol gets a copy
// of its element (a divIcon's html may be an element), not a parse of its own.
const parsedSymbols = new Map();
function symbolNode(svg) {
  let node = parsedSymbols.get(svg);
  if (!node) {
    const t = document.createElement("template");
    t.innerHTML = svg;
    node = t.content.firstElementChild;
    parsedSymbols.set(svg, node);
  }
  return node.cloneNode(true);
}

// createGeoJSONLayers({map, footprintRenderer}) → the builders of the GeoJSON layers,
// symbolAt(), and onPick(fn): fn(layer, id) runs when a feature is clicked (or its symbol
// pressed with Enter or Space).
export function createGeoJSONLayers({ map, footprintRenderer }) {
  const picks = listeners();
  const pick = picks.call;
  const symbols = new Map(); // "layer:id" -> {marker, offset [dx, dy] px}: where each symbol is drawn
  const clusterViews = new Map(); // id -> {feature, marker, footprint}
  let clusterGroups = null;
  let matches = () => true;

  // offset [dx, dy] in pixels moves the symbol off its point, for features that
  // share one (see spreadOffsets).
  function symbolMarker(latlng, html, size, title, layerId, id, offset = [0, 0], quality = "") {
    const marker = L.marker(latlng, {
      icon: L.divIcon({
        // The quality class lets styles and tests tell an indicative place from a cited one.
        className: `cm-symbol cm-symbol-${layerId}${quality ? ` cm-quality-${quality}` : ""}`,
        html: symbolNode(html),
        iconSize: [size, size],
        iconAnchor: [size / 2 - offset[0], size / 2 - offset[1]],
      }),
      title,
      alt: title,
      keyboard: true,
      riseOnHover: true,
    });
    marker.on("click", () => pick(layerId, id));
    // Markers are in the tab order (keyboard: true) but Leaflet 1.9 only opens
    // popups on Enter; make Enter and Space select, like a button.
    marker.on("keypress", (e) => {
      const key = e.originalEvent.key;
      if (key === "Enter" || key === " ") {
        e.originalEvent.preventDefault();
        pick(layerId, id);
      }
    });
    // The element exists only once on the map; tag it for styling and tests.
    marker.on("add", () => tagElement(marker, layerId, id));
    symbols.set(`${layerId}:${id}`, { marker, offset });
    return marker;
  }

  // A cluster's footprint (from FOOTPRINT_ZOOM) and name label (from CLUSTER_LABEL_ZOOM) are
  // built the first time a zoom shows them, not with the layer: a province's first view is
  // below both zooms, and building them for every cluster cost its first paint ~15 ms.
  function footprintOf(v) {
    if (v.footprint !== undefined) return v.footprint;
    const f = v.feature;
    const p = f.properties;
    const indicative = p.geometry_quality === "indicative";
    v.footprint = null;
    if (f.geometry && /Polygon/.test(f.geometry.type)) {
      const footprint = L.geoJSON(f, {
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
      footprint.on("click", () => pick("clusters", f.id));
      footprint.on("add", () => footprint.eachLayer((l) => tagElement(l, "clusters", f.id)));
      v.footprint = footprint;
    }
    return v.footprint;
  }

  // The cluster's name; the declutter pass sets it beside the symbol where it covers nothing,
  // or leaves it out. Names are data, in Vietnamese: the label says so (lang), whatever the
  // interface language.
  function labelOf(v) {
    if (v.label !== undefined) return v.label;
    const f = v.feature;
    v.label = null;
    if (v.anchor && f.properties.name) {
      const label = L.marker([v.anchor[1], v.anchor[0]], {
        pane: "cm-labels",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: "cm-cluster-label", html: h("span", { lang: "vi" }, f.properties.name), iconSize: null }),
      });
      label.on("add", () => {
        const el = label.getElement();
        if (el) el.dataset.labelFor = String(f.id);
      });
      v.label = label;
    }
    return v.label;
  }

  // The clusters layer; setFilter() later decides which of them show.
  function buildClusters(fc) {
    // Built again after a write (app.js refreshLayer): nothing of the previous build stays.
    clusterViews.clear();
    for (const key of [...symbols.keys()]) if (key.startsWith("clusters:")) symbols.delete(key);
    const symbolGroup = L.layerGroup();
    const footprints = L.layerGroup();
    const anchors = fc.features.map(anchorOf);
    const offsets = spreadOffsets(anchors);
    fc.features.forEach((f, i) => {
      const p = f.properties;
      const indicative = p.geometry_quality === "indicative";
      const anchor = anchors[i];
      p.__anchor = anchor;
      const size = p.kind === "ccn" ? 20 : 24;
      const marker = anchor && symbolMarker([anchor[1], anchor[0]], clusterSymbolSVG(p.kind, p.status, indicative, size), size, p.name, "clusters", f.id, offsets[i], p.geometry_quality);
      clusterViews.set(String(f.id), { feature: f, marker, anchor, footprint: undefined, label: undefined });
    });
    const labelGroup = L.layerGroup();
    clusterGroups = { symbols: symbolGroup, footprints, labels: labelGroup };
    updateClusters();
    return L.layerGroup([footprints, symbolGroup, labelGroup]);
  }

  // matches(feature) says which clusters pass the filters.
  function setFilter(fn) {
    matches = fn;
    updateClusters();
  }

  // Where a feature's symbol is drawn: its point and the pixel offset that
  // moves it off a point it shares; null for features drawn without a symbol.
  function symbolAt(layer, id) {
    const s = symbols.get(`${layer}:${id}`);
    if (!s) return null;
    // The declutter pass may have moved the symbol a few more pixels (declutter.js).
    const el = s.marker.getElement && s.marker.getElement();
    const shift = (el && el.__cmShift) || [0, 0];
    return { latlng: s.marker.getLatLng(), offset: [s.offset[0] + shift[0], s.offset[1] + shift[1]], shown: map.hasLayer(s.marker) };
  }

  // Shows each cluster that passes the filters, as a polygon when zoomed in and
  // it has one, else as a symbol; and its name from CLUSTER_LABEL_ZOOM (below it the names are
  // not on the map at all, rather than there and hidden: fewer elements to lay out and declutter).
  function updateClusters() {
    if (!clusterGroups) return;
    const { symbols: symbolGroup, footprints, labels: labelGroup } = clusterGroups;
    const zoomedIn = map.getZoom() >= FOOTPRINT_ZOOM;
    const named = map.getZoom() >= CLUSTER_LABEL_ZOOM;
    for (const v of clusterViews.values()) {
      const show = matches(v.feature);
      // Built only when shown; one never built is not on the map either.
      const footprint = show && zoomedIn ? footprintOf(v) : v.footprint;
      const label = show && named ? labelOf(v) : v.label;
      const asPolygon = show && zoomedIn && footprint;
      const asSymbol = show && !asPolygon && v.marker;
      if (asPolygon && !footprints.hasLayer(footprint)) footprints.addLayer(footprint);
      if (!asPolygon && footprint && footprints.hasLayer(footprint)) footprints.removeLayer(footprint);
      if (asSymbol && !symbolGroup.hasLayer(v.marker)) symbolGroup.addLayer(v.marker);
      if (!asSymbol && v.marker && symbolGroup.hasLayer(v.marker)) symbolGroup.removeLayer(v.marker);
      if (label && (show && named) !== labelGroup.hasLayer(label)) {
        if (show && named) labelGroup.addLayer(label);
        else labelGroup.removeLayer(label);
      }
    }
  }

  function buildPoints(layerId, fc, svgOf) {
    for (const key of [...symbols.keys()]) if (key.startsWith(`${layerId}:`)) symbols.delete(key);
    const group = L.layerGroup();
    const features = fc.features.filter((f) => f.geometry); // nothing to draw without
    const anchors = features.map(anchorOf);
    const offsets = spreadOffsets(anchors);
    features.forEach((f, i) => {
      const c = anchors[i];
      group.addLayer(symbolMarker([c[1], c[0]], svgOf(f.properties), 18, f.properties.name, layerId, f.id, offsets[i], f.properties.geometry_quality));
    });
    return group;
  }

  function buildRoads(fc) {
    const casing = L.geoJSON(fc, { pane: "cm-roads", interactive: false, style: { color: "#ffffff", weight: 6, opacity: 0.9 } });
    const lines = L.geoJSON(fc, {
      pane: "cm-roads",
      // An indicative line (straight segments through cited waypoints) is dashed.
      style: (f) => ({ color: "#c0392b", weight: 3, opacity: 1, dashArray: isIndicative(f.properties) ? INDICATIVE_DASH : null }),
      onEachFeature: (f, l) => {
        l.bindTooltip(h("span", null, [f.properties.ref, f.properties.name].filter(Boolean).join(" — ")), { sticky: true });
        l.on("click", () => pick("roads", f.id));
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
        icon: L.divIcon({ className: "cm-road-shield", html: h("span", {}, f.properties.ref), iconSize: null }),
      }));
    }
    return L.layerGroup([casing, lines, shields]);
  }

  // Each layer's builder, by layer id; a served layer without one is not drawn.
  const builders = {
    clusters: buildClusters,
    roads: buildRoads,
    energy: (fc) => buildPoints("energy", fc, (p) => energySymbolSVG(p.kind, 18, isIndicative(p))),
    plants: (fc) => buildPoints("plants", fc, (p) => plantSymbolSVG(p.crop, 18, isIndicative(p))),
  };

  // build(id, fc) → the map layer of a GeoJSON layer, or null.
  function build(id, fc) {
    return builders[id] ? builders[id](fc) : null;
  }

  return { build, setFilter, updateClusters, symbolAt, onPick: picks.add };
}
