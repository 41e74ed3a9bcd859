// The selected feature in the workspace: its attribute form (generated from
// the catalog) saved as a JSON merge patch with If-Match, the conflict view on
// 412, the server's reasons at their fields on 422; and its history timeline
// (who, when, comment, field changes), a version's geometry dashed beside
// today's, and revert for the department. Unsaved edits stay in sessionStorage.

import { h } from "../util.js";
import { confirmStep } from "./confirm.js";
import { workspaceAPI as api, errorText } from "../api.js";
import { createEventForm } from "./events.js";
import { createAttributeForm, sameValue, valueNode } from "./forms.js";
import { editableFields } from "../catalog.js";
import { showConflict } from "./conflict.js";
import { overlay } from "./draw.js";

const draftKey = (layer, id) => `clustermap.ws.edit.${layer}.${id}`;


export function createFeature({ map, i18n, t, user, state, catalog, container, onExpired, onSaved }) {
  const forbiddenInWords = (reason) => {
    const known = FORBIDDEN.find(([re]) => re.test(reason));
    return known ? t(known[1]) : reason;
  };
  const status = h("p", { class: "ws-status", role: "status", "aria-live": "polite", id: "ws-feature-status" });
  const body = h("div", { class: "ws-feature", id: "ws-feature" }, h("p", { class: "note" }, t("feature.none")));
  container.append(status, body);
  let current = null; // {layer, id}
  let versionShape = null;

  function clearShape() {
    if (versionShape) versionShape.remove();
    versionShape = null;
  }

  async function show(layerId, id) {
    clearShape();
    status.textContent = "";
    current = { layer: layerId, id: String(id) };
    const layer = catalog.layer(layerId);
    if (!layer) return;
    body.replaceChildren(h("p", { class: "note" }, t("ws.loading")));
    const [item, state] = await Promise.all([
      api.item(layerId, id),
      api.storedFeature(layerId, id),
    ]);
    if (!current || current.layer !== layerId || current.id !== String(id)) return;
    if (!item.ok) {
      body.replaceChildren(h("p", { class: "ws-error" }, errorText(item)));
      return;
    }
    // The fields the user's role may change that the server stores for the feature.
    const stored = state.ok ? new Set(Object.keys(state.data.properties || {})) : null;
    const fields = editableFields(layer, user.role).filter((f) => !stored || stored.has(f.name));
    const values = item.data.properties || {};
    let etag = item.etag;
    const form = createAttributeForm({ fields, values, i18n, t });
    const saved = readDraft(layerId, id);
    if (saved) {
      form.set({ ...values, ...saved.values });
      status.textContent = t("prop.restored");
    }
    const commentInput = h("input", { id: "ws-change-comment", name: "comment", autocomplete: "off" });
    const save = h("button", { type: "submit", class: "button", id: "ws-save-feature" }, t("feature.save"));
    const cancel = h("button", { type: "button", class: "button secondary", id: "ws-cancel-feature" }, t("feature.cancel"));
    const formEl = h("form", { class: "ws-attr-form", id: "ws-attr-form", novalidate: true, dataset: { layer: layerId, id } },
      form.element,
      h("div", { class: "ws-field" }, h("label", { for: commentInput.id }, t("feature.comment")), commentInput),
      h("div", { class: "form-buttons" }, save, cancel));
    const historyBox = h("section", { class: "ws-history", id: "ws-history", "aria-labelledby": "ws-history-title" },
      h("h3", { id: "ws-history-title" }, t("feature.history")), h("p", { class: "note" }, t("history.loading")));
    const details = h("details", { class: "ws-attr-details", open: true }, h("summary", {}, t("feature.edit")), formEl);
    // Nothing the user may change (a district user on a layer without district-editable
    // fields): the history only.
    // A cluster's steps are recorded here too: the stage follows them.
    const events = layerId === "clusters"
      ? createEventForm({ clusterId: id, user, i18n, t, onRecorded: () => onSaved && onSaved(layerId, id) })
      : null;
    body.replaceChildren(...[h("h3", { class: "ws-feature-title" }, values.name || `${layerId} ${id}`), fields.length ? details : null, events, historyBox].filter(Boolean));

    form.onInput(() => writeDraft(layerId, id, { values: form.values(), comment: commentInput.value }));
    cancel.addEventListener("click", () => {
      dropDraft(layerId, id);
      show(layerId, id);
    });

    // The change comment travels in the body (a top-level "comment" the server takes out).
    async function patch(props, ifMatch) {
      const body = { properties: props };
      if (commentInput.value.trim()) body.comment = commentInput.value.trim();
      return api.patchItem(layerId, id, body, ifMatch);
    }

    async function afterSave(r) {
      etag = r.etag;
      dropDraft(layerId, id);
      const v = (etag || "").replace(/\D/g, "");
      status.textContent = t("feature.saved", { v });
      const props = r.data.properties || {};
      form.set(props);
      form.rebase(props);
      commentInput.value = "";
      loadHistory(layerId, id, historyBox);
      onSaved && onSaved(layerId, id);
    }

    formEl.addEventListener("submit", async (e) => {
      e.preventDefault();
      form.clearErrors();
      const diff = form.diff();
      if (!Object.keys(diff).length) return;
      writeDraft(layerId, id, { values: form.values(), comment: commentInput.value });
      save.disabled = true;
      let r = await patch(diff, etag);
      save.disabled = false;
      if (r.status === 412) {
        // Someone saved first: read theirs, show both, let the user choose.
        const now = await api.item(layerId, id);
        if (!now.ok) return form.showErrors([], errorText(now));
        const theirs = now.data.properties || {};
        const full = form.values();
        const choice = await showConflict({ container: body, fields: layer.fields, mine: diff, base: values, theirs, version: (now.etag || "").replace(/\D/g, ""), i18n, t });
        if (choice === "cancel") {
          dropDraft(layerId, id);
          return show(layerId, id);
        }
        // Keep mine: my whole version of the form wins. Reapply: only the fields I changed.
        const props = choice === "keep" ? Object.fromEntries(Object.entries(full).filter(([k, v]) => !sameValue(v, theirs[k])).map(([k, v]) => [k, v ?? null])) : diff;
        r = await patch(props, now.etag);
      }
      if (r.ok) return afterSave(r);
      if (r.status === 401) {
        form.showErrors([], t("ws.expired"));
        return onExpired();
      }
      if (r.status === 422) return form.showErrors((r.data && r.data.reasons) || [], t("feature.invalid"));
      if (r.status === 403) return form.showErrors([], t("feature.forbidden", { why: forbiddenInWords(errorText(r)) }));
      form.showErrors([], t("feature.error", { what: errorText(r) }));
    });

    loadHistory(layerId, id, historyBox);
  }

  async function loadHistory(layerId, id, box) {
    const r = await api.history(layerId, id);
    const heading = box.querySelector("h3");
    if (!r.ok) {
      box.replaceChildren(heading, h("p", { class: "ws-error" }, errorText(r)));
      return;
    }
    const fields = (catalog.layer(layerId) || {}).fields || [];
    const fieldOf = (n) => fields.find((f) => f.name === n);
    const names = { fields, districtName: (code) => state.districtNames.get(String(code)) };
    const versions = [...r.data.versions].reverse(); // newest first
    const note = h("p", { class: "note", id: "ws-history-shown", "aria-live": "polite" });
    box.replaceChildren(heading, note, h("ol", { class: "ws-timeline", id: "ws-timeline" }, versions.map((v) => h("li", { dataset: { version: v.version, op: v.op } },
      h("p", {}, h("strong", {}, t("history.version", { v: v.version })), ` · ${t(`history.op.${v.op}`)} · `,
        h("span", { class: "ws-actor" }, v.actor ? v.actor + (v.role ? ` (${v.role})` : "") : v.role || ""), " · ",
        h("time", { datetime: v.at }, new Date(v.at).toLocaleString(i18n.locale()))),
      v.comment ? h("p", { class: "ws-comment" }, `“${v.comment}”`) : null,
      v.proposal_id ? h("p", { class: "note" }, t("history.proposal", { id: v.proposal_id })) : null,
      v.changes && v.changes.length ? h("ul", { class: "ws-changes" }, v.changes.map((c) => h("li", { dataset: { field: c.field } },
        h("span", {}, i18n.title((fieldOf(c.field) || {}).title, c.field)), ": ",
        h("del", {}, valueNode(fieldOf(c.field), c.from, i18n, t, names)), " → ", h("ins", {}, valueNode(fieldOf(c.field), c.to, i18n, t, names))))) : null,
      v.geometry_changed ? h("p", { class: "note" }, t("history.geometry")) : null,
      v.op !== "delete" ? h("div", { class: "form-buttons" },
        h("button", { type: "button", class: "button secondary", dataset: { show: v.version }, onclick: () => showVersion(layerId, id, v, note) }, t("history.show")),
        (user.role === "department" || user.role === "admin") && v.version !== r.data.versions[r.data.versions.length - 1].version
          ? h("button", { type: "button", class: "button secondary", dataset: { revert: v.version }, onclick: () => revert(layerId, id, v.version) }, t("history.revert")) : null) : null))));
  }

  async function showVersion(layerId, id, v, note) {
    clearShape();
    const r = await api.storedFeature(layerId, id, v.at);
    if (!r.ok || !r.data.geometry) return;
    versionShape = overlay(map, r.data.geometry, { color: "#6d28d9", weight: 3, dashArray: "8 6", fill: false }, "ws-version-shape");
    versionShape.getLayers().forEach((l) => l.getElement && l.getElement() && (l.getElement().dataset.version = v.version));
    note.textContent = t("history.shown", { v: v.version });
    document.body.dataset.versionShown = v.version;
    try {
      map.fitBounds(versionShape.getBounds(), { padding: [60, 60], maxZoom: 15 });
    } catch (_) {
      // A point: nothing to fit.
    }
  }

  async function revert(layerId, id, version) {
    const sure = await confirmStep({
      id: "ws-revert-confirm",
      title: t("history.revert"),
      body: [h("p", {}, t("history.revertConfirm", { v: version }))],
      confirmText: t("history.revert"),
      cancelText: t("review.cancel"),
    });
    if (!sure.ok) return;
    const r = await api.revert(layerId, id, version);
    if (r.status === 401) return onExpired();
    if (!r.ok) {
      status.textContent = errorText(r);
      return;
    }
    await show(layerId, id);
    status.textContent = t("history.reverted", { v: version });
    onSaved && onSaved(layerId, id, { geometry: true, reverted: true });
  }

  return {
    show,
    current: () => current,
    destroy: clearShape,
  };
}

function readDraft(layer, id) {
  try {
    return JSON.parse(sessionStorage.getItem(draftKey(layer, id)) || "null");
  } catch (_) {
    return null;
  }
}
function writeDraft(layer, id, d) {
  try {
    sessionStorage.setItem(draftKey(layer, id), JSON.stringify(d));
  } catch (_) {
    // Kept in the page only.
  }
}
function dropDraft(layer, id) {
  try {
    sessionStorage.removeItem(draftKey(layer, id));
  } catch (_) {
    // Nothing to drop.
  }
}

// The refusals a territory's office meets, in the interface language (the server words them in
// English for scripts); any other keeps the server's text.
const FORBIDDEN = [
  [/decisions of the provincial People's Committee/i, "feature.err.founding"],
  [/belongs to another (district|commune)/i, "feature.err.otherUnit"],
  [/may change only the stage, occupancy, infrastructure and contact/i, "feature.err.fields"],
];
