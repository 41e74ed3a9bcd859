// The web map's print mode (/?print=1&…), which the server's /print prints with Chromium
// (server/printer): the same map, tiles and symbols as on screen, at the view and with the layers
// asked for, laid out on one sheet with a title, the date of the data, a legend of what is shown,
// a scale bar, a north arrow, the sources and licences, and the "indicative geometry" caveat.

import { h } from "./util.js";
import { legendEntries } from "./legend.js";
import { showDate } from "./dates.js";

// printParams() → the print request in the page's address, or null outside print mode.
export function printParams(search = window.location.search) {
  const q = new URLSearchParams(search);
  if (q.get("print") !== "1") return null;
  const bbox = (q.get("bbox") || "").split(",").map(Number);
  return {
    lang: q.get("lang") === "en" ? "en" : "vi",
    bbox: bbox.length === 4 && bbox.every(Number.isFinite) ? bbox : null,
    layers: q.get("layers") ? q.get("layers").split(",") : null,
    paper: q.get("paper") === "A3" ? "A3" : "A4",
    orientation: q.get("orientation") === "portrait" ? "portrait" : "landscape",
    title: q.get("title") || "",
    // A cluster's fact sheet instead of the map (/print?sheet=ID).
    sheet: q.get("sheet") || "",
    // Two or three clusters side by side instead of the map (/print?compare=ID,ID).
    compare: q.get("compare") ? q.get("compare").split(",") : null,
  };
}

// Layers whose geometry is indicative (placed by a district point, a union of districts, or
// straight lines through cited points): a print showing one says so.
const INDICATIVE = new Set(["clusters", "raw_material_zones", "plants", "energy", "roads"]);

// The words before the date of the data. (Here rather than in i18n*.js while those files are
// another change's; they belong with the other print.* strings.)
const DATA_DATE = { vi: "Ngày của dữ liệu: ", en: "Data as of " };

// vietnamDay(date) → "YYYY-MM-DD", the day it is at that moment in Vietnam (UTC+7).
const vietnamDay = (d) => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit", day: "2-digit" }).format(d);

// startPrintMode({params, map, catalog, i18n, state, tilesLoaded, drawn}) lays the page out for
// the sheet, then marks it ready (body[data-print-ready]) for the printer.
export async function startPrintMode({ params, map, catalog, i18n, state, tilesLoaded, drawn }) {
  const { t, title, lang } = i18n;
  const body = document.body;
  body.classList.add("print-map", `paper-${params.paper}`, `paper-${params.orientation}`);
  if (params.layers) for (const id of state.layerIds) state.setVisible(id, params.layers.includes(id));
  const shown = [...state.layerIds].reverse().filter((id) => state.isVisible(id));

  const legend = h("section", { class: "print-legend", "aria-label": t("legend.title") }, h("h2", {}, t("legend.title")),
    ...shown.map((id) => h("div", { class: "print-legend-layer", dataset: { layer: id } },
      h("h3", {}, t(`layer.${id}`)),
      h("ul", { class: "legend-items" }, legendEntries(id, {
        i18n, regions: state.regions,
        clusters: () => (state.features.clusters ? [...state.features.clusters.values()] : []),
      })))));
  const versions = shown.map((id) => catalog.layer(id)).filter(Boolean).map((l) => `${title(l.title, l.id)} v${l.version}`);
  const credits = [...new Map(shown.flatMap((id) => (catalog.layer(id) || {}).credits || []).map((c) => [c.text, c])).values()];
  const licences = [...new Set(shown.map((id) => catalog.layer(id)).filter((l) => l && l.license).map((l) => l.license.name))];
  const today = new Date().toISOString().slice(0, 10);
  // The date of the data: the latest version time of the layers shown (/api/layers'
  // version_time), as the day it was in Vietnam.
  const times = shown.map((id) => (catalog.layer(id) || {}).version_time).filter(Boolean).map((v) => new Date(v)).filter((d) => !Number.isNaN(d.getTime()));
  const dataDate = times.length ? vietnamDay(new Date(Math.max(...times))) : "";
  const frame = h("section", { class: "print-frame", id: "print-frame" },
    h("header", { class: "print-head" },
      h("h1", {}, params.title || t("print.title")),
      dataDate ? h("p", { class: "print-data-date" }, DATA_DATE[lang()] || DATA_DATE.vi, h("time", { datetime: dataDate }, showDate(dataDate, lang()))) : null,
      h("p", {}, t("print.dated", { d: showDate(today, lang()), units: showDate(catalog.unitsAsOf, lang()) }))),
    h("aside", { class: "print-side" }, legend),
    h("section", { class: "print-sources" },
        h("h2", {}, t("about.credits")),
        h("ul", {}, credits.map((c) => h("li", {}, (lang() === "vi" && c.text_vi) || c.text, c.url ? h("span", { class: "print-url" }, ` ${c.url}`) : null))),
        h("p", {}, t("print.licences", { list: licences.join(", ") })),
        h("p", {}, t("print.versions", { list: versions.join("; ") })),
        shown.some((id) => INDICATIVE.has(id)) ? h("p", { class: "print-caveat" }, t("print.indicative")) : null));
  body.append(frame);
  // The map takes its place on the sheet; Leaflet is told its new size before the view is set.
  frame.insertBefore(map.getContainer(), frame.querySelector(".print-side"));
  // The web map's own print button has no place on paper.
  for (const el of map.getContainer().querySelectorAll(".cm-print")) el.remove();
  map.getContainer().append(h("div", { class: "print-north", "aria-label": t("print.north") },
    h("span", { "aria-hidden": "true" }, "▲"), h("span", {}, t("print.northLetter"))));
  map.invalidateSize();
  if (params.bbox) {
    const [x0, y0, x1, y1] = params.bbox;
    map.fitBounds(L.latLngBounds([y0, x0], [y1, x1]), { animate: false });
  }
  await Promise.all([tilesLoaded, drawn]);
  // The tiles of the printed view (each tile layer says when its visible tiles are in), then two
  // frames for the symbols' last placement.
  const busy = () => {
    let n = 0;
    map.eachLayer((l) => { if (l instanceof L.GridLayer && l.isLoading && l.isLoading()) n++; });
    return n > 0;
  };
  // Quiet twice in a row, 150 ms apart (a tile layer starts loading only after the move ends),
  // or 8 s at most: a tile that never comes must not hold the print.
  for (let quiet = 0, waited = 0; quiet < 2 && waited < 8000; waited += 150) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    quiet = busy() ? 0 : quiet + 1;
  }
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  body.dataset.printReady = "true";
}
