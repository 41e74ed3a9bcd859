// The sidebar (a bottom sheet on phones) and its tabs: filters and list,
// region overview, raw-material linkage, site finder.

import { listeners } from "./util.js";

// Tabs whose tables need a wider sidebar than the filters.
const WIDE_TABS = new Set(["overview", "sites"]);

// createSidebar({sidebar, tabs, closeButton, body}) → {open, close, onOpen}: tabs is name →
// {button, section}; body the <body>, whose classes lay the page out; onOpen(fn) has fn(tab) run
// when a tab opens. The sidebar needs no map: it opens before the map is made, which then starts
// at its size, and the map follows later changes of its box itself (mapview.js).
export function createSidebar({ sidebar, tabs, closeButton, body }) {
  const opened = listeners();
  function open(tab) {
    for (const [name, { button, section }] of Object.entries(tabs)) {
      button.setAttribute("aria-pressed", String(name === tab));
      section.hidden = name !== tab;
    }
    sidebar.hidden = false;
    body.classList.add("sidebar-open");
    body.classList.toggle("sidebar-wide", WIDE_TABS.has(tab));
    body.classList.toggle("overview-active", tab === "overview");
    body.dataset.tab = tab;
    // A tab opens at its top: the sidebar's scroll belonged to the tab shown before.
    sidebar.scrollTop = 0;
    opened.call(tab);
  }

  function close() {
    if (sidebar.hidden) return;
    sidebar.hidden = true;
    body.classList.remove("sidebar-open", "sidebar-wide", "overview-active");
    delete body.dataset.tab;
    for (const { button } of Object.values(tabs)) button.setAttribute("aria-pressed", "false");
  }

  for (const [name, { button, section }] of Object.entries(tabs)) {
    button.addEventListener("click", () => {
      if (!sidebar.hidden && !section.hidden) close();
      else open(name);
    });
  }
  closeButton.addEventListener("click", () => close());

  return { open, close, onOpen: opened.add };
}
