// A modal confirmation for a step that changes the record (approve, withdraw
// an approval, restore a version): it says what will happen, can ask for a
// reason that history keeps, and resolves {ok, reason}. A native <dialog>:
// focus moves into it, Escape cancels, the page behind is inert.

import { h } from "../util.js";

let seq = 0;

// confirmStep({title, body, confirmText, cancelText, reason, id}) → Promise<{ok, reason}>.
// body: elements; reason: {label, required, requiredText, value} to ask for one.
export function confirmStep({ title, body, confirmText, cancelText, reason, id }) {
  const n = ++seq;
  const titleId = `ws-confirm-title-${n}`;
  const err = h("p", { class: "ws-error", role: "alert", hidden: true });
  const box = reason ? h("textarea", { id: `ws-confirm-reason-${n}`, name: "reason", rows: 3 }) : null;
  if (box && reason.value) box.value = reason.value;
  const ok = h("button", { type: "submit", class: "button", id: `${id}-ok` }, confirmText);
  const cancel = h("button", { type: "button", class: "button secondary", id: `${id}-cancel` }, cancelText);
  const form = h("form", { method: "dialog" },
    h("h2", { id: titleId }, title),
    ...body,
    box ? h("label", { for: box.id }, reason.label, reason.required ? " *" : "") : null, box,
    err,
    h("div", { class: "form-buttons" }, ok, cancel));
  const dialog = h("dialog", { class: "ws-dialog", id, "aria-labelledby": titleId }, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    const done = (result) => {
      dialog.close();
      dialog.remove();
      resolve(result);
    };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = box ? box.value.trim() : "";
      if (box && reason.required && !text) {
        err.textContent = reason.requiredText;
        err.hidden = false;
        box.focus();
        return;
      }
      done({ ok: true, reason: text });
    });
    cancel.addEventListener("click", () => done({ ok: false, reason: "" }));
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      done({ ok: false, reason: "" });
    });
    dialog.showModal();
    (box && reason.required ? box : ok).focus();
  });
}
