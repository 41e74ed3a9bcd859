// The vector-tile layers (Leaflet.VectorGrid): region fills, district
// outlines and raw-material zones, as served by /tiles/{layer}/{z}/{x}/{y}.mvt.

import { regionColor, cropColor, darker, isIndicative, INDICATIVE_DASH } from "./symbols.js";
import { tileURL } from "./api.js";
import { listeners } from "./util.js";
import { offline } from "./offline.js";

function featureIdOf(f) {
  const p = f.properties;
  // regions are keyed by slug, districts by GSO code, the rest by integer id
  // (a property if the server sends one, else the MVT feature id).
  const id = p.id ?? p.slug ?? p.code ?? f.id;
  // VectorGrid hands click handlers only the properties, so keep the id there.
  p.__fid = id;
  return id;
}

// How each tiled layer is drawn: its pane, its style, whether it is clickable, and the tile
// properties the style and the clicks read (the tiles hold no more: the provenance every feature
// carries is read in the panel, not drawn).
const STYLES = {
  regions: {
    pane: "cm-regions",
    interactive: true,
    properties: ["slug"],
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
    properties: ["code"],
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
    properties: ["crop", "geometry_quality"],
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

// Layers drawn from one request per tile: the region fills and the district outlines cover the
// same tiles, so one composite tile (/tiles/regions,districts/…) feeds both. From an offline pack
// every tile is the composite of every layer (offline.js), so the zones take theirs from it too.
const sharedIds = () => (offline() ? ["regions", "districts", "raw_material_zones"] : ["regions", "districts"]);
// Tiles are drawn 512 pixels wide, so a tile of zoom z serves the map at zoom z + 1.
const ZOOM_OFFSET = -1;

// createTiles({bounds, layerBounds}) → {vectorLayer, layer, onPick}: vectorLayer(id, pane,
// style, interactive) makes a tile layer of one served layer; layer(id) the
// map layer of a tiled layer as the map shows it; onPick(fn) has fn(layer, id) run when a
// feature is clicked. layerBounds(id) is the extent of a layer's data (LatLngBounds, or null):
// no tile outside it is requested.
export function createTiles({ bounds, layerBounds = () => null }) {
  const picks = listeners();
  // Leaflet 1.8 removed L.DomEvent.fakeStop, which VectorGrid 1.3.0 still calls
  // when a feature on a canvas tile is clicked ("fakeStop is not a function").
  // stopPropagation keeps the click from also reaching the map, as fakeStop did.
  if (typeof L.DomEvent.fakeStop !== "function") L.DomEvent.fakeStop = L.DomEvent.stopPropagation;

  // VectorGrid leaves a failed tile fetch (server restarting, network gone) as
  // an unhandled promise rejection; draw such a tile empty instead. It also puts the map's zoom
  // in the URL whatever zoomOffset says: the tile asked for is that of the offset zoom.
  const VectorTiles = L.VectorGrid.Protobuf.extend({
    _getVectorTilePromise(coords) {
      const tile = L.point(coords.x, coords.y);
      tile.z = coords.z + (this.options.zoomOffset || 0);
      return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, tile).catch(() => ({ layers: {} }));
    },
  });

  // The shared layers' composite tiles: each is fetched once and handed to every shared layer
  // that asks for it; each layer keeps its own MVT layer of it. A layer asking again (a redraw)
  // fetches the tile anew.
  const SHARED = sharedIds();
  const sharedProperties = [...new Set(SHARED.flatMap((id) => STYLES[id].properties))];
  const fetcher = new VectorTiles(tileURL(SHARED, sharedProperties, { shownProvinceOnly: true }), { zoomOffset: ZOOM_OFFSET });
  const fetched = new Map(); // "z/x/y" → {promise, takers}
  let firstView = []; // the shared tiles of the map's first view, until whenFirstFetched() takes them
  function sharedTile(id, coords) {
    const key = `${coords.z}/${coords.x}/${coords.y}`;
    let entry = fetched.get(key);
    if (!entry || entry.takers.has(id)) {
      entry = { promise: fetcher._getVectorTilePromise(coords), takers: new Set() };
      fetched.set(key, entry);
      if (firstView) firstView.push(entry.promise);
      // Bounded: a layer that is hidden never takes its share.
      if (fetched.size > 256) fetched.delete(fetched.keys().next().value);
    }
    entry.takers.add(id);
    if (entry.takers.size === SHARED.length) fetched.delete(key);
    return entry.promise.then((tile) => ({ layers: tile.layers && tile.layers[id] ? { [id]: tile.layers[id] } : {} }));
  }
  const SharedTiles = VectorTiles.extend({
    _getVectorTilePromise(coords) {
      return sharedTile(this.options.sharedId, coords);
    },
  });
  // Tiles of the shared layers cover both layers' data.
  const extentOf = (id) => {
    const ids = SHARED.includes(id) ? SHARED : [id];
    const boxes = ids.map(layerBounds).filter(Boolean);
    if (!boxes.length) return bounds.pad(0.1);
    return boxes.reduce((all, b) => L.latLngBounds(all.getSouthWest(), all.getNorthEast()).extend(b));
  };

  function vectorLayer(id, pane, style, interactive) {
    const options = {
      pane,
      interactive,
      getFeatureId: featureIdOf,
      vectorTileLayerStyles: { [id]: style },
      bounds: extentOf(id),
      maxZoom: 18,
      // 512-pixel tiles, one zoom up: the server generalises each zoom for a 512-pixel tile
      // (tile_tolerance), and a view needs a quarter as many tiles as at 256 pixels.
      tileSize: 512,
      zoomOffset: ZOOM_OFFSET,
    };
    const s = STYLES[id];
    const layer = SHARED.includes(id)
      ? new SharedTiles("", { ...options, sharedId: id })
      : new VectorTiles(tileURL([id], s ? s.properties : []), options);
    if (interactive) {
      layer.on("click", (e) => {
        const fid = e.layer && e.layer.properties && e.layer.properties.__fid;
        if (fid != null) picks.call(id, fid);
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

  // Resolves when the first view's shared tiles are fetched and decoded (their layers draw them in
  // the same turn): the page then adds its symbols in that turn too, and the map's first picture
  // has both, in one frame.
  function whenFirstFetched() {
    const all = Promise.all(firstView || []);
    firstView = null;
    return all;
  }

  return { vectorLayer, layer, onPick: picks.add, whenFirstFetched };
}
