// The building blocks of the feature panel's views (panelviews.js): the title with its symbol,
// badges, fact lists, sections, numbers as their sources give them, "unknown" with its reason,
// sources, the geometry quality, notes, the lifecycle steps and the occupancy bar.

import { h, parseSource, langOf } from "./util.js";
import { figuresOf } from "./clusterfacts.js";
import { colorOfStage } from "./symbols.js";

// createBlocks(i18n) → the blocks, worded in the interface language at the time they are built.
export function createBlocks(i18n) {
  const { t, label, num, codesOf } = i18n;

  function title(text, symbol, textLang = "vi") {
    return h("h2", { id: "panel-title", tabindex: "-1" }, symbol ? symbolNode(symbol) : null, h("span", { lang: text ? textLang : null }, text || "—"));
  }

  function symbolNode(svg) {
    const span = h("span", { class: "panel-symbol", "aria-hidden": "true" });
    span.innerHTML = svg; // our own markup from symbols.js, no data in it
    return span;
  }

  function badge(text, color, cls = "") {
    return h("span", { class: `badge ${cls}`, style: color ? `--badge:${color}` : null }, text);
  }

  // A definition list from [term, value] pairs, skipping empty values.
  function facts(pairs) {
    const dl = h("dl", { class: "facts" });
    for (const [term, value] of pairs) {
      if (value == null || value === "" || (Array.isArray(value) && !value.length)) continue;
      dl.append(h("dt", {}, term), h("dd", {}, value));
    }
    return dl.children.length ? dl : null;
  }

  function section(heading, ...content) {
    const items = content.filter(Boolean);
    if (!items.length) return null;
    return h("section", { class: "panel-section" }, h("h3", {}, heading), ...items);
  }

  function ha(n) {
    return n == null ? null : t("units.ha", { n: num(n, 2) });
  }

  // A number as its source gives it: "≥ 24,2 ha (2023)" for "more than 24.2 ha
  // in 2023", "≈ 88.000 ha" for "about"; exact and undated numbers stay as they are.
  function qualified(p, field, text) {
    if (text == null || text === "") return text;
    const q = figuresOf(p)[field];
    if (!q) return text;
    const sign = { at_least: "≥ ", about: "≈ " }[q.qualifier] || "";
    const when = q.as_of ? ` (${t("panel.asOf", { d: q.as_of })})` : "";
    return h("span", { class: "figure", dataset: { qualifier: q.qualifier || "exact" }, title: label("figure_qualifier", q.qualifier) }, `${sign}${text}${when}`);
  }

  // "unknown", and why when the reason is known: a field a user looks for is never hidden.
  function unknown(why) {
    return h("span", { class: "unknown" }, t("panel.unknown"), why ? h("span", { class: "unknown-why" }, ` — ${why}`) : null);
  }

  // Data text keeps the language it is written in (sources write notes, placements and
  // industries in either language, names in Vietnamese): screen readers and the language check
  // read the attribute. textLang is the language when the text is too short to tell.
  function dataText(text, textLang) {
    if (text == null || text === "") return null;
    return h("span", { lang: langOf(text) || textLang }, text);
  }

  function sources(list) {
    if (!list || !list.length) return null;
    const ul = h("ul", { class: "sources" });
    for (const s of list) {
      const { text, url } = parseSource(s);
      ul.append(h("li", {}, url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text) : text));
    }
    return section(t("panel.sources"), ul);
  }

  function qualityBlock(p) {
    if (!p.geometry_quality && !p.placement) return null;
    return section(
      t("panel.quality"),
      p.geometry_quality === "indicative" ? h("p", { class: "warning" }, t("panel.indicativeWarning")) : null,
      facts([
        [t("panel.quality"), label("geometry_quality", p.geometry_quality)],
        [t("panel.placement"), dataText(p.placement, "en")],
      ]),
    );
  }

  function notes(p) {
    return p.notes ? section(t("panel.notes"), h("p", { lang: langOf(p.notes) || "en" }, p.notes)) : null;
  }

  // Lifecycle as a row of steps, the current one marked: planners read "how far
  // along" at a glance.
  function stageSteps(stage) {
    const stages = codesOf("stage");
    const at = stages.indexOf(stage);
    const ol = h("ol", { class: "stage-steps", "aria-label": t("panel.stage") });
    stages.forEach((s, i) => {
      ol.append(h("li", {
        class: i < at ? "done" : i === at ? "current" : "",
        style: `--step:${colorOfStage(s)}`,
        "aria-current": i === at ? "step" : null,
        title: label("stage", s),
      }, h("span", { class: "visually-hidden" }, label("stage", s))));
    });
    return ol;
  }

  function occupancyBar(p) {
    let pct = p.occupancy_pct;
    if (pct == null && p.leased_land_ha != null && p.industrial_land_ha) pct = (100 * p.leased_land_ha) / p.industrial_land_ha;
    if (pct == null) return h("p", { class: "unknown" }, t("panel.occupancyUnknown"));
    const shown = Math.max(0, Math.min(100, pct));
    return h("div", { class: "occupancy" },
      h("div", { class: "occupancy-label" }, h("span", {}, t("panel.occupancy")), h("strong", {}, `${num(pct, 1)} %`)),
      h("div", {
        class: "bar", role: "meter", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(shown)),
        "aria-label": t("panel.occupancy"),
      }, h("span", { style: `width:${shown}%` })));
  }


  return { title, badge, facts, section, ha, qualified, unknown, dataText, sources, qualityBlock, notes, stageSteps, occupancyBar };
}
