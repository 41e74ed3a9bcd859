// The language toggle: it names the other language, in that language.

// createLanguageToggle({button, i18n}) switches between Vietnamese and English.
export function createLanguageToggle({ button, i18n }) {
  function update() {
    button.textContent = i18n.t("lang.switch");
    button.setAttribute("lang", i18n.lang() === "vi" ? "en" : "vi");
    button.setAttribute("aria-label", i18n.t("lang.switchLabel"));
  }
  button.addEventListener("click", () => i18n.setLang(i18n.lang() === "vi" ? "en" : "vi"));
  i18n.onLangChange(update);
  update();
}
