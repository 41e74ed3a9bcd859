// Every request of the web app and of the zoning workspace, and the one place where the
// server's paths are written: /api (the catalog, features, search, the planning answers, the
// session, proposals), /ogc (the workspace's reads and writes of one item) and /tiles (the
// vector-tile URL templates). Paths are relative and resolve against the page
// (document.baseURI), so the app also works behind a path prefix.
//
// Two kinds of answer: the map's reads return the JSON and throw an HTTPError on a failed
// status (the views show "could not load"); the workspace's requests never throw and return
// {ok, status, data, headers, etag}, because the caller decides what a 401, 412 or 422 means.

const enc = encodeURIComponent;

// Resolves a path against the page.
function apiURL(path) {
  return new URL(path, document.baseURI).toString();
}

export class HTTPError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// getJSON(path, opts) → the answer's JSON; an HTTPError with the server's message otherwise.
// A read refused with 401 carried a session that has ended: the server's answer made the
// browser drop the cookie, so the same read is asked once more, anonymously.
async function getJSON(path, opts) {
  let res = await fetch(apiURL(path), opts);
  if (res.status === 401) res = await fetch(apiURL(path), opts);
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      if (body && body.error) msg = body.error;
    } catch (_) {
      // Not JSON: keep the status line.
    }
    throw new HTTPError(res.status, `${path}: ${msg}`);
  }
  return res.json();
}

// --- the paths -------------------------------------------------------------------------------

const featuresPath = (layer) => `api/layers/${enc(layer)}/features`;
const featurePath = (layer, id) => `${featuresPath(layer)}/${enc(id)}`;
const itemPath = (layer, id) => `ogc/collections/${enc(layer)}/items/${enc(id)}`;
// A whole layer in one page: the server's page limit is far above the layers' sizes.
const WHOLE_LAYER = 10000;

// tileURL(ids, properties, {shownProvinceOnly}) is the URL template of vector tiles of one layer,
// or of several layers in one composite tile, with the properties the map reads (all of them when
// none); shownProvinceOnly keeps the features of the province shown, when the installation holds
// several (the map's base of areas and units: a national one's z7 tile holds ~500 communes of
// several provinces).
export function tileURL(ids, properties = [], { shownProvinceOnly = false } = {}) {
  const params = [];
  if (properties.length) params.push(`properties=${properties.map(enc).join(",")}`);
  if (shownProvinceOnly && province()) params.push(`province_code=${enc(province())}`);
  return `tiles/${ids.map(enc).join(",")}/{z}/{x}/{y}.mvt${params.length ? "?" + params.join("&") : ""}`;
}

// --- one province of several ----------------------------------------------------------------
// An installation may hold several provinces (a merged region, the whole country); the web map
// shows one (catalog.province) and reads that one's data only: the GeoJSON layers, the label
// points, the summaries, the linkage and the site finder carry its code, so that a first visit costs what one
// province costs, not what the country does. Unset (an installation of one province), every read
// asks for the whole, as the server's caches are warmed for. The code is kept on the page's root
// element, not in this module: the workspace is a bundle of its own, with its own copy of it.
const province = () => document.documentElement.dataset.province || null;
export function readOnlyProvince(code) {
  if (code) document.documentElement.dataset.province = code;
  else delete document.documentElement.dataset.province;
}
// "&name=CODE" (or "?name=CODE" first in a query) while one province is read, "" otherwise.
const ofProvince = (name, sep = "&") => (province() ? `${sep}${name}=${enc(province())}` : "");

// --- the map's reads: JSON, or a thrown HTTPError ----------------------------------------------

// The layer catalog: layers, fields, vocabularies, credits, defaults.
export const getCatalog = () => getJSON("api/layers");
// The label points of regions and districts, each region with its properties.
export const getLabels = () => getJSON(`api/labels${ofProvince("province", "?")}`);
// Region dashboards and the province's totals.
export const getSummary = () => getJSON(`api/summary${ofProvince("province", "?")}`);

export const getProvinces = () => getJSON("api/provinces");
// One feature of a layer, with its geometry.
export const getFeature = (layer, id) => getJSON(featurePath(layer, id));
// The names and dated figures of a layer's features (the "about the data" dialog).
export const getLayerFigures = (layer) => getJSON(`${featuresPath(layer)}?limit=${WHOLE_LAYER}&properties=name,figures${ofProvince("province_code")}`);
// Search by name, diacritics-insensitive.
export const search = (q, opts) => getJSON(`api/search?q=${enc(q)}`, opts);
// Raw-material linkage within a radius.
export const getLinkage = (radiusKm, opts) => getJSON(`api/analysis/linkage?radius_km=${enc(radiusKm)}${ofProvince("province")}`, opts);
// Ranked sites for an investor; query is the form's URLSearchParams text.
export const findSites = (query, opts) => getJSON(`api/sites?${query}${ofProvince("province")}`, opts);

// getAllFeatures(layer) → the whole layer as one FeatureCollection, following "next" links in
// case the server caps the page size below the limit asked for.
export async function getAllFeatures(layer) {
  let url = `${featuresPath(layer)}?limit=${WHOLE_LAYER}${ofProvince("province_code")}`;
  const features = [];
  for (let page = 0; url && page < 50; page++) {
    const fc = await getJSON(url);
    features.push(...(fc.features || []));
    const next = (fc.links || []).find((l) => l.rel === "next");
    url = next && fc.features && fc.features.length ? next.href : null;
  }
  return { type: "FeatureCollection", features };
}

// findDistrictAt({lat, lng}) → the GSO code of the district under a point, or null.
export async function findDistrictAt({ lat, lng }) {
  const d = 1e-6;
  const bbox = [lng - d, lat - d, lng + d, lat + d].map((v) => v.toFixed(7)).join(",");
  const fc = await getJSON(`${featuresPath("districts")}?bbox=${bbox}&properties=code&limit=1`);
  const f = fc.features[0];
  return f ? String(f.properties.code ?? f.id) : null;
}

// createPlanningReads() → {clusterEligibility(id), districtEligibility(code), regionSummary(slug)}:
// each answer is asked for once and kept for the session (the panel re-renders on a language
// switch and must not ask again); a failed request is forgotten, so a later call retries.
export function createPlanningReads() {
  const answers = new Map();
  const cached = (path) => {
    if (!answers.has(path)) {
      const p = getJSON(path);
      p.catch(() => answers.delete(path));
      answers.set(path, p);
    }
    return answers.get(path);
  };
  return {
    clusterEligibility: (id) => cached(`api/clusters/${enc(id)}/eligibility`),
    districtEligibility: (code) => cached(`api/districts/${enc(code)}/eligibility`),
    regionSummary: (slug) => cached(`api/regions/${enc(slug)}/summary`),
    // A cluster's dated steps and what is overdue change when an event is recorded: asked each time.
    clusterEvents: (id) => getJSON(`api/clusters/${enc(id)}/events`),
    stuck: () => getJSON("api/stuck"),
  };
}

// --- the workspace's requests: {ok, status, data, headers, etag}, never thrown ------------------

// request sends JSON and reads JSON. fetch sends the Origin header on POST/PUT/PATCH/DELETE,
// which the server's CSRF check requires.
async function request(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: "application/json, application/geo+json", ...headers }, credentials: "same-origin" };
  if (body !== undefined) {
    init.body = typeof body === "string" || body instanceof Blob ? body : JSON.stringify(body);
    if (!init.headers["Content-Type"]) init.headers["Content-Type"] = "application/json";
  }
  let res;
  try {
    res = await fetch(apiURL(path), init);
  } catch (err) {
    return { ok: false, status: 0, data: { error: err.message }, headers: new Headers() };
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (_) {
      data = { error: text };
    }
  }
  return { ok: res.ok, status: res.status, data, headers: res.headers, etag: res.headers.get("ETag") };
}

// createKey is a fresh Idempotency-Key: 128 random bits in hex (getRandomValues, unlike
// randomUUID, works on a plain-http intranet address too).
export function createKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// errorText is what a failed answer says, for a status line.
export function errorText(r) {
  if (!r) return "";
  const d = r.data || {};
  const reasons = Array.isArray(d.reasons) ? `: ${d.reasons.join("; ")}` : "";
  return `${d.error || r.status}${reasons}`;
}

// A time after every stored version: the feature's current stored state.
const FAR_FUTURE = "2999-01-01T00:00:00Z";

export const workspaceAPI = {
  // A dated step of a cluster, and a document (a file, typed by the server from its content)
  // attached to a cluster, an event or a proposal.
  recordEvent: (clusterId, event) => request("POST", `api/clusters/${enc(clusterId)}/events`, event),
  attachDocument: (params, file) => request("POST", `api/documents?${new URLSearchParams(params)}`, file, { "Content-Type": "application/octet-stream" }),
  // The session (a cookie) of a user name and password.
  session: () => request("GET", "api/session"),
  signIn: (username, password) => request("POST", "api/session", { username, password }),
  signOut: () => request("DELETE", "api/session"),

  // One editable item as OGC API – Features serves it, with its version's ETag.
  item: (layer, id) => request("GET", itemPath(layer, id)),
  // A JSON merge patch of an item's properties (and a top-level "comment"), If-Match its ETag.
  patchItem: (layer, id, body, etag) =>
    request("PATCH", itemPath(layer, id), body, { "Content-Type": "application/merge-patch+json", "If-Match": etag }),
  // A feature as its history stores it: at a time, or (no time) its current stored state,
  // whose properties are the columns a write may set.
  storedFeature: (layer, id, asOf = FAR_FUTURE) => request("GET", `${featurePath(layer, id)}?as_of=${enc(asOf)}`),
  // A layer as it was at a time.
  featuresAsOf: (layer, asOf) => request("GET", `${featuresPath(layer)}?as_of=${enc(asOf)}${ofProvince("province_code")}`),
  history: (layer, id) => request("GET", `${featurePath(layer, id)}/history`),
  revert: (layer, id, version) => request("POST", `${featurePath(layer, id)}/revert`, { version }),
  // What drawing snaps to: a district's boundary, every cluster's footprint.
  district: (code) => request("GET", featurePath("districts", code)),
  clusters: () => request("GET", `${featuresPath("clusters")}?limit=${WHOLE_LAYER}${ofProvince("province_code")}`),

  // Proposals (a new cluster or an expansion) and their Decree 32/2024 check.
  proposals: () => request("GET", "api/proposals"),
  // A new draft carries a key of its content (createKey), so that a second click or a retry of
  // the same draft makes one proposal, not two.
  saveProposal: (id, body, key) =>
    id ? request("PUT", `api/proposals/${enc(id)}`, body) : request("POST", "api/proposals", body, key ? { "Idempotency-Key": key } : {}),
  submitProposal: (id) => request("POST", `api/proposals/${enc(id)}/submit`),
  // action: approve, return or reject.
  decideProposal: (id, action, body) => request("POST", `api/proposals/${enc(id)}/${enc(action)}`, body),
  // What approving would change (a rehearsal on the server, nothing written).
  approvalPreview: (id, number, date) =>
    request("GET", `api/proposals/${enc(id)}/approval?decision_number=${enc(number)}&decision_date=${enc(date)}`),
  withdrawApproval: (id, reason) => request("POST", `api/proposals/${enc(id)}/withdraw-approval`, { comment: reason }),
  proposalEligibility: (id) => request("GET", `api/proposals/${enc(id)}/eligibility`),
  checkEligibility: (body) => request("POST", "api/eligibility", body),
};
