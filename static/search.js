// The search box: asks GET /api/search?q= (diacritics-insensitive on the
// server, so it finds things the page has not loaded) and lists the results
// as a listbox; picking one zooms to it and opens its panel.

import { h, debounce } from "./util.js";
import { search } from "./api.js";

// createSearch({input, results, i18n, layerTitle, onPick}): input is the
// search box, results its listbox; layerTitle(id) names a layer for results
// that have no kind; onPick(result) opens the chosen one.
export function createSearch({ input, results, i18n, layerTitle, onPick }) {
  const { t, label, title } = i18n;

  let controller = null;
  let items = [];
  let active = -1;
  let lastQuery = ""; // the query the shown results answer
  let pickOnArrival = false; // Enter was pressed before the results came

  async function run() {
    const q = input.value.trim();
    const pickFirst = pickOnArrival;
    pickOnArrival = false;
    if (q === lastQuery && !results.hidden) return;
    if (controller) controller.abort();
    if (q.length < 2) {
      hide();
      return;
    }
    controller = new AbortController();
    try {
      const data = await search(q, { signal: controller.signal });
      lastQuery = q;
      render(data.results || []);
      if (pickFirst && items.length) pick(0);
    } catch (err) {
      if (err.name === "AbortError") return;
      render([], t("search.error"));
    }
  }

  function render(list, message) {
    items = list;
    active = -1;
    results.replaceChildren();
    if (!list.length) {
      results.append(h("li", { class: "search-empty", role: "option", "aria-disabled": "true" }, message || t("search.none")));
    }
    list.forEach((r, i) => {
      // What the result is: the kind where it has one, else its layer.
      const kind = r.layer === "clusters" ? label("cluster_kind", r.kind) : r.layer === "districts" ? label("district_kind", r.kind || "district") : "";
      const li = h("li", {
        id: `search-result-${i}`, role: "option", "aria-selected": "false",
        dataset: { layer: r.layer, id: String(r.id) },
        onclick: () => pick(i),
      }, h("span", { class: "result-name" }, r.name), h("span", { class: "result-meta" }, kind || title(r.layer_title) || layerTitle(r.layer)));
      results.append(li);
    });
    results.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function hide() {
    results.hidden = true;
    lastQuery = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(i) {
    const opts = results.querySelectorAll("li[data-layer]");
    if (!opts.length) return;
    active = (i + opts.length) % opts.length;
    opts.forEach((li, j) => li.setAttribute("aria-selected", String(j === active)));
    input.setAttribute("aria-activedescendant", opts[active].id);
    opts[active].scrollIntoView({ block: "nearest" });
  }

  function onKey(e) {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (results.hidden && items.length) results.hidden = false;
      setActive(active + 1);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive(active - 1);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (items.length && lastQuery === input.value.trim()) {
        pick(active >= 0 ? active : 0);
      } else {
        // Typed and pressed Enter at once: search now, take the first result.
        pickOnArrival = true;
        run();
      }
    } else if (e.key === "Escape") {
      hide();
    }
  }

  function pick(i) {
    const r = items[i];
    if (!r) return;
    hide();
    onPick(r);
  }

  input.addEventListener("input", debounce(() => run(), 200));
  input.addEventListener("keydown", onKey);
  input.addEventListener("search", () => {
    // Fired by Enter and by the clear button of <input type=search>.
    if (!input.value.trim()) hide();
  });
  document.addEventListener("click", (e) => {
    if (!e.target.closest(".search")) hide();
  });

  return { hide };
}
