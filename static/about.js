// "About the data": a dialog, linked from the map's attribution, that says per
// layer where the data comes from, under which licence, how its geometry was
// placed and as of when its figures are; how much of the province's own totals
// ClusterMap holds; and what is known to be missing. Layer facts come from the
// catalog (GET /api/layers), coverage from GET /api/summary and the dates from
// each layer's figures, so the page cannot drift from the data.

import { h } from "./util.js";
import { getSummary, getLayerFigures } from "./api.js";

// createAbout({dialog, body, closeButton, i18n, catalog, map}) → {open, close}: the link that
// opens it goes into the map's attribution, next to the credits it explains.
export function createAbout({ dialog, body, closeButton, i18n, catalog, map }) {
  const { t, title, lang, label, onLangChange } = i18n;
  let data = null; // {summary, dates: layer id → [{name, field, qualifier, as_of}]}
  let loading = null;

  closeButton.addEventListener("click", () => close());
  dialog.addEventListener("cancel", () => close());
  placeLink();

  // The link, in the interface language; a click opens the dialog.
  function placeLink() {
    let linkHTML = null;
    const place = () => {
      if (linkHTML) map.attributionControl.removeAttribution(linkHTML);
      linkHTML = h("a", { href: "#about", class: "cm-about-link", role: "button" }, t("about.link")).outerHTML;
      map.attributionControl.addAttribution(linkHTML);
    };
    place();
    onLangChange(place);
    map.getContainer().addEventListener("click", (e) => {
      if (!e.target.closest(".cm-about-link")) return;
      e.preventDefault(); // the URL keeps the view; the hash is not "#about"
      open();
    });
  }

  // The layers whose features carry figures, and their dated figures.
  async function load() {
    const withFigures = catalog.layers.filter((l) => (l.fields || []).some((f) => f.name === "figures"));
    const [summary, ...collections] = await Promise.all([
      getSummary(),
      ...withFigures.map((l) => getLayerFigures(l.id)),
    ]);
    const dates = {};
    withFigures.forEach((l, i) => {
      dates[l.id] = [];
      for (const f of collections[i].features || []) {
        for (const [field, q] of Object.entries((f.properties || {}).figures || {})) {
          if (q && q.as_of) dates[l.id].push({ name: f.properties.name, field, qualifier: q.qualifier, as_of: q.as_of });
        }
      }
    });
    return { summary, dates };
  }

  function link(text, url) {
    return url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text) : h("span", {}, text);
  }

  function fieldTitle(layer, name) {
    const f = (layer.fields || []).find((x) => x.name === name);
    return f ? title(f.title, name) : name;
  }

  function layerSection(l) {
    const dated = data && data.dates[l.id];
    const dl = h("dl", { class: "facts" },
      h("dt", {}, t("about.license")), h("dd", {}, l.license && l.license.url ? link(l.license.name, l.license.url) : "—"),
      h("dt", {}, t("about.credits")), h("dd", {}, h("ul", {}, (l.credits || []).map((c) => h("li", {}, link((lang() === "vi" && c.text_vi) || c.text, c.url))))),
      h("dt", {}, t("about.placement")), h("dd", {}, t(`about.placement.${l.id}`)));
    if (dated) {
      dl.append(h("dt", {}, t("about.asOf")), h("dd", {}, dated.length
        ? h("ul", {}, dated.map((d) => h("li", {}, `${d.name} — ${fieldTitle(l, d.field)}: ${d.as_of}${d.qualifier && d.qualifier !== "exact" ? ` (${label("figure_qualifier", d.qualifier)})` : ""}`)))
        : h("span", { class: "unknown" }, t("about.noDates"))));
    }
    return h("section", { class: "about-layer", dataset: { layer: l.id } },
      h("h4", {}, title(l.title, l.id)),
      h("p", { class: "note" }, title(l.description, "")),
      dl);
  }

  function render() {
    const coverage = data && data.summary && data.summary.coverage;
    const items = (coverage && coverage.items) || [];
    const articles = catalog.wikipediaArticles || [];
    body.replaceChildren(
      h("h2", { id: "about-title" }, t("about.title")),
      h("p", { class: "about-units" }, t("about.units")),
      h("p", {}, t("about.rule")),
      h("h3", {}, t("about.coverage")),
      data
        ? h("ul", { class: "about-coverage" }, items.map((it) => h("li", { dataset: { total: it.slug } },
          lang() === "en" ? it.statement.en : it.statement.vi, " ",
          h("span", { class: "note" }, "(", ...(it.sources || []).flatMap((s, i) => [i ? "; " : "", /^https?:/.test(s) ? link(s, s) : s]), ")"))))
        : h("p", { class: "panel-loading" }, t("panel.loading")),
      h("h3", {}, t("about.layers")),
      ...catalog.layers.map(layerSection),
      articles.length ? h("h3", {}, t("about.wikipedia")) : null,
      articles.length ? h("ul", { class: "about-wikipedia" }, articles.map((a) => h("li", {}, link(a.text, a.url)))) : null,
      h("h3", {}, t("about.gaps")),
      h("ul", { class: "about-gaps" }, ["gap1", "gap2", "gap3", "gap4", "gap5"].map((k) => h("li", {}, t(`about.${k}`)))),
    );
  }

  function open() {
    render();
    if (!dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    closeButton.focus();
    if (!loading) {
      loading = load().then((d) => {
        data = d;
        if (dialog.open) render();
      }).catch((err) => {
        loading = null; // try again next time
        console.error("about:", err);
      });
    }
    return loading;
  }

  function close() {
    if (typeof dialog.close === "function" && dialog.open) dialog.close();
    else dialog.removeAttribute("open");
  }

  onLangChange(() => {
    if (dialog.open) render();
  });
  return { open, close };
}
