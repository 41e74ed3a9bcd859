// The Leaflet map itself: its zoom limits, the panes that fix the drawing
// order, the zoom buttons (titles in the interface language), the scale bar
// and the data attributions.

// Panes fix the drawing order whatever order the data arrives in. Site-finder
// rank badges sit above the symbols (markers are at 600), below tooltips (650).
const PANES = {
  regions: 250, zones: 260, districts: 270, "linkage-zones": 275, roads: 380, linkage: 400, footprints: 410,
  selection: 440, labels: 450, "linkage-labels": 455, sites: 620,
};
// Panes that only show things: clicks go through to what lies below.
const PASSIVE_PANES = ["labels", "selection", "linkage-zones", "linkage-labels"];

// createMap({container, bounds, i18n, credits}) → {map, footprintRenderer}.
// bounds is the area of interest (the map may not wander far from it);
// credits(lang) gives the HTML strings of the attribution control in that language.
export function createMap({ container, bounds, i18n, credits = () => [] }) {
  const map = L.map(container, {
    minZoom: 7,
    maxZoom: 18,
    maxBounds: bounds.pad(1.5),
    zoomSnap: 0.5,
    keyboard: true,
    attributionControl: true,
    zoomControl: false, // added below with translated titles
  });
  let zoomControl = null;
  // Leaflet reads the titles once, so a language switch replaces the control.
  function addZoomControl() {
    if (zoomControl) zoomControl.remove();
    zoomControl = L.control.zoom({ zoomInTitle: i18n.t("map.zoomIn"), zoomOutTitle: i18n.t("map.zoomOut") }).addTo(map);
  }
  addZoomControl();
  i18n.onLangChange(addZoomControl);
  // The credits in the page's language, folded to one line until asked for: unfolded they
  // cover a fifth of a phone's map. The toggle is the control's first element.
  const attribution = map.attributionControl;
  let shown = [];
  function setCredits() {
    for (const c of shown) attribution.removeAttribution(c);
    shown = credits(i18n.lang());
    for (const c of shown) attribution.addAttribution(c);
    attribution.setPrefix(`<button type="button" class="cm-attr-toggle" aria-expanded="false">${i18n.t("map.credits")}</button> <a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>`);
    syncToggle();
  }
  const box = attribution.getContainer();
  box.classList.add("cm-folded");
  function syncToggle() {
    const b = box.querySelector(".cm-attr-toggle");
    if (b) b.setAttribute("aria-expanded", String(!box.classList.contains("cm-folded")));
  }
  L.DomEvent.disableClickPropagation(box);
  box.addEventListener("click", (e) => {
    if (!e.target.closest(".cm-attr-toggle")) return;
    box.classList.toggle("cm-folded");
    syncToggle();
  });
  setCredits();
  i18n.onLangChange(setCredits);
  L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);

  for (const [name, z] of Object.entries(PANES)) {
    const pane = map.createPane(`cm-${name}`);
    pane.style.zIndex = String(z);
  }
  for (const name of PASSIVE_PANES) map.getPane(`cm-${name}`).style.pointerEvents = "none";
  const footprintRenderer = L.svg({ pane: "cm-footprints" });

  // Zoomed far out, labels shrink (app.css): the class follows the zoom.
  const markZoom = () => {
    map.getContainer().classList.toggle("zoomed-out", map.getZoom() < 9);
    // The province's view and wider: clusters first, energy projects and plants smaller.
    map.getContainer().classList.toggle("province-view", map.getZoom() < 10);
  };
  map.on("zoomend", markZoom);
  // The map's box changes with the layout (the sidebar gives up room while the panel is
  // open, app.css): Leaflet is told, as sidebar.js tells it on its own changes.
  if (typeof ResizeObserver === "function") new ResizeObserver(() => map.invalidateSize()).observe(container);

  return { map, footprintRenderer, markZoom };
}
