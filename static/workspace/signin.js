// Sign in and out from the header. Loaded by app.js only when someone clicks
// "Sign in" or was signed in before (a flag in localStorage; the session
// cookie itself is HttpOnly), so anonymous visitors download none of this.
// Once signed in, the workspace (drawing, forms, proposals, review, history)
// is imported.

import { h } from "../util.js";
import { workspaceAPI as api } from "../api.js";
import { wsT } from "./strings.js";

const FLAG = "clustermap.signedIn";

function setFlag(on) {
  try {
    if (on) localStorage.setItem(FLAG, "1");
    else localStorage.removeItem(FLAG);
  } catch (_) {
    // No storage: the session still works until the page is reloaded.
  }
}

export function startSignin({ button, i18n, app }) {
  const t = wsT(i18n);
  let user = null;
  let workspace = null;
  // The workspace's stylesheet; the workspace is shown once it has applied, so that
  // nothing moves under the user's (or a test's) pointer afterwards.
  const cssLink = h("link", { rel: "stylesheet", href: new URL("workspace/workspace.css", document.baseURI).href, "data-ws-css": "1" });
  const cssReady = new Promise((resolve) => {
    cssLink.addEventListener("load", resolve, { once: true });
    cssLink.addEventListener("error", resolve, { once: true }); // unstyled beats unusable
  });
  document.head.append(cssLink);

  // --- the dialog ---
  const error = h("p", { class: "ws-error", role: "alert", id: "ws-signin-error", hidden: true });
  const userInput = h("input", { id: "ws-username", name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const passInput = h("input", { id: "ws-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const userLabel = h("label", { for: "ws-username" });
  const passLabel = h("label", { for: "ws-password" });
  const title = h("h2", { id: "ws-signin-title" });
  const submit = h("button", { type: "submit", class: "button", id: "ws-signin-submit" });
  const cancel = h("button", { type: "button", class: "button secondary", value: "cancel" });
  const form = h("form", { class: "ws-signin-form", method: "dialog" }, title, userLabel, userInput, passLabel, passInput, error,
    h("div", { class: "form-buttons" }, submit, cancel));
  const dialog = h("dialog", { class: "ws-signin", id: "ws-signin", "aria-labelledby": "ws-signin-title" }, form);
  document.body.append(dialog);
  cancel.addEventListener("click", () => dialog.close());

  // --- the header: who is signed in, the workspace toggle, sign out ---
  const who = h("span", { class: "ws-who", id: "ws-who", hidden: true });
  const wsButton = h("button", { type: "button", id: "ws-toggle", "aria-pressed": "false", hidden: true });
  const signout = h("button", { type: "button", id: "ws-signout", hidden: true });
  button.after(who, wsButton, signout);

  function relabel() {
    title.textContent = t("signin.title");
    userLabel.textContent = t("signin.username");
    passLabel.textContent = t("signin.password");
    submit.textContent = t("signin.submit");
    cancel.textContent = t("signin.cancel");
    button.textContent = t("signin.button");
    signout.textContent = t("signout");
    wsButton.textContent = t("ws.open");
    if (user) {
      // A district, commune or province by its name ("Huyện Đak Đoa"), never its code alone.
      const place = user.district ? app.state.districtNames.get(String(user.district)) : user.unit_name || "";
      const role = t(`role.${user.role}`) + (place ? ` – ${place}` : "");
      who.textContent = t("user.label", { user: user.username, role });
    }
  }
  relabel();
  i18n.onLangChange(relabel);

  async function becomeSignedIn(u) {
    user = u;
    setFlag(true);
    document.body.dataset.user = u.username;
    document.body.dataset.role = u.role;
    button.hidden = true;
    who.hidden = false;
    signout.hidden = false;
    wsButton.hidden = false;
    relabel();
    if (!workspace) {
      const [m] = await Promise.all([import("./workspace.js"), cssReady]);
      workspace = await m.createWorkspace({ ...app, i18n, t, user, toggle: wsButton, onExpired: expired });
    } else {
      workspace.setUser(u);
    }
    document.body.dataset.workspace = "ready";
    return workspace;
  }

  function becomeSignedOut() {
    user = null;
    setFlag(false);
    delete document.body.dataset.user;
    delete document.body.dataset.role;
    delete document.body.dataset.workspace;
    button.hidden = false;
    who.hidden = true;
    signout.hidden = true;
    wsButton.hidden = true;
    if (workspace) {
      workspace.destroy();
      workspace = null;
    }
  }

  // A write answered 401: the session is gone. The workspace keeps its drafts
  // (sessionStorage); signing in again continues where the user was.
  function expired() {
    user = null;
    setFlag(false);
    button.hidden = false;
    who.hidden = true;
    signout.hidden = true;
    open();
  }

  function open() {
    error.hidden = true;
    if (!dialog.open) dialog.showModal();
    // After an expired session the name is still there: the password is what is missing.
    (userInput.value ? passInput : userInput).focus();
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const r = await api.signIn(userInput.value.trim(), passInput.value);
    submit.disabled = false;
    if (r.ok) {
      passInput.value = "";
      dialog.close();
      await becomeSignedIn(r.data);
      return;
    }
    // One message for an unknown user and a wrong password: the server does not tell them apart either.
    error.textContent = r.status === 401 ? t("signin.failed") : r.status === 429 ? t("signin.limited") : t("signin.error", { what: r.status });
    error.hidden = false;
    passInput.value = "";
    passInput.focus();
  });

  signout.addEventListener("click", async () => {
    await api.signOut();
    becomeSignedOut();
    button.focus();
  });

  // Resume a session after a reload, when the flag says there was one.
  async function resume() {
    const r = await api.session();
    if (r.ok) return becomeSignedIn(r.data);
    setFlag(false);
    return null;
  }

  return {
    click: () => (user ? null : open()),
    resume,
    open,
  };
}
