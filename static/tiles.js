// The vector-tile layers (Leaflet.VectorGrid): region fills, district
// outlines and raw-material zones, as served by /tiles/{layer}/{z}/{x}/{y}.mvt.

import { regionColor, cropColor, darker, isIndicative, INDICATIVE_DASH } from "./symbols.js";

function featureIdOf(f) {
  const p = f.properties;
  // regions are keyed by slug, districts by GSO code, the rest by integer id
  // (a property if the server sends one, else the MVT feature id).
  const id = p.id ?? p.slug ?? p.code ?? f.id;
  // VectorGrid hands click handlers only the properties, so keep the id there.
  p.__fid = id;
  return id;
}

// How each tiled layer is drawn: its pane, its style, whether it is clickable.
const STYLES = {
  regions: {
    pane: "cm-regions",
    interactive: true,
    style: (p) => ({
      fill: true,
      fillColor: regionColor[p.slug] || "#dddddd",
      fillOpacity: 0.55,
      color: darker(regionColor[p.slug] || "#dddddd", 0.6),
      weight: 1.5,
      opacity: 0.9,
    }),
  },
  districts: {
    pane: "cm-districts",
    // Outlines only; a click in a district that nothing else takes opens its panel
    // (app.js, on the map's click), so drawing tools still get their clicks.
    interactive: false,
    style: (p, z) => ({
      fill: false,
      color: "#4d4d4d",
      weight: z >= 10 ? 1.6 : 1,
      opacity: 0.85,
    }),
  },
  raw_material_zones: {
    pane: "cm-zones",
    interactive: true,
    style: (p) => ({
      fill: true,
      fillColor: cropColor[p.crop] || "#777777",
      fillOpacity: 0.35,
      className: `cm-zone-${p.crop}`,
      color: cropColor[p.crop] || "#777777",
      weight: 2,
      opacity: 0.9,
      // Zones are unions of whole districts the sources name: indicative, so dashed.
      dashArray: isIndicative(p) ? INDICATIVE_DASH : null,
    }),
  },
};

// createTiles({bounds, select}) → {vectorLayer, layer}: vectorLayer(id, pane,
// style, interactive) makes a tile layer of one served layer; layer(id) the
// map layer of a tiled layer as the map shows it. select(layer, id) opens
// what was clicked.
export function createTiles({ bounds, select }) {
  // Leaflet 1.8 removed L.DomEvent.fakeStop, which VectorGrid 1.3.0 still calls
  // when a feature on a canvas tile is clicked ("fakeStop is not a function").
  // stopPropagation keeps the click from also reaching the map, as fakeStop did.
  if (typeof L.DomEvent.fakeStop !== "function") L.DomEvent.fakeStop = L.DomEvent.stopPropagation;

  // VectorGrid leaves a failed tile fetch (server restarting, network gone) as
  // an unhandled promise rejection; draw such a tile empty instead.
  const VectorTiles = L.VectorGrid.Protobuf.extend({
    _getVectorTilePromise(coords) {
      return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords).catch(() => ({ layers: {} }));
    },
  });

  function vectorLayer(id, pane, style, interactive) {
    const layer = new VectorTiles(`tiles/${encodeURIComponent(id)}/{z}/{x}/{y}.mvt`, {
      pane,
      interactive,
      getFeatureId: featureIdOf,
      vectorTileLayerStyles: { [id]: style },
      bounds: bounds.pad(0.1),
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

  // The tile layer of a tiled map layer; districts come in a group, which
  // their labels join once the district GeoJSON has arrived.
  function layer(id) {
    const s = STYLES[id];
    if (!s) return null;
    const grid = vectorLayer(id, s.pane, s.style, s.interactive);
    return { grid, layer: id === "districts" ? L.layerGroup([grid]) : grid };
  }

  return { vectorLayer, layer };
}
