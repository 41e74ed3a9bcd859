// Recording a cluster's step in the workspace: the step (the ones the user's role may record),
// its date as the language writes it, the decision and the issuing body, its sources, and a
// document to attach. The server checks the role again, and PostgreSQL after it; the stage moves
// by itself when the step implies one.

import { h } from "../util.js";
import { workspaceAPI as api, errorText } from "../api.js";
import { dateInput, eventDate } from "../dates.js";
import { isLocal } from "../catalog.js";

// The steps in Decree 32/2024's order; a territory's office records the building and operating ones.
const KINDS = ["plan_inclusion", "investor_selected", "investment_policy", "founding_decision", "detailed_plan", "land_recovery",
  "environmental_permit", "construction_start", "wastewater_plant", "operation", "expansion_decision"];
const LOCAL_KINDS = ["detailed_plan", "land_recovery", "construction_start", "wastewater_plant", "operation"];

let seq = 0;

// createEventForm({clusterId, user, i18n, t, onRecorded}) → a <details> element with the form.
export function createEventForm({ clusterId, user, i18n, t, onRecorded }) {
  const id = (name) => `ws-event-${name}-${seq}`;
  seq++;
  const kinds = isLocal(user) ? LOCAL_KINDS : KINDS;
  const kind = h("select", { id: id("kind"), name: "kind" }, kinds.map((k) => h("option", { value: k }, t(`event.${k}`))));
  const date = dateInput({ id: id("date"), name: "occurred_on", value: "", lang: i18n.lang(), t });
  const decision = h("input", { id: id("decision"), name: "decision_number", autocomplete: "off" });
  const issuer = h("input", { id: id("issuer"), name: "issued_by", autocomplete: "off" });
  const sources = h("textarea", { id: id("sources"), name: "sources", rows: 2 });
  const file = h("input", { id: id("file"), name: "file", type: "file", accept: ".pdf,.png,.jpg,.jpeg,.gpkg,.zip" });
  const fileTitle = h("input", { id: id("file-title"), name: "file_title", autocomplete: "off" });
  const pub = h("input", { id: id("public"), name: "public", type: "checkbox" });
  const message = h("p", { class: "ws-status", role: "status", "aria-live": "polite" });
  const field = (label, input, extra) => h("div", { class: "ws-field" }, h("label", { for: input.id }, label), input, extra || null);
  const form = h("form", { class: "ws-event-form", id: "ws-event-form", novalidate: true },
    field(t("event.kind"), kind),
    field(t("event.date"), date.input, date.words),
    field(t("event.decision"), decision),
    field(t("event.issuer"), issuer),
    field(t("event.sources"), sources),
    field(t("event.file"), file),
    field(t("event.fileTitle"), fileTitle),
    h("div", { class: "ws-field ws-check" }, pub, h("label", { for: pub.id }, t("event.public"))),
    h("div", { class: "form-buttons" }, h("button", { type: "submit", class: "button", id: "ws-event-save" }, t("event.save"))),
    message);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const on = date.value();
    if (!on) {
      message.textContent = t("event.badDate");
      return;
    }
    const srcs = sources.value.split("\n").map((s) => s.trim()).filter(Boolean);
    if (!srcs.length) {
      message.textContent = t("event.noSource");
      return;
    }
    const body = { kind: kind.value, occurred_on: on, sources: srcs };
    if (decision.value.trim()) body.decision_number = decision.value.trim();
    if (issuer.value.trim()) body.issued_by = issuer.value.trim();
    const r = await api.recordEvent(clusterId, body);
    if (!r.ok) {
      message.textContent = t("event.error", { why: errorText(r) });
      return;
    }
    const said = { kind: t(`event.${kind.value}`), d: eventDate(on, "day", i18n.lang()) };
    const chosen = file.files && file.files[0];
    if (chosen) {
      const d = await api.attachDocument({ event_id: String(r.data.id), title: fileTitle.value.trim() || chosen.name,
        filename: chosen.name, public: String(pub.checked) }, chosen);
      message.textContent = d.ok ? t("event.savedWithDoc", said) : t("event.docRefused", { why: errorText(d) });
    } else {
      message.textContent = t("event.saved", said);
    }
    form.reset();
    onRecorded && onRecorded(r.data.id);
  });
  return h("details", { class: "ws-event-details", id: "ws-event-details" }, h("summary", {}, t("event.record")), form);
}
