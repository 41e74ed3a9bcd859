// The department's review queue: submitted proposals with their district,
// submission date, area and Decree 32/2024 verdict, sortable; open one to see
// it on the map beside the clusters, the raw-material zones and the highways,
// with the land the district listed and its verdict; approve (decision number
// and a date typed as the language writes it), reject or return with a
// comment. Approval is confirmed first, with every change it will write (a
// rehearsal on the server), and against a "not eligible" verdict only with a
// reason that history keeps.

import { h } from "../util.js";
import { workspaceAPI as api, errorText } from "../api.js";
import { renderEligibility } from "./eligibility.js";
import { overlay } from "./draw.js";
import { dateInput, dateInWords, showDate, unlikelyDecisionDate } from "../dates.js";
import { confirmStep } from "./confirm.js";
import { sameValue, valueNode } from "./forms.js";

const VERDICT_ORDER = { no: 0, unknown: 1, not_applicable: 2, yes: 3 };

export function createReview({ map, i18n, t, state, catalog, container, onExpired, onDecided }) {
  const status = h("p", { class: "ws-status", role: "status", "aria-live": "polite" });
  const sortBy = h("select", { id: "ws-review-sort", name: "sort", onchange: () => draw() },
    ["date", "district", "area", "verdict"].map((k) => h("option", { value: k }, t(`review.sort.${k}`))));
  const list = h("ul", { class: "ws-list", id: "ws-review-queue" });
  const detail = h("div", { class: "ws-review-detail", id: "ws-review-detail", hidden: true });
  container.append(status, h("label", { for: sortBy.id }, t("review.sort"), " "), sortBy, list, detail);
  let shown = null;
  let queue = [];
  const verdicts = new Map(); // proposal id → verdict

  const districtName = (code) => state.districtNames.get(String(code)) || "";
  const lang = () => i18n.lang();

  function clearShown() {
    if (shown) shown.remove();
    shown = null;
  }

  function sorted() {
    const by = sortBy.value;
    const key = {
      date: (p) => p.submitted_at || "",
      district: (p) => districtName(p.district_code),
      area: (p) => -Number(p.area_ha || 0),
      verdict: (p) => VERDICT_ORDER[verdicts.get(p.id)] ?? 9,
    }[by];
    return [...queue].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return typeof x === "number" ? x - y : String(x).localeCompare(String(y), i18n.locale());
    });
  }

  function draw() {
    list.replaceChildren(...(queue.length ? sorted().map((p) => {
      const v = verdicts.get(p.id);
      // The verdict arrives after the row is drawn; its slot is a line of its own with its
      // height reserved, so filling it moves no button under a reviewer's pointer.
      return h("li", { dataset: { id: p.id, verdict: v || "" } },
        h("strong", {}, p.name), " ",
        h("span", { class: "note" }, [
          t(`prop.kind.${p.kind}`), districtName(p.district_code),
          p.submitted_at ? t("review.submittedAt", { date: showDate(p.submitted_at, lang()) }) : "",
          `${i18n.num(p.area_ha, 2)} ha`,
        ].filter(Boolean).join(" · ")), " ",
        h("button", { type: "button", class: "button secondary", dataset: { open: p.id }, onclick: () => open(p) }, t("review.open")),
        h("span", { class: "ws-verdict-slot" }, v ? verdictTag(v) : null));
    }) : [h("li", { class: "note" }, t("review.none"))]));
  }

  async function refresh() {
    const r = await api.proposals();
    if (!r.ok) {
      if (r.status === 401) onExpired();
      return;
    }
    queue = (r.data.proposals || []).filter((p) => p.status === "submitted");
    draw();
    // Verdicts one at a time: the queue is short, and the checks share the server with the map.
    // Each fills its row in place, so a row is never replaced under the reviewer's pointer.
    for (const p of queue) {
      if (!verdicts.has(p.id)) {
        const e = await api.proposalEligibility(p.id);
        if (!e.ok) continue;
        verdicts.set(p.id, e.data.verdict);
      }
      const row = list.querySelector(`li[data-id="${p.id}"]`);
      if (row) {
        row.dataset.verdict = verdicts.get(p.id);
        row.querySelector(".ws-verdict-slot").replaceChildren(verdictTag(verdicts.get(p.id)));
      }
    }
  }

  const verdictTag = (v) => h("span", { class: `ws-verdict-tag verdict-${v}` }, t(`elig.verdict.${v}`));

  // The land the district listed, and its total against the drawn area.
  function parcels(p) {
    const land = Array.isArray(p.land_recovery) ? p.land_recovery : [];
    if (!land.length) return h("p", { class: "note", id: "ws-parcels" }, t("review.noParcels"));
    const listed = land.reduce((s, x) => s + (Number(x.area_ha) || 0), 0);
    return h("div", { id: "ws-parcels" },
      h("h4", {}, t("review.parcels")),
      h("table", { class: "ws-parcels" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("review.parcel")), h("th", { scope: "col" }, t("review.owner")), h("th", { scope: "col" }, t("review.parcelArea")))),
        h("tbody", {}, land.map((x) => h("tr", {}, h("td", {}, x.parcel ?? ""), h("td", {}, x.owner ?? ""), h("td", { class: "num" }, x.area_ha == null ? "" : i18n.num(Number(x.area_ha), 2)))))),
      h("p", { class: "note", id: "ws-parcel-total" }, t("review.parcelTotal", { listed: i18n.num(listed, 2), drawn: i18n.num(p.area_ha, 2) })));
  }

  async function open(p) {
    clearShown();
    // The context a reviewer weighs: clusters, zones and highways stay on.
    for (const id of ["clusters", "raw_material_zones", "roads"]) if (state.layers[id]) state.setVisible(id, true);
    shown = overlay(map, p.geometry, { color: "#7c2d12", weight: 3, dashArray: "6 4", fillColor: "#f97316", fillOpacity: 0.3 }, "ws-proposal-shape");
    map.fitBounds(shown.getBounds(), { padding: [60, 60], maxZoom: 14 });
    const live = h("div", { class: "ws-live", "aria-busy": "true" }, t("ws.loading"));
    const number = h("input", { id: "ws-decision-number", name: "decision_number", autocomplete: "off" });
    const date = dateInput({ id: "ws-decision-date", name: "decision_date", lang: lang(), t });
    const comment = h("textarea", { id: "ws-review-comment", name: "comment", rows: 3 });
    const err = h("p", { class: "ws-error", role: "alert", id: "ws-review-error", hidden: true });
    const btn = (action, cls) => h("button", { type: "button", class: cls, id: `ws-${action}`, onclick: () => decide(action) }, t(`review.${action}`));
    detail.replaceChildren(
      h("h3", {}, p.name),
      h("p", { class: "note" }, [t(`prop.kind.${p.kind}`), districtName(p.district_code), p.created_by,
        p.submitted_at ? t("review.submittedAt", { date: showDate(p.submitted_at, lang()) }) : ""].filter(Boolean).join(" · ")),
      p.justification ? h("p", {}, p.justification) : null,
      parcels(p),
      live,
      h("form", { class: "ws-review-form", novalidate: true, onsubmit: (e) => e.preventDefault() },
        h("label", { for: number.id }, t("review.decisionNumber")), number,
        h("label", { for: date.input.id }, t("review.decisionDate")), date.element,
        h("label", { for: comment.id }, t("review.comment")), comment,
        err,
        h("div", { class: "form-buttons" }, btn("approve", "button"), btn("return", "button secondary"), btn("reject", "button secondary"))));
    detail.hidden = false;
    detail.dataset.id = p.id;
    const r = await api.proposalEligibility(p.id);
    live.removeAttribute("aria-busy");
    live.replaceChildren(...(r.ok ? renderEligibility(r.data, { t, i18n, state }) : [h("p", { class: "ws-error" }, errorText(r))]));
    const verdict = r.ok ? r.data.verdict : "unknown";
    let dateAskedAgain = "";

    const fail = (text, focus) => {
      err.textContent = text;
      err.hidden = false;
      if (focus) focus.focus();
    };

    async function decide(action) {
      err.hidden = true;
      const body = { comment: comment.value.trim() };
      if (action === "approve") {
        const iso = date.value();
        if (!number.value.trim() || iso === "") return fail(t("review.needDecision"), number.value.trim() ? date.input : number);
        if (iso === null) return fail(t("review.badDate"), date.input);
        // A future date, or one before 2000, is asked again once: the second press confirms it.
        if (unlikelyDecisionDate(iso) && dateAskedAgain !== iso) {
          dateAskedAgain = iso;
          return fail(t("review.dateUnlikely", { date: dateInWords(iso, lang()) }), date.input);
        }
        Object.assign(body, { decision_number: number.value.trim(), decision_date: iso });
        const ok = await confirmApproval(body);
        if (!ok) return;
      } else if (!body.comment) {
        return fail(t("review.needComment"), comment);
      }
      const res = await api.decideProposal(p.id, action, body);
      if (res.status === 401) return onExpired();
      if (!res.ok) return fail(res.data && res.data.reasons ? res.data.reasons.join(" ") : errorText(res));
      status.textContent = t("review.done");
      detail.hidden = true;
      clearShown();
      verdicts.delete(p.id);
      if (onDecided) onDecided(res.data); // reads every view again, this queue included
      else refresh();
    }

    // confirmApproval shows what the approval will write, asks for a reason against a "not
    // eligible" verdict, and puts that reason in body.comment. False: cancelled or refused.
    async function confirmApproval(body) {
      const pv = await api.approvalPreview(p.id, body.decision_number, body.decision_date);
      if (pv.status === 401) {
        onExpired();
        return false;
      }
      if (!pv.ok) {
        fail(pv.data && pv.data.reasons ? pv.data.reasons.join(" ") : errorText(pv));
        return false;
      }
      const fields = ((catalog.layer("clusters") || {}).fields) || [];
      const fieldOf = (n) => fields.find((f) => f.name === n);
      const clusterName = pv.data.cluster_name || p.name;
      const changes = (pv.data.changes || []).filter((c) => c.field !== "sources" && c.field !== "placement" && !sameValue(c.from, c.to));
      // A district by its name, never its code alone.
      const names = { fields, districtName };
      const valueText = (c, v) => valueNode(fieldOf(c.field), v, i18n, t, names);
      const a = pv.data.area_before_ha;
      const b = pv.data.area_after_ha;
      const rows = changes.map((c) => h("li", { dataset: { field: c.field } },
        h("span", {}, i18n.title((fieldOf(c.field) || {}).title, c.field)), ": ",
        pv.data.creates ? null : h("del", {}, valueText(c, c.from)), pv.data.creates ? null : " → ",
        h("ins", {}, valueText(c, c.to))));
      if (pv.data.geometry_changed) {
        rows.push(h("li", { dataset: { field: "geometry" } }, h("span", {}, t("review.footprint")), ": ", t("review.footprintChanged"),
          b != null ? ` (${t("review.area")}: ${a != null ? `${i18n.num(a, 2)} ha → ` : ""}${i18n.num(b, 2)} ha)` : ""));
      }
      const result = await confirmStep({
        id: "ws-approve-confirm",
        title: t("review.confirmTitle"),
        body: [
          h("p", {}, t("review.confirmIntro", { name: p.name, number: body.decision_number, date: dateInWords(body.decision_date, lang()) })),
          h("p", { class: `ws-verdict verdict-${verdict}`, id: "ws-confirm-verdict", dataset: { verdict } }, t("review.verdictIs", { verdict: t(`elig.verdict.${verdict}`) })),
          h("p", {}, pv.data.creates ? t("review.confirmNew", { name: p.name }) : t("review.confirmCluster", { name: clusterName })),
          h("ul", { class: "ws-changes", id: "ws-confirm-changes" }, rows.length ? rows : [h("li", {}, t("review.noChange"))]),
          h("p", { class: "note" }, t("review.provenance")),
        ],
        confirmText: t("review.confirm"),
        cancelText: t("review.cancel"),
        reason: verdict === "no" ? { label: t("review.reason"), required: true, requiredText: t("review.needReason"), value: body.comment } : null,
      });
      if (!result.ok) return false;
      if (verdict === "no") body.comment = result.reason;
      return true;
    }
  }

  refresh();
  return { refresh, destroy: clearShown };
}
