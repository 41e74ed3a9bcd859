// Small helpers shared by the app's modules: DOM building, listeners, geometry
// helpers and source-link parsing. Requests are api.js's.

// h("a", {href, class: "x"}, "text", child…) builds an element. Text is always
// set as text, never as HTML, because feature properties come from data.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style") el.style.cssText = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// listeners() → {add(fn) → remove(), call(...args)}: the callbacks a module runs when something
// happens (a feature picked, a tab opened, a layer switched). Modules announce and the entry
// point wires them, so none needs another that is made after it.
export function listeners() {
  const fns = new Set();
  return {
    add(fn) {
      fns.add(fn);
      return () => fns.delete(fn);
    },
    call(...args) {
      for (const fn of [...fns]) fn(...args);
    },
  };
}

// "text — https://…" or "https://…" → {text, url}; url is null for plain text.
export function parseSource(s) {
  const str = String(s).trim();
  const m = str.match(/^(.*?)\s+[—–-]\s+(https?:\/\/\S+)$/);
  if (m) return { text: m[1], url: m[2] };
  if (/^https?:\/\/\S+$/.test(str)) {
    let text = str;
    try {
      const u = new URL(str);
      text = u.hostname.replace(/^www\./, "") + (u.pathname.length > 1 ? u.pathname : "");
      if (text.length > 60) text = text.slice(0, 57) + "…";
    } catch (_) {
      // Not a parseable URL after all: show it whole.
    }
    return { text, url: str };
  }
  return { text: str, url: null };
}

// Bounding box [minLon, minLat, maxLon, maxLat] of a GeoJSON geometry.
export function geomBBox(g) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      if (c[0] < b[0]) b[0] = c[0];
      if (c[1] < b[1]) b[1] = c[1];
      if (c[0] > b[2]) b[2] = c[0];
      if (c[1] > b[3]) b[3] = c[1];
    } else c.forEach(walk);
  };
  if (g && g.coordinates) walk(g.coordinates);
  return b;
}

function ringArea(r) {
  let a = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j][0] - r[i][0]) * (r[j][1] + r[i][1]);
  return a / 2;
}

// isConvex reports whether a closed ring turns the same way at every vertex (collinear vertices
// allowed).
function isConvex(r) {
  let sign = 0;
  const n = r.length - 1; // the last vertex repeats the first
  if (n < 3) return false;
  for (let i = 0; i < n; i++) {
    const a = r[i], b = r[(i + 1) % n], c = r[(i + 2) % n];
    const cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
    if (cross === 0) continue;
    if (sign === 0) sign = Math.sign(cross);
    else if (Math.sign(cross) !== sign) return false;
  }
  return sign !== 0;
}

// ringCentroid is the area centroid of a closed ring, or null when it has no area.
function ringCentroid(r) {
  let a = 0, cx = 0, cy = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const f = r[j][0] * r[i][1] - r[i][0] * r[j][1];
    a += f;
    cx += (r[j][0] + r[i][0]) * f;
    cy += (r[j][1] + r[i][1]) * f;
  }
  if (!a) return null;
  return [cx / (3 * a), cy / (3 * a)];
}

// inRing and segDist2 run some million times while labels are placed: they take the point as two
// numbers (no array made per grid point) and index plainly, no destructuring, which V8 runs
// several times faster here.
function inRing(px, py, r) {
  let inside = false;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const xi = r[i][0], yi = r[i][1], xj = r[j][0], yj = r[j][1];
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function segDist2(px, py, a, b) {
  let x = a[0], y = a[1];
  let dx = b[0] - x, dy = b[1] - y;
  if (dx || dy) {
    const t = ((px - x) * dx + (py - y) * dy) / (dx * dx + dy * dy);
    if (t > 1) { x = b[0]; y = b[1]; }
    else if (t > 0) { x += dx * t; y += dy * t; }
  }
  dx = px - x;
  dy = py - y;
  return dx * dx + dy * dy;
}

// A point well inside a (Multi)Polygon for a label: the largest part is
// searched on a grid, twice refined, for the inside point farthest from its
// edges. Region unions are concave, so their centroid can fall outside.
// The search is costly on region unions (thousands of vertices), so each
// geometry is searched once: later calls (district labels avoiding region
// labels, each language switch) get the cached point.
const labelPoints = new WeakMap();

export function labelPoint(g) {
  if (!g) return null;
  if (labelPoints.has(g)) return labelPoints.get(g);
  const p = searchLabelPoint(g);
  labelPoints.set(g, p);
  return p;
}

function searchLabelPoint(g) {
  if (g.type === "Point") return g.coordinates;
  const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : null;
  if (!polys || !polys.length) {
    const b = geomBBox(g);
    return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
  }
  const poly = polys.reduce((best, p) => (Math.abs(ringArea(p[0])) > Math.abs(ringArea(best[0])) ? p : best));
  // A convex part without holes (a cluster's footprint is most often a quadrilateral) has its
  // centroid well inside: no search. A province's ~130 footprints took ~25 ms of a first load's
  // main thread in the search below, which is for the concave unions of regions.
  if (poly.length === 1 && isConvex(poly[0])) {
    const c = ringCentroid(poly[0]);
    if (c) return c;
  }
  const inside = (x, y) => {
    if (!inRing(x, y, poly[0])) return false;
    for (let h = 1; h < poly.length; h++) if (inRing(x, y, poly[h])) return false;
    return true;
  };
  // The squared distance to the nearest edge, or any value ≤ floor once it is
  // known not to beat floor: the search only keeps points farther than the best.
  const edgeDist = (x, y, floor) => {
    let d = Infinity;
    for (const r of poly) {
      for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
        const s = segDist2(x, y, r[j], r[i]);
        if (s < d) {
          d = s;
          if (d <= floor) return d;
        }
      }
    }
    return d;
  };
  let [x0, y0, x1, y1] = geomBBox({ coordinates: poly[0] });
  let best = null, bestD = -1;
  for (let pass = 0; pass < 3; pass++) {
    const n = 12, sx = (x1 - x0) / n, sy = (y1 - y0) / n;
    let bx = 0, by = 0, found = false;
    for (let i = 0; i <= n; i++) {
      for (let j = 0; j <= n; j++) {
        const x = x0 + i * sx, y = y0 + j * sy;
        if (!inside(x, y)) continue;
        const d = edgeDist(x, y, bestD);
        if (d > bestD) { bestD = d; bx = x; by = y; found = true; }
      }
    }
    if (found) best = [bx, by];
    if (!best) break;
    [x0, x1, y0, y1] = [best[0] - sx, best[0] + sx, best[1] - sy, best[1] + sy];
  }
  return best || poly[0][0];
}

// Triggers a download of a client-side file.
export function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// The language a data text is written in, by its common words: "en", "vi", or null when it says
// too little to tell (a name: Vietnamese when it has Vietnamese letters). Sources write notes,
// placements and industries in either language; the page marks them (lang) so that screen
// readers read them right and a reader of the other language knows they are the source's words.
const EN_WORDS = new Set(["the", "of", "and", "is", "are", "was", "were", "in", "on", "with", "from", "by", "not", "no", "now", "per",
  "its", "which", "that", "for", "as", "at", "to", "a", "an", "it", "be", "has", "have", "or", "district", "province", "cluster"]);
const VI_WORDS = new Set(["của", "và", "các", "được", "theo", "trong", "năm", "này", "đã", "với", "cho", "là", "có", "không", "tại",
  "nay", "từ", "đến", "cụm", "khu", "huyện", "tỉnh", "xã", "công", "nghiệp", "đất", "diện", "tích", "chưa", "một", "những"]);
const VI_LETTERS = /[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]/i;
export function langOf(text) {
  const words = String(text || "").toLowerCase().split(/[\s,.;:!?()[\]"'“”‘’/–—-]+/).filter(Boolean);
  let en = 0, vi = 0;
  for (const w of words) {
    if (EN_WORDS.has(w)) en++;
    else if (VI_WORDS.has(w)) vi++;
  }
  if (en >= 2 && en > vi) return "en";
  if (vi >= 2 && vi >= en) return "vi";
  return VI_LETTERS.test(String(text || "")) ? "vi" : null;
}
