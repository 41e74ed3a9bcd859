// Region overview: clusters by stage per region (a Chart.js stacked bar) and
// hectares and occupancy per region and for the province (a table), from
// GET /api/summary. Chart.js is loaded only when the overview is first shown,
// which keeps it off the first page load.

import { t, label, num, lang, codesOf, onLangChange } from "./i18n.js";
import { h, getJSON } from "./util.js";
import { colorOfStage, regionColor } from "./symbols.js";

const canvas = document.getElementById("overview-chart");
const table = document.getElementById("overview-table");
const status = document.getElementById("overview-status");

let summary = null;
let chart = null;
let loading = null;
let onPickRegion = () => {};

export function init(opts) {
  onPickRegion = opts.onPickRegion;
  onLangChange(() => {
    if (summary) draw();
  });
}

// Called whenever the overview becomes visible; loads once.
export function show() {
  if (!loading) {
    status.textContent = t("overview.loading");
    loading = Promise.all([getJSON("api/summary"), loadChartJS()])
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
    s.src = "vendor/chart.js/chart.umd.min.js";
    s.onload = () => resolve();
    s.onerror = () => reject(new Error("could not load Chart.js"));
    document.head.append(s);
  });
}

function name(r) {
  return lang() === "en" ? r.name_en || r.name_vi || r.slug : r.name_vi || r.slug;
}

// The clusters outside every region: the province minus the regions, so the
// bars add up to the province.
function outside() {
  const p = summary.province || {};
  const byStage = {};
  for (const s of codesOf("stage")) {
    const inRegions = (summary.regions || []).reduce((n, r) => n + ((r.clusters_by_stage || {})[s] || 0), 0);
    byStage[s] = Math.max(0, ((p.clusters_by_stage || {})[s] || 0) - inRegions);
  }
  return byStage;
}

function draw() {
  const regions = summary.regions || [];
  const rest = outside();
  const labels = [...regions.map(name), t("overview.outside")];
  const datasets = codesOf("stage").map((s) => ({
    label: label("stage", s),
    data: [...regions.map((r) => (r.clusters_by_stage || {})[s] || 0), rest[s]],
    backgroundColor: colorOfStage(s),
    borderColor: "#333",
    borderWidth: 1,
  }));
  canvas.setAttribute("aria-label", t("overview.chartLabel"));
  if (chart) {
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    chart.update();
  } else {
    chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels, datasets },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: false } },
          y: { stacked: true },
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, font: { size: 11 } } },
          title: { display: true, text: t("overview.chartLabel") },
        },
      },
    });
  }
  // The province total goes in the title; the bars split it by region.
  const total = (summary.province || {}).clusters;
  chart.options.plugins.title.text = total != null ? `${t("overview.chartLabel")} (${t("overview.province").toLowerCase()}: ${total})` : t("overview.chartLabel");
  chart.update();
  drawTable(regions);
}

function cells(r) {
  const occ = r.occupancy_pct;
  return [
    h("td", { class: "num" }, num(r.planned_ha, 1)),
    h("td", { class: "num" }, num(r.established_ha, 1)),
    h("td", { class: "num" }, num(r.leased_ha, 1)),
    h("td", { class: "num occ" }, occ == null ? "" : [
      `${num(occ, 1)} %`,
      h("span", { class: "mini-bar", "aria-hidden": "true" }, h("span", { style: `width:${Math.max(0, Math.min(100, occ))}%` })),
    ]),
  ];
}

function drawTable(regions) {
  const head = h("thead", {}, h("tr", {},
    h("th", { scope: "col" }, t("overview.region")),
    h("th", { scope: "col", class: "num" }, t("overview.planned")),
    h("th", { scope: "col", class: "num" }, t("overview.established")),
    h("th", { scope: "col", class: "num" }, t("overview.leased")),
    h("th", { scope: "col", class: "num" }, t("overview.occupancy"))));
  const body = h("tbody", {}, regions.map((r) => h("tr", { dataset: { region: r.slug } },
    h("th", { scope: "row" },
      h("span", { class: "swatch", style: `background:${regionColor[r.slug] || "#ddd"}` }),
      h("button", { type: "button", class: "link", onclick: () => onPickRegion(r.slug) }, name(r))),
    ...cells(r))));
  const p = summary.province || {};
  const foot = h("tfoot", {}, h("tr", { dataset: { region: "province" } }, h("th", { scope: "row" }, t("overview.province")), ...cells(p)));
  table.replaceChildren(h("caption", {}, t("overview.area")), head, body, foot);
}

