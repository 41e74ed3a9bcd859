// Labels for regions and districts: a div marker on each label point the server
// computed (GET /api/labels: the centre of the polygon's largest inscribed
// circle), so the page never downloads the polygons to place them.

import { h, labelPoint } from "./util.js";

function labelMarker(latlng, cls, text) {
  return L.marker(latlng, {
    pane: "cm-labels",
    interactive: false,
    keyboard: false,
    icon: L.divIcon({ className: cls, html: h("span", {}, text), iconSize: null }),
  });
}

// An area's name without the words every area shares ("Khu vực … tỉnh", "… area"), for the
// province's view, where five full names find no room between the symbols (app.css shows the
// short one while zoomed out; the full name is in the legend, the panel and the overview).
export function shortAreaName(name) {
  const s = String(name).replace(/^khu vực\s+/i, "").replace(/\s+tỉnh$/i, "").replace(/\s+area$/i, "").trim();
  return s ? s[0].toLocaleUpperCase("vi") + s.slice(1) : String(name);
}

function areaMarker(latlng, full, short) {
  return L.marker(latlng, {
    pane: "cm-labels",
    interactive: false,
    keyboard: false,
    icon: L.divIcon({
      className: "cm-region-label",
      html: h("span", { class: "full" }, full).outerHTML + h("span", { class: "short" }, short).outerHTML,
      iconSize: null,
    }),
  });
}

// createLabels({i18n, regions}) → {regionLabels, drawRegionLabels,
// districtLabels}: regions is slug → region label point (a Point feature with
// the region's properties), filled before drawing.
export function createLabels({ i18n, regions }) {
  const regionLabels = L.layerGroup();

  // Region names follow the interface language, so they are redrawn on a switch.
  function drawRegionLabels() {
    regionLabels.clearLayers();
    for (const f of regions.values()) {
      const c = labelPoint(f.geometry);
      if (!c) continue;
      const name = i18n.lang() === "en" ? f.properties.name_en || f.properties.name_vi : f.properties.name_vi;
      regionLabels.addLayer(areaMarker([c[1], c[0]], name, shortAreaName(name)));
    }
  }

  // A district label that would sit on its region's label moves below it, or is
  // dropped when it says the same thing (the Chư Sê region is Chư Sê district).
  function districtLabels(fc) {
    const group = L.layerGroup();
    const regionPoints = [...regions.values()].map((r) => ({
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
    return group;
  }

  return { regionLabels, drawRegionLabels, districtLabels };
}
