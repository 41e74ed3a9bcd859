// Keeps the map legible at every view: symbols that would overlap (a plant under a power
// station, clusters at one district point, hydropower plants along one river) are pushed
// apart by the fewest pixels, and labels (highway shields, area and district names) that
// would cover a symbol or another label move a little or are left out. Runs after every
// move and zoom; it only sets CSS (translate, visibility) on the elements Leaflet drew.

const GAP = 2; // px between two symbols
const ROUNDS = 40;

function rectOf(el) {
  const r = el.getBoundingClientRect();
  return { x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2, w: r.width, h: r.height };
}

function overlap(a, b, pad = 0) {
  return Math.abs(a.x - b.x) < (a.w + b.w) / 2 + pad && Math.abs(a.y - b.y) < (a.h + b.h) / 2 + pad;
}

// createDeclutter({map}) → {run()}: run() re-places every visible symbol and label.
export function createDeclutter({ map, onShift = () => {} }) {
  const container = map.getContainer();
  let pending = 0;

  function run() {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(place);
  }

  // place reads every box first (one layout), places in memory, then writes every shift: a read
  // between writes would make the browser lay the page out again for each label.
  function place() {
    const symbols = [...container.querySelectorAll(".leaflet-marker-pane .cm-symbol")];
    // Labels by priority: shields, then area names, then district names.
    const labels = [
      ...container.querySelectorAll(".cm-road-shield"),
      ...container.querySelectorAll(".cm-region-label"),
      ...container.querySelectorAll(".cm-cluster-label"),
      ...container.querySelectorAll(".cm-district-label"),
    ];
    for (const el of symbols) el.style.translate = "";
    for (const el of labels) {
      el.style.visibility = "";
      el.style.translate = "";
    }

    // --- reads ---
    // A symbol's drawing (its svg), which CSS may draw smaller than the marker's box.
    const boxes = symbols.map((el) => rectOf(el.querySelector("svg") || el));
    const base = boxes.map((b) => ({ ...b }));
    // The map's own controls (legend, zoom buttons, scale, credits) cover the map: a label
    // is not placed under them either.
    const controls = [...container.querySelectorAll(".leaflet-control-container .leaflet-control")]
      .filter((c) => c.getClientRects().length).map(rectOf);
    const frame = container.getBoundingClientRect();
    // Each cluster's symbol (its index in symbols) by cluster id: the cluster's name goes beside it.
    const clusterSymbol = new Map();
    symbols.forEach((el, i) => {
      if (el.classList.contains("cm-symbol-clusters")) clusterSymbol.set(el.dataset.id, i);
    });
    const measured = labels.map((el) => {
      if (getComputedStyle(el).display === "none") return null;
      // The label's visible text (an area has a full and a short name, one shown at a time).
      const r0 = rectOf([...el.children].find((c) => c.getClientRects().length) || el);
      if (!r0.w) return null;
      return { r0, sym: clusterSymbol.get(el.dataset.labelFor) ?? null, area: el.classList.contains("cm-region-label") };
    });
    // Clusters first: when a cluster and an energy project or a plant overlap, only the other
    // one moves, so a cluster stays where its data puts it and is never covered.
    const pinned = symbols.map((el) => el.classList.contains("cm-symbol-clusters"));

    // --- symbols apart ---
    // Pairwise repulsion, a few rounds: each overlapping pair moves apart along the line
    // between them (around a circle when they share a point), half each.
    for (let round = 0; round < ROUNDS; round++) {
      let moved = false;
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i], b = boxes[j];
          if (!overlap(a, b, GAP)) continue;
          let dx = b.x - a.x, dy = b.y - a.y;
          let d = Math.hypot(dx, dy);
          if (d < 0.5) {
            const angle = (2 * Math.PI * (j % 8)) / 8 + i;
            dx = Math.cos(angle);
            dy = Math.sin(angle);
            d = 1;
          }
          const need = Math.min(((a.w + b.w) / 2 + GAP - Math.abs(b.x - a.x)) / (Math.abs(dx / d) || 1e-3),
            ((a.h + b.h) / 2 + GAP - Math.abs(b.y - a.y)) / (Math.abs(dy / d) || 1e-3));
          const step = Math.max(need, 1) / 2 + 0.5;
          // A pinned cluster against another symbol: the other takes the whole step.
          const pa = pinned[i] && !pinned[j], pb = pinned[j] && !pinned[i];
          const sa = pa ? 0 : pb ? 2 * step : step, sb = pb ? 0 : pa ? 2 * step : step;
          a.x -= (dx / d) * sa; a.y -= (dy / d) * sa;
          b.x += (dx / d) * sb; b.y += (dy / d) * sb;
          moved = true;
        }
      }
      if (!moved) break;
    }
    const shifts = boxes.map((b, i) => {
      const dx = Math.round(b.x - base[i].x), dy = Math.round(b.y - base[i].y);
      b.x = base[i].x + dx;
      b.y = base[i].y + dy;
      return [dx, dy];
    });

    // --- labels off the symbols ---
    // A label tries its own place, then a few nearby ones, and is left out when none is free.
    const taken = [...boxes.map((b) => ({ ...b })), ...controls];
    const tries = [[0, 0], [0, -16], [0, 16], [-24, 0], [24, 0], [0, -30], [0, 30], [-40, 12], [40, -12]];
    // An area's name is the map's main idea: it searches farther, on rings around its point
    // (which lies inside the area), before it gives up.
    const areaTries = [[0, 0]];
    for (const radius of [14, 28, 42, 56, 70, 84]) {
      for (let k = 0; k < 12; k++) {
        const a = (2 * Math.PI * k) / 12;
        areaTries.push([Math.round(Math.cos(a) * radius * 1.6), Math.round(Math.sin(a) * radius)]);
      }
    }
    const placed = measured.map((m) => {
      if (!m) return null; // not shown: nothing to place
      const { r0 } = m;
      // A cluster's name goes beside its symbol (right, left, below, above, the corners),
      // wherever the symbol was moved to; without a symbol (a footprint) on its point.
      let own = m.area ? areaTries : tries;
      const s = m.sym != null ? boxes[m.sym] : null;
      if (s) {
        const gx = (s.w + r0.w) / 2 + 3, gy = (s.h + r0.h) / 2 + 1;
        own = [[gx, 0], [-gx, 0], [0, gy], [0, -gy], [gx, gy], [gx, -gy], [-gx, gy], [-gx, -gy]]
          .map(([cx, cy]) => [Math.round(s.x + cx - r0.x), Math.round(s.y + cy - r0.y)]);
      }
      for (const [dx, dy] of own) {
        const r = { ...r0, x: r0.x + dx, y: r0.y + dy };
        if (taken.some((b) => overlap(r, b, 1))) continue;
        // A cluster's name is read whole or not at all: not cut by the map's edge.
        if (s && (r.x - r.w / 2 < frame.left || r.x + r.w / 2 > frame.right || r.y - r.h / 2 < frame.top || r.y + r.h / 2 > frame.bottom)) continue;
        taken.push(r);
        return [dx, dy];
      }
      return false; // no free place: hidden
    });

    // --- writes ---
    symbols.forEach((el, i) => {
      const [dx, dy] = shifts[i];
      el.style.translate = dx || dy ? `${dx}px ${dy}px` : "";
      el.__cmShift = [dx, dy];
    });
    labels.forEach((el, k) => {
      const at = placed[k];
      if (at === false) el.style.visibility = "hidden";
      else if (at && (at[0] || at[1])) el.style.translate = `${at[0]}px ${at[1]}px`;
    });
    onShift();
  }

  map.on("zoomend moveend layeradd layerremove viewreset resize", run);
  // A control that grows or shrinks (the legend folding) frees or covers labels.
  if (typeof ResizeObserver === "function") {
    const ro = new ResizeObserver(run);
    for (const corner of container.querySelectorAll(".leaflet-control-container > div")) ro.observe(corner);
  }
  return { run, place };
}
