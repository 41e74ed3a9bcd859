// Drawing and reshaping a boundary with leaflet-geoman (vendor/leaflet-geoman,
// loaded with the workspace): polygons (drawing another adds a part), holes
// (cut), vertex editing, removal, undo; snapping to the user's district and to
// the cluster footprints. Geoman runs opt-in, so only the workspace's own
// layers are editable; the public map's layers are never touched.

const STYLE = { color: "#c2410c", weight: 3, fillColor: "#fb923c", fillOpacity: 0.25 };

function loadScript(src) {
  return new Promise((resolve, reject) => {
    if (window.L && L.PM) return resolve();
    const s = document.createElement("script");
    s.src = new URL(src, document.baseURI).href;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

// The stylesheet must have applied before the toolbar is shown: unstyled, its
// buttons are elsewhere on the screen than where they end up, and a click
// between the two lands on the map.
function loadStyle(href) {
  const existing = document.querySelector("link[data-geoman]");
  if (existing && existing.sheet) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const l = existing || document.createElement("link");
    l.addEventListener("load", () => resolve(), { once: true });
    l.addEventListener("error", () => reject(new Error(`cannot load ${href}`)), { once: true });
    if (!existing) {
      l.rel = "stylesheet";
      l.href = new URL(href, document.baseURI).href;
      l.dataset.geoman = "1";
      document.head.append(l);
    }
  });
}

let loading = null;
export function loadGeoman() {
  loading ||= Promise.all([
    loadStyle("vendor/leaflet-geoman/leaflet-geoman.css"),
    loadScript("vendor/leaflet-geoman/leaflet-geoman.min.js").then(() => L.PM.setOptIn(true)),
  ]).catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

// initMap gives a map made before geoman was loaded geoman's handler. Geoman
// attaches map.pm in an L.Map init hook, which has already run for our map;
// with opt-in, L.PM.reInitLayer initialises a map whose pmIgnore is false,
// as the hook would have (geoman's documented way for existing layers).
function initMap(map) {
  if (map.pm) return;
  map.options.pmIgnore = false;
  L.PM.reInitLayer(map);
  map.pm.setGlobalOptions({});
}

// The drawing tools' words in Vietnamese (leaflet-geoman's keys).
const GEOMAN_VI = {
  tooltips: {
    placeMarker: "Bấm để đặt điểm",
    placeMarkerTouch: "Chạm vào bản đồ để đặt điểm",
    firstVertex: "Bấm (chạm) để đặt đỉnh đầu tiên",
    continueLine: "Bấm (chạm) để vẽ tiếp",
    finishLine: "Bấm vào một đỉnh đã có để kết thúc",
    finishPoly: "Bấm vào đỉnh đầu tiên để khép hình",
    finishRect: "Bấm để kết thúc",
    startCircle: "Bấm để đặt tâm",
    finishCircle: "Bấm để kết thúc",
    placeCircleMarker: "Bấm để đặt điểm",
    placeText: "Bấm để đặt chữ",
    selectFirstLayerFor: "Chọn hình thứ nhất để {action}",
    selectSecondLayerFor: "Chọn hình thứ hai để {action}",
  },
  actions: { finish: "Xong", cancel: "Hủy", removeLastVertex: "Bỏ đỉnh vừa đặt" },
  buttonTitles: {
    drawMarkerButton: "Vẽ điểm",
    drawPolyButton: "Vẽ đa giác",
    drawLineButton: "Vẽ đường",
    drawCircleButton: "Vẽ hình tròn",
    drawRectButton: "Vẽ hình chữ nhật",
    editButton: "Sửa đỉnh",
    dragButton: "Di chuyển hình",
    cutButton: "Cắt bớt (khoét lỗ)",
    deleteButton: "Xóa phần đã vẽ",
    drawCircleMarkerButton: "Vẽ điểm tròn",
    snappingButton: "Bắt dính vào đỉnh và ranh giới khác",
    pinningButton: "Ghim các đỉnh chung",
    rotateButton: "Xoay hình",
    drawTextButton: "Viết chữ",
    scaleButton: "Phóng to, thu nhỏ hình",
    autoTracingButton: "Tự dò theo đường",
    snapGuidesButton: "Hiện đường gióng",
    unionButton: "Gộp hình",
    differenceButton: "Trừ hình",
  },
  measurements: {
    totalLength: "Chiều dài", segmentLength: "Độ dài cạnh", area: "Diện tích", radius: "Bán kính",
    perimeter: "Chu vi", height: "Chiều cao", width: "Chiều rộng", coordinates: "Vị trí", coordinatesMarker: "Vị trí điểm",
  },
};

// createDraw({map, lang}) → a drawing session controller.
export function createDraw({ map, lang }) {
  initMap(map);
  const group = L.featureGroup().addTo(map);
  let snap = null;
  let listeners = [];
  let undoStack = [];
  let active = false;
  let quiet = false;

  const own = (layer) => {
    layer.options.pmIgnore = false;
    layer.setStyle && layer.setStyle(STYLE);
    L.PM.reInitLayer(layer);
  };

  function polygonsOf(geometry) {
    if (!geometry) return [];
    if (geometry.type === "Polygon") return [geometry.coordinates];
    if (geometry.type === "MultiPolygon") return geometry.coordinates;
    return [];
  }

  // The drawing as one MultiPolygon (null when empty).
  function geometry() {
    const parts = [];
    group.eachLayer((l) => {
      if (!(l instanceof L.Polygon)) return;
      parts.push(...polygonsOf(l.toGeoJSON(15).geometry));
    });
    return parts.length ? { type: "MultiPolygon", coordinates: parts } : null;
  }

  function changed(record = true) {
    if (quiet) return;
    const g = geometry();
    if (record) {
      const snapJSON = JSON.stringify(g);
      if (undoStack[undoStack.length - 1] !== snapJSON) undoStack.push(snapJSON);
    }
    for (const fn of listeners) fn(g);
  }

  function setGeometry(g, { record = true } = {}) {
    quiet = true;
    group.clearLayers();
    for (const rings of polygonsOf(g)) {
      const layer = L.polygon(rings.map((r) => r.map(([x, y]) => [y, x])), { ...STYLE, pmIgnore: false });
      group.addLayer(layer);
      L.PM.reInitLayer(layer);
    }
    quiet = false;
    changed(record);
  }

  const onCreate = (e) => {
    own(e.layer);
    if (!group.hasLayer(e.layer)) group.addLayer(e.layer);
    changed();
  };
  const onCut = (e) => {
    if (e.originalLayer) group.removeLayer(e.originalLayer);
    own(e.layer);
    if (!group.hasLayer(e.layer)) group.addLayer(e.layer);
    changed();
  };
  const onRemove = (e) => {
    if (group.hasLayer(e.layer)) group.removeLayer(e.layer);
    changed();
  };
  group.on("pm:edit pm:dragend", () => changed());

  function start({ snapTo = null } = {}) {
    if (active) return;
    active = true;
    map.pm.setGlobalOptions({ layerGroup: group, snappable: true, snapDistance: 15, allowSelfIntersection: false, pathOptions: STYLE, templineStyle: { color: STYLE.color }, hintlineStyle: { color: STYLE.color, dashArray: "4 4" } });
    // leaflet-geoman ships no Vietnamese: its tooltips, actions and button titles come from here
    // (setLang's override), with English as the fallback for any key it adds later.
    if (lang() === "vi") map.pm.setLang("vi", GEOMAN_VI, "en");
    else map.pm.setLang("en");
    map.pm.addControls({
      // On a phone the tools sit at the bottom, under the thumb (above the drawing bar).
      position: window.matchMedia("(max-width: 720px)").matches ? "bottomleft" : "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawCircle: false, drawText: false,
      drawRectangle: true, drawPolygon: true, editMode: true, dragMode: false, cutPolygon: true, removalMode: true, rotateMode: false,
    });
    // The toolbar's buttons are links whose name is their container's title: give each link the
    // name itself, so screen readers (and axe) read "Vẽ đa giác", not "link".
    for (const a of map.getContainer().querySelectorAll(".leaflet-pm-toolbar .leaflet-buttons-control-button")) {
      const title = a.closest("[title]") && a.closest("[title]").title;
      if (title) a.setAttribute("aria-label", title);
      a.setAttribute("role", "button");
    }
    // Two quick taps at corners close together are a double tap: the map would zoom in under the
    // finger between two corners. While drawing, a double click or tap places corners only.
    map.doubleClickZoom.disable();
    map.on("pm:create", onCreate);
    map.on("pm:cut", onCut);
    map.on("pm:remove", onRemove);
    if (snapTo) {
      // Snap targets only: not editable, not clickable, drawn faintly.
      snap = L.geoJSON(snapTo, { style: { color: "#1e3a8a", weight: 1.5, dashArray: "2 4", fill: false }, interactive: false, pmIgnore: true, snapIgnore: false }).addTo(map);
    }
    undoStack = [JSON.stringify(geometry())];
  }

  function stop() {
    if (!active) return;
    active = false;
    map.pm.disableDraw();
    if (map.pm.globalEditModeEnabled()) map.pm.disableGlobalEditMode();
    if (map.pm.globalRemovalModeEnabled()) map.pm.disableGlobalRemovalMode();
    if (map.pm.globalCutModeEnabled && map.pm.globalCutModeEnabled()) map.pm.disableGlobalCutMode();
    map.pm.removeControls();
    map.doubleClickZoom.enable();
    map.off("pm:create", onCreate);
    map.off("pm:cut", onCut);
    map.off("pm:remove", onRemove);
    if (snap) snap.remove();
    snap = null;
    quiet = true;
    group.clearLayers();
    quiet = false;
    undoStack = [];
  }

  function undo() {
    if (undoStack.length < 2) return;
    undoStack.pop();
    const editing = map.pm.globalEditModeEnabled();
    if (editing) map.pm.disableGlobalEditMode();
    setGeometry(JSON.parse(undoStack[undoStack.length - 1]), { record: false });
    if (editing) map.pm.enableGlobalEditMode();
  }

  return {
    start,
    stop,
    undo,
    clear: () => setGeometry(null),
    setGeometry,
    geometry,
    canUndo: () => undoStack.length > 1,
    onChange: (fn) => listeners.push(fn),
    fit: () => group.getLayers().length && map.fitBounds(group.getBounds(), { padding: [40, 40], maxZoom: 15 }),
    destroy: () => {
      stop();
      listeners = [];
      group.remove();
    },
  };
}

// overlay(map, geometry, style) → a read-only layer of a geometry (a proposal
// under review, a past version), removed with .remove().
export function overlay(map, geometry, style, className) {
  return L.geoJSON(geometry, { style: { ...style, className }, interactive: false, pmIgnore: true }).addTo(map);
}
