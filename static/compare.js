// Two or three clusters side by side (in the panel, and printed), and the printable
// one-page fact sheet of one cluster: the browser's print, with the print styles of
// app.css (only the panel is printed), its sources and the date the sheet was made.

import { h, parseSource } from "./util.js";
import { colorOfStage } from "./symbols.js";
import { freeLandOf, occupancyOf, lastDateOf, figuresOf } from "./clusterfacts.js";

// haOf(i18n) → ha(value, properties, field): hectares as the source gives them ("≥ 24.2 ha (as of
// 2020)"), or "unknown"; the comparison and the fact sheet print figures the same way.
export function haOf({ t, num }) {
  return (v, p, field) => {
    if (v == null) return h("em", { class: "unknown" }, t("panel.unknown"));
    const q = field ? figuresOf(p)[field] : null;
    const sign = q ? { at_least: "≥ ", about: "≈ " }[q.qualifier] || "" : "";
    const when = q && q.as_of ? ` (${t("panel.asOf", { d: q.as_of })})` : "";
    return `${sign}${t("units.ha", { n: num(v, 1) })}${when}`;
  };
}

// createCompare({panel, i18n, clusterEligibility, win}) → {compare(features), print()}; a
// comparison shown follows the interface language.
export function createCompare({ panel, i18n, clusterEligibility, win = window, doc = document }) {
  const { t, label, num, locale } = i18n;
  let last = null; // re-rendered on a language change

  const ha = haOf(i18n);

  function text(v, textLang) {
    return v ? h("span", { lang: textLang }, v) : h("em", { class: "unknown" }, t("panel.unknown"));
  }

  const ROWS = [
    ["panel.kind", (p) => label("cluster_kind", p.kind)],
    ["panel.stage", (p) => h("span", {}, h("span", { class: "swatch", style: `background:${colorOfStage(p.status)}` }), label("stage", p.status))],
    ["panel.district", (p) => text(p.district, "vi")],
    ["panel.planned", (p) => ha(p.planned_area_ha, p, "planned_area_ha")],
    ["panel.established", (p) => ha(p.established_area_ha, p, "established_area_ha")],
    ["panel.industrial", (p) => ha(p.industrial_land_ha, p, "industrial_land_ha")],
    ["panel.occupancy", (p) => { const o = occupancyOf(p); return o == null ? h("em", { class: "unknown" }, t("panel.unknown")) : `${num(o, 0)} %`; }],
    ["panel.free", (p) => ha(freeLandOf(p).ha)],
    ["panel.investor", (p) => text(p.investor, "vi")],
    ["panel.decision", (p) => text([p.decision_number, p.decision_date].filter(Boolean).join(", "), "vi")],
    ["panel.lastChange", (p) => text(lastDateOf(p), null)],
    ["panel.contact", (p) => p.contact ? text(p.contact, "vi") : h("span", {}, h("span", { lang: "vi" }, t("panel.departmentName")), ` (${t("panel.contactNotRecorded")})`)],
  ];

  function printedOn() {
    return new Intl.DateTimeFormat(locale(), { dateStyle: "long" }).format(new Date());
  }

  function sourcesOf(features) {
    const all = [...new Set(features.flatMap((f) => f.properties.sources || []))];
    return h("section", { class: "panel-section sheet-sources" }, h("h3", {}, t("panel.sources")),
      h("ul", { class: "sources" }, all.map((s) => {
        const { text: st, url } = parseSource(s);
        return h("li", {}, url ? h("a", { href: url }, st, h("span", { class: "print-url" }, ` ${url}`)) : st);
      })));
  }

  function compare(features) {
    last = features;
    const verdictCells = features.map((f) => h("td", { class: "cell-verdict", dataset: { id: String(f.id) } }, t("table.loading")));
    features.forEach((f, i) => clusterEligibility(f.id)
      .then((e) => verdictCells[i].replaceChildren(h("span", { class: `verdict-chip verdict-${e.verdict}`, dataset: { verdict: e.verdict } }, t(`elig.short.${e.verdict}`))))
      .catch(() => verdictCells[i].replaceChildren(h("em", { class: "unknown" }, t("panel.unknown")))));
    const table = h("table", { class: "compare-table", id: "compare-table" },
      h("caption", { class: "visually-hidden" }, t("compare.title")),
      h("thead", {}, h("tr", {}, h("td", {}), features.map((f) => h("th", { scope: "col", lang: "vi", dataset: { id: String(f.id) } }, f.properties.name)))),
      h("tbody", {},
        ROWS.map(([key, fn]) => h("tr", { dataset: { row: key } }, h("th", { scope: "row" }, t(key)), features.map((f) => h("td", {}, fn(f.properties))))),
        h("tr", { dataset: { row: "verdict" } }, h("th", { scope: "row" }, t("table.col.verdict")), verdictCells)));
    panel.showView("compare", [
      h("h2", { id: "panel-title", tabindex: "-1" }, h("span", {}, t("compare.title"))),
      h("p", { class: "note sheet-date" }, t("sheet.asOf", { d: printedOn() })),
      // A narrow panel scrolls the table: the box takes focus, so the keyboard can scroll it too.
      h("div", { class: "table-box", tabindex: "0", role: "region", "aria-labelledby": "panel-title" }, table),
      h("div", { class: "panel-actions no-print" }, h("button", { type: "button", class: "button secondary", id: "compare-print", onclick: () => print("compare") }, t("panel.print"))),
      sourcesOf(features),
    ]);
  }

  // Prints what the panel shows (a cluster's fact sheet or the comparison): the print
  // styles hide everything else and stamp the date.
  function print(kind = "sheet") {
    const stamp = doc.getElementById("print-stamp") || doc.body.appendChild(h("p", { id: "print-stamp", class: "print-only" }));
    stamp.textContent = `${t("app.title")} — ${t(kind === "compare" ? "compare.title" : "sheet.title")} — ${t("sheet.asOf", { d: printedOn() })}`;
    doc.body.classList.add("printing");
    const done = () => doc.body.classList.remove("printing");
    win.addEventListener("afterprint", done, { once: true });
    win.print();
  }

  function rerender() {
    if (last && panelShowsCompare()) compare(last);
  }
  i18n.onLangChange(rerender);

  function panelShowsCompare() {
    const el = doc.getElementById("panel");
    return el && !el.hidden && el.dataset.layer === "compare";
  }

  return { compare, print, rerender };
}
