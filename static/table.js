// The planners' views, in one sidebar tab: a table of every cluster (stage, area, occupancy,
// free land, investor, Decree 32 verdict, last recorded date) that sorts, filters, exports
// and picks clusters to compare; the verdicts of every district on founding a new cluster;
// and "what is stuck": clusters whose last recorded date is older than a chosen number of
// years before reaching operation, or whose notes record a delay, each with its reason.

import { h, download } from "./util.js";
import { colorOfStage } from "./symbols.js";
import { eventDate } from "./dates.js";
import { freeLandOf, occupancyOf, lastDateOf, csvCell } from "./clusterfacts.js";

const VERDICT_ICON = { yes: "✓", no: "✗", unknown: "?", not_applicable: "–" };

// createTable({section, i18n, features, districts, clusterEligibility, districtEligibility,
// select, onCompare}): section is the empty tab section the module fills; features the
// clusters; districts [{code, name}]; onCompare(features) opens the comparison.
export function createTable({ section, i18n, features, districts, clusterEligibility, districtEligibility, stuck, select, onCompare, tray }) {
  const { t, label, num, codesOf, lang, onLangChange } = i18n;
  const verdicts = new Map(); // cluster id → verdict
  const districtVerdicts = new Map(); // code → verdict
  // The clusters picked to compare live in the tray (comparetray.js), which the panel fills too.
  let sortKey = "name";
  let sortDir = 1;
  let loaded = false;

  const heading = h("h2", { id: "table-heading" });
  const intro = h("p", { class: "note" });
  const filterLabel = h("label", { for: "t-filter" });
  const filterInput = h("input", { type: "search", id: "t-filter", autocomplete: "off" });
  const stageLabel = h("label", { for: "t-stage" });
  const stageSelect = h("select", { id: "t-stage" });
  const countLine = h("p", { id: "table-count", "aria-live": "polite" });
  const exportButton = h("button", { type: "button", id: "table-export", class: "button secondary" });
  const compareButton = h("button", { type: "button", id: "table-compare", class: "button" });
  const compareHint = h("p", { class: "note", id: "table-compare-hint" });
  const table = h("table", { class: "cluster-table", id: "cluster-table" });
  const verdictHeading = h("h3", { id: "verdicts-heading" });
  const verdictNote = h("p", { class: "note" });
  const districtTable = h("table", { class: "cluster-table", id: "district-verdicts" });
  const stuckHeading = h("h3", { id: "stuck-heading" });
  const stuckList = h("ul", { class: "stuck-list", id: "stuck-list" });
  const stuckNote = h("p", { class: "note", id: "stuck-note" });

  section.replaceChildren(
    heading, intro,
    h("div", { class: "filters table-filters" }, filterLabel, filterInput, stageLabel, stageSelect),
    h("div", { class: "results-head" }, countLine, h("div", { class: "export" }, compareButton, exportButton)),
    compareHint,
    h("div", { class: "table-box", tabindex: "0", role: "region", "aria-labelledby": "table-count" }, table),
    h("div", { class: "stuck" }, stuckHeading, stuckList, stuckNote),
    h("div", { class: "verdicts" }, verdictHeading, verdictNote,
      h("div", { class: "table-box", tabindex: "0", role: "region", "aria-labelledby": "verdicts-heading" }, districtTable)),
  );

  // One row of facts per cluster; the same values sort, show and export.
  function rowOf(f) {
    const p = f.properties;
    return {
      f,
      id: String(f.id),
      name: p.name || "",
      stage: p.status || "",
      stageIndex: codesOf("stage").indexOf(p.status),
      area: p.established_area_ha ?? p.planned_area_ha ?? null,
      areaBasis: p.established_area_ha != null ? "established" : p.planned_area_ha != null ? "planned" : "",
      occupancy: occupancyOf(p),
      free: freeLandOf(p).ha,
      investor: p.investor || "",
      verdict: verdicts.get(String(f.id)) || "",
      last: lastDateOf(p),
    };
  }

  const COLUMNS = [
    { key: "name", num: false },
    { key: "stage", num: false, sortBy: "stageIndex" },
    { key: "area", num: true },
    { key: "occupancy", num: true },
    { key: "free", num: true },
    { key: "investor", num: false },
    { key: "verdict", num: false },
    { key: "last", num: false },
  ];

  function rows() {
    const q = filterInput.value.trim().toLocaleLowerCase();
    const st = stageSelect.value;
    const col = COLUMNS.find((c) => c.key === sortKey) || COLUMNS[0];
    const by = col.sortBy || col.key;
    return features.map(rowOf)
      .filter((r) => (!st || r.stage === st) && (!q || `${r.name} ${r.investor} ${r.f.properties.district || ""}`.toLocaleLowerCase().includes(q)))
      .sort((a, b) => {
        const x = a[by], y = b[by];
        // Unknown values sort last whatever the direction: they are shown, not ranked.
        const xu = x == null || x === "", yu = y == null || y === "";
        if (xu || yu) return xu === yu ? a.name.localeCompare(b.name, "vi") : xu ? 1 : -1;
        const c = typeof x === "number" ? x - y : String(x).localeCompare(String(y), "vi");
        return c * sortDir || a.name.localeCompare(b.name, "vi");
      });
  }

  function unknown() {
    return h("em", { class: "unknown" }, t("panel.unknown"));
  }

  function verdictCell(v, kind) {
    if (!v) return h("span", { class: "panel-loading" }, t("table.loading"));
    return h("span", { class: `verdict-chip verdict-${v}`, dataset: { verdict: v } },
      h("span", { "aria-hidden": "true" }, `${VERDICT_ICON[v] || "?"} `), t(`${kind}.short.${v}`));
  }

  function renderTable() {
    const list = rows();
    countLine.textContent = t("table.count", { n: list.length, total: features.length });
    const head = h("tr", {},
      h("th", { scope: "col", class: "pick" }, h("span", { class: "visually-hidden" }, t("table.compareCol"))),
      COLUMNS.map((c) => h("th", {
        scope: "col", class: c.num ? "num" : null,
        "aria-sort": sortKey === c.key ? (sortDir > 0 ? "ascending" : "descending") : null,
      }, h("button", { type: "button", class: "sort", dataset: { sort: c.key }, onclick: () => sortBy(c.key) },
        t(`table.col.${c.key}`), h("span", { "aria-hidden": "true" }, sortKey === c.key ? (sortDir > 0 ? " ▲" : " ▼") : "")))));
    const body = list.map((r) => h("tr", { dataset: { id: r.id, stage: r.stage } },
      h("td", { class: "pick" }, h("input", {
        type: "checkbox", class: "compare-pick", checked: tray.has(r.id), "aria-label": t("table.pick", { name: r.name }),
        onchange: (e) => tray.toggle(r.id, e.target.checked),
      })),
      h("th", { scope: "row" }, h("button", { type: "button", class: "link", lang: "vi", onclick: () => select("clusters", r.id, { fly: true }) }, r.name)),
      h("td", {}, h("span", { class: "swatch", style: `background:${colorOfStage(r.stage)}` }), label("stage", r.stage)),
      h("td", { class: "num" }, r.area == null ? unknown() : t("units.ha", { n: num(r.area, 1) })),
      h("td", { class: "num cell-occupancy" }, r.occupancy == null ? unknown() : `${num(r.occupancy, 0)} %`),
      h("td", { class: "num cell-free" }, r.free == null ? unknown() : t("units.ha", { n: num(r.free, 1) })),
      h("td", { class: "cell-investor" }, r.investor ? h("span", { lang: "vi" }, r.investor) : unknown()),
      h("td", { class: "cell-verdict" }, verdictCell(r.verdict, "elig")),
      h("td", { class: "cell-last" }, r.last ? r.last : unknown())));
    table.replaceChildren(h("caption", { class: "visually-hidden" }, t("table.title")), h("thead", {}, head), h("tbody", {}, body));
  }

  function sortBy(key) {
    if (sortKey === key) sortDir = -sortDir;
    else {
      sortKey = key;
      sortDir = 1;
    }
    renderTable();
    const b = table.querySelector(`button.sort[data-sort="${key}"]`);
    if (b) b.focus();
  }

  function renderCompare() {
    const n = tray.ids().length;
    compareButton.textContent = t("table.compare", { n });
    compareButton.disabled = n < 2 || n > 3;
    compareHint.textContent = n > 3 ? t("table.compareTooMany") : t("table.compareHint");
  }

  function renderDistricts() {
    verdictHeading.textContent = t("table.districtsTitle");
    verdictNote.textContent = t("table.districtsNote");
    const head = h("tr", {}, h("th", { scope: "col" }, t("table.col.district")), h("th", { scope: "col" }, t("table.col.found")));
    const body = [...districts].sort((a, b) => a.name.localeCompare(b.name, "vi")).map((d) => h("tr", { dataset: { code: d.code } },
      h("th", { scope: "row" }, h("button", { type: "button", class: "link", lang: "vi", onclick: () => select("districts", d.code, { fly: true }) }, d.name)),
      h("td", { class: "cell-verdict" }, verdictCell(districtVerdicts.get(d.code), "found"))));
    districtTable.replaceChildren(h("thead", {}, head), h("tbody", {}, body));
  }

  // Stuck: not yet operating, and either the latest date the data records for it is older
  // than the chosen years, or its notes record a delay. Clusters with no date at all are
  // counted and named, not guessed.
  // What is stuck, as the server computes it from the dated steps and the limits between them
  // (GET /api/stuck): each cluster's most overdue step, why, and its last recorded step.
  let stuckAnswer = null;
  function loadStuck() {
    stuck().then((a) => {
      stuckAnswer = a;
      renderStuck();
    }).catch(() => {
      stuckList.replaceChildren(h("li", { class: "empty" }, t("table.stuckError")));
    });
  }

  function renderStuck() {
    stuckHeading.textContent = t("table.stuckTitle");
    if (!stuckAnswer) {
      stuckList.replaceChildren(h("li", { class: "empty" }, t("panel.loading")));
      return;
    }
    const items = stuckAnswer.items.map((it) => {
      const last = it.last_event;
      const reason = h("span", { class: "stuck-reason" }, " — ",
        t("table.stuckDue", { next: t(`event.${it.next}`), d: eventDay(it.due_on, "day"), after: t(`event.${it.after}`),
          since: eventDay(it.since, it.since_precision), m: it.limit_months }),
        " ", h("span", { class: "note" }, `(${t(it.basis === "law" ? "table.stuckByLaw" : "table.stuckByDefault")})`),
        last ? h("span", { class: "stuck-last" }, "; ", t("table.stuckLast", { what: t(`event.${last.kind}`), d: eventDay(last.occurred_on, last.date_precision) }),
          last.decision_number ? [" ", h("span", { lang: "vi" }, last.decision_number)] : null) : null);
      return h("li", { dataset: { id: String(it.cluster_id) } },
        h("button", { type: "button", class: "link", lang: "vi", onclick: () => select("clusters", it.cluster_id, { fly: true }) }, it.name), reason);
    });
    stuckList.replaceChildren(...(items.length ? items : [h("li", { class: "empty" }, t("table.stuckNone"))]));
    stuckNote.textContent = t("table.stuckDefinition");
  }

  function eventDay(iso, precision) {
    return eventDate(iso, precision, lang());
  }

  function renderStatic() {
    heading.textContent = t("table.title");
    intro.textContent = t("table.intro");
    filterLabel.textContent = t("table.filter");
    stageLabel.textContent = t("filters.stage");
    exportButton.textContent = t("export.csv");
    const keep = stageSelect.value;
    stageSelect.replaceChildren(h("option", { value: "" }, t("filters.all")), ...codesOf("stage").map((s) => h("option", { value: s }, label("stage", s))));
    stageSelect.value = keep;
  }

  function render() {
    renderStatic();
    renderTable();
    renderCompare();
    renderStuck();
    renderDistricts();
  }

  // The verdicts come from the server, one answer per cluster and per district (cached).
  async function loadVerdicts() {
    if (loaded) return;
    loaded = true;
    section.dataset.verdicts = "loading";
    await Promise.all([
      ...features.map((f) => clusterEligibility(f.id).then((e) => verdicts.set(String(f.id), e.verdict)).catch(() => verdicts.set(String(f.id), "unknown"))),
      ...districts.map((d) => districtEligibility(d.code).then((e) => districtVerdicts.set(d.code, e.verdict)).catch(() => districtVerdicts.set(d.code, "unknown"))),
    ]);
    render();
    section.dataset.verdicts = "ready";
  }

  function exportCSV() {
    const header = ["id", ...COLUMNS.map((c) => t(`table.col.${c.key}`)), "stage_code", "verdict_code"];
    const out = [header.map(csvCell).join(",")];
    for (const r of rows()) {
      out.push([r.id, r.name, label("stage", r.stage), r.area, r.occupancy == null ? "" : Math.round(r.occupancy * 10) / 10, r.free == null ? "" : Math.round(r.free * 100) / 100,
        r.investor, r.verdict ? t(`elig.short.${r.verdict}`) : "", r.last, r.stage, r.verdict].map(csvCell).join(","));
    }
    download(`clustermap-table-${new Date().toISOString().slice(0, 10)}.csv`, "text/csv;charset=utf-8", "\uFEFF" + out.join("\r\n") + "\r\n");
  }

  filterInput.addEventListener("input", renderTable);
  stageSelect.addEventListener("change", renderTable);
  exportButton.addEventListener("click", exportCSV);
  compareButton.addEventListener("click", () => {
    const picked = features.filter((f) => tray.has(f.id));
    if (picked.length >= 2 && picked.length <= 3) onCompare(picked);
  });
  onLangChange(render);
  render();

  function show() {
    loadVerdicts();
    loadStuck();
  }

  // A pick made elsewhere (the panel, the tray's ×) ticks or unticks the boxes in place.
  tray.onChange(() => {
    for (const box of table.querySelectorAll("input.compare-pick")) box.checked = tray.has(box.closest("tr").dataset.id);
    renderCompare();
  });

  return { show, chosen: () => tray.ids() };
}
