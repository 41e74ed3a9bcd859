// The layer catalog, read once from GET /api/layers: the one source of the
// layer ids, the code vocabularies with their labels, the data credits and
// the defaults of the analyses. The web app keeps no copies of these, so a
// change to the catalog on the server cannot drift from what the map says.

import { h } from "./util.js";
import { getCatalog, getProvinces } from "./api.js";

// loadCatalog() → the catalog.
export async function loadCatalog() {
  const [answer, provinces] = await Promise.all([getCatalog(), getProvinces()]);
  const layers = answer.layers || [];
  const byId = new Map(layers.map((l) => [l.id, l]));
  return {
    layers,
    layerIds: layers.map((l) => l.id),
    layer: (id) => byId.get(id) || null,
    // The layers the workspace writes (editable: true); each field a district user may change
    // says district_editable: true.
    editableIds: layers.filter((l) => l.editable === true).map((l) => l.id),
    vocabularies: answer.vocabularies || {},
    credits: answer.credits || [],
    wikipediaArticles: answer.wikipedia_articles || [],
    defaults: answer.defaults || {},
    // The provinces the installation holds today; the map shows the one the address names
    // (?province=CODE) or the first.
    provinces: provinces.provinces || [],
    unitsAsOf: provinces.as_of || "",
    province: pickProvince(provinces.provinces || [], new URLSearchParams(window.location.search).get("province")),
  };
}

function pickProvince(list, code) {
  return list.find((p) => p.code === code) || list[0] || null;
}

// editableFields(layer, role) → the fields of a catalog layer that a user of a role may change:
// none on a layer that is not editable; for a district user the district-editable ones; for the
// department (and an admin) every field the server does not derive.
// isLocal(user): the office of a territory (a commune, or a district before the 2025 reform),
// which proposes and keeps its own clusters' figures; the department reviews.
export const isLocal = (user) => Boolean(user) && (user.role === "district" || user.role === "commune");

export function editableFields(layer, role) {
  if (!layer || layer.editable !== true) return [];
  const local = role === "district" || role === "commune"; // a territory's office: the district-editable fields
  return (layer.fields || []).filter((f) => f.derived !== true && (!local || f.district_editable === true));
}

// The HTML of one credit for the map's attribution control, in the page's language: text,
// never markup from the server, and the source's link where it has one.
export function creditHTML(c, lang = "en") {
  const text = String((lang === "vi" && c.text_vi) || c.text || "").trim();
  const node = c.url ? h("a", { href: c.url, target: "_blank", rel: "noopener" }, text) : h("span", {}, text);
  return node.outerHTML;
}
