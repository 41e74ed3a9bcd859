// The layer control, which is also the legend: each layer's checkbox sits
// above the symbols it draws, so every colour and shape on the map is
// explained next to the switch that shows it.

import { h } from "./util.js";
import { usualQualityOf } from "./clusterfacts.js";
import { stageColor, regionColor, cropColor, darker, clusterSymbolSVG, plantSymbolSVG, energySymbolSVG, INDICATIVE_DASH } from "./symbols.js";

function svgNode(markup, cls = "legend-symbol") {
  const span = h("span", { class: cls, "aria-hidden": "true" });
  span.innerHTML = markup; // our own markup, no data in it
  return span;
}

function item(symbol, text) {
  return h("li", {}, symbol, h("span", {}, text));
}

const box = (fill, stroke, extra = "") =>
  `<svg width="20" height="14" viewBox="0 0 20 14"><rect x="1" y="1" width="18" height="12" rx="2" fill="${fill}" stroke="${stroke}" stroke-width="1.5"${extra}/></svg>`;
// The map's own background colour comes from CSS (--map-bg), via a class.
const backgroundBox = `<svg width="20" height="14" viewBox="0 0 20 14"><rect class="swatch-bg" x="1" y="1" width="18" height="12" rx="2" stroke="#888" stroke-width="1.5"/></svg>`;
const line = (color, width, dash = "", casing = "") =>
  `<svg width="24" height="14" viewBox="0 0 24 14">${casing ? `<path d="M1 7h22" stroke="${casing}" stroke-width="${width + 3}"/>` : ""}<path d="M1 7h22" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ""}/></svg>`;

const rankBadge = `<svg width="20" height="20" viewBox="0 0 20 20"><circle cx="10" cy="10" r="9" fill="#1b1f23" stroke="#fff" stroke-width="1.5"/><text x="10" y="14" text-anchor="middle" font-size="11" font-weight="700" fill="#fff" font-family="system-ui, sans-serif">1</text></svg>`;

// Legend entries per layer id; regions take their names from the data.
export function legendEntries(id, ctx) {
  const { t, label, lang, codesOf } = ctx.i18n;
  switch (id) {
    case "regions": {
      const list = [...ctx.regions.values()].map((r) => {
        const p = r.properties;
        return item(svgNode(box(regionColor[p.slug] || "#ddd", darker(regionColor[p.slug] || "#dddddd"))), lang() === "en" ? p.name_en || p.name_vi : p.name_vi);
      });
      list.push(item(svgNode(backgroundBox), t("legend.noRegion")));
      list.push(h("li", { class: "legend-note" }, t("legend.regionsQuality")));
      return list;
    }
    case "districts":
      return [
        item(svgNode(line("#4d4d4d", 1.2)), t("layer.districts")),
        h("li", { class: "legend-note" }, t("legend.districtsQuality")),
      ];
    case "raw_material_zones":
      return [
        ...codesOf("crop").map((c) => item(svgNode(box(`url(#cm-hatch-crop-${c})`, cropColor[c], ` stroke-dasharray="${INDICATIVE_DASH}"`)), label("crop", c))),
        h("li", { class: "legend-note" }, t("legend.zonesQuality")),
      ];
    case "clusters": {
      // Stages and kinds are drawn as the map draws them: with the outline of the
      // geometry quality most clusters have (dashed when indicative), by the same function.
      const quality = usualQualityOf(ctx.clusters ? ctx.clusters() : []);
      const ind = quality === "indicative";
      const q = (li) => { li.dataset.quality = quality; return li; };
      return [
        h("li", { class: "legend-sub" }, t("legend.stage")),
        ...codesOf("stage").map((s) => q(item(svgNode(clusterSymbolSVG("ccn", s, ind, 16)), label("stage", s)))),
        h("li", { class: "legend-sub" }, t("legend.kind")),
        ...codesOf("cluster_kind").map((k) => q(item(svgNode(clusterSymbolSVG(k, null, ind, 16)), label("cluster_kind", k)))),
        h("li", { class: "legend-sub" }, t("legend.quality")),
        item(svgNode(clusterSymbolSVG("ccn", "operating", false, 16)), t("legend.clusterCited")),
        item(svgNode(clusterSymbolSVG("ccn", "operating", true, 16)), t("legend.clusterIndicative")),
        item(svgNode(box(stageColor.operating, darker(stageColor.operating), ' fill-opacity="0.6"')), t("legend.surveyed")),
        item(svgNode(box("url(#cm-hatch-stage-operating)", darker(stageColor.operating), ' stroke-dasharray="4 2"')), t("legend.indicative")),
        h("li", { class: "legend-note" }, t("legend.zoomHint")),
      ];
    }
    case "plants":
      return [
        ...["sugarcane", "cassava", "coffee"].map((c) => item(svgNode(plantSymbolSVG(c, 16)), `${t("layer.plants")}: ${label("crop", c)}`)),
        h("li", { class: "legend-sub" }, t("legend.quality")),
        item(svgNode(plantSymbolSVG("sugarcane", 16)), t("legend.pointCited")),
        item(svgNode(plantSymbolSVG("sugarcane", 16, true)), t("legend.pointIndicative")),
      ];
    case "energy":
      return [
        ...codesOf("energy_kind").map((k) => item(svgNode(energySymbolSVG(k, 16)), label("energy_kind", k))),
        h("li", { class: "legend-sub" }, t("legend.quality")),
        item(svgNode(energySymbolSVG("hydro", 16)), t("legend.pointCited")),
        item(svgNode(energySymbolSVG("hydro", 16, true)), t("legend.pointIndicative")),
      ];
    case "roads":
      return [
        item(svgNode(line("#c0392b", 3, INDICATIVE_DASH, "#ffffff")), t("layer.roads")),
        h("li", { class: "legend-note" }, t("legend.roadsQuality")),
      ];
    case "linkage":
      return [
        item(svgNode(line("#1b7837", 3, "", "#ffffff")), t("legend.linkServed")),
        item(svgNode(line("#c51b1b", 2.5, "6 5", "#ffffff")), t("legend.linkFar")),
        item(svgNode(box("rgba(197,27,27,0.16)", "#c51b1b", ' stroke-dasharray="5 3"')), t("legend.unserved")),
      ];
    case "sites":
      return [item(svgNode(rankBadge), t("legend.siteRank"))];
    default:
      return [];
  }
}

// createLegend({map, i18n, regions, layerIds, isVisible, setVisible, expanded}):
// layerIds() lists the layers top first; regions is slug → region feature;
// expanded says whether it starts unfolded.
export function createLegend(ctx) {
  const { map, i18n, expanded: startExpanded = true } = ctx;
  const { t, onLangChange } = i18n;
  const Legend = L.Control.extend({
    options: { position: "topright" },
    onAdd() {
      const container = h("section", { class: "cm-legend leaflet-control", "aria-labelledby": "legend-heading" });
      L.DomEvent.disableClickPropagation(container);
      L.DomEvent.disableScrollPropagation(container);
      return container;
    },
  });
  const control = new Legend();
  control.addTo(map);
  const container = control.getContainer();
  let expanded = startExpanded;
  // Which layers' symbol lists the user has unfolded: every group starts folded.
  const groups = new Map();
  let basemapState = "checking";
  // While the feature panel is open the legend folds away, and comes back as
  // the user had it when the panel closes.
  let restoreExpanded = null;
  // Whether the user has opened or closed the legend themselves: until then, the first zoom in
  // or pan folds it away, since it would cover the part of the province they went to see.
  let touched = false;
  const foldOnFirstMove = () => {
    if (touched || !expanded || restoreExpanded !== null) return;
    touched = true;
    expanded = false;
    render();
  };
  // The user's own moves only (a drag, the wheel, a double click, the zoom buttons, the
  // keyboard), not the map's (a selected feature's fly-to folds it anyway, and unfolds after).
  map.on("dragstart", foldOnFirstMove);
  const box = map.getContainer();
  box.addEventListener("wheel", foldOnFirstMove, { passive: true });
  box.addEventListener("dblclick", foldOnFirstMove);
  box.addEventListener("keydown", (e) => {
    if (/^(\+|-|=|Arrow)/.test(e.key) && e.target === box) foldOnFirstMove();
  });
  // In the capture phase: the zoom control stops its clicks' propagation (Leaflet's
  // disableClickPropagation), so they never bubble up to the map's box.
  box.addEventListener("click", (e) => {
    if (e.target.closest(".leaflet-control-zoom")) foldOnFirstMove();
  }, true);

  function render() {
    const toggle = h("button", {
      type: "button", class: "cm-legend-toggle", id: "legend-toggle",
      "aria-expanded": String(expanded), "aria-controls": "legend-body",
      onclick: () => {
        expanded = !expanded;
        restoreExpanded = null;
        touched = true;
        render();
        container.querySelector(".cm-legend-toggle").focus();
      },
    }, h("span", { id: "legend-heading" }, t("legend.title")));

    const basemap = h("div", { class: "legend-layer" },
      h("label", {},
        h("input", {
          type: "checkbox", id: "layer-basemap",
          checked: basemapState === "on" && ctx.isVisible("basemap"),
          disabled: basemapState !== "on",
          onchange: (e) => ctx.setVisible("basemap", e.target.checked),
        }),
        h("span", {}, t("legend.basemap"))),
      basemapState !== "on" ? h("p", { class: "legend-note", id: "basemap-status" }, t(basemapState === "off" ? "legend.basemapOff" : "legend.basemapChecking")) : null);

    const ids = typeof ctx.layerIds === "function" ? ctx.layerIds() : ctx.layerIds;
    // Each layer's symbol list folds on its own (a disclosure button next to the
    // layer's checkbox, which stays in view); folded or not is kept across redraws.
    const layers = ids.map((id) => {
      const open = !!groups.get(id);
      const listId = `legend-items-${id}`;
      return h("div", { class: "legend-layer", dataset: { layer: id } },
        h("div", { class: "legend-layer-head" },
          h("label", {},
            h("input", { type: "checkbox", id: `layer-${id}`, checked: ctx.isVisible(id), onchange: (e) => ctx.setVisible(id, e.target.checked) }),
            h("span", {}, t(`layer.${id}`))),
          h("button", {
            type: "button", class: "legend-group-toggle", id: `legend-group-${id}`,
            "aria-expanded": String(open), "aria-controls": listId,
            "aria-label": t("legend.symbolsOf", { layer: t(`layer.${id}`) }),
            onclick: (e) => {
              const now = e.currentTarget.getAttribute("aria-expanded") !== "true";
              groups.set(id, now);
              e.currentTarget.setAttribute("aria-expanded", String(now));
              const list = container.querySelector(`#${CSS.escape(listId)}`);
              if (list) list.hidden = !now;
            },
          })),
        h("ul", { class: "legend-items", id: listId, hidden: !open }, legendEntries(id, ctx)));
    });

    const bodyEl = h("div", { class: "cm-legend-body", id: "legend-body", hidden: !expanded }, basemap, ...layers);
    container.replaceChildren(toggle, bodyEl);
  }

  render();
  onLangChange(render);
  return {
    render,
    foldForPanel() {
      if (restoreExpanded === null) restoreExpanded = expanded;
      if (expanded) {
        expanded = false;
        render();
      }
    },
    unfoldAfterPanel() {
      if (restoreExpanded !== null && restoreExpanded !== expanded) {
        expanded = restoreExpanded;
        render();
      }
      restoreExpanded = null;
    },
    // Keeps a layer's box in step when something else switches the layer.
    setChecked(id, on) {
      const box = container.querySelector(`#layer-${CSS.escape(id)}`);
      if (box) box.checked = on;
    },
    setBasemapState(s) {
      basemapState = s;
      render();
    },
  };
}
