// The feature panel's views: what the panel says about a cluster, a region, a raw-material zone,
// a plant, an energy project, a district or a road, as DOM nodes. The server's planning answers
// (eligibility, region summaries) are filled in when they arrive.

import { h } from "./util.js";
import { eventDate } from "./dates.js";
import { freeLandOf, lastDateOf, figuresOf } from "./clusterfacts.js";
import { createEligibility } from "./eligibility.js";
import { createBlocks } from "./panelblocks.js";
import { colorOfStage, regionColor, cropColor, energyColor, clusterSymbolSVG, plantSymbolSVG, energySymbolSVG } from "./symbols.js";

// createViews({i18n, reads, regions, districtName, links}) → view(layer, feature) → the nodes
// that describe the feature. reads are the planning answers (api.createPlanningReads); regions
// is slug → region label point (for names); districtName(code) names a district; links holds
// what the views' buttons do: pick(layer, id, opts) opens a feature, filterRegion(slug) lists a
// region's clusters, compare(f) adds a cluster to the comparison, print(f) prints its sheet.
export function createViews({ i18n, reads, regions, districtName, links }) {
  const { t, label, num, lang, codesOf } = i18n;
  const { expansionSection, foundingSection } = createEligibility(i18n);
  const { title, badge, facts, section, ha, qualified, unknown, dataText, sources, qualityBlock, notes, stageSteps, occupancyBar } = createBlocks(i18n);

  function regionName(slug) {
    if (!slug) return t("panel.noRegion");
    const r = regions.get(slug);
    if (!r) return slug;
    return lang() === "en" ? r.properties.name_en || r.properties.name_vi : r.properties.name_vi;
  }

  // A district name that opens the district's panel (founding eligibility).
  function districtLink(name, code) {
    if (!name) return null;
    if (!code) return h("span", { lang: "vi" }, name);
    return h("button", { type: "button", class: "link", lang: "vi", dataset: { district: String(code) }, onclick: () => links.pick("districts", String(code), { fly: true }) }, name);
  }

  function regionLink(slug) {
    if (!slug) return h("span", { class: "unknown" }, t("panel.noRegion"));
    return h("button", { type: "button", class: "link", onclick: () => links.pick("regions", slug, { fly: true }) }, regionName(slug));
  }


  function infraList(p) {
    const ul = h("ul", { class: "infra" });
    for (const key of ["road", "water", "wastewater", "power"]) {
      const v = p[`${key}_status`];
      ul.append(h("li", { class: `infra-${v || "unknown"}` },
        h("span", { class: "infra-dot", "aria-hidden": "true" }),
        h("span", {}, `${t(`panel.infra.${key}`)}: `, v ? h("strong", {}, label("infra_status", v)) : unknown(t("panel.notInSources")))));
    }
    return ul;
  }

  function decision(p) {
    if (!p.decision_number && !p.decision_date) return unknown(t("panel.decisionUnknown"));
    let date = p.decision_date;
    if (date) {
      const d = new Date(`${date}T00:00:00`);
      if (!Number.isNaN(d.getTime())) date = new Intl.DateTimeFormat(lang() === "vi" ? "vi-VN" : "en-GB", { dateStyle: "long" }).format(d);
    }
    return [p.decision_number, date].filter(Boolean).join(lang() === "vi" ? ", ngày " : ", ");
  }

  function contactNode(contact) {
    if (!contact) {
      // No source gives the cluster's own contact: the provincial Department of Industry and
      // Trade is the contact point for industrial clusters. No official page of it is
      // recorded in ClusterMap's data, so no address or number is made up.
      return h("span", { class: "contact-fallback" },
        h("span", {}, t("panel.contactFallback")), " ",
        h("span", { lang: "vi", class: "contact-dept" }, t("panel.departmentName")), " ",
        h("span", { class: "note" }, `(${t("panel.contactNotRecorded")})`));
    }
    // Turn phone numbers, e-mail addresses and URLs into links; the rest stays text.
    const span = h("span");
    const re = /(https?:\/\/\S+)|([\w.+-]+@[\w-]+\.[\w.-]+)|(\+?\d[\d .]{7,}\d)/g;
    let last = 0;
    for (const m of contact.matchAll(re)) {
      span.append(contact.slice(last, m.index));
      const [s, url, mail, tel] = m;
      const href = url ? url : mail ? `mailto:${mail}` : `tel:${tel.replace(/[ .]/g, "")}`;
      span.append(h("a", { href }, s));
      last = m.index + s.length;
    }
    span.append(contact.slice(last));
    return span;
  }

  // Free land: industrial land less leased land, or industrial land × (100 − occupancy) %;
  // "unknown" and why when neither is recorded.
  function freeLand(p) {
    const v = freeLandOf(p);
    if (v.ha == null) return unknown(t("panel.freeUnknownWhy"));
    const text = ha(v.ha);
    return v.basis === "occupancy" ? h("span", {}, text, h("span", { class: "note" }, ` (${t("panel.freeFromOccupancy")})`)) : text;
  }

  // The latest date the data records for the cluster: its decision, or a dated figure.
  function lastChange(p) {
    const d = lastDateOf(p);
    return d ? d : unknown(t("panel.noStageDates"));
  }

  // The cluster's dated steps (GET /api/clusters/{id}/events), each with its decision, issuer and
  // documents, filled in when they arrive; a withdrawn step stays, struck through, with why.
  function timelineSection(id) {
    const box = h("div", { class: "timeline", id: "panel-timeline" }, h("p", { class: "panel-loading" }, t("panel.loading")));
    reads.clusterEvents(id).then((a) => box.replaceChildren(...timelineItems(a.events || [])))
      .catch(() => box.replaceChildren(h("p", { class: "unknown" }, t("timeline.error"))));
    return section(t("timeline.title"), box);
  }

  function timelineItems(events) {
    if (!events.length) return [h("p", { class: "unknown" }, t("timeline.none"))];
    return [h("ol", { class: "timeline-list" }, events.map((e) => h("li", { class: e.withdrawn ? "withdrawn" : "", dataset: { kind: e.kind, id: String(e.id) } },
      h("span", { class: "timeline-date" }, eventDate(e.occurred_on, e.date_precision, lang())), " ",
      h("strong", { class: "timeline-kind" }, t(`event.${e.kind}`)),
      e.decision_number ? [" · ", h("span", { lang: "vi", class: "timeline-decision" }, e.decision_number)] : null,
      e.issued_by ? [" · ", h("span", { lang: "vi" }, e.issued_by)] : null,
      e.withdrawn ? h("span", { class: "note" }, " (", t("timeline.withdrawn", { why: "" }), h("span", { lang: "vi" }, e.withdrawn.reason), ")") : null,
      e.documents && e.documents.length
        ? h("ul", { class: "timeline-docs" }, e.documents.map((d) => h("li", {},
          h("a", { href: `api/documents/${d.sha256}`, download: d.filename, lang: "vi" }, d.title))))
        : null)))];
  }

  function clusterActions(f) {
    return h("div", { class: "panel-actions no-print" },
      h("button", { type: "button", class: "button secondary", id: "panel-print", onclick: () => links.print(f) }, t("panel.print")),
      h("button", { type: "button", class: "button secondary", id: "panel-compare", onclick: () => links.compare(f) }, t("panel.addCompare")));
  }

  function renderCluster(p, f) {
    const indicative = p.geometry_quality === "indicative";
    const industries = Array.isArray(p.target_industries) ? p.target_industries : p.target_industries ? String(p.target_industries).split(",") : [];
    return [
      title(p.name, clusterSymbolSVG(p.kind, p.status, indicative, 22)),
      h("p", { class: "badges" }, badge(label("cluster_kind", p.kind), null, "kind"), badge(label("stage", p.status) || t("panel.unknown"), colorOfStage(p.status), "stage")),
      stageSteps(p.status),
      timelineSection(f.id),
      facts([
        [t("panel.district"), p.district_basis === "inferred"
          ? h("span", {}, districtLink(p.district, p.district_code), h("span", { class: "note district-inferred" }, ` (${t("panel.districtInferred")})`))
          : districtLink(p.district, p.district_code)],
        [t("panel.commune"), dataText(p.commune, "vi")],
        [t("panel.region"), regionLink(p.region)],
      ]),
      section(t("panel.areas"),
        facts([
          [t("panel.planned"), qualified(p, "planned_area_ha", ha(p.planned_area_ha)) || unknown()],
          [t("panel.established"), qualified(p, "established_area_ha", ha(p.established_area_ha)) || unknown()],
          [t("panel.industrial"), qualified(p, "industrial_land_ha", ha(p.industrial_land_ha)) || unknown(t("panel.notInSources"))],
          [t("panel.leased"), qualified(p, "leased_land_ha", ha(p.leased_land_ha)) || unknown(t("panel.notInSources"))],
          [t("panel.free"), freeLand(p)],
        ]),
        occupancyBar(p),
        figuresOf(p).occupancy_pct && figuresOf(p).occupancy_pct.as_of
          ? h("p", { class: "note occupancy-as-of" }, t("panel.occupancyAsOf", { d: figuresOf(p).occupancy_pct.as_of }))
          : null),
      section(t("panel.infra"), infraList(p)),
      expansionSection(() => reads.clusterEligibility(f.id)),
      facts([
        // null means "not reported", which is not the same as "no investor".
        [t("panel.investor"), p.investor ? dataText(p.investor, "vi") : unknown(t("panel.investorUnknown"))],
        [t("panel.industries"), industries.length ? h("ul", { class: "tags", lang: "en" }, industries.map((s) => h("li", {}, s.trim()))) : unknown(t("panel.notInSources"))],
        [t("panel.decision"), decision(p)],
        [t("panel.lastChange"), lastChange(p)],
        [t("panel.investment"), p.investment_vnd_bn != null ? qualified(p, "investment_vnd_bn", t("panel.billionVnd", { n: num(p.investment_vnd_bn, 1) })) : unknown(t("panel.notInSources"))],
        [t("panel.contact"), contactNode(p.contact)],
      ]),
      clusterActions(f),
      notes(p),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderRegion(p, f) {
    const name = lang() === "en" ? p.name_en || p.name_vi : p.name_vi;
    const slug = p.slug || f.id;
    const names = Array.isArray(p.member_names) ? p.member_names : p.member_names ? String(p.member_names).split(",") : [];
    const members = h("dd", { lang: "vi" }, names.join(", "));
    const stats = h("div", { class: "region-stats" }, h("p", { class: "panel-loading" }, t("panel.loading")));
    // The region's dashboard comes from GET /api/regions/{slug}/summary, filled
    // in when it arrives; its member list carries the codes for district links.
    reads.regionSummary(slug).then((answer) => {
      const s = answer.region || answer;
      stats.replaceChildren(...regionStats(s));
      if (Array.isArray(s.members) && s.members.length) {
        members.replaceChildren(...s.members.flatMap((m, i) => [i ? ", " : null, districtLink(m.name, m.code)]).filter(Boolean));
      }
    }).catch(() => stats.replaceChildren(h("p", { class: "unknown" }, t("overview.error"))));
    const swatch = `<svg width="22" height="22" viewBox="0 0 22 22"><rect x="1" y="1" width="20" height="20" rx="3" fill="${regionColor[p.slug] || "#ddd"}" stroke="#333"/></svg>`;
    const about = h("dl", { class: "facts" });
    // The letter's role, in the interface language (role is English, role_vi Vietnamese).
    const role = lang() === "vi" ? p.role_vi || p.role : p.role;
    if (role) about.append(h("dt", {}, t("panel.role")), h("dd", {}, role));
    if (names.length) about.append(h("dt", {}, t("panel.members")), members);
    return [
      title(name, swatch, lang() === "en" && p.name_en ? "en" : "vi"),
      about.children.length ? about : null,
      section(t("panel.regionStats"), stats,
        h("button", { type: "button", class: "button", onclick: () => links.filterRegion(slug) }, t("panel.showClusters"))),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  // A figure summed over the clusters that report it: blank (unknown) when none does.
  function summed(s, key, value) {
    const n = s.clusters_with_data && s.clusters_with_data[key];
    return n === 0 ? unknown() : ha(value);
  }

  function regionStats(s) {
    const byStage = s.clusters_by_stage || {};
    const ul = h("ul", { class: "stage-counts" });
    for (const stage of codesOf("stage")) {
      if (!byStage[stage]) continue;
      ul.append(h("li", {}, h("span", { class: "swatch", style: `background:${colorOfStage(stage)}` }), `${label("stage", stage)}: `, h("strong", {}, String(byStage[stage]))));
    }
    const investors = s.investors || [];
    const raw = Object.entries(s.raw_material_ha_by_crop || {}).sort((a, b) => b[1] - a[1]);
    return [
      facts([
        [t("overview.clusters"), s.clusters != null ? String(s.clusters) : null],
        [t("overview.planned"), summed(s, "planned_ha", s.planned_ha)],
        [t("overview.established"), summed(s, "established_ha", s.established_ha)],
        [t("overview.leased"), summed(s, "leased_ha", s.leased_ha)],
      ]),
      ul.children.length ? ul : null,
      occupancyBar({ occupancy_pct: s.occupancy_pct }),
      s.occupancy_pct != null && s.occupancy_clusters_with_data != null ? h("p", { class: "note" }, t("overview.occupancyData", { n: s.occupancy_clusters_with_data })) : null,
      facts([
        [t("overview.investors"), h("span", { class: "region-investors" },
          investors.length ? h("span", { lang: "vi" }, investors.join("; ")) : h("span", { class: "unknown" }, t("overview.noInvestor")),
          s.investors_unnamed ? h("span", { class: "note" }, ` (${t("overview.investorsUnnamed", { n: s.investors_unnamed })})`) : null)],
        [t("overview.rawMaterial"), raw.length
          ? h("ul", { class: "crop-ha" }, raw.map(([crop, v]) => h("li", { dataset: { crop } },
            h("span", { class: "swatch", style: `background:${cropColor[crop] || "#777"}` }), `${label("crop", crop)}: `,
            v === 0 && (s.raw_material_zones_by_crop || {})[crop] > 0 ? h("span", { class: "unknown" }, t("overview.areaUnknown")) : h("strong", {}, ha(v)))))
          : h("span", { class: "unknown" }, t("overview.noInvestor"))],
      ]),
    ].filter(Boolean);
  }

  function renderZone(p) {
    // Arrays in the feature API, comma-joined in vector tiles: accept both.
    const codes = Array.isArray(p.district_codes) ? p.district_codes : p.district_codes ? String(p.district_codes).split(",") : [];
    const districts = dataText(codes.map((c) => districtName(c.trim())).join(", "), "vi");
    const swatch = `<svg width="22" height="22" viewBox="0 0 22 22"><rect x="1" y="1" width="20" height="20" rx="3" fill="url(#cm-hatch-crop-${p.crop})" stroke="${cropColor[p.crop] || "#333"}" stroke-width="2"/></svg>`;
    return [
      title(p.name || label("crop", p.crop), swatch),
      facts([
        [t("panel.crop"), label("crop", p.crop)],
        [t("panel.cropArea"), qualified(p, "area_ha", ha(p.area_ha)) || unknown()],
        [t("panel.output"), dataText(p.output, "en")],
        [t("panel.year"), p.reference_year != null ? String(p.reference_year) : null],
        [t("panel.zoneDistricts"), districts],
      ]),
      notes(p),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderPlant(p) {
    const capacity = p.capacity != null ? `${num(p.capacity, 1)} ${p.capacity_unit || ""}`.trim() : null;
    return [
      title(p.name, plantSymbolSVG(p.crop, 22, p.geometry_quality === "indicative")),
      facts([
        [t("panel.kind"), label("plant_kind", p.kind)],
        [t("panel.crop"), label("crop", p.crop)],
        [t("panel.capacity"), qualified(p, "capacity", capacity) || unknown()],
        [t("panel.status"), label("project_status", p.status)],
      ]),
      notes(p),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderEnergy(p) {
    return [
      title(p.name, energySymbolSVG(p.kind, 22, p.geometry_quality === "indicative")),
      facts([
        [t("panel.kind"), h("span", {}, h("span", { class: "swatch", style: `background:${energyColor[p.kind] || "#555"}` }), label("energy_kind", p.kind))],
        [t("panel.capacity"), p.capacity_mw != null ? qualified(p, "capacity_mw", t("units.mw", { n: num(p.capacity_mw, 1) })) : unknown()],
        [t("panel.status"), label("project_status", p.status)],
      ]),
      notes(p),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderDistrict(p, f) {
    const code = p.code ?? f.id;
    return [
      title(p.name),
      facts([
        [t("panel.districtKind"), label("district_kind", p.kind)],
        [t("panel.region"), regionLink(p.region)],
        [t("panel.districtArea"), p.area_km2 != null ? t("units.km2", { n: num(p.area_km2, 1) }) : null],
      ]),
      // Districts were abolished on 1 July 2025: say which units these are.
      h("p", { class: "note district-units" }, t("panel.districtUnits")),
      code != null ? foundingSection(() => reads.districtEligibility(code), { select: links.pick }) : null,
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderRoad(p) {
    return [
      title([p.ref, p.name].filter(Boolean).join(" — ")),
      notes(p),
      qualityBlock(p),
      sources(p.sources),
    ].filter(Boolean);
  }

  function renderGeneric(p) {
    return [title(p.name || p.name_vi || ""), sources(p.sources)].filter(Boolean);
  }

  const renderers = {
    clusters: renderCluster,
    regions: renderRegion,
    raw_material_zones: renderZone,
    plants: renderPlant,
    energy: renderEnergy,
    districts: renderDistrict,
    roads: renderRoad,
  };

  return function view(layer, feature) {
    const render = renderers[layer] || renderGeneric;
    return render(feature.properties || {}, feature);
  };
}
