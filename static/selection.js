// Selecting a feature: its panel, its highlight on the map and the view. The
// selected feature is outlined; a feature drawn as a symbol (every cluster
// below zoom 12, where its footprint would be a pixel or two) gets a ring
// around the symbol instead, on the symbol's own offset.

import { geomBBox, listeners } from "./util.js";
import { getFeature, HTTPError } from "./api.js";
import { tagElement } from "./geojson.js";

const RING = 36;

// createSelection({map, state, panel, panelElement, symbolAt, i18n, isPhone}) → {select, draw,
// cleared, showAll, onChange, onOpen, onClose}: panel is the panel module, panelElement its
// <aside> (the phone's bottom sheet, kept clear of the selection); symbolAt(layer, id) where a
// symbol is drawn. onChange(fn) has fn() run when the selection changes (the URL follows),
// onOpen(fn) just before a feature's panel opens, onClose(fn) once the panel closed.
export function createSelection({ map, state, panel, panelElement, symbolAt, isPhone, i18n }) {
  const changed = listeners();
  const opened = listeners();
  const closed = listeners();
  const outline = L.geoJSON(null, {
    pane: "cm-selection",
    interactive: false,
    style: { color: "#111111", weight: 4, opacity: 0.9, fill: false, dashArray: null },
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 17, color: "#111111", weight: 3, fill: false, pane: "cm-selection" }),
  }).addTo(map);
  const ring = L.layerGroup().addTo(map);
  let seq = 0;

  function draw() {
    outline.clearLayers();
    ring.clearLayers();
    const sel = state.selected;
    const f = state.selectedFeature;
    if (!sel || !f) return;
    const at = symbolAt(sel.layer, sel.id);
    if (at && at.shown) {
      const marker = L.marker(at.latlng, {
        pane: "cm-selection",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: "cm-selection-ring", iconSize: [RING, RING], iconAnchor: [RING / 2 - at.offset[0], RING / 2 - at.offset[1]] }),
      });
      marker.on("add", () => tagElement(marker, sel.layer, sel.id));
      ring.addLayer(marker);
    } else if (f.geometry) {
      outline.addData(f.geometry);
    }
  }

  async function loadFeature(layer, id) {
    if (state.features[layer]) {
      // The whole layer is loaded: asking the server again would only 404.
      const local = state.features[layer].get(String(id));
      if (local) return local;
      throw new HTTPError(404, `${layer} ${id}: not found`);
    }
    // state.regions holds label points: the outline needs the region itself.
    return getFeature(layer, id);
  }

  // Selects a feature: panel, highlight, URL. fly zooms to it (search, list, links).
  async function select(layer, id, { fly = false, focus = true, bbox = null } = {}) {
    const n = ++seq;
    state.selected = { layer, id: String(id) };
    changed.call();
    if (state.layerIds.includes(layer) && !state.isVisible(layer)) state.setVisible(layer, true);
    opened.call();
    panel.openLoading(layer, id);
    if (fly && bbox) flyTo(bbox, layer);
    let feature;
    try {
      feature = await loadFeature(layer, id);
    } catch (err) {
      if (n !== seq) return;
      panel.showError(layer, id, err.status === 404 ? i18n.t("panel.notFound") : err.message);
      return;
    }
    if (n !== seq) return; // a later selection won
    if (feature.id == null) feature.id = id;
    state.selectedFeature = feature;
    panel.show(layer, id, feature, { focus });
    draw();
    if (fly && !bbox && feature.geometry) flyTo(geomBBox(feature.geometry), layer);
    // A tap on a phone: the bottom sheet must not cover what was tapped.
    else if (!fly && focus && isPhone()) keepAboveSheet(layer, id);
  }

  // The panel was closed: nothing is selected any more.
  function cleared() {
    state.selected = null;
    state.selectedFeature = null;
    draw();
    changed.call();
    closed.call();
  }
  panel.onClose(cleared);

  // The height of the bottom sheet (max-height: 46dvh in app.css).
  function sheetHeight() {
    return Math.round(window.innerHeight * 0.46);
  }

  // Pans the map so that the selected symbol sits in the strip of map above the
  // phone's bottom sheet, when the sheet covers it (or it is at the very top).
  function keepAboveSheet(layer, id) {
    const at = symbolAt(layer, id);
    if (!at || !at.shown) return;
    const mapTop = map.getContainer().getBoundingClientRect().top;
    const sheetTop = panelElement.getBoundingClientRect().top - mapTop;
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
    // Never closer than needed: a cluster keeps its district and a highway in view.
    const maxZoom = layer === "districts" || layer === "regions" || layer === "raw_material_zones" ? 10 : layer === "clusters" ? 12 : 11;
    // Leave room for the panel: right on desktop, bottom sheet on phones.
    const phone = isPhone();
    map.flyToBounds(bounds, {
      maxZoom,
      paddingTopLeft: [40, 40],
      paddingBottomRight: phone ? [40, sheetHeight() + 16] : [420, 40],
      duration: 0.6,
    });
  }

  return { select, draw, cleared, showAll, onChange: changed.add, onOpen: opened.add, onClose: closed.add };
}
