// The side panel (a bottom sheet on phones) that describes one feature: it opens, shows a
// feature through its layer's view (panelviews.js) and the sections others add (addSection),
// shows other views (the comparison) and errors, and closes, giving focus back.

import { h, listeners } from "./util.js";
import { createViews } from "./panelviews.js";

// createPanel({panel, body, closeButton, i18n, reads, regions, districtName}) → the panel of one
// page: panel is the <aside>, body where features render; reads, regions and districtName are
// what the views read (panelviews.js). What the panel's links and buttons ask for is announced:
//   onPick(fn)          fn(layer, id, opts): a district, region or cluster link was followed;
//   onFilterRegion(fn)  fn(slug): "show the region's clusters";
//   onCompare(fn)       fn(feature): "add to the comparison";
//   onPrint(fn)         fn(feature): "print the fact sheet";
//   onChange(fn)        fn(shown): the feature shown changed ({layer, id, feature}, or null);
//   onClose(fn)         fn(): the panel closed.
// addSection({id, render}) adds a section below every feature's view: render(feature, layer, id)
// returns a node, or null for a feature it has nothing to say about; it returns the remover.
export function createPanel({ panel, body, closeButton, i18n, reads, regions, districtName }) {
  const { t } = i18n;
  const picked = listeners();
  const regionFiltered = listeners();
  const compared = listeners();
  const printed = listeners();
  const changed = listeners();
  const closed = listeners();
  const view = createViews({
    i18n, reads, regions, districtName,
    links: { pick: picked.call, filterRegion: regionFiltered.call, compare: compared.call, print: printed.call },
  });
  const sections = new Map(); // id → {render, node}: the sections added, and what each shows now
  let returnFocus = null;
  let current = null; // {layer, id, feature}: the feature shown, re-rendered on a language change

  closeButton.addEventListener("click", () => close());
  addGrip();
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") close();
  });
  i18n.onLangChange(() => rerender());

  // On phones the bottom sheet keeps the upper half of the map in view; its grip makes it taller.
  function addGrip() {
    const grip = h("button", { type: "button", class: "sheet-grip", "aria-label": t("panel.resize"), "aria-expanded": "false" });
    grip.addEventListener("click", () => {
      const tall = panel.classList.toggle("tall");
      grip.setAttribute("aria-expanded", String(tall));
    });
    panel.prepend(grip);
    i18n.onLangChange(() => grip.setAttribute("aria-label", t("panel.resize")));
  }

  function isOpen() {
    return !panel.hidden;
  }

  // What the panel shows: a feature, or nothing (loading, an error, another view, closed).
  function setShown(shown, layer, id) {
    const was = current;
    current = shown;
    if (layer == null) {
      delete panel.dataset.layer;
      delete panel.dataset.id;
    } else {
      panel.dataset.layer = layer;
      panel.dataset.id = String(id);
    }
    if (was !== shown) changed.call(shown);
  }

  // Opens the panel in a loading state; show() fills it.
  function openLoading(layer, id) {
    if (panel.hidden) returnFocus = document.activeElement;
    setShown(null, layer, id);
    body.replaceChildren(h("p", { class: "panel-loading" }, t("panel.loading")));
    reveal();
  }

  function show(layer, id, feature, { focus = true } = {}) {
    if (panel.hidden) returnFocus = document.activeElement;
    setShown({ layer, id: String(id), feature }, layer, id);
    render();
    reveal();
    // Move focus to the heading so keyboard and screen-reader users land on
    // what they just opened; not on restore from the URL, which would scroll.
    if (focus) focusTitle();
  }

  // A view that is not one feature (the comparison): its nodes, under a data-layer of its own.
  function showView(kind, nodes, { focus = true } = {}) {
    if (panel.hidden) returnFocus = document.activeElement;
    setShown(null, kind, "");
    body.replaceChildren(...nodes.filter(Boolean));
    reveal();
    if (focus) focusTitle();
  }

  function showError(layer, id, message) {
    setShown(null, layer, id);
    body.replaceChildren(h("p", { class: "panel-error", role: "alert" }, message));
    reveal();
  }

  function rerender() {
    if (current && !panel.hidden) render();
  }

  function close({ restoreFocus = true } = {}) {
    if (panel.hidden) return;
    panel.hidden = true;
    setShown(null, null, null);
    document.body.classList.remove("panel-open");
    closed.call();
    if (restoreFocus && returnFocus && document.contains(returnFocus)) returnFocus.focus({ preventScroll: true });
    returnFocus = null;
  }

  function reveal() {
    panel.hidden = false;
    document.body.classList.add("panel-open");
    panel.scrollTop = 0;
  }

  function focusTitle() {
    const title = body.querySelector("#panel-title");
    if (title) title.focus({ preventScroll: true });
  }

  function render() {
    const { layer, feature } = current;
    body.replaceChildren(...view(layer, feature));
    for (const s of sections.values()) renderSection(s);
  }

  // A section's node for the feature shown, appended to the body (or none).
  function renderSection(s) {
    s.node = current ? s.render(current.feature, current.layer, current.id) || null : null;
    if (s.node) body.append(s.node);
  }

  function addSection({ id, render: renderFn }) {
    removeSection(id);
    const s = { render: renderFn, node: null };
    sections.set(id, s);
    if (current && !panel.hidden) renderSection(s);
    return () => removeSection(id, s);
  }

  function removeSection(id, only = null) {
    const s = sections.get(id);
    if (!s || (only && s !== only)) return;
    if (s.node) s.node.remove();
    sections.delete(id);
  }

  return {
    isOpen,
    openLoading,
    show,
    showView,
    showError,
    rerender,
    close,
    addSection,
    // The feature shown: {layer, id, feature}, or null.
    shown: () => current,
    onChange: changed.add,
    onClose: closed.add,
    onPick: picked.add,
    onFilterRegion: regionFiltered.add,
    onCompare: compared.add,
    onPrint: printed.add,
  };
}
