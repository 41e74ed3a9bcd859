// Interface strings in Vietnamese (default) and English, and the little
// machinery to switch between them. Data values (names, investors, notes) are
// shown as the data has them; only codes (stages, kinds, crops…) are translated.

const STORAGE_KEY = "clustermap.lang";

const strings = {
  vi: {
    "app.title": "ClusterMap Gia Lai",
    "app.subtitle": "Quy hoạch cụm công nghiệp",
    "skip": "Bỏ qua, đến bản đồ",
    "lang.switch": "English",
    "lang.switchLabel": "Switch to English",
    "search.label": "Tìm cụm, huyện, vùng",
    "search.placeholder": "Tìm cụm, huyện, vùng…",
    "search.none": "Không tìm thấy kết quả",
    "search.error": "Không tìm được: lỗi máy chủ",
    "tab.filters": "Lọc & danh sách",
    "tab.overview": "Tổng quan vùng",
    "tab.close": "Đóng",
    "map.label": "Bản đồ cụm công nghiệp tỉnh Gia Lai",
    "map.zoomIn": "Phóng to",
    "map.zoomOut": "Thu nhỏ",
    "filters.title": "Lọc cụm và khu công nghiệp",
    "filters.stage": "Giai đoạn",
    "filters.kind": "Loại",
    "filters.region": "Vùng",
    "filters.industry": "Ngành mục tiêu",
    "filters.minfree": "Đất còn trống tối thiểu (ha)",
    "filters.all": "Tất cả",
    "filters.noRegion": "Không thuộc vùng",
    "filters.reset": "Xóa bộ lọc",
    "results.count": "{n} / {total} cụm, khu",
    "results.empty": "Không có cụm nào khớp bộ lọc.",
    "results.free": "trống {ha}",
    "export.csv": "Tải CSV",
    "export.geojson": "Tải GeoJSON",
    "overview.title": "Tổng quan theo vùng",
    "overview.chartLabel": "Số cụm, khu theo giai đoạn, từng vùng",
    "overview.area": "Diện tích (ha) và tỷ lệ lấp đầy",
    "overview.region": "Vùng",
    "overview.clusters": "Số cụm",
    "overview.planned": "Quy hoạch",
    "overview.established": "Đã thành lập",
    "overview.leased": "Đã cho thuê",
    "overview.occupancy": "Lấp đầy",
    "overview.province": "Toàn tỉnh",
    "overview.outside": "Ngoài 5 vùng",
    "overview.loading": "Đang tải…",
    "overview.error": "Không tải được số liệu tổng quan.",
    "overview.note": "Lấp đầy = đất đã cho thuê / đất công nghiệp. Ô trống: chưa có số liệu.",
    "legend.title": "Lớp bản đồ & chú giải",
    "legend.toggle": "Lớp & chú giải",
    "legend.basemap": "Nền OpenStreetMap",
    "legend.basemapOff": "không truy cập được — bản đồ dùng các lớp riêng",
    "legend.basemapChecking": "đang kiểm tra…",
    "legend.stage": "Giai đoạn (màu)",
    "legend.kind": "Loại (hình)",
    "legend.quality": "Vị trí, ranh giới",
    "legend.surveyed": "Ranh giới đo đạc / trích dẫn",
    "legend.indicative": "Minh họa: vị trí hoặc diện tích gần đúng",
    "legend.zoomHint": "Thu nhỏ: ký hiệu; phóng to (≥ 12): ranh giới",
    "legend.noRegion": "Không thuộc vùng nào",
    "layer.regions": "Vùng phát triển công nghiệp",
    "layer.districts": "Ranh giới huyện",
    "layer.raw_material_zones": "Vùng nguyên liệu",
    "layer.clusters": "Cụm, khu công nghiệp",
    "layer.plants": "Nhà máy chế biến",
    "layer.energy": "Dự án năng lượng",
    "layer.roads": "Quốc lộ",
    "panel.close": "Đóng bảng thông tin",
    "panel.loading": "Đang tải…",
    "panel.notFound": "Không tìm thấy đối tượng này.",
    "panel.kind": "Loại",
    "panel.stage": "Giai đoạn",
    "panel.location": "Vị trí",
    "panel.district": "Huyện",
    "panel.commune": "Xã, phường",
    "panel.region": "Vùng",
    "panel.noRegion": "không thuộc vùng nào",
    "panel.areas": "Diện tích",
    "panel.planned": "Quy hoạch",
    "panel.established": "Đã thành lập",
    "panel.industrial": "Đất công nghiệp",
    "panel.leased": "Đã cho thuê",
    "panel.free": "Còn trống",
    "panel.occupancy": "Tỷ lệ lấp đầy",
    "panel.occupancyUnknown": "Chưa có số liệu lấp đầy",
    "panel.infra": "Hạ tầng",
    "panel.infra.road": "Đường nội bộ",
    "panel.infra.water": "Cấp nước",
    "panel.infra.wastewater": "Xử lý nước thải",
    "panel.infra.power": "Điện",
    "panel.investor": "Chủ đầu tư hạ tầng",
    "panel.industries": "Ngành mục tiêu",
    "panel.decision": "Quyết định thành lập",
    "panel.contact": "Liên hệ",
    "panel.investment": "Tổng vốn đầu tư",
    "panel.billionVnd": "{n} tỷ đồng",
    "panel.quality": "Độ tin cậy vị trí",
    "panel.placement": "Cách xác định vị trí",
    "panel.notes": "Ghi chú",
    "panel.sources": "Nguồn",
    "panel.unknown": "chưa rõ",
    "panel.role": "Vai trò",
    "panel.members": "Huyện, thị xã, thành phố",
    "panel.regionStats": "Cụm, khu trong vùng",
    "panel.showClusters": "Liệt kê các cụm trong vùng",
    "panel.crop": "Cây trồng",
    "panel.cropArea": "Diện tích",
    "panel.output": "Sản lượng",
    "panel.year": "Năm số liệu",
    "panel.zoneDistricts": "Các huyện",
    "panel.capacity": "Công suất",
    "panel.status": "Tình trạng",
    "panel.districtArea": "Diện tích tự nhiên",
    "panel.districtKind": "Cấp",
    "panel.route": "Tuyến",
    "panel.indicativeWarning": "Vị trí và hình dạng chỉ mang tính minh họa, không phải ranh giới quy hoạch.",
    "status.loadError": "Không tải được dữ liệu từ máy chủ: {what}",
    "units.ha": "{n} ha",
    "units.km2": "{n} km²",
    "units.mw": "{n} MW",
    "attr.data": "Dữ liệu ClusterMap: nguồn ghi trong từng đối tượng",
  },
  en: {
    "app.title": "ClusterMap Gia Lai",
    "app.subtitle": "Industrial cluster planning",
    "skip": "Skip to the map",
    "lang.switch": "Tiếng Việt",
    "lang.switchLabel": "Chuyển sang tiếng Việt",
    "search.label": "Search clusters, districts, regions",
    "search.placeholder": "Search clusters, districts, regions…",
    "search.none": "No results",
    "search.error": "Search failed: server error",
    "tab.filters": "Filters & list",
    "tab.overview": "Region overview",
    "tab.close": "Close",
    "map.label": "Map of industrial clusters in Gia Lai province",
    "map.zoomIn": "Zoom in",
    "map.zoomOut": "Zoom out",
    "filters.title": "Filter clusters and parks",
    "filters.stage": "Stage",
    "filters.kind": "Kind",
    "filters.region": "Region",
    "filters.industry": "Target industry",
    "filters.minfree": "Minimum free land (ha)",
    "filters.all": "All",
    "filters.noRegion": "In no region",
    "filters.reset": "Clear filters",
    "results.count": "{n} of {total} clusters and parks",
    "results.empty": "No cluster matches the filters.",
    "results.free": "{ha} free",
    "export.csv": "Download CSV",
    "export.geojson": "Download GeoJSON",
    "overview.title": "Overview by region",
    "overview.chartLabel": "Clusters and parks by stage, per region",
    "overview.area": "Area (ha) and occupancy",
    "overview.region": "Region",
    "overview.clusters": "Clusters",
    "overview.planned": "Planned",
    "overview.established": "Established",
    "overview.leased": "Leased",
    "overview.occupancy": "Occupancy",
    "overview.province": "Whole province",
    "overview.outside": "Outside the 5 regions",
    "overview.loading": "Loading…",
    "overview.error": "Could not load the overview figures.",
    "overview.note": "Occupancy = leased land / industrial land. Blank: no figure reported.",
    "legend.title": "Layers & legend",
    "legend.toggle": "Layers & legend",
    "legend.basemap": "OpenStreetMap background",
    "legend.basemapOff": "unreachable — the map uses its own layers",
    "legend.basemapChecking": "checking…",
    "legend.stage": "Stage (colour)",
    "legend.kind": "Kind (shape)",
    "legend.quality": "Location and outline",
    "legend.surveyed": "Surveyed / cited outline",
    "legend.indicative": "Indicative: approximate place or size",
    "legend.zoomHint": "Zoomed out: symbols; zoomed in (≥ 12): outlines",
    "legend.noRegion": "In no region",
    "layer.regions": "Industrial development regions",
    "layer.districts": "District boundaries",
    "layer.raw_material_zones": "Raw-material zones",
    "layer.clusters": "Industrial clusters and parks",
    "layer.plants": "Processing plants",
    "layer.energy": "Energy projects",
    "layer.roads": "National highways",
    "panel.close": "Close the information panel",
    "panel.loading": "Loading…",
    "panel.notFound": "This feature was not found.",
    "panel.kind": "Kind",
    "panel.stage": "Stage",
    "panel.location": "Location",
    "panel.district": "District",
    "panel.commune": "Commune",
    "panel.region": "Region",
    "panel.noRegion": "in no region",
    "panel.areas": "Area",
    "panel.planned": "Planned",
    "panel.established": "Established",
    "panel.industrial": "Industrial land",
    "panel.leased": "Leased",
    "panel.free": "Free",
    "panel.occupancy": "Occupancy",
    "panel.occupancyUnknown": "No occupancy figure reported",
    "panel.infra": "Infrastructure",
    "panel.infra.road": "Internal roads",
    "panel.infra.water": "Water supply",
    "panel.infra.wastewater": "Wastewater treatment",
    "panel.infra.power": "Power",
    "panel.investor": "Infrastructure investor",
    "panel.industries": "Target industries",
    "panel.decision": "Establishing decision",
    "panel.contact": "Contact",
    "panel.investment": "Total investment",
    "panel.billionVnd": "VND {n} billion",
    "panel.quality": "Location quality",
    "panel.placement": "How it was placed",
    "panel.notes": "Notes",
    "panel.sources": "Sources",
    "panel.unknown": "unknown",
    "panel.role": "Role",
    "panel.members": "Member districts",
    "panel.regionStats": "Clusters and parks in the region",
    "panel.showClusters": "List the clusters in this region",
    "panel.crop": "Crop",
    "panel.cropArea": "Area",
    "panel.output": "Output",
    "panel.year": "Reference year",
    "panel.zoneDistricts": "Districts",
    "panel.capacity": "Capacity",
    "panel.status": "Status",
    "panel.districtArea": "Area",
    "panel.districtKind": "Level",
    "panel.route": "Route",
    "panel.indicativeWarning": "Place and shape are indicative only, not a planning boundary.",
    "status.loadError": "Could not load data from the server: {what}",
    "units.ha": "{n} ha",
    "units.km2": "{n} km²",
    "units.mw": "{n} MW",
    "attr.data": "ClusterMap data: sources listed on each feature",
  },
};

// Code lists: the order here is the order shown in legends and filters.
const codes = {
  stage: {
    planned: { vi: "Quy hoạch", en: "Planned" },
    investor_selected: { vi: "Đã có chủ đầu tư", en: "Investor selected" },
    established: { vi: "Đã thành lập", en: "Established" },
    under_construction: { vi: "Đang xây dựng hạ tầng", en: "Infrastructure under construction" },
    operating: { vi: "Đang hoạt động", en: "Operating" },
    expanded: { vi: "Đã mở rộng", en: "Expanded" },
  },
  kind: {
    ccn: { vi: "Cụm công nghiệp (CCN)", en: "Industrial cluster (CCN)" },
    kcn: { vi: "Khu công nghiệp (KCN)", en: "Industrial park (KCN)" },
    kkt: { vi: "Khu kinh tế cửa khẩu (KKT)", en: "Border-gate economic zone (KKT)" },
  },
  crop: {
    coffee: { vi: "Cà phê", en: "Coffee" },
    cassava: { vi: "Sắn (mì)", en: "Cassava" },
    sugarcane: { vi: "Mía", en: "Sugarcane" },
    rubber: { vi: "Cao su", en: "Rubber" },
    pepper: { vi: "Hồ tiêu", en: "Pepper" },
    medicinal: { vi: "Dược liệu", en: "Medicinal plants" },
    tobacco: { vi: "Thuốc lá", en: "Tobacco" },
    cotton: { vi: "Bông", en: "Cotton" },
  },
  infra: {
    none: { vi: "chưa có", en: "none" },
    planned: { vi: "đã quy hoạch", en: "planned" },
    under_construction: { vi: "đang xây dựng", en: "under construction" },
    in_use: { vi: "đang sử dụng", en: "in use" },
  },
  quality: {
    surveyed: { vi: "Đo đạc", en: "Surveyed" },
    cited: { vi: "Theo nguồn trích dẫn", en: "Cited" },
    indicative: { vi: "Minh họa (gần đúng)", en: "Indicative (approximate)" },
  },
  energy: {
    hydro: { vi: "Thủy điện", en: "Hydropower" },
    solar: { vi: "Điện mặt trời", en: "Solar" },
    wind: { vi: "Điện gió", en: "Wind" },
    biomass: { vi: "Điện sinh khối", en: "Biomass" },
  },
  plant: {
    sugar_mill: { vi: "Nhà máy đường", en: "Sugar mill" },
    cassava_starch: { vi: "Nhà máy tinh bột sắn", en: "Cassava starch plant" },
    coffee_processing: { vi: "Chế biến cà phê", en: "Coffee processing" },
    rubber_processing: { vi: "Chế biến cao su", en: "Rubber processing" },
  },
  status: {
    planned: { vi: "quy hoạch", en: "planned" },
    under_construction: { vi: "đang xây dựng", en: "under construction" },
    operating: { vi: "đang hoạt động", en: "operating" },
    closed: { vi: "đã đóng cửa", en: "closed" },
  },
  districtKind: {
    city: { vi: "Thành phố", en: "City" },
    town: { vi: "Thị xã", en: "Town" },
    district: { vi: "Huyện", en: "District" },
  },
};

let current = (() => {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "vi" || saved === "en") return saved;
  } catch (_) {
    // Storage can be disabled (private mode, policies): fall back to Vietnamese.
  }
  return "vi";
})();

const listeners = [];

export function lang() {
  return current;
}

export function locale() {
  return current === "vi" ? "vi-VN" : "en-GB";
}

// t("results.count", {n: 3}) → interface string with {placeholders} filled.
export function t(key, vars) {
  let s = strings[current][key] ?? strings.vi[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

// label("stage", "operating") → "Đang hoạt động"; unknown codes are shown as is.
export function label(list, code) {
  if (code == null || code === "") return "";
  const entry = codes[list] && codes[list][code];
  return entry ? entry[current] : String(code).replace(/_/g, " ");
}

// The codes of one list, in display order.
export function codesOf(list) {
  return Object.keys(codes[list]);
}

export function setLang(l) {
  if (l !== "vi" && l !== "en") return;
  current = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch (_) {
    // Not remembered, but the switch still works for this page.
  }
  applyStatic(document);
  for (const fn of listeners) fn(l);
}

export function onLangChange(fn) {
  listeners.push(fn);
}

// Fills elements marked data-i18n (text), data-i18n-placeholder,
// data-i18n-aria-label and data-i18n-title.
export function applyStatic(root) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

// Number formatting in the current language; null and NaN become "".
export function num(n, digits = 1) {
  if (n == null || Number.isNaN(Number(n))) return "";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(Number(n));
}
