// The map as it was on a past date (?as_of= on the editable layers), clearly
// marked: a banner, a distinct style, and today's editable layers hidden until
// the user returns to today.

import { h } from "../util.js";
import { workspaceAPI as api } from "../api.js";

export function createPast({ map, t, i18n, state, catalog, container }) {
  // The layers that have a history: the catalog's editable ones.
  const LAYERS = catalog.editableIds;
  const input = h("input", { id: "ws-past-date", type: "datetime-local", step: "1", name: "as_of" });
  const show = h("button", { type: "submit", class: "button", id: "ws-past-show" }, t("past.show"));
  const clear = h("button", { type: "button", class: "button secondary", id: "ws-past-clear", hidden: true }, t("past.clear"));
  const form = h("form", { class: "ws-past-form", novalidate: true }, h("label", { for: input.id }, t("past.label")), input, h("div", { class: "form-buttons" }, show, clear));
  container.append(form);
  const banner = h("div", { class: "ws-past-banner", id: "ws-past-banner", role: "status", hidden: true });
  map.getContainer().append(banner);
  let past = null;
  let hidden = [];

  function back() {
    if (past) past.remove();
    past = null;
    for (const id of hidden) state.setVisible(id, true);
    hidden = [];
    banner.hidden = true;
    clear.hidden = true;
    delete document.body.dataset.asOf;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!input.value) return;
    const when = new Date(input.value);
    if (Number.isNaN(when.getTime())) return;
    // Whole seconds as the picker gives them; a value with milliseconds keeps them.
    const asOf = when.toISOString().replace(/\.000Z$/, "Z");
    back();
    const answers = await Promise.all(LAYERS.map((id) => api.featuresAsOf(id, asOf)));
    past = L.layerGroup().addTo(map);
    answers.forEach((r, i) => {
      if (!r.ok) return;
      const id = LAYERS[i];
      if (state.visible[id]) {
        state.setVisible(id, false);
        hidden.push(id);
      }
      L.geoJSON(r.data, {
        style: { color: "#78350f", weight: 2, dashArray: "5 4", fillColor: "#d6b98c", fillOpacity: 0.35, className: `ws-past-shape ws-past-${id}` },
        pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, color: "#78350f", fillColor: "#d6b98c", fillOpacity: 0.8, className: `ws-past-shape ws-past-${id}` }),
        // Text, never HTML: names come from data (a proposal named with markup must stay text).
        onEachFeature: (f, l) => l.bindTooltip(h("span", null, String((f.properties || {}).name || f.id))),
      }).eachLayer((l) => {
        l.on("add", () => l.getElement && l.getElement() && (l.getElement().dataset.id = l.feature.id));
        past.addLayer(l);
      });
    });
    banner.textContent = t("past.banner", { date: when.toLocaleString(i18n.locale()) });
    banner.hidden = false;
    clear.hidden = false;
    document.body.dataset.asOf = asOf;
  });
  clear.addEventListener("click", back);

  return { destroy: () => { back(); banner.remove(); } };
}
