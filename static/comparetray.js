// The comparison tray: the clusters picked for comparison, wherever they were picked (a
// cluster's panel, the table's checkboxes), in a small bar over the map that stays in place —
// "So sánh (2) ▸" opens the comparison, each name can be taken out. Picking never switches the
// sidebar's tab: the tray says what happened where the user is.

import { h, listeners } from "./util.js";

export const MAX_COMPARED = 3;

// createCompareTray({container, i18n, features, onCompare}) → {toggle, add, remove, has, ids,
// onChange}: container holds the tray (the map's box); features are the clusters, by which ids
// are named; onCompare(features) shows the comparison.
export function createCompareTray({ container, i18n, features, onCompare }) {
  const { t, onLangChange } = i18n;
  const changed = listeners();
  const chosen = []; // ids, in the order picked
  const byId = new Map(features.map((f) => [String(f.id), f]));
  const status = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  const tray = h("section", { class: "compare-tray", id: "compare-tray", hidden: true });
  container.append(tray, status);
  // Over the map: a click or a scroll in the tray is the tray's, not the map's.
  if (window.L) {
    L.DomEvent.disableClickPropagation(tray);
    L.DomEvent.disableScrollPropagation(tray);
  }

  function render(announce) {
    tray.hidden = chosen.length === 0;
    const open = h("button", {
      type: "button", class: "button", id: "compare-open", disabled: chosen.length < 2,
      onclick: () => onCompare(chosen.map((id) => byId.get(id)).filter(Boolean)),
    }, t("tray.open", { n: chosen.length }));
    tray.setAttribute("aria-label", t("tray.label"));
    tray.replaceChildren(
      open,
      h("ul", { class: "compare-chips" }, chosen.map((id) => {
        const f = byId.get(id);
        const name = f ? f.properties.name : id;
        return h("li", { dataset: { id } }, h("span", { lang: "vi" }, name),
          h("button", { type: "button", class: "chip-remove", "aria-label": t("tray.remove", { name }), onclick: () => remove(id) }, "×"));
      })),
      chosen.length < 2 ? h("span", { class: "note" }, t("tray.hint")) : null);
    if (announce) status.textContent = announce;
  }

  function add(id) {
    id = String(id);
    if (chosen.includes(id)) return render(t("tray.already", { n: chosen.length }));
    chosen.push(id);
    // A fourth pick takes the place of the oldest: the tray never holds more than it compares.
    if (chosen.length > MAX_COMPARED) chosen.shift();
    render(t("tray.added", { name: byId.get(id) ? byId.get(id).properties.name : id, n: chosen.length }));
    changed.call([...chosen]);
  }

  function remove(id) {
    const i = chosen.indexOf(String(id));
    if (i < 0) return;
    chosen.splice(i, 1);
    render(t("tray.removed", { n: chosen.length }));
    changed.call([...chosen]);
  }

  render();
  onLangChange(() => render());
  return {
    add,
    remove,
    toggle: (id, on) => (on ? add(id) : remove(id)),
    has: (id) => chosen.includes(String(id)),
    ids: () => [...chosen],
    onChange: changed.add,
  };
}
