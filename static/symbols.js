// Colours and symbols, in one place so the map and the legend cannot drift apart.

// Lifecycle stages: the Okabe–Ito palette, safe for the common colour-vision
// deficiencies; grey for "only on paper", green for "working".
export const stageColor = {
  planned: "#8c8c8c",
  investor_selected: "#cc79a7",
  established: "#e69f00",
  under_construction: "#f0e442",
  operating: "#009e73",
  expanded: "#0072b2",
};
const unknownStage = "#ffffff";

// Development regions: light tints that stay behind the stage colours.
export const regionColor = {
  central: "#7fb2d9",
  east: "#a9d67a",
  south_east: "#f4b6d2",
  west: "#c2b8e0",
  chu_se: "#f3df8b",
};

// Crops of raw-material zones, drawn as hatching so they read as "area where
// the crop grows" over the region fills.
export const cropColor = {
  coffee: "#6b4226",
  cassava: "#b5651d",
  sugarcane: "#3d8b37",
  rubber: "#2f4f4f",
  pepper: "#b22222",
  medicinal: "#7b3f9e",
  tobacco: "#9a7b00",
  cotton: "#5f6b7a",
  cashew: "#c2185b",
  other: "#555555",
};
// Hatch angle per crop, so overlapping zones cross instead of merging.
const cropAngle = { coffee: 45, cassava: -45, sugarcane: 0, rubber: 90, pepper: 30, medicinal: -30, tobacco: 60, cotton: -60, cashew: 15, other: -15 };

export const energyColor = { hydro: "#1f6fb2", solar: "#d98c00", wind: "#2a9d8f", biomass: "#5b8c2a" };

export function colorOfStage(stage) {
  return stageColor[stage] || unknownStage;
}

// Darker outline for a fill colour, for contrast against light backgrounds.
export function darker(hex, f = 0.55) {
  const n = parseInt(hex.slice(1), 16);
  const c = [n >> 16, (n >> 8) & 255, n & 255].map((v) => Math.round(v * f));
  return "#" + c.map((v) => v.toString(16).padStart(2, "0")).join("");
}

// The SVG markup of a cluster symbol: shape by kind, fill by stage, dashed
// outline when the place is only indicative.
export function clusterSymbolSVG(kind, stage, indicative, size = 20) {
  const fill = colorOfStage(stage);
  const stroke = "#1d1d1d";
  const dash = indicative ? ' stroke-dasharray="3 2"' : "";
  const s = size, h = s / 2, w = 2;
  let shape;
  if (kind === "kcn") {
    shape = `<rect x="${w}" y="${w}" width="${s - 2 * w}" height="${s - 2 * w}" rx="2"`;
  } else if (kind === "kkt") {
    shape = `<polygon points="${h},${w / 2 + 0.5} ${s - w / 2 - 0.5},${h} ${h},${s - w / 2 - 0.5} ${w / 2 + 0.5},${h}"`;
  } else {
    shape = `<circle cx="${h}" cy="${h}" r="${h - w}"`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${s}" height="${s}" viewBox="0 0 ${s} ${s}" aria-hidden="true">` +
    `${shape} fill="${fill}" stroke="${stroke}" stroke-width="${w}"${dash}/></svg>`;
}

// Geometry quality on every layer, one convention: a surveyed outline or a
// point printed by a cited source is drawn solid; an indicative place (a
// district's point, a drawn line) is hollow with a dashed outline.
export const INDICATIVE_DASH = "6 4";
export const isIndicative = (p) => !!p && p.geometry_quality === "indicative";

export function plantSymbolSVG(crop, size = 18, indicative = false) {
  const c = cropColor[crop] || "#555";
  // A small factory: saw-tooth roof over a block; hollow when only indicative.
  const paint = indicative ? `fill="#fff" stroke="${c}" stroke-width="1.6" stroke-dasharray="2.5 1.5"` : `fill="${c}" stroke="#fff" stroke-width="1.5"`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 18 18" aria-hidden="true">` +
    `<path d="M1.5 16.5V7l4 2.5V7l4 2.5V7l4 2.5V2.5h3v14z" ${paint} stroke-linejoin="round"/></svg>`;
}

export function energySymbolSVG(kind, size = 18, indicative = false) {
  const c = energyColor[kind] || "#555";
  // A lightning bolt in a triangle; hollow (white, dashed outline) when only indicative.
  const paint = indicative ? `fill="#fff" stroke="${c}" stroke-width="1.6" stroke-dasharray="2.5 1.5"` : `fill="${c}" stroke="#fff" stroke-width="1.4"`;
  const bolt = indicative ? c : "#fff";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 18 18" aria-hidden="true">` +
    `<path d="M9 1.2 17 16.5H1z" ${paint} stroke-linejoin="round"/>` +
    `<path d="M9.6 6.2 6.8 11h2.4l-.8 3.6 3-5H9z" fill="${bolt}"/></svg>`;
}

// Fill patterns referenced from app.css (fill: url(#cm-hatch-…)). Leaflet sets
// the fill attribute itself; a CSS fill overrides it, which is how hatching
// gets onto Leaflet and VectorGrid paths. The defs live in one SVG in the page;
// url(#id) resolves across inline SVGs of the same document.
export function installPatterns() {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("width", "0");
  svg.setAttribute("height", "0");
  svg.setAttribute("aria-hidden", "true");
  // display:none would disable the patterns; park it out of sight instead.
  svg.style.position = "absolute";
  const defs = document.createElementNS(NS, "defs");
  svg.appendChild(defs);

  const hatch = (id, color, angle, gap, width, background) => {
    const p = document.createElementNS(NS, "pattern");
    p.setAttribute("id", id);
    p.setAttribute("patternUnits", "userSpaceOnUse");
    p.setAttribute("width", gap);
    p.setAttribute("height", gap);
    p.setAttribute("patternTransform", `rotate(${angle})`);
    if (background) {
      const r = document.createElementNS(NS, "rect");
      r.setAttribute("width", gap);
      r.setAttribute("height", gap);
      r.setAttribute("fill", background);
      p.appendChild(r);
    }
    const l = document.createElementNS(NS, "line");
    l.setAttribute("x1", "0");
    l.setAttribute("y1", "0");
    l.setAttribute("x2", "0");
    l.setAttribute("y2", gap);
    l.setAttribute("stroke", color);
    l.setAttribute("stroke-width", width);
    p.appendChild(l);
    defs.appendChild(p);
  };

  // Indicative footprints: stripes of the stage colour on a pale ground.
  for (const [stage, color] of Object.entries(stageColor)) hatch(`cm-hatch-stage-${stage}`, color, 45, 6, 3, "rgba(255,255,255,0.55)");
  for (const [crop, color] of Object.entries(cropColor)) hatch(`cm-hatch-crop-${crop}`, color, cropAngle[crop], 9, 1.6, null);
  document.body.appendChild(svg);
}
