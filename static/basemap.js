// The OpenStreetMap basemap, when it is reachable. On an intranet without it
// the map reads on its own (light background, region fills, labels) and the
// legend says why there is no basemap.

const TIMEOUT_MS = 4000;
// The OpenStreetMap credit in the page's language.
const OSM_LINK = '<a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">OpenStreetMap</a>';
const osmCredit = (lang) => (lang === "vi" ? `&copy; những người đóng góp ${OSM_LINK}` : `&copy; ${OSM_LINK} contributors`);

// The basemap URL is configurable for intranets (a local tile server) through
// <meta name="clustermap-basemap">; ?basemap=none switches it off.
export function basemapURL(doc, search) {
  if (new URLSearchParams(search).get("basemap") === "none") return "";
  const meta = doc.querySelector('meta[name="clustermap-basemap"]');
  return meta ? meta.content.trim() : "";
}

// createBasemap({map, url, probeAt, onLayer, onState}): probeAt is the latlng
// whose tile is probed; onLayer(layer) gets the tile layer once it is added;
// onState("checking" | "on" | "off") follows the basemap's state.
export function createBasemap({ map, url, probeAt, i18n = null, onLayer = () => {}, onState = () => {} }) {
  const lang = () => (i18n ? i18n.lang() : "en");
  // Probes one tile before adding the tile layer, so an unreachable tile host
  // costs one failed request instead of a grid of broken images.
  function start() {
    onState("checking");
    if (!url) return onState("off");
    const z = 8;
    const p = map.project(probeAt, z).divideBy(256).floor();
    const probe = new Image();
    let settled = false;
    const timer = setTimeout(() => {
      if (!settled) onState("off");
    }, TIMEOUT_MS);
    probe.onload = () => {
      settled = true;
      clearTimeout(timer);
      enable();
    };
    probe.onerror = () => {
      settled = true;
      clearTimeout(timer);
      onState("off");
    };
    probe.src = L.Util.template(url, { s: "a", z, x: p.x, y: p.y, r: "" });
  }

  function enable() {
    const layer = L.tileLayer(url, {
      attribution: osmCredit(lang()),
      maxZoom: 19,
      // A failed tile shows nothing rather than a broken-image box.
      errorTileUrl: "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
      crossOrigin: false,
    });
    let loaded = 0, failed = 0;
    layer.on("tileload", () => loaded++);
    layer.on("tileerror", () => {
      // The host went away after the probe: fall back to our own layers.
      if (++failed >= 6 && failed > loaded) {
        map.removeLayer(layer);
        onState("off");
      }
    });
    onLayer(layer);
    layer.addTo(map);
    if (i18n) {
      i18n.onLangChange(() => {
        const before = layer.options.attribution;
        layer.options.attribution = osmCredit(lang());
        if (map.hasLayer(layer)) map.attributionControl.removeAttribution(before).addAttribution(layer.options.attribution);
      });
    }
    onState("on");
  }

  return { start };
}
