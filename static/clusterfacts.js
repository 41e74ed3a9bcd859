// Facts derived from a cluster's properties, shared by the panel, the table, the
// comparison and the fact sheet, so that they all say the same thing.

// Free land: industrial land less leased land, else industrial land × (100 − occupancy) %.
// {ha: null} when neither is recorded.
export function freeLandOf(p) {
  if (p.free_land_ha != null) return { ha: Number(p.free_land_ha), basis: "leased" };
  if (p.industrial_land_ha != null && p.leased_land_ha != null) return { ha: p.industrial_land_ha - p.leased_land_ha, basis: "leased" };
  if (p.industrial_land_ha != null && p.occupancy_pct != null) return { ha: (p.industrial_land_ha * (100 - p.occupancy_pct)) / 100, basis: "occupancy" };
  return { ha: null, basis: null };
}

// Occupancy in %: stated, or leased / industrial land; null when unknown.
export function occupancyOf(p) {
  if (p.occupancy_pct != null) return Number(p.occupancy_pct);
  if (p.leased_land_ha != null && p.industrial_land_ha) return (100 * p.leased_land_ha) / p.industrial_land_ha;
  return null;
}

// figures: how the source gives each number ({qualifier, as_of}); an object in GeoJSON, JSON
// text in vector tiles. {} when none.
export function figuresOf(p) {
  let f = p && p.figures;
  if (typeof f === "string") {
    try {
      f = JSON.parse(f);
    } catch (_) {
      f = null;
    }
  }
  return f && typeof f === "object" ? f : {};
}

// The latest date the data records for a cluster (its establishing decision or the as-of date
// of a figure), as the source writes it; "" when none. Sorts as text: "2025-07" > "2023".
export function lastDateOf(p) {
  const dates = [];
  if (p.decision_date) dates.push(String(p.decision_date));
  for (const v of Object.values(figuresOf(p))) if (v && v.as_of) dates.push(String(v.as_of));
  const key = (d) => (/^\d{4}/.test(d) ? d : (d.match(/\d{4}/) || ["0000"])[0] + d);
  dates.sort((a, b) => key(b).localeCompare(key(a)));
  return dates[0] || "";
}

// The geometry quality most clusters are drawn with ("indicative" when none says): the legend
// draws its stages the same way.
export function usualQualityOf(features) {
  const count = new Map();
  for (const f of features) {
    const q = (f.properties && f.properties.geometry_quality) || "indicative";
    count.set(q, (count.get(q) || 0) + 1);
  }
  return [...count].sort((a, b) => b[1] - a[1])[0]?.[0] || "indicative";
}

// The year of a date as sources write them ("2025-07", "end-2020", "2019-12-01"); NaN if none.
export function yearOf(d) {
  const m = String(d || "").match(/(\d{4})/);
  return m ? Number(m[1]) : NaN;
}

// A delay the notes record, as the sentence that says so; "" when none.
const DELAY = /(delay|stalled|behind schedule|slow(?:ly)? progress|chậm|vướng|not yet (?:started|built)|no investor)/i;
export function delayNoteOf(p) {
  if (!p.notes) return "";
  const sentences = String(p.notes).split(/(?<=[.;])\s+/);
  return sentences.find((s) => DELAY.test(s)) || "";
}

// CSV cells neutralised against spreadsheet formulas (OWASP "CSV injection"): a cell that
// starts with = + - @, a tab or a carriage return gets a leading apostrophe, then quoting.
export function csvCell(v) {
  if (v == null) return "";
  if (Array.isArray(v)) v = v.join("; ");
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",;\n\r\t']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The action a contact text allows: a phone to call, an address to write to, a page to open;
// null when the text holds none of them.
export function contactLinkOf(text) {
  const s = String(text || "");
  const mail = s.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/);
  if (mail) return { href: `mailto:${mail[0]}`, detail: mail[0] };
  const tel = s.match(/(\+84|0)[\d .()-]{8,14}\d/);
  if (tel) return { href: `tel:${tel[0].replace(/[^\d+]/g, "")}`, detail: tel[0] };
  const url = s.match(/https?:\/\/\S+/);
  if (url) return { href: url[0], detail: "" };
  return null;
}
