// The offline pack (server/offline, `clustermap export-pmtiles`): a folder of static files that
// shows the map with no server. Its index.html carries <meta name="clustermap-offline">; then the
// app's requests are answered from the pack: the catalog, labels and provinces from data/*.json,
// the GeoJSON layers from data/{layer}.geojson, and every vector tile from the one PMTiles archive,
// read with HTTP range requests by the reference reader (npm pmtiles). Answers the pack cannot
// give (search, planning, the workspace) are a 404 that says so.

const mark = typeof document !== "undefined" && document.querySelector('meta[name="clustermap-offline"]');

// offline() is the pack's manifest once startOffline() has run, or null online.
let manifest = null;
export const offline = () => manifest;

export async function startOffline() {
  if (!mark) return null;
  const original = window.fetch.bind(window);
  manifest = await (await original(mark.content)).json();
  const { PMTiles } = await import("pmtiles");
  const archive = new PMTiles(new URL(manifest.pmtiles, document.baseURI).href);
  const base = new URL(".", document.baseURI).pathname;
  const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  window.fetch = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input.url, document.baseURI);
    if (url.origin !== window.location.origin || !url.pathname.startsWith(base)) return original(input, init);
    const rel = url.pathname.slice(base.length);
    let m;
    if (rel === "api/layers") return original("data/layers.json", init);
    if (rel === "api/labels") return original("data/labels.json", init);
    if (rel === "api/provinces") return original("data/provinces.json", init);
    if ((m = /^api\/layers\/([a-z_]+)\/features$/.exec(rel)) && manifest.geojson.includes(m[1])) return original(`data/${m[1]}.geojson`, init);
    if ((m = /^tiles\/[^/]+\/(\d+)\/(\d+)\/(\d+)\.mvt$/.exec(rel))) {
      // Every tile URL is answered with the pack's composite tile of every layer: the app's
      // layers each take their own layer of it (tiles.js shares the tiles while offline).
      const tile = await archive.getZxy(Number(m[1]), Number(m[2]), Number(m[3]), init && init.signal);
      return tile && tile.data ? new Response(tile.data, { headers: { "Content-Type": "application/vnd.mapbox-vector-tile" } }) : new Response(null, { status: 204 });
    }
    if (/^(api|tiles|ogc)\/|^print$/.test(rel)) return json(404, { error: "not in the offline pack" });
    return original(input, init);
  };
  document.body.dataset.offline = manifest.made;
  return manifest;
}
