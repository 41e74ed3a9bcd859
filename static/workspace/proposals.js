// Proposals of a district: a new CCN or the expansion of the selected cluster;
// draw, fill the form, watch the Decree 32/2024 conditions update (debounced
// POST /api/eligibility), save a draft, submit; "my proposals" with status.
// Unsaved work stays in sessionStorage until saved or discarded, so neither a
// failed save nor an expired session loses it.

import { h } from "../util.js";
import { workspaceAPI as api, errorText, createKey } from "../api.js";
import { renderEligibility } from "./eligibility.js";
import { confirmStep } from "./confirm.js";
import { dateInWords } from "../dates.js";
import { isLocal } from "../catalog.js";

const DRAFT = "clustermap.ws.proposal";
// The proposal's own fields (POST /api/proposals); proposals are not a catalog layer.
const TEXT_FIELDS = [["name", "input"], ["target_industries", "input"], ["investor", "input"], ["justification", "textarea"], ["notes", "textarea"], ["land_recovery", "textarea"]];

function loadDraft() {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFT) || "null");
  } catch (_) {
    return null;
  }
}
function storeDraft(d) {
  try {
    if (d) sessionStorage.setItem(DRAFT, JSON.stringify(d));
    else sessionStorage.removeItem(DRAFT);
  } catch (_) {
    // Storage full or off: the draft lives in the page only.
  }
}

function landToText(list) {
  return (list || []).map((x) => [x.parcel, x.owner, x.area_ha].map((v) => v ?? "").join("; ")).join("\n");
}
function textToLand(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
    const [parcel, owner, area] = l.split(";").map((s) => s.trim());
    const out = { parcel };
    if (owner) out.owner = owner;
    if (area && !Number.isNaN(Number(area.replace(",", ".")))) out.area_ha = Number(area.replace(",", "."));
    return out;
  });
}

export function createProposals(ctx) {
  const { map, draw, i18n, t, user, container, onExpired, selectedCluster, clusterName, state, onChanged } = ctx;
  const status = h("p", { class: "ws-status", role: "status", "aria-live": "polite" });
  let editing = null; // {id, kind, cluster_id, status}
  let timer = null;
  let seq = 0;

  const list = h("ul", { class: "ws-list", id: "ws-my-proposals" });
  const newButton = h("button", { type: "button", class: "button", id: "ws-new-proposal" });
  const expandButton = h("button", { type: "button", class: "button secondary", id: "ws-expand-proposal" });
  const actions = h("div", { class: "form-buttons" }, newButton, expandButton);
  const editor = h("div", { class: "ws-editor", hidden: true });
  container.append(actions, status, editor, list);

  function relabel() {
    newButton.textContent = t("prop.new");
    expandButton.textContent = t("prop.expand");
  }
  relabel();
  if (!isLocal(user)) actions.hidden = true;

  async function refreshList() {
    const r = await api.proposals();
    if (!r.ok) {
      if (r.status === 401) onExpired();
      return;
    }
    const mine = (r.data.proposals || []).filter((p) => !isLocal(user) || p.created_by === user.username
      || (user.role === "district" && p.district_code === user.district) || (user.role === "commune" && p.commune_code === user.commune));
    list.replaceChildren(...(mine.length ? mine.map((p) => h("li", { dataset: { id: p.id, status: p.status } },
      h("span", { class: `ws-badge status-${p.status}` }, t(`prop.status.${p.status}`)), " ",
      h("strong", {}, p.name), " ",
      h("span", { class: "note" }, `${t(`prop.kind.${p.kind}`)} · ${i18n.num(p.area_ha, 2)} ha`),
      p.review_comment ? h("p", { class: "note" }, t("prop.reviewComment", { c: p.review_comment })) : null,
      p.status === "approved" && p.decision_number
        ? h("p", { class: "note" }, t("prop.decision", { number: p.decision_number, date: dateInWords(p.decision_date, i18n.lang()) })) : null,
      p.status === "approved" && (user.role === "department" || user.role === "admin")
        ? h("button", { type: "button", class: "button secondary", dataset: { withdraw: p.id }, onclick: () => withdraw(p) }, t("withdraw.button")) : null,
      (p.status === "draft" || p.status === "returned") && isLocal(user)
        ? h("button", { type: "button", class: "button secondary", onclick: () => openEditor(p) }, t("prop.edit")) : null))
      : [h("li", { class: "note" }, t("prop.none"))]));
  }

  // Withdrawing an approval: confirmed, with the reason history keeps; every view that shows
  // the cluster or the proposal is read again (onChanged).
  async function withdraw(p) {
    const result = await confirmStep({
      id: "ws-withdraw-confirm",
      title: t("withdraw.title"),
      body: [h("p", {}, t("withdraw.intro", { name: p.name }))],
      confirmText: t("withdraw.confirm"),
      cancelText: t("review.cancel"),
      reason: { label: t("withdraw.reason"), required: true, requiredText: t("withdraw.needReason") },
    });
    if (!result.ok) return;
    const r = await api.withdrawApproval(p.id, result.reason);
    if (r.status === 401) return onExpired();
    if (!r.ok) {
      status.textContent = r.data && r.data.reasons ? r.data.reasons.join(" ") : errorText(r);
      return;
    }
    status.textContent = t("withdraw.done");
    if (onChanged) onChanged(); // reads every view again, this list included
    else refreshList();
  }

  // --- drawing on a phone ---
  // On a phone the form would cover most of the map and the tools: drawing is full-screen, with
  // one line at the bottom (area, verdict, "Tiếp / Next" back to the form); the form's "draw on
  // the map" returns to it. Taps on the map then place vertices only (workspace.js ignores
  // picks while a drawing tool is on).
  const phone = () => window.matchMedia("(max-width: 720px)").matches;
  const barArea = h("span", { id: "ws-compact-area" });
  const barVerdict = h("span", { id: "ws-compact-verdict" });
  const barNext = h("button", { type: "button", class: "button", id: "ws-compact-next", onclick: () => setCompact(false) });
  const bar = h("div", { class: "ws-compact-bar", id: "ws-compact", role: "region", hidden: true },
    h("span", { class: "ws-compact-text", "aria-live": "polite" }, barArea, " ", barVerdict), barNext);
  document.body.append(bar);
  function setCompact(on) {
    const compact = !!(on && editing && phone());
    document.body.classList.toggle("ws-compact", compact);
    bar.hidden = !compact;
    bar.setAttribute("aria-label", t("draw.title"));
    barNext.textContent = t("draw.next");
    if (!compact && on === false && parts) parts.form.querySelector("#ws-draw-more").focus();
    ctx.layoutChanged && ctx.layoutChanged();
  }
  // The bar follows the live check: the area and the verdict, in words.
  function updateBar(answer) {
    barArea.textContent = answer ? `${i18n.num(answer.area_ha, 2)} ha` : t("draw.empty");
    barVerdict.textContent = answer ? `· ${t(`elig.verdict.${answer.verdict}`)}` : "";
    barVerdict.dataset.verdict = answer ? answer.verdict : "";
  }

  // --- the editor ---
  const inputs = {};
  function buildEditor(p) {
    const idp = "ws-p";
    const rows = TEXT_FIELDS.map(([name, tag]) => {
      const input = h(tag, { id: `${idp}-${name}`, name, rows: tag === "textarea" ? 3 : null, "aria-describedby": `${idp}-${name}-error` });
      if (name === "name") input.required = true;
      inputs[name] = input;
      return h("div", { class: "ws-field", dataset: { field: name } },
        h("label", { for: input.id }, t(`prop.${name}`), name === "name" ? h("span", { class: "ws-required" }, " *") : null),
        input, h("p", { class: "ws-field-error", id: `${idp}-${name}-error`, hidden: true }));
    });
    const geomError = h("p", { class: "ws-field-error", id: "ws-p-geometry-error", hidden: true, role: "alert" });
    const live = h("div", { class: "ws-live", id: "ws-live", "aria-live": "polite" }, h("p", { class: "note" }, t("draw.empty")));
    const undo = h("button", { type: "button", class: "button secondary", id: "ws-undo" }, t("draw.undo"));
    const clear = h("button", { type: "button", class: "button secondary", id: "ws-clear" }, t("draw.clear"));
    const save = h("button", { type: "submit", class: "button secondary", id: "ws-save-draft", value: "save" }, t("prop.saveDraft"));
    const submit = h("button", { type: "submit", class: "button", id: "ws-submit", value: "submit" }, t("prop.submit"));
    const discard = h("button", { type: "button", class: "button secondary", id: "ws-discard" }, t("prop.discard"));
    const form = h("form", { class: "ws-proposal-form", id: "ws-proposal-form", novalidate: true },
      h("h3", {}, p.kind === "expansion" ? t("prop.expansionOf", { name: p.cluster_name || `#${p.cluster_id}` }) : t("prop.kind.new")),
      h("fieldset", { class: "ws-draw" }, h("legend", {}, t("draw.title")), h("p", { class: "note" }, t("draw.help")),
        h("div", { class: "form-buttons" }, h("button", { type: "button", class: "button ws-phone-only", id: "ws-draw-more", onclick: () => setCompact(true) }, t("draw.onMap")), undo, clear), geomError, live),
      rows,
      h("p", { class: "ws-error", role: "alert", id: "ws-p-error", hidden: true }),
      h("div", { class: "form-buttons" }, save, submit, discard));
    undo.addEventListener("click", () => draw.undo());
    clear.addEventListener("click", () => draw.clear());
    discard.addEventListener("click", () => {
      storeDraft(null);
      closeEditor();
    });
    let action = "save";
    save.addEventListener("click", () => (action = "save"));
    submit.addEventListener("click", () => (action = "submit"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      persist(action);
    });
    form.addEventListener("input", () => {
      remember();
      if (document.activeElement === inputs.target_industries) scheduleCheck();
    });
    return { form, live, geomError };
  }
  let parts = null;

  function body() {
    return {
      kind: editing.kind,
      cluster_id: editing.kind === "expansion" ? editing.cluster_id : null,
      name: inputs.name.value.trim(),
      target_industries: inputs.target_industries.value.split(",").map((s) => s.trim()).filter(Boolean),
      investor: inputs.investor.value.trim() || null,
      justification: inputs.justification.value.trim() || null,
      notes: inputs.notes.value.trim() || null,
      land_recovery: textToLand(inputs.land_recovery.value),
      geometry: draw.geometry(),
    };
  }

  function remember() {
    if (!editing) return;
    storeDraft({ ...editing, fields: Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value])), geometry: draw.geometry() });
  }

  function scheduleCheck() {
    clearTimeout(timer);
    // "pending" until the debounced check has answered ("done"), so that nobody
    // (nor a test) reads the verdict of the shape before the last change.
    if (parts && draw.geometry()) parts.live.dataset.state = "pending";
    timer = setTimeout(check, 350);
  }

  async function check() {
    const g = draw.geometry();
    if (!parts) return;
    if (!g) {
      parts.live.replaceChildren(h("p", { class: "note" }, t("draw.empty")));
      delete parts.live.dataset.state;
      updateBar(null);
      return;
    }
    const mine = ++seq;
    parts.live.dataset.state = "checking";
    parts.live.setAttribute("aria-busy", "true");
    const b = body();
    const r = await api.checkEligibility({ kind: b.kind, cluster_id: b.cluster_id, district_code: user.district || "", target_industries: b.target_industries, geometry: g });
    if (mine !== seq || !parts) return;
    parts.live.removeAttribute("aria-busy");
    if (r.ok) {
      parts.live.replaceChildren(...renderEligibility(r.data, { t, i18n, state }));
      parts.live.dataset.state = "done";
      updateBar(r.data);
    } else {
      parts.live.replaceChildren(h("p", { class: "ws-error", role: "alert" }, errorText(r)));
      parts.live.dataset.state = "error";
    }
  }

  // inWords says a server's refusal in the interface language: the server words it in English for
  // scripts; the known ones have a wording here, any other gets a general one (the server's text
  // stays in the element's title, for support).
  function inWords(reason) {
    const known = [
      [/outside your remit/i, () => t("prop.err.remit")],
      [/another district/i, () => t("prop.err.otherDistrict")],
      [/outside the province/i, () => t("prop.err.province")],
      [/^invalid geometry/i, () => t("prop.err.invalid")],
      [/(\d+) characters; at most (\d+)/, (m) => t("prop.err.tooLong", { n: m[1], max: m[2] })],
      [/must not be empty|is required|required/i, () => t("feature.required")],
    ];
    for (const [re, say] of known) {
      const m = re.exec(reason);
      if (m) return say(m);
    }
    if (i18n.lang() === "en" || !/[a-z]{3,}/i.test(reason) || /[À-ỹ]/.test(reason)) return reason;
    return t("prop.err.other");
  }

  function showProblems(reasons) {
    for (const el of parts.form.querySelectorAll(".ws-field-error")) el.hidden = true;
    const general = parts.form.querySelector("#ws-p-error");
    const rest = [];
    for (const reason of reasons) {
      const name = TEXT_FIELDS.map(([n]) => n).find((n) => reason.startsWith(`${n}:`) || reason.startsWith(`${n} `));
      const target = name ? parts.form.querySelector(`#ws-p-${name}-error`) : /geometr|district|boundary|province|outside|remit/i.test(reason) ? parts.geomError : null;
      // The message at its field, without the field's name: the label above it says which.
      const text = inWords(name ? reason.slice(name.length).replace(/^[:\s]+/, "") : reason);
      if (target) {
        target.textContent = text;
        target.title = reason;
        target.hidden = false;
      } else rest.push(text);
    }
    general.textContent = rest.join(" ");
    general.hidden = !rest.length;
  }

  async function persist(action) {
    remember();
    const b = body();
    if (!b.geometry) return showProblems([t("prop.noGeometry")]);
    if (!b.name) return showProblems([`name: ${t("feature.required")}`]);
    // The same content sent again (a second click, a retry after a lost answer) keeps its key,
    // so the server makes one draft of it; changed content is a new create.
    const sent = JSON.stringify(b);
    if (!editing.id && (!editing.key || editing.keyFor !== sent)) Object.assign(editing, { key: createKey(), keyFor: sent });
    let r = await api.saveProposal(editing.id, b, editing.id ? undefined : editing.key);
    if (r.ok && !editing.id) editing.id = r.data.id;
    if (r.ok && action === "submit") r = await api.submitProposal(editing.id);
    if (r.status === 401) {
      showProblems([t("ws.expired")]);
      return onExpired();
    }
    if (!r.ok) {
      remember(); // keeps the id of a created draft
      return showProblems(r.data && r.data.reasons ? r.data.reasons : [errorText(r)]);
    }
    storeDraft(null);
    status.textContent = action === "submit" ? t("prop.submitted") : t("prop.saved");
    if (action === "submit") closeEditor();
    else remember();
    refreshList();
  }

  function openEditor(p, restored) {
    closeEditor();
    editing = { id: p.id || null, kind: p.kind, cluster_id: p.cluster_id || null, cluster_name: p.cluster_name };
    parts = buildEditor(editing);
    editor.replaceChildren(parts.form);
    editor.hidden = false;
    actions.hidden = true;
    if (restored) {
      for (const [k, v] of Object.entries(restored.fields || {})) if (inputs[k]) inputs[k].value = v;
      status.textContent = t("prop.restored");
    } else {
      inputs.name.value = p.name || "";
      inputs.target_industries.value = (p.target_industries || []).join(", ");
      inputs.investor.value = p.investor || "";
      inputs.justification.value = p.justification || "";
      inputs.notes.value = p.notes || "";
      inputs.land_recovery.value = landToText(p.land_recovery);
    }
    ctx.startDrawing();
    const g = restored ? restored.geometry : p.geometry;
    if (g) {
      draw.setGeometry(g);
      draw.fit();
    }
    document.body.dataset.drawing = "1";
    updateBar(null);
    if (phone() && !g) setCompact(true);
    else inputs.name.focus();
    remember();
  }

  function closeEditor() {
    clearTimeout(timer);
    if (editing) ctx.stopDrawing();
    editing = null;
    parts = null;
    setCompact(false);
    editor.hidden = true;
    editor.replaceChildren();
    actions.hidden = !isLocal(user);
    delete document.body.dataset.drawing;
  }

  draw.onChange(() => {
    if (!editing) return;
    remember();
    scheduleCheck();
  });

  newButton.addEventListener("click", () => openEditor({ kind: "new" }));
  expandButton.addEventListener("click", () => {
    const sel = selectedCluster();
    if (!sel) {
      status.textContent = t("prop.expandNeedsCluster");
      return;
    }
    status.textContent = ""; // the "choose a cluster" hint is answered
    openEditor({ kind: "expansion", cluster_id: Number(sel), cluster_name: clusterName(sel) });
    // The name an official would write, to change if the decision names it otherwise.
    if (!inputs.name.value.trim()) inputs.name.value = t("prop.expansionOf", { name: clusterName(sel) });
  });

  const draft = loadDraft();
  if (draft && isLocal(user)) openEditor(draft, draft);
  refreshList();

  return {
    refresh: refreshList, relabel, editing: () => !!editing,
    close() {
      closeEditor();
      bar.remove();
    },
  };
}
