// Region dashboards, from GET /api/summary: clusters by stage per region (a
// Chart.js stacked bar), hectares, occupancy and cluster counts per region, the
// clusters outside every region and the province (a table), and the investors
// and linked raw-material hectares by crop (a second chart and table).
// Chart.js is loaded only when the overview is first shown, which keeps it off
// the first page load.

import { h, download, langOf } from "./util.js";
import { csvCell } from "./clusterfacts.js";
import { getSummary } from "./api.js";
import { colorOfStage, regionColor, cropColor } from "./symbols.js";

// createOverview({elements, i18n, chartJS, onPickRegion}): elements holds the
// two chart canvases, the two tables, the status line and the note; chartJS
// is the URL of Chart.js, loaded on first show(); onPickRegion(slug) opens a
// region.
export function createOverview({ elements, i18n, chartJS = "vendor/chart.js/chart.umd.min.js", onPickRegion = () => {} }) {
  const { t, label, num, lang, codesOf, onLangChange } = i18n;
  const { chart: canvas, cropChart: cropCanvas, table, details, status, rawNote, coverage, exportCSV } = elements;
  if (exportCSV) exportCSV.addEventListener("click", () => downloadCSV());

  let summary = null;
  let charts = {};
  let loading = null;

  // Called whenever the overview becomes visible; loads once.
  function show() {
    if (!loading) {
      status.textContent = t("overview.loading");
      loading = Promise.all([getSummary(), loadChartJS()])
        .then(([s]) => {
          summary = s;
          status.textContent = "";
          draw();
        })
        .catch((err) => {
          loading = null; // allow a retry next time
          status.textContent = t("overview.error");
          console.error("overview:", err);
        });
    }
    return loading;
  }

  function loadChartJS() {
    if (window.Chart) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = chartJS;
      s.onload = () => resolve();
      s.onerror = () => reject(new Error("could not load Chart.js"));
      document.head.append(s);
    });
  }

  function name(r) {
    return lang() === "en" ? r.name_en || r.name_vi || r.slug : r.name_vi || r.slug;
  }

  // The rows of the charts: the five regions, then the clusters outside them,
  // so that the bars add up to the province.
  function rows() {
    return [...(summary.regions || []), { ...(summary.outside_regions || {}), outside: true }];
  }

  function rowName(r) {
    return r.outside ? t("overview.outside") : name(r);
  }

  // Crops that some area links, in the legend's order.
  function linkedCrops() {
    const p = (summary.province || {}).raw_material_ha_by_crop || {};
    return codesOf("crop").filter((c) => p[c] > 0 || rows().some((r) => (r.raw_material_ha_by_crop || {})[c] > 0));
  }

  function barChart(key, el, labels, datasets, titleText, xTitle) {
    if (charts[key]) {
      const c = charts[key];
      c.data.labels = labels;
      c.data.datasets = datasets;
      c.options.plugins.title.text = titleText;
      c.options.scales.x.title = xTitle ? { display: true, text: xTitle } : { display: false };
      c.update();
      return;
    }
    charts[key] = new window.Chart(el, {
      type: "bar",
      data: { labels, datasets },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: xTitle ? { display: true, text: xTitle } : { display: false } },
          y: { stacked: true },
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, font: { size: 11 } } },
          title: { display: true, text: titleText },
          tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${num(ctx.parsed.x, 1)}` } },
        },
      },
    });
  }

  function draw() {
    const list = rows();
    const labels = list.map(rowName);
    // What the figures cover: the clusters ClusterMap holds against the province's own totals.
    if (coverage) {
      const c = summary.coverage || {};
      coverage.textContent = c.statement ? (lang() === "en" ? c.statement.en : c.statement.vi) || "" : "";
      coverage.hidden = !coverage.textContent;
    }

    const stageSets = codesOf("stage").map((s) => ({
      label: label("stage", s),
      data: list.map((r) => (r.clusters_by_stage || {})[s] || 0),
      backgroundColor: colorOfStage(s),
      borderColor: "#333",
      borderWidth: 1,
    }));
    const total = (summary.province || {}).clusters;
    canvas.setAttribute("aria-label", t("overview.chartLabel"));
    barChart("stages", canvas, labels, stageSets,
      total != null ? `${t("overview.chartLabel")} (${t("overview.province").toLowerCase()}: ${total})` : t("overview.chartLabel"));

    const radius = num(summary.radius_km, 0);
    const cropSets = linkedCrops().map((c) => ({
      label: label("crop", c),
      data: list.map((r) => (r.raw_material_ha_by_crop || {})[c] || 0),
      backgroundColor: cropColor[c] || "#777",
      borderColor: "#333",
      borderWidth: 1,
    }));
    cropCanvas.setAttribute("aria-label", t("overview.cropChart", { r: radius }));
    barChart("crops", cropCanvas, labels, cropSets, t("overview.cropChart", { r: radius }), "ha");

    drawTable();
    drawDetails();
    rawNote.textContent = t("overview.rawNote", { r: radius });
    if (exportCSV) exportCSV.textContent = t("export.csv");
  }

  // Every aggregate prints its base where it is shown: how many of the area's clusters the
  // figure covers, and for occupancy the years of its figures. A base of fewer than half the
  // clusters is thin: the figure stays, greyed, with its base in words (not on hover only).
  const KEYS = ["planned_ha", "established_ha", "leased_ha"];
  const thin = (n, of) => of > 0 && n * 2 < of;
  function years(r) {
    const y = r.occupancy_years || [];
    return y.length === 2 ? (y[0] === y[1] ? String(y[0]) : `${y[0]}–${y[1]}`) : "";
  }
  function occupancyBase(r) {
    const n = r.occupancy_clusters_with_data || 0;
    const when = years(r);
    const base = t("overview.base", { n, of: r.clusters ?? 0 });
    return when ? `${base}, ${when}` : base;
  }

  // A sum of hectares is blank when no cluster of the area reports the figure: 0 would claim a
  // value the data does not have.
  function haCell(r, key, value) {
    const n = (r.clusters_with_data && r.clusters_with_data[key]) || 0;
    const of = r.clusters ?? 0;
    if (n === 0) return h("td", { class: "num", dataset: { key } }, "");
    return h("td", { class: thin(n, of) ? "num thin" : "num", dataset: { key, base: String(n), of: String(of) } },
      h("span", { class: "fig" }, num(value, 1)), n < of ? h("span", { class: "base" }, t("overview.baseShort", { n, of })) : null);
  }

  function cells(r) {
    const occ = r.occupancy_pct;
    const n = r.occupancy_clusters_with_data || 0;
    const isThin = thin(n, r.clusters ?? 0);
    return [
      h("td", { class: "num", dataset: { key: "clusters" } }, String(r.clusters ?? "")),
      haCell(r, "planned_ha", r.planned_ha),
      haCell(r, "established_ha", r.established_ha),
      haCell(r, "leased_ha", r.leased_ha),
      h("td", { class: `num occ${isThin ? " thin" : ""}`, dataset: { key: "occupancy_pct", base: String(n), of: String(r.clusters ?? 0), thin: String(isThin) } }, occ == null ? "" : [
        h("span", { class: "fig" }, `${num(occ, 1)} %`),
        h("span", { class: "mini-bar", "aria-hidden": "true" }, h("span", { style: `width:${Math.max(0, Math.min(100, occ))}%` })),
        h("span", { class: "base" }, occupancyBase(r)),
        occ > 100 ? h("span", { class: "base warn" }, t("overview.occOver")) : null,
      ]),
    ];
  }

  // The area table as CSV, each figure beside its base, as on the screen.
  function downloadCSV() {
    if (!summary) return;
    const header = [t("overview.region"), t("overview.clustersCol"),
      ...KEYS.flatMap((k) => [`${t(`overview.${k === "planned_ha" ? "planned" : k === "established_ha" ? "established" : "leased"}`)} (ha)`, t("overview.csvBase")]),
      `${t("overview.occupancy")} (%)`, t("overview.csvBase"), t("overview.csvYears"), t("overview.csvThin")];
    const line = (nameText, r) => {
      const of = r.clusters ?? 0;
      const n = r.occupancy_clusters_with_data || 0;
      return [nameText, of,
        ...KEYS.flatMap((k) => { const m = (r.clusters_with_data || {})[k] || 0; return [m ? Math.round(r[k] * 10) / 10 : "", t("overview.base", { n: m, of })]; }),
        r.occupancy_pct ?? "", t("overview.base", { n, of }), years(r), r.occupancy_pct == null ? "" : t(thin(n, of) ? "overview.yes" : "overview.no")];
    };
    const out = [header, ...(summary.regions || []).map((r) => line(name(r), r)),
      line(t("overview.outside"), summary.outside_regions || {}), line(t("overview.province"), summary.province || {})];
    download(`clustermap-areas-${new Date().toISOString().slice(0, 10)}.csv`, "text/csv;charset=utf-8",
      "\uFEFF" + out.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n");
  }

  function regionHeader(r) {
    return h("th", { scope: "row" },
      h("span", { class: "swatch", style: `background:${regionColor[r.slug] || "#ddd"}` }),
      h("button", { type: "button", class: "link", onclick: () => onPickRegion(r.slug) }, name(r)));
  }

  function drawTable() {
    const head = h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, t("overview.region")),
      h("th", { scope: "col", class: "num" }, t("overview.clustersCol")),
      h("th", { scope: "col", class: "num" }, t("overview.planned")),
      h("th", { scope: "col", class: "num" }, t("overview.established")),
      h("th", { scope: "col", class: "num" }, t("overview.leased")),
      h("th", { scope: "col", class: "num" }, t("overview.occupancy"))));
    const body = h("tbody", {}, (summary.regions || []).map((r) => h("tr", { dataset: { region: r.slug } }, regionHeader(r), ...cells(r))));
    const out = summary.outside_regions || {};
    const p = summary.province || {};
    const foot = h("tfoot", {},
      h("tr", { class: "outside", dataset: { region: "outside" } }, h("th", { scope: "row" }, t("overview.outside")), ...cells(out)),
      h("tr", { dataset: { region: "province" } }, h("th", { scope: "row" }, t("overview.province")), ...cells(p)));
    table.replaceChildren(h("caption", {}, t("overview.area")), head, body, foot);
  }

  function investorCell(r) {
    const names = r.investors || [];
    return h("td", { class: "investors", dataset: { key: "investors" } },
      names.length ? h("ul", {}, names.map((n) => h("li", { lang: langOf(n) || "vi" }, n))) : h("span", { class: "unknown" }, t("overview.noInvestor")),
      r.investors_unnamed ? h("span", { class: "note unnamed", dataset: { unnamed: String(r.investors_unnamed) } }, t("overview.investorsUnnamed", { n: r.investors_unnamed })) : null);
  }

  function rawCell(r) {
    const byCrop = Object.entries(r.raw_material_ha_by_crop || {}).sort((a, b) => b[1] - a[1]);
    return h("td", { class: "raw", dataset: { key: "raw_material" } },
      byCrop.length
        ? h("ul", {}, byCrop.map(([crop, v]) => h("li", { dataset: { crop, ha: String(v) } },
          h("span", { class: "swatch", style: `background:${cropColor[crop] || "#777"}` }), `${label("crop", crop)} `,
          // 0 ha from zones that state no area is not a measured zero.
          v === 0 && (r.raw_material_zones_by_crop || {})[crop] > 0 ? h("span", { class: "unknown" }, t("overview.areaUnknown")) : h("strong", {}, num(v, 0)))))
        : h("span", { class: "unknown" }, t("overview.none")));
  }

  function drawDetails() {
    const head = h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, t("overview.region")),
      h("th", { scope: "col" }, t("overview.investors")),
      h("th", { scope: "col" }, t("overview.rawMaterial"))));
    const body = h("tbody", {}, (summary.regions || []).map((r) => h("tr", { dataset: { region: r.slug } }, regionHeader(r), investorCell(r), rawCell(r))));
    const out = summary.outside_regions || {};
    const p = summary.province || {};
    const foot = h("tfoot", {},
      h("tr", { class: "outside", dataset: { region: "outside" } }, h("th", { scope: "row" }, t("overview.outside")), investorCell(out), rawCell(out)),
      h("tr", { dataset: { region: "province" } }, h("th", { scope: "row" }, t("overview.province")), investorCell(p), rawCell(p)));
    details.replaceChildren(h("caption", {}, t("overview.regionDetails")), head, body, foot);
  }

  onLangChange(() => {
    if (summary) draw();
  });

  return { show };
}
