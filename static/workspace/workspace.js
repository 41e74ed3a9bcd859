// The zoning workspace, created after sign-in (static/workspace/signin.js):
// a panel beside the map with the user's proposals (district), the review queue
// (department), the selected feature (attributes, history) and the past-date
// view; leaflet-geoman is loaded here, never for anonymous visitors. The
// feature panel (panel.js) gets a section with the workspace's entry points
// (edit, history) on every feature of an editable layer.

import { h } from "../util.js";
import { workspaceAPI as api } from "../api.js";
import { editableFields, isLocal } from "../catalog.js";
import { loadGeoman, createDraw } from "./draw.js";
import { createProposals } from "./proposals.js";
import { createReview } from "./review.js";
import { createFeature } from "./feature.js";
import { createPast } from "./past.js";

// createWorkspace({map, catalog, state, panel, refreshLayer, select, i18n, t, user, toggle, onExpired}):
// panel is the feature panel (panel.js), refreshLayer(id) reads a layer again after a write,
// select(layer, id) shows a feature in it again.
export async function createWorkspace({ map, catalog, state, panel: featurePanel, refreshLayer, select, legend = null, i18n, t, user, toggle, onExpired }) {
  await loadGeoman();
  const draw = createDraw({ map, lang: i18n.lang });
  let snapData = null;

  const tabs = [];
  if (isLocal(user)) tabs.push("proposals");
  else tabs.push("review", "proposals");
  tabs.push("feature", "past");
  const tabButtons = {};
  const sections = {};
  const tabList = h("div", { class: "ws-tabs", role: "tablist" });
  for (const name of tabs) {
    tabButtons[name] = h("button", { type: "button", role: "tab", id: `ws-tab-${name}`, "aria-controls": `ws-sec-${name}`, "aria-selected": "false", onclick: () => showTab(name) }, t(`tab.${name}`));
    sections[name] = h("section", { id: `ws-sec-${name}`, role: "tabpanel", "aria-labelledby": `ws-tab-${name}`, hidden: true });
    tabList.append(tabButtons[name]);
  }
  const close = h("button", { type: "button", class: "sheet-close", "aria-label": t("ws.close"), onclick: () => setOpen(false) }, "×");
  const panel = h("aside", { class: "ws-panel", id: "ws-panel", "aria-labelledby": "ws-title" },
    close, h("h2", { id: "ws-title" }, t("ws.title")), tabList, ...Object.values(sections));
  document.body.append(panel);

  function showTab(name) {
    for (const n of tabs) {
      tabButtons[n].setAttribute("aria-selected", String(n === name));
      sections[n].hidden = n !== name;
    }
    panel.dataset.tab = name;
  }
  function setOpen(on) {
    panel.hidden = !on;
    toggle.setAttribute("aria-pressed", String(on));
    document.body.classList.toggle("ws-open", on);
    inset();
  }
  // Beside the map (desktop, tablet) the panel covers the map's left edge: the
  // map's left controls (zoom, drawing toolbar, scale) move to its right, so
  // every tool stays reachable. As a bottom sheet (phone) it covers nothing of them.
  function inset() {
    const container = map.getContainer();
    let v = 0;
    // On a phone the panel is a bottom sheet (or, while drawing, hidden): it covers no left
    // control, whatever was measured while it opened or closed.
    if (!panel.hidden && !window.matchMedia("(max-width: 720px)").matches) {
      const m = container.getBoundingClientRect();
      const p = panel.getBoundingClientRect();
      if (p.top < m.top + m.height / 2 && p.left <= m.left + 80 && p.right > m.left) v = Math.ceil(p.right - m.left);
    }
    container.style.setProperty("--ws-inset", `${v}px`);
  }
  const resized = new ResizeObserver(() => inset());
  resized.observe(map.getContainer());
  window.addEventListener("resize", inset);
  toggle.addEventListener("click", () => setOpen(panel.hidden));

  const selectedCluster = () => (state.selected && state.selected.layer === "clusters" ? String(state.selected.id) : null);
  // The name of the cluster the feature panel shows.
  const clusterName = (id) => {
    const shown = featurePanel.shown();
    const name = shown && shown.layer === "clusters" && shown.id === String(id) ? shown.feature.properties && shown.feature.properties.name : null;
    return name ? String(name).trim() : `#${id}`;
  };

  async function snapTargets() {
    if (snapData) return snapData;
    const [d, c] = await Promise.all([
      user.district ? api.district(user.district) : Promise.resolve({ ok: false }),
      api.clusters(),
    ]);
    const features = [];
    if (d.ok) features.push(d.data);
    if (c.ok) features.push(...(c.data.features || []).filter((f) => f.geometry && /Polygon/.test(f.geometry.type)));
    snapData = { type: "FeatureCollection", features };
    return snapData;
  }

  const ctx = {
    map, draw, i18n, t, user, state, catalog, onExpired, selectedCluster, clusterName,
    layoutChanged: () => {
      inset();
      map.invalidateSize();
    },
    startDrawing: () => {
      draw.start({});
      document.body.dataset.drawing = "1";
      // The legend folds while a boundary is drawn (the drawing needs the map), and comes back after.
      if (legend) legend.foldForPanel();
      snapTargets().then(addSnap);
    },
    stopDrawing: () => draw.stop(),
  };
  let snapLayer = null;
  function addSnap(fc) {
    if (snapLayer) snapLayer.remove();
    if (!document.body.dataset.drawing) return;
    snapLayer = L.geoJSON(fc, { style: { color: "#1e3a8a", weight: 1.5, dashArray: "2 4", fill: false }, interactive: false, pmIgnore: true, snapIgnore: false }).addTo(map);
  }
  const origStop = ctx.stopDrawing;
  ctx.stopDrawing = () => {
    origStop();
    if (legend) legend.unfoldAfterPanel();
    if (snapLayer) snapLayer.remove();
    snapLayer = null;
  };

  const parts = {};
  // A write shows on the public map at once: the layer is read again (app.js).
  const refresh = (layer) => (refreshLayer ? refreshLayer(layer) : Promise.resolve());
  // A decision (approve, withdraw, restore) changes clusters and proposals together: every open
  // view of either is read again, so none keeps showing what was undone.
  function decided() {
    if (parts.proposals) parts.proposals.refresh();
    if (parts.review) parts.review.refresh();
    const open = feature.current();
    if (open) feature.show(open.layer, open.id);
    const panelShows = featurePanel.shown();
    if (panelShows && select) select(panelShows.layer, panelShows.id, { focus: false });
    return refresh("clusters");
  }
  if (sections.proposals) parts.proposals = createProposals({ ...ctx, container: sections.proposals, onChanged: decided });
  // A restored version may undo an approval's effect: the same refresh as a decision.
  const feature = createFeature({ ...ctx, container: sections.feature, onSaved: (layer, _id, how) => (how && how.reverted ? decided() : refresh(layer)) });
  if (sections.review) parts.review = createReview({ ...ctx, container: sections.review, onDecided: decided });
  const past = createPast({ ...ctx, container: sections.past });

  // The feature panel's section of the workspace: edit (when the user may change a field of the
  // layer) and history, on every feature of a layer the catalog calls editable.
  function hookSection(_feature, layerId, id) {
    const layer = catalog.layer(layerId);
    if (!layer || layer.editable !== true) return null;
    const open = (what) => {
      setOpen(true);
      showTab("feature");
      feature.show(layerId, id).then(() => {
        const target = document.getElementById(what === "history" ? "ws-history" : "ws-attr-form");
        if (target) target.scrollIntoView({ block: "nearest" });
      });
    };
    const mayEdit = editableFields(layer, user.role).length > 0;
    return h("section", { class: "panel-section ws-hook", id: "ws-panel-hook", dataset: { key: `${layerId}/${id}` } },
      mayEdit ? h("button", { type: "button", class: "button secondary", id: "ws-hook-edit", onclick: () => open("edit") }, t("feature.edit")) : null, mayEdit ? " " : null,
      h("button", { type: "button", class: "button secondary", id: "ws-hook-history", onclick: () => open("history") }, t("feature.history")));
  }
  const removeHook = featurePanel.addSection({ id: "workspace", render: hookSection });

  showTab(tabs[0]);
  setOpen(true);

  return {
    setUser: () => {},
    destroy() {
      removeHook();
      resized.disconnect();
      window.removeEventListener("resize", inset);
      map.getContainer().style.removeProperty("--ws-inset");
      if (parts.proposals) parts.proposals.close();
      if (parts.review) parts.review.destroy();
      feature.destroy();
      past.destroy();
      draw.destroy();
      if (snapLayer) snapLayer.remove();
      panel.remove();
      document.body.classList.remove("ws-open");
    },
  };
}
