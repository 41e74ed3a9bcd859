// Dates as officials write them: dd/mm/yyyy in Vietnamese, yyyy-mm-dd in
// English, read back in words before anything is saved ("ngày 5 tháng 12 năm
// 2026"). A browser's <input type="date"> follows the browser's locale, not the
// page's, so a Vietnamese officer on an English Chromium saw mm/dd/yyyy and
// 05/12/2026 became 12 May: these inputs are text, parsed here, and the server
// only ever receives ISO dates.

import { h } from "./util.js";

const pad = (n) => String(n).padStart(2, "0");

// parseDate reads what a user typed: day-first (5/12/2026, 05.12.2026,
// 5-12-2026) in Vietnamese, and ISO (2026-12-05) in either language. It
// returns "YYYY-MM-DD", or null when the text is not a real calendar day.
export function parseDate(text, lang) {
  const s = String(text || "").trim();
  let y, m, d;
  let g = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (g) [y, m, d] = [g[1], g[2], g[3]].map(Number);
  else if (lang === "vi" && (g = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s))) [d, m, y] = [g[1], g[2], g[3]].map(Number);
  else return null;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null; // 31/02, 13th month
  return `${y}-${pad(m)}-${pad(d)}`;
}

// showDate writes an ISO date as the language writes it: 05/12/2026 or 2026-12-05.
export function showDate(iso, lang) {
  const g = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
  if (!g) return iso == null ? "" : String(iso);
  return lang === "vi" ? `${g[3]}/${g[2]}/${g[1]}` : `${g[1]}-${g[2]}-${g[3]}`;
}

// dateInWords: "ngày 5 tháng 12 năm 2026", "5 December 2026".
export function dateInWords(iso, lang) {
  const g = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
  if (!g) return "";
  const [y, m, d] = [g[1], g[2], g[3]].map(Number);
  if (lang === "vi") return `ngày ${d} tháng ${m} năm ${y}`;
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

// eventDate writes a recorded step's date as precisely as its source gives it: the day
// (05/12/2026), the month (tháng 12/2026, December 2026), the year, or "by" a day (the source states
// the step done as of then, not when it happened).
export function eventDate(iso, precision, lang) {
  const g = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
  if (!g) return "";
  const [y, m] = [Number(g[1]), Number(g[2])];
  switch (precision) {
    case "year":
      return lang === "vi" ? `năm ${y}` : String(y);
    case "month":
      return lang === "vi" ? `tháng ${m}/${y}`
        : new Intl.DateTimeFormat("en-GB", { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, 1)));
    case "by":
      return lang === "vi" ? `đến ${showDate(iso, "vi")}` : `by ${showDate(iso, "en")}`;
  }
  return showDate(iso, lang);
}

// unlikelyDecisionDate: a decision dated in the future or before 2000 is
// more likely a typing slip than a fact, so the form asks again.
export function unlikelyDecisionDate(iso, today = new Date()) {
  const todayISO = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
  return iso > todayISO || iso < "2000-01-01";
}

// dateInput({id, name, value, lang, t}) → {input, words, element, value()}:
// a text input in the language's form with the date read back in words below
// it as it is typed. value() is the ISO date, "" when empty, or null when the
// text is not a date.
export function dateInput({ id, name, value, lang, t }) {
  const input = h("input", {
    id, name, type: "text", inputmode: "numeric", autocomplete: "off",
    placeholder: t("date.placeholder"), value: value ? showDate(value, lang) : "",
  });
  const words = h("p", { class: "note ws-date-words", id: `${id}-words`, "aria-live": "polite" });
  input.setAttribute("aria-describedby", words.id);
  const read = () => {
    const text = input.value.trim();
    if (!text) return "";
    return parseDate(text, lang);
  };
  const echo = () => {
    const v = read();
    words.textContent = v ? dateInWords(v, lang) : v === null ? t("date.invalid") : "";
    words.classList.toggle("ws-error-text", v === null);
  };
  input.addEventListener("input", echo);
  echo();
  return { input, words, element: h("div", { class: "ws-date" }, input, words), value: read };
}
