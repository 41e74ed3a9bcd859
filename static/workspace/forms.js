// Attribute forms generated from the layer catalog (GET /api/layers): each
// field's type, its coded values labelled in the interface language, and
// whether it is required. No field list is written here: the fields offered are
// the ones the user's role may change (catalog.editableFields) that the server
// stores for the feature (its history state, ?as_of=), so derived fields
// (district name, region) are never offered.

import { h } from "../util.js";
import { parseDate, showDate } from "../dates.js";

let seq = 0;

// fieldInput builds the labelled input of one catalog field with a value.
function fieldInput(field, value, { i18n, t, idPrefix }) {
  const id = `${idPrefix}-${field.name}`;
  const title = i18n.title(field.title, field.name);
  const required = field.required === true;
  let input;
  const codes = field.vocabulary ? i18n.codesOf(field.vocabulary) : field.enum || [];
  if (codes.length) {
    input = h("select", { id, name: field.name },
      h("option", { value: "" }, t("unset")),
      codes.map((c) => h("option", { value: c, selected: value === c }, i18n.label(field.vocabulary, c))));
    if (value != null && !codes.includes(value)) input.append(h("option", { value, selected: true }, String(value)));
  } else if (field.type === "integer" || field.type === "number") {
    input = h("input", { id, name: field.name, type: "number", step: field.type === "integer" ? "1" : "any", inputmode: "decimal", value: value ?? "" });
  } else if (field.type === "date") {
    // Text in the language's form (dd/mm/yyyy in Vietnamese), never the browser's date picker,
    // whose order follows the browser's locale (dates.js).
    input = h("input", { id, name: field.name, type: "text", inputmode: "numeric", autocomplete: "off",
      placeholder: t("date.placeholder"), value: value ? showDate(value, i18n.lang()) : "" });
    input.dataset.lang = i18n.lang();
  } else if (field.type === "string[]") {
    input = h("textarea", { id, name: field.name, rows: 3 });
    input.value = Array.isArray(value) ? value.join("\n") : "";
  } else if (field.type === "object") {
    input = h("textarea", { id, name: field.name, rows: 2, spellcheck: "false" });
    input.value = value && Object.keys(value).length ? JSON.stringify(value) : "";
  } else {
    input = h("input", { id, name: field.name, type: "text", value: value ?? "" });
  }
  if (required) input.required = true;
  const msg = h("p", { class: "ws-field-error", id: `${id}-error`, hidden: true });
  input.setAttribute("aria-describedby", msg.id);
  const label = h("label", { for: id }, title, required ? h("span", { class: "ws-required", title: t("feature.required") }, " *") : null);
  return { field, input, msg, row: h("div", { class: "ws-field", dataset: { field: field.name } }, label, input, msg) };
}

// readValue turns an input back into the JSON value of its field.
function readValue(field, input) {
  const v = input.value.trim();
  if (v === "") return field.type === "string[]" ? [] : null;
  switch (field.type) {
    case "integer":
      return Number.parseInt(v, 10);
    case "number":
      return Number(v);
    case "date":
      return parseDate(v, input.dataset.lang) ?? v; // not a date: the server names the problem at the field
    case "string[]":
      return v.split("\n").map((s) => s.trim()).filter(Boolean);
    case "object":
      try {
        return JSON.parse(v);
      } catch (_) {
        return v; // the server names the problem at the field
      }
    default:
      return v;
  }
}

// unset: no value, as the form shows it — null, an empty list and an empty object all read as an
// empty field, so none of them is a change from another.
const unset = (v) => v == null || (Array.isArray(v) && v.length === 0) ||
  (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);

// sameValue says whether two values of a field are the same as far as the form can tell.
export const sameValue = (a, b) => (unset(a) && unset(b)) || JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

// createAttributeForm({fields, values}) → {element, values(), diff(), showErrors(reasons), set(values)}:
// fields are the catalog fields offered, values the feature's properties.
export function createAttributeForm({ fields, values, i18n, t }) {
  const idPrefix = `ws-f${++seq}`;
  const rows = fields.map((f) => fieldInput(f, values[f.name], { i18n, t, idPrefix }));
  const general = h("p", { class: "ws-error", role: "alert", hidden: true });
  const element = h("div", { class: "ws-form-fields" }, rows.map((r) => r.row), general);
  let base = { ...values };

  function current() {
    return Object.fromEntries(rows.map((r) => [r.field.name, readValue(r.field, r.input)]));
  }

  function clearErrors() {
    for (const r of rows) {
      r.msg.hidden = true;
      r.input.removeAttribute("aria-invalid");
    }
    general.hidden = true;
  }

  // The server's reasons, each shown at the field it names (else above the buttons).
  function showErrors(reasons, fallback) {
    clearErrors();
    const rest = [];
    for (const reason of reasons || []) {
      const r = rows.find((x) => new RegExp(`(^|[^a-z_])${x.field.name}([^a-z_]|$)`).test(reason));
      if (r) {
        r.msg.textContent = r.msg.hidden ? reason : `${r.msg.textContent} ${reason}`;
        r.msg.hidden = false;
        r.input.setAttribute("aria-invalid", "true");
      } else rest.push(reason);
    }
    const text = [fallback, ...rest].filter(Boolean).join(" ");
    general.textContent = text;
    general.hidden = !text;
    const first = rows.find((r) => !r.msg.hidden);
    if (first) first.input.focus();
  }

  return {
    element,
    values: current,
    // The fields the user changed, as a merge patch's properties.
    diff() {
      const cur = current();
      return Object.fromEntries(Object.entries(cur).filter(([k, v]) => !sameValue(v, base[k])).map(([k, v]) => [k, v ?? null]));
    },
    set(vals) {
      for (const r of rows) {
        const v = vals[r.field.name];
        if (r.input.tagName === "SELECT") r.input.value = v ?? "";
        else if (r.field.type === "string[]") r.input.value = Array.isArray(v) ? v.join("\n") : "";
        else if (r.field.type === "object") r.input.value = v && Object.keys(v).length ? JSON.stringify(v) : "";
        else if (r.field.type === "date") r.input.value = v ? showDate(v, r.input.dataset.lang) : "";
        else r.input.value = v ?? "";
      }
    },
    rebase(vals) {
      base = { ...vals };
    },
    showErrors,
    clearErrors,
    onInput: (fn) => element.addEventListener("input", fn),
  };
}

// display is a value as the conflict view, history and the approval's confirmation show it, in
// words: codes by their labels, a district by its name (names.districtName), dates and numbers as
// the language writes them, the figures' qualifiers by field title (names.fields), never JSON or a
// field name.
export function display(field, value, i18n, t, names = {}) {
  if (unset(value)) return t("unset");
  if (field && field.name === "district_code" && names.districtName) return names.districtName(value) || String(value);
  if (field && field.vocabulary) return i18n.label(field.vocabulary, value);
  if (field && field.type === "date") return showDate(value, i18n.lang());
  if (typeof value === "number") return i18n.num(value, Number.isInteger(value) ? 0 : 2);
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "object") {
    const title = (n) => {
      const f = (names.fields || []).find((x) => x.name === n);
      return f ? i18n.title(f.title, n) : t("figures.other");
    };
    return Object.entries(value).map(([n, q]) => {
      const how = q && q.qualifier ? t(`figures.${q.qualifier}`) : "";
      const when = q && q.as_of ? t("figures.asOf", { d: q.as_of }) : "";
      return `${title(n)}: ${[how, when].filter(Boolean).join(", ")}`;
    }).join("; ");
  }
  return String(value);
}

// The language of a datum's text: English when it reads as English (its function words; English
// notes name Vietnamese places, so Vietnamese letters alone do not decide), else Vietnamese when
// it has letters only Vietnamese has, else English.
const VIETNAMESE_LETTERS = /[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/i;
const ENGLISH_WORDS = /\b(the|of|and|with|for|by|is|are|was|on|to|from|no|not)\b/gi;
const languageOf = (text) => ((text.match(ENGLISH_WORDS) || []).length >= 2 ? "en" : VIETNAMESE_LETTERS.test(text) ? "vi" : "en");

// valueNode is display() as an element that says the language of free text: data keep the
// language their source wrote them in (the seed's notes are English), and a screen reader (and
// the browser tests' language walk) must know it.
export function valueNode(field, value, i18n, t, names) {
  const text = display(field, value, i18n, t, names);
  const free = typeof value === "string" && !(field && (field.vocabulary || field.type === "date" || field.name === "district_code"));
  return h("span", free ? { lang: languageOf(text) } : {}, text);
}
