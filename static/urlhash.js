// The URL hash holds the view and the selected feature, #zoom/lat/lon[/layer:id],
// so that a link opens the same map.

export function parseHash(hash) {
  const parts = hash.replace(/^#/, "").split("/");
  if (parts.length < 3) return null;
  const [z, lat, lon] = parts.slice(0, 3).map(Number);
  if (![z, lat, lon].every(Number.isFinite)) return null;
  let sel = null;
  if (parts[3]) {
    const i = parts[3].indexOf(":");
    if (i > 0) sel = { layer: parts[3].slice(0, i), id: decodeURIComponent(parts[3].slice(i + 1)) };
  }
  return { z, lat, lon, sel };
}

// createURLHash({map, location, history, win, selected, onNavigate}):
// selected() is the {layer, id} to write, or null; onNavigate(view) runs when
// the user edits the hash (not when write() changed it).
export function createURLHash({ map, location, history, win, selected, onNavigate }) {
  let written = "";

  function write() {
    const c = map.getCenter();
    const z = Math.round(map.getZoom() * 2) / 2;
    let hash = `#${z}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}`;
    const sel = selected();
    if (sel) hash += `/${sel.layer}:${encodeURIComponent(sel.id)}`;
    if (hash !== location.hash) {
      written = hash;
      // replaceState: panning should not fill the back button's history.
      history.replaceState(null, "", hash);
    }
  }

  win.addEventListener("hashchange", () => {
    if (location.hash === written) return;
    const v = parseHash(location.hash);
    if (v) onNavigate(v);
  });

  return { write };
}
