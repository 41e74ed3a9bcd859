// The department's review queue: submitted proposals; open one to see it on
// the map beside the clusters, the raw-material zones and the highways, with
// its Decree 32/2024 verdict; approve (decision number and date required),
// reject or return with a comment.

import { h } from "../util.js";
import { workspaceAPI as api, errorText } from "../api.js";
import { renderEligibility } from "./eligibility.js";
import { overlay } from "./draw.js";

export function createReview({ map, i18n, t, state, container, onExpired, onDecided }) {
  const status = h("p", { class: "ws-status", role: "status", "aria-live": "polite" });
  const list = h("ul", { class: "ws-list", id: "ws-review-queue" });
  const detail = h("div", { class: "ws-review-detail", id: "ws-review-detail", hidden: true });
  container.append(status, list, detail);
  let shown = null;

  function clearShown() {
    if (shown) shown.remove();
    shown = null;
  }

  async function refresh() {
    const r = await api.proposals();
    if (!r.ok) {
      if (r.status === 401) onExpired();
      return;
    }
    const queue = (r.data.proposals || []).filter((p) => p.status === "submitted");
    list.replaceChildren(...(queue.length ? queue.map((p) => h("li", { dataset: { id: p.id } },
      h("strong", {}, p.name), " ", h("span", { class: "note" }, `${t(`prop.kind.${p.kind}`)} · ${i18n.num(p.area_ha, 2)} ha · ${t("review.by", { district: p.district_code, user: p.created_by })}`), " ",
      h("button", { type: "button", class: "button secondary", dataset: { open: p.id }, onclick: () => open(p) }, t("review.open"))))
      : [h("li", { class: "note" }, t("review.none"))]));
  }

  async function open(p) {
    clearShown();
    // The context a reviewer weighs: clusters, zones and highways stay on.
    for (const id of ["clusters", "raw_material_zones", "roads"]) if (state.layers[id]) state.setVisible(id, true);
    shown = overlay(map, p.geometry, { color: "#7c2d12", weight: 3, dashArray: "6 4", fillColor: "#f97316", fillOpacity: 0.3 }, "ws-proposal-shape");
    map.fitBounds(shown.getBounds(), { padding: [60, 60], maxZoom: 14 });
    const live = h("div", { class: "ws-live", "aria-busy": "true" }, t("ws.loading"));
    const number = h("input", { id: "ws-decision-number", name: "decision_number", autocomplete: "off" });
    const date = h("input", { id: "ws-decision-date", name: "decision_date", type: "date" });
    const comment = h("textarea", { id: "ws-review-comment", name: "comment", rows: 3 });
    const err = h("p", { class: "ws-error", role: "alert", id: "ws-review-error", hidden: true });
    const btn = (action, cls) => h("button", { type: "button", class: cls, id: `ws-${action}`, onclick: () => decide(action) }, t(`review.${action}`));
    detail.replaceChildren(
      h("h3", {}, p.name),
      h("p", { class: "note" }, `${t(`prop.kind.${p.kind}`)} · ${t("review.by", { district: p.district_code, user: p.created_by })}`),
      p.justification ? h("p", {}, p.justification) : null,
      live,
      h("form", { class: "ws-review-form", novalidate: true, onsubmit: (e) => e.preventDefault() },
        h("label", { for: number.id }, t("review.decisionNumber")), number,
        h("label", { for: date.id }, t("review.decisionDate")), date,
        h("label", { for: comment.id }, t("review.comment")), comment,
        err,
        h("div", { class: "form-buttons" }, btn("approve", "button"), btn("return", "button secondary"), btn("reject", "button secondary"))));
    detail.hidden = false;
    detail.dataset.id = p.id;
    const r = await api.proposalEligibility(p.id);
    live.removeAttribute("aria-busy");
    live.replaceChildren(...(r.ok ? renderEligibility(r.data, { t, i18n }) : [h("p", { class: "ws-error" }, errorText(r))]));

    async function decide(action) {
      err.hidden = true;
      if (action === "approve" && (!number.value.trim() || !date.value)) {
        err.textContent = t("review.needDecision");
        err.hidden = false;
        (number.value.trim() ? date : number).focus();
        return;
      }
      if (action !== "approve" && !comment.value.trim()) {
        err.textContent = t("review.needComment");
        err.hidden = false;
        comment.focus();
        return;
      }
      const body = { comment: comment.value.trim() };
      if (action === "approve") Object.assign(body, { decision_number: number.value.trim(), decision_date: date.value });
      const res = await api.decideProposal(p.id, action, body);
      if (res.status === 401) return onExpired();
      if (!res.ok) {
        err.textContent = errorText(res);
        err.hidden = false;
        return;
      }
      status.textContent = t("review.done");
      detail.hidden = true;
      clearShown();
      refresh();
      onDecided && onDecided(res.data);
    }
  }

  refresh();
  return { refresh, destroy: clearShown };
}
