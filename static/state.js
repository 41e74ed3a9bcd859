// What the page holds: the features loaded, the Leaflet layer of each map
// layer and whether it is shown, and the selected feature.

import { listeners } from "./util.js";

// The layers this web app knows how to draw, bottom to top, and how each
// comes: large polygons as vector tiles (generalised per zoom, cached), the
// few interactive points and lines as GeoJSON (all properties client-side).
// The layers themselves are the catalog's; a layer the catalog does not serve
// is not drawn.
const PLAN = [
  { id: "regions", transport: "tiles" },
  { id: "districts", transport: "tiles" },
  // Off at start: zones are unions of districts and would hide the regions.
  { id: "raw_material_zones", transport: "tiles", hiddenAtStart: true },
  { id: "roads", transport: "geojson" },
  { id: "energy", transport: "geojson" },
  { id: "plants", transport: "geojson" },
  { id: "clusters", transport: "geojson" },
];

// layerPlan(servedIds) → the drawn layers, bottom to top, that the server serves.
export function layerPlan(servedIds) {
  const served = new Set(servedIds);
  return PLAN.filter((l) => served.has(l.id));
}

// createState({map, plan}): plan is layerPlan()'s answer; state.onVisible(fn) has fn(id, on)
// run when a layer is switched (the legend's box follows).
export function createState({ map, plan }) {
  const switched = listeners();
  const state = {
    plan,
    layerIds: plan.map((l) => l.id), // bottom to top
    features: {}, // layer id -> Map(id string -> feature)
    regions: new Map(), // slug -> region feature (for names, labels, legend)
    districtNames: new Map(), // GSO code -> name
    layers: {}, // layer id -> Leaflet layer
    visible: {},
    selected: null, // {layer, id}
    selectedFeature: null,
    basemap: null,
  };
  for (const l of plan) state.visible[l.id] = !l.hiddenAtStart;
  state.visible.linkage = false;
  state.visible.sites = true;

  state.isVisible = (id) => state.visible[id];
  state.onVisible = switched.add;

  state.setVisible = (id, on) => {
    const layer = id === "basemap" ? state.basemap : state.layers[id];
    state.visible[id] = on;
    if (!layer) return;
    if (on && !map.hasLayer(layer)) layer.addTo(map);
    if (!on && map.hasLayer(layer)) map.removeLayer(layer);
    switched.call(id, on);
  };

  // Keys a layer's features by id, as strings (ids in the URL are strings).
  state.indexFeatures = (layer, fc) => {
    const m = new Map();
    for (const f of fc.features) {
      if (f.id == null) f.id = f.properties.id;
      m.set(String(f.id), f);
    }
    state.features[layer] = m;
    return fc;
  };

  return state;
}
