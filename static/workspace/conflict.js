// The conflict view: a save answered 412 (someone saved first). The user's
// changes and the current version side by side; keep mine (my version of the
// fields wins), reapply my changes on top of the current version (only the
// fields I changed), or cancel (drop mine).

import { h } from "../util.js";
import { sameValue, valueNode } from "./forms.js";

// showConflict({...}) → Promise of "keep" | "reapply" | "cancel".
export function showConflict({ container, fields, mine, base, theirs, version, i18n, t }) {
  return new Promise((resolve) => {
    // What a person changed: derived fields (the version, a district's name) move with any save.
    const derived = new Set(fields.filter((f) => f.derived).map((f) => f.name));
    const names = [...new Set([...Object.keys(mine), ...Object.keys(theirs).filter((k) => !derived.has(k) && !sameValue(theirs[k], base[k]))])];
    const fieldOf = (n) => fields.find((f) => f.name === n);
    const row = (n) => h("tr", { dataset: { field: n } },
      h("th", { scope: "row" }, i18n.title((fieldOf(n) || {}).title, n)),
      h("td", { class: n in mine ? "ws-changed" : "" }, valueNode(fieldOf(n), n in mine ? mine[n] : base[n], i18n, t, { fields })),
      h("td", {}, valueNode(fieldOf(n), theirs[n], i18n, t, { fields })));
    const done = (choice) => {
      view.remove();
      resolve(choice);
    };
    const keep = h("button", { type: "button", class: "button secondary", id: "ws-conflict-keep", onclick: () => done("keep") }, t("conflict.keepMine"));
    const view = h("section", { class: "ws-conflict", id: "ws-conflict", role: "alertdialog", "aria-labelledby": "ws-conflict-title" },
      h("h3", { id: "ws-conflict-title" }, t("conflict.title")),
      h("p", {}, t("conflict.intro")),
      h("div", { class: "table-box" }, h("table", { class: "ws-conflict-table" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("conflict.field")), h("th", { scope: "col" }, t("conflict.mine")), h("th", { scope: "col" }, t("conflict.theirs", { v: version })))),
        h("tbody", {}, names.map(row)))),
      h("div", { class: "form-buttons" },
        h("button", { type: "button", class: "button", id: "ws-conflict-reapply", onclick: () => done("reapply") }, t("conflict.reapply")),
        keep,
        h("button", { type: "button", class: "button secondary", id: "ws-conflict-cancel", onclick: () => done("cancel") }, t("conflict.cancel"))));
    container.prepend(view);
    view.querySelector("#ws-conflict-reapply").focus();
  });
}
