// Interface strings in Vietnamese (default; English in i18n-en.js, loaded when
// first needed), and the little machinery to switch between them. Data values (names, investors, notes) are
// shown as the data has them; codes (stages, kinds, crops…) are labelled from
// the vocabularies the server serves in GET /api/layers, so a code added to the
// catalog is labelled here without a release of the web app.

const STORAGE_KEY = "clustermap.lang";

const strings = {
  vi: {
    "app.title": "ClusterMap {province}",
    "panel.departmentName": "Sở Công Thương {province}",
    "app.subtitle": "Cụm công nghiệp tỉnh {province} · {communes} xã, phường từ 1/7/2025 · đơn vị hành chính ngày {asOf}",
    "skip": "Bỏ qua, đến bản đồ",
    "lang.switch": "English",
    "lang.switchLabel": "Switch to English",
    "search.label": "Tìm cụm, huyện, khu vực",
    "search.placeholder": "Tìm cụm, huyện, khu vực…",
    "search.none": "Không tìm thấy kết quả",
    "search.error": "Không tìm được: lỗi máy chủ",
    "tab.filters": "Lọc & danh sách",
    "tab.overview": "Tổng quan khu vực",
    "tab.close": "Đóng",
    "map.label": "Bản đồ cụm công nghiệp tỉnh {province}",
    "map.zoomIn": "Phóng to",
    "offline.stamp": "Bản ngoại tuyến: dữ liệu ngày {d} (cụm công nghiệp phiên bản {v})",
    "print.title": "Bản đồ cụm công nghiệp tỉnh {province}",
    "print.dated": "Dữ liệu ClusterMap, in ngày {d}; đơn vị hành chính ngày {units}.",
    "print.licences": "Giấy phép dữ liệu: {list}.",
    "print.versions": "Phiên bản dữ liệu: {list}.",
    "print.indicative": "Vị trí, diện tích, ranh vùng nguyên liệu và tuyến quốc lộ là gần đúng (theo nguồn dẫn), không phải ranh giới quy hoạch.",
    "print.north": "Hướng bắc",
    "print.northLetter": "B",
    "print.button": "In bản đồ (PDF)",
    "tray.label": "Các cụm chọn để so sánh",
    "tray.open": "So sánh ({n}) ▸",
    "tray.remove": "Bỏ {name} khỏi so sánh",
    "tray.hint": "Chọn thêm một cụm để so sánh.",
    "tray.added": "Đã thêm {name} vào so sánh ({n}).",
    "tray.already": "Cụm này đã có trong so sánh ({n}).",
    "tray.removed": "Đã bỏ khỏi so sánh ({n}).",
    "map.credits": "© Nguồn dữ liệu",
    "map.zoomOut": "Thu nhỏ",
    "filters.title": "Lọc cụm và khu công nghiệp",
    "filters.stage": "Giai đoạn",
    "filters.kind": "Loại",
    "filters.region": "Khu vực",
    "filters.industry": "Ngành mục tiêu",
    "filters.minfree": "Đất còn trống tối thiểu (ha)",
    "filters.all": "Tất cả",
    "filters.noRegion": "Không thuộc khu vực nào",
    "filters.reset": "Xóa bộ lọc",
    "results.count": "{n} / {total} cụm, khu",
    "results.empty": "Không có cụm nào khớp bộ lọc.",
    "results.free": "trống {ha}",
    "export.csv": "Tải CSV",
    "export.geojson": "Tải GeoJSON",
    "overview.title": "Tổng quan theo khu vực",
    "overview.chartLabel": "Số cụm, khu theo giai đoạn, từng khu vực",
    "overview.area": "Diện tích (ha) và tỷ lệ lấp đầy",
    "overview.region": "Khu vực",
    "overview.clusters": "Số cụm",
    "overview.planned": "Quy hoạch",
    "overview.established": "Đã thành lập",
    "overview.leased": "Đã cho thuê",
    "overview.occupancy": "Lấp đầy",
    "overview.province": "Toàn tỉnh",
    "overview.outside": "Ngoài 5 khu vực",
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
    "legend.noRegion": "Không thuộc khu vực nào",
    "legend.regionsQuality": "Năm khu vực của Công văn 923/UBND-CNXD (tỉnh Gia Lai trước ngày 1/7/2025): hợp ranh giới chính thức của các huyện thành viên.",
    "legend.districtsQuality": "Ranh giới chính thức (geoBoundaries, đã đơn giản hóa) của {districts} huyện đến hết ngày 30/6/2025; cấp huyện bãi bỏ từ 1/7/2025.",
    "legend.zonesQuality": "Nét đứt: minh họa — hợp các huyện nguồn nêu; cây trồng không phủ kín.",
    "legend.pointCited": "Tô đặc: tọa độ theo nguồn trích dẫn",
    "legend.pointIndicative": "Rỗng, viền đứt: minh họa — điểm giữa huyện/tỉnh, không phải vị trí thật",
    "legend.clusterCited": "Viền liền: vị trí theo nguồn trích dẫn",
    "legend.clusterIndicative": "Viền đứt: vị trí minh họa — điểm của huyện, không phải vị trí thật",
    "legend.symbolsOf": "Ký hiệu của lớp {layer}",
    "legend.roadsQuality": "Nét đứt: đoạn thẳng minh họa qua các điểm có nguồn, chỉ một phần mỗi tuyến; không phải tim đường.",
    "layer.regions": "Khu vực công nghiệp chế biến (CV 923/UBND-CNXD)",
    "layer.districts": "Ranh giới huyện (trước 1/7/2025)",
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
    "panel.region": "Khu vực",
    "panel.noRegion": "không thuộc khu vực nào",
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
    "panel.regionStats": "Cụm, khu trong khu vực",
    "panel.showClusters": "Liệt kê các cụm trong khu vực",
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
    "panel.asOf": "số liệu {d}",
    "elig.occ.asOf": "Số liệu lấp đầy thời điểm {d} — số mới nhất nguồn có.",
    "elig.occ.undated": "Nguồn không ghi thời điểm của số liệu lấp đầy.",
    "panel.occupancyAsOf": "Tỷ lệ lấp đầy theo số liệu {d}; chưa tìm thấy số liệu mới hơn.",
    "panel.districtInferred": "suy luận: nguồn không nêu huyện",
    "panel.districtUnits": "Huyện theo địa giới trước ngày 1/7/2025; từ 1/7/2025 không còn cấp huyện, đơn vị dưới tỉnh {province} là xã, phường. Quy hoạch tỉnh 2021–2030 dùng các huyện này.",
    "about.link": "Về dữ liệu",
    "about.title": "Về dữ liệu của ClusterMap",
    "about.close": "Đóng",
    "about.units": "ClusterMap thể hiện tỉnh {province} như ngày {asOf}: {formedFrom}, {communes} xã, phường từ 1/7/2025. Lớp huyện là {districts} đơn vị cấp huyện đến hết ngày 30/6/2025 — đơn vị của các quy hoạch tỉnh 2021–2030 và của Công văn 923/UBND-CNXD (năm khu vực của tỉnh Gia Lai cũ). Danh sách xã, phường mới có nguồn nhưng chưa có ranh giới được cấp phép mở: mỗi cụm ghi xã, phường của nó; ranh giới xã có thể nạp bằng lệnh clustermap import khi có nguồn.",
    "about.rule": "Mỗi đối tượng ghi nguồn của nó; số liệu không có nguồn để trống. Số ghi «≥» là giới hạn dưới (nguồn ghi «hơn»), «≈» là gần đúng, trong ngoặc là thời điểm của số liệu.",
    "about.layers": "Các lớp: nguồn, giấy phép, cách định vị",
    "about.license": "Giấy phép",
    "about.credits": "Nguồn, ghi công",
    "about.placement": "Cách định vị",
    "about.asOf": "Thời điểm số liệu",
    "about.noDates": "nguồn không ghi thời điểm",
    "about.coverage": "Mức bao phủ so với số liệu tổng của tỉnh",
    "about.wikipedia": "Tọa độ lấy từ các bài Wikipedia (CC BY-SA 4.0)",
    "about.gaps": "Những điều còn thiếu",
    "about.gap1": "Không nguồn nào cho tọa độ hay ranh giới của cụm, khu công nghiệp: chúng nằm ở điểm của xã hoặc huyện, diện tích vẽ bằng vòng tròn minh họa.",
    "about.gap2": "Quốc lộ là đoạn thẳng qua vài điểm có nguồn, chỉ một phần mỗi tuyến trong tỉnh; đoạn Pleiku – Lệ Thanh của QL19 không được vẽ.",
    "about.gap3": "Cửa khẩu Lệ Thanh không có tọa độ; phân tích dùng điểm giữa huyện Đức Cơ.",
    "about.gap4": "Huyện của KCN Nam Pleiku (Chư Sê) và việc vùng hồ tiêu gồm Chư Pưh là suy luận, đã ghi rõ trong dữ liệu.",
    "about.gap5": "Tỷ lệ lấp đầy chỉ có ở rất ít cụm và đã cũ; ranh giới xã sau 2025 chưa có.",
    "about.placement.regions": "Hợp ranh giới các huyện thành viên (tính trong PostGIS).",
    "about.placement.districts": "Ranh giới chính thức (OCHA ROAP / Chính phủ Việt Nam 2020, qua geoBoundaries), bản đơn giản hóa.",
    "about.placement.clusters": "Điểm xã có nguồn (KCN Trà Đa: xã Biển Hồ, Wikipedia) hoặc điểm giữa huyện; cụm có diện tích vẽ thành vòng tròn minh họa đúng diện tích.",
    "about.placement.raw_material_zones": "Hợp các huyện nguồn nêu (sắn: toàn tỉnh); cây trồng không phủ kín.",
    "about.placement.plants": "Điểm giữa huyện, hoặc của tỉnh khi nguồn không nêu huyện.",
    "about.placement.energy": "17 thủy điện và 1 nhà máy sinh khối: điểm của Global Power Plant Database; các dự án khác: điểm giữa huyện hoặc tỉnh.",
    "about.placement.roads": "Đoạn thẳng qua các điểm có nguồn (tọa độ Wikipedia), chỉ một phần tuyến.",
    "tab.linkage": "Liên kết nguyên liệu",
    "tab.sites": "Tìm địa điểm",
    "layer.linkage": "Liên kết vùng nguyên liệu – cụm chế biến",
    "layer.sites": "Kết quả tìm địa điểm",
    "legend.linkServed": "Vùng → cụm chế biến gần nhất, trong bán kính (km)",
    "legend.linkFar": "Cụm chế biến gần nhất nằm ngoài bán kính",
    "legend.unserved": "Vùng chưa có cụm chế biến trong bán kính",
    "legend.siteRank": "Hạng trong kết quả tìm địa điểm",
    "elig.title": "Mở rộng theo Nghị định 32/2024",
    "elig.loading": "Đang kiểm tra điều kiện…",
    "elig.error": "Không tải được kết quả kiểm tra điều kiện.",
    "elig.verdict.yes": "Đủ điều kiện mở rộng (theo dữ liệu)",
    "elig.verdict.no": "Chưa đủ điều kiện mở rộng",
    "elig.verdict.unknown": "Chưa xác định: thiếu dữ liệu",
    "elig.verdict.not_applicable": "Không áp dụng",
    "elig.notApplicable": "{name} là {kind}: Nghị định 32/2024 quy định về cụm công nghiệp (CCN); khu công nghiệp (KCN) và khu kinh tế cửa khẩu (KKT) là công cụ riêng, nên điều kiện mở rộng này không áp dụng.",
    "elig.cond.yes": "đạt",
    "elig.cond.no": "không đạt",
    "elig.cond.unknown": "chưa rõ",
    "elig.missing": "Thiếu dữ liệu:",
    "elig.missingCount": "Thiếu {n} mục dữ liệu",
    "elig.notChecked": "Cần kiểm tra thêm (ClusterMap không có dữ liệu):",
    "elig.rules": "Căn cứ",
    "elig.rule.occupancy": "Tỷ lệ lấp đầy từ {pct} % trở lên (hoặc nhu cầu thuê đất vượt quỹ đất công nghiệp)",
    "elig.rule.roads": "Đường giao thông nội bộ đã xây dựng và đưa vào sử dụng",
    "elig.rule.water": "Cấp nước đã xây dựng và đưa vào sử dụng",
    "elig.rule.wastewater": "Xử lý nước thải đã xây dựng và đưa vào sử dụng",
    "elig.rule.investor": "Có chủ đầu tư hạ tầng",
    "elig.rule.total_area": "Tổng diện tích sau mở rộng không quá {max} ha",
    "elig.rule.land_fund": "Quỹ đất mở rộng phù hợp quy hoạch sử dụng đất của huyện",
    "elig.why.land_fund": "ClusterMap không có quy hoạch sử dụng đất; cần kiểm tra với huyện.",
    "elig.occ.yes": "Lấp đầy {pct} % ({basis}), từ {min} % trở lên.",
    "elig.occ.below": "Lấp đầy {pct} % ({basis}), dưới {min} %; chưa kiểm tra được điều kiện thay thế (nhu cầu thuê đất) vì ClusterMap không có số liệu này.",
    "elig.occ.none": "Chưa có số liệu lấp đầy (tỷ lệ, hoặc đất đã cho thuê cùng đất công nghiệp), cũng không có số liệu nhu cầu thuê đất.",
    "elig.occ.stated": "theo nguồn",
    "elig.occ.leased": "{leased} / {ind} ha đất công nghiệp đã cho thuê",
    "elig.infra.none": "Chưa có số liệu.",
    "elig.infra.status": "Tình trạng: {status}.",
    "elig.inv.named": "Chủ đầu tư hạ tầng: {investor}.",
    "elig.inv.implied": "Giai đoạn “{stage}” là sau khi chọn chủ đầu tư, nên đã có chủ đầu tư hạ tầng; nguồn không nêu tên.",
    "elig.inv.none": "Chưa ghi nhận chủ đầu tư; giai đoạn “{stage}” là trước khi chọn chủ đầu tư.",
    "elig.area.none": "Chưa có diện tích (đã thành lập hoặc quy hoạch).",
    "elig.area.room": "{area} ha ({basis}): còn có thể mở rộng thêm tối đa {room} ha trong giới hạn {max} ha.",
    "elig.area.full": "{area} ha ({basis}) đã đạt {max} ha: không thể mở rộng thêm.",
    "elig.area.add": "{area} ha ({basis}) + {add} ha đề xuất = {total} ha.",
    "elig.basis.planned_area_ha": "quy hoạch",
    "elig.basis.established_area_ha": "đã thành lập",
    "elig.size": "Quy mô",
    "elig.size.within": "{area} ha ({basis}): trong khoảng {min}–{max} ha.",
    "elig.size.outside": "{area} ha ({basis}): ngoài khoảng {min}–{max} ha.",
    "elig.size.mountain": "Nghị định 68/2017 cho phép {min68} ha ở huyện miền núi; chưa rõ Nghị định 32/2024 có giữ mức này không.",
    "elig.size.unknown": "Chưa có diện tích (đã thành lập hoặc quy hoạch).",
    "elig.size.not_applicable": "Khoảng {min}–{max} ha chỉ áp dụng cho CCN.",
    "elig.size.flag": "Ngoài quy mô",
    "elig.size.ok": "Đúng quy mô",
    "found.title": "Thành lập cụm công nghiệp mới",
    "found.verdict.yes": "Được, xét theo điều kiện kiểm tra được từ dữ liệu",
    "found.verdict.no": "Chưa được thành lập cụm mới",
    "found.verdict.unknown": "Chưa xác định: thiếu dữ liệu",
    "found.rule.existing_clusters": "Nếu huyện đã có CCN thành lập: lấp đầy bình quân trên {occ} % hoặc tổng đất công nghiệp chưa cho thuê không quá {unl} ha",
    "found.rule.provincial_list": "CCN mới có trong danh mục được tỉnh phê duyệt",
    "found.rule.investor": "Có doanh nghiệp, hợp tác xã hoặc tổ chức đề xuất đầu tư hạ tầng",
    "found.rule.land_fund": "Quỹ đất phù hợp quy hoạch sử dụng đất của huyện",
    "found.why.provincial_list": "ClusterMap không có danh mục của tỉnh.",
    "found.why.provincialHint": "ClusterMap ghi nhận các CCN chưa thành lập ở đây, có lẽ đã trong danh mục: {names}.",
    "found.why.investor": "Chủ đầu tư của một cụm chưa thành lập không phải dữ liệu ClusterMap có thể có.",
    "found.why.land_fund": "ClusterMap không có quy hoạch sử dụng đất.",
    "found.none": "Huyện chưa có CCN nào đã thành lập, nên điều kiện này không áp dụng.",
    "found.occ.known": "{n} CCN đã thành lập, lấp đầy bình quân {avg} % ({cmp} {min} %)",
    "found.occ.range": "biết lấp đầy của {k}/{n} CCN đã thành lập, nên bình quân nằm trong khoảng {lo}–{hi} % ({cmp})",
    "found.unl.known": "đất công nghiệp chưa cho thuê {ha} ha ({cmp} {max} ha)",
    "found.unl.range": "biết đất chưa cho thuê của {k}/{n} CCN, nên tổng nằm trong khoảng {lo} ha – {hi} ({cmp})",
    "found.unl.noUpper": "không giới hạn (thiếu diện tích)",
    "found.above": "trên",
    "found.notAbove": "không trên",
    "found.atMost": "không quá",
    "found.moreThan": "trên",
    "found.range.yes": "{word} {limit} dù số liệu thiếu là bao nhiêu",
    "found.range.no": "không {word} {limit} dù số liệu thiếu là bao nhiêu",
    "found.range.unknown": "có thể ở cả hai phía của {limit}",
    "found.clusters": "Các cụm, khu trong huyện",
    "found.counted": "được tính (CCN đã thành lập)",
    "found.notCountedKind": "không tính: {kind} không phải CCN",
    "found.notCountedStage": "không tính: chưa thành lập",
    "found.noClusters": "Huyện chưa có cụm, khu nào trong dữ liệu.",
    "missing.occupancy": "tỷ lệ lấp đầy (hoặc đất đã cho thuê cùng đất công nghiệp)",
    "missing.demand": "nhu cầu thuê đất công nghiệp trong cụm (ClusterMap chưa ghi nhận)",
    "missing.road_status": "tình trạng đường nội bộ",
    "missing.water_status": "tình trạng cấp nước",
    "missing.wastewater_status": "tình trạng xử lý nước thải",
    "missing.area": "diện tích (đã thành lập hoặc quy hoạch)",
    "missing.districtOccupancy": "tỷ lệ lấp đầy của mọi CCN đã thành lập trong huyện",
    "missing.districtUnleased": "đất đã cho thuê và đất công nghiệp của mọi CCN đã thành lập trong huyện",
    "link.title": "Liên kết vùng nguyên liệu – cụm chế biến",
    "link.intro": "Mỗi vùng nguyên liệu nối với cụm gần nhất có ngành mục tiêu chế biến cây trồng đó (khoảng cách trắc địa). Vùng không có cụm như vậy trong bán kính được tô đỏ.",
    "link.radius": "Bán kính",
    "link.loading": "Đang tính liên kết…",
    "link.error": "Không tải được liên kết nguyên liệu.",
    "link.summary": "{served}/{zones} vùng có cụm chế biến trong {r} km; {unserved} vùng chưa có.",
    "link.served": "Có cụm chế biến trong bán kính",
    "link.unserved": "Chưa có cụm chế biến trong bán kính",
    "link.nearest": "Cụm chế biến gần nhất:",
    "link.inside": "nằm trong vùng",
    "link.noneWithin": "Không có cụm nào chế biến {crop} trong {h} km.",
    "link.beyond": "ngoài bán kính {r} km",
    "link.unclassified": "{cluster} ({km}) chưa ghi ngành mục tiêu, có thể chế biến được.",
    "link.unservedHa": "Diện tích chưa có cụm chế biến: {list}",
    "link.note": "Khoảng cách tính từ ranh vùng (thường là hợp các huyện mà nguồn nêu) đến cụm; 0 km nghĩa là cụm nằm trong vùng.",
    "link.km": "{n} km",
    "link.tooltip": "{zone} → {cluster}: {km}",
    "sites.title": "Tìm địa điểm cho nhà đầu tư",
    "sites.intro": "Xếp hạng các cụm, khu theo điểm minh bạch: đất trống, nguyên liệu trong bán kính, khoảng cách đến quốc lộ và cửa khẩu Lệ Thanh, giai đoạn. Trọng số điều chỉnh được.",
    "sites.industry": "Ngành (ví dụ: tinh bột sắn, cà phê)",
    "sites.minfree": "Đất trống tối thiểu (ha)",
    "sites.crop": "Nguyên liệu",
    "sites.anyCrop": "Mọi loại nguyên liệu",
    "sites.maxhighway": "Cách quốc lộ tối đa (km)",
    "sites.weights": "Trọng số",
    "sites.submit": "Tìm địa điểm",
    "sites.clear": "Xóa kết quả",
    "sites.loading": "Đang xếp hạng…",
    "sites.error": "Không xếp hạng được: {msg}",
    "sites.noWeight": "Cần ít nhất một trọng số lớn hơn 0.",
    "sites.count": "{n} cụm, khu phù hợp (trong {total}); theo nhóm, mỗi nhóm xếp theo điểm",
    "sites.none": "Không có cụm, khu nào phù hợp điều kiện.",
    "sites.excluded": "Bị loại: {list}",
    "sites.ex.industry_not_recorded": "{n} chưa ghi ngành mục tiêu",
    "sites.ex.industry_not_matched": "{n} ngành không khớp",
    "sites.ex.free_land_unknown": "{n} chưa rõ đất trống",
    "sites.ex.free_land_below_minimum": "{n} đất trống dưới mức tối thiểu",
    "sites.ex.highway_distance_unknown": "{n} chưa rõ khoảng cách quốc lộ",
    "sites.ex.highway_too_far": "{n} quá xa quốc lộ",
    "sites.highway": "Gần quốc lộ",
    "sites.anyHighway": "Quốc lộ bất kỳ (gần nhất)",
    "sites.nearHighway": "Gần {ref}",
    "sites.includeUnknown": "Gồm cả cụm chưa rõ đất trống (để hỏi thêm)",
    "sites.group.matches": "Đáp ứng mọi điều kiện",
    "sites.groupWhy.matches": "Xếp theo điểm, cao trước.",
    "sites.group.free_land_unknown": "Chưa rõ đất trống — hãy hỏi",
    "sites.groupWhy.free_land_unknown": "Chưa nguồn nào cho biết diện tích đất trống, nên phần đất trống được 0 điểm. Xếp theo điểm.",
    "sites.group.no_free_land": "Đã hết đất trống",
    "sites.groupWhy.no_free_land": "Theo nguồn, toàn bộ đất công nghiệp đã cho thuê: xếp sau cùng, dù điểm có thể cao hơn.",
    "sites.freeUnknownAsk": "Đất trống: chưa rõ — hãy hỏi",
    "sites.cropValue": "≈ {n} ha",
    "sites.zonesCounted": "Vùng nguyên liệu được tính:",
    "sites.spreadNote": "diện tích mỗi vùng theo nguồn được chia đều trên ranh vùng (nguồn không có bản đồ chi tiết hơn), nên số ha trong bán kính là ước tính.",
    "sites.zoneWithin": "≈ {n} ha trong {r} km (của {of} ha)",
    "sites.zoneNoArea": "nguồn không nêu diện tích",
    "sites.noZones": "Không có vùng nguyên liệu nào trong {r} km.",
    "sites.contactCluster": "Liên hệ {name}",
    "sites.contactDepartment": "Hỏi {name}",
    "sites.score": "{n} điểm",
    "sites.scoreOf": "Điểm {n}/100",
    "sites.total": "Tổng điểm",
    "sites.part": "Thành phần",
    "sites.value": "Số liệu",
    "sites.contribution": "Đóng góp",
    "sites.part.free": "Đất trống",
    "sites.part.crop": "Nguyên liệu trong {r} km",
    "sites.part.highway": "Đến quốc lộ",
    "sites.part.border": "Đến cửa khẩu Lệ Thanh",
    "sites.part.stage": "Giai đoạn",
    "sites.unknownValue": "chưa rõ (0 điểm)",
    "sites.short.free": "Đất trống",
    "sites.short.crop": "Nguyên liệu",
    "sites.short.highway": "Quốc lộ",
    "sites.short.border": "Cửa khẩu",
    "sites.short.stage": "Giai đoạn",
    "sites.formula": "Điểm × trọng số",
    "sites.gateNote": "≈: cửa khẩu Lệ Thanh chưa có tọa độ trong nguồn; khoảng cách tính đến điểm đại diện của huyện {district}, sai số đến {unc}.",
    "overview.areaUnknown": "chưa rõ diện tích",
    "sites.scaleNote": "Đất trống đạt 1 điểm từ {free} ha; nguyên liệu từ {crop} ha; quốc lộ 0 km = 1, từ {hw} km = 0; cửa khẩu 0 km = 1, từ {bg} km = 0. Tổng = Σ trọng số × điểm / Σ trọng số.",
    "overview.regionDetails": "Nhà đầu tư và nguyên liệu liên kết",
    "overview.investors": "Nhà đầu tư hạ tầng",
    "overview.investorsUnnamed": "{n} cụm đã có chủ đầu tư chưa nêu tên",
    "overview.noInvestor": "chưa ghi nhận",
    "overview.rawMaterial": "Nguyên liệu liên kết (ha)",
    "overview.cropChart": "Diện tích vùng nguyên liệu liên kết (ha) theo cây trồng, từng khu vực (trong {r} km)",
    "overview.clustersCol": "Số cụm",
    "overview.occupancyData": "lấp đầy tính trên {n} cụm có số liệu",
    "overview.base": "{n}/{of} cụm có số liệu",
    "overview.baseShort": "{n}/{of} cụm",
    "overview.baseNote": "n/N cụm: số cụm có số liệu trên tổng số cụm của khu vực; số in nghiêng, màu xám: dưới một nửa số cụm có số liệu.",
    "overview.occOver": "đất đã cho thuê theo nguồn vượt đất công nghiệp",
    "overview.csvBase": "Số cụm có số liệu",
    "overview.csvYears": "Năm của số liệu lấp đầy",
    "overview.csvThin": "Ít số liệu (dưới một nửa số cụm)",
    "overview.yes": "có",
    "overview.no": "không",
    "overview.none": "—",
    "overview.rawNote": "Mỗi vùng nguyên liệu được tính một lần, cho khu vực của cụm chế biến gần nhất trong bán kính {r} km.",
    "status.loadError": "Không tải được dữ liệu từ máy chủ: {what}",
    "units.ha": "{n} ha",
    "units.km2": "{n} km²",
    "units.mw": "{n} MW",
    "attr.data": "Dữ liệu ClusterMap: nguồn ghi trong từng đối tượng",
  },
};

// The planners' views: unknowns shown, contact, comparison, fact sheet.
Object.assign(strings.vi, {
  "tab.table": "Bảng & kết luận",
  "panel.resize": "Kéo cao hoặc thu gọn bảng thông tin",
  "link.wholeProvince": "vùng là toàn tỉnh, khoảng cách không có ý nghĩa",
  "link.operatingPlants": "Nhà máy chế biến đang hoạt động trong vùng:",
  "link.noOperatingPlant": "Không có nhà máy chế biến đang hoạt động nào của cây này trong vùng (theo dữ liệu).",
  "link.processorOperating": "đang hoạt động",
  "link.processorPlanned": "chưa hoạt động, mới trong kế hoạch",
  "link.plantsSummary": "{n} / {zones} vùng có nhà máy chế biến đang hoạt động của cây trồng đó.",
  "panel.contactFallback": "Đầu mối cấp tỉnh:",
  "panel.contactNotRecorded": "nguồn không ghi liên hệ riêng của cụm; chưa ghi nhận địa chỉ, điện thoại của Sở",
  "panel.notInSources": "nguồn không ghi",
  "panel.decisionUnknown": "nguồn không nêu số, ngày quyết định",
  "panel.freeUnknownWhy": "nguồn không ghi đất đã cho thuê hay tỷ lệ lấp đầy",
  "panel.freeFromOccupancy": "tính từ tỷ lệ lấp đầy",
  "panel.noStageDates": "dữ liệu không ghi ngày nào",
  "panel.lastChange": "Ngày ghi nhận gần nhất",
  "panel.investorUnknown": "nguồn không nêu tên",
  "panel.print": "In trang thông tin",
  "panel.addCompare": "Thêm vào so sánh",
  "results.occupancy": "Lấp đầy",
  "results.freeLand": "Đất trống",
  "results.unknownExcluded": "{n} cụm bị loại vì chưa rõ đất trống.",
  "results.unknownIncluded": "Đang gồm {n} cụm chưa rõ đất trống.",
  "results.includeUnknown": "Gồm cả các cụm này",
  "results.excludeUnknown": "Loại các cụm này",
  "csv.name": "Tên", "csv.kind": "Loại", "csv.status": "Giai đoạn", "csv.district": "Huyện", "csv.district_code": "Mã huyện",
  "csv.commune": "Xã, phường", "csv.region": "Khu vực", "csv.planned_area_ha": "Diện tích quy hoạch (ha)",
  "csv.established_area_ha": "Diện tích thành lập (ha)", "csv.industrial_land_ha": "Đất công nghiệp (ha)",
  "csv.leased_land_ha": "Đất đã cho thuê (ha)", "csv.occupancy_pct": "Tỷ lệ lấp đầy (%)", "csv.free_land_ha": "Đất trống (ha)",
  "csv.investor": "Chủ đầu tư hạ tầng", "csv.target_industries": "Ngành mục tiêu", "csv.decision_number": "Số quyết định",
  "csv.decision_date": "Ngày quyết định", "csv.road_status": "Đường nội bộ", "csv.water_status": "Cấp nước",
  "csv.wastewater_status": "Xử lý nước thải", "csv.power_status": "Điện", "csv.contact": "Liên hệ",
  "csv.investment_vnd_bn": "Vốn đầu tư (tỷ đồng)", "csv.geometry_quality": "Độ tin cậy vị trí", "csv.placement": "Cách xác định vị trí",
  "csv.notes": "Ghi chú", "csv.sources": "Nguồn", "csv.lon": "Kinh độ", "csv.lat": "Vĩ độ",
  "table.title": "Bảng các cụm, khu",
  "table.intro": "Mọi cụm, khu với giai đoạn, diện tích, lấp đầy, đất trống, chủ đầu tư, kết luận mở rộng theo Nghị định 32/2024 và ngày ghi nhận gần nhất. Bấm tiêu đề cột để sắp xếp; chọn 2–3 cụm để so sánh.",
  "table.filter": "Lọc theo tên, huyện, chủ đầu tư",
  "table.count": "{n} / {total} cụm, khu",
  "table.loading": "đang tải…",
  "table.compareCol": "So sánh",
  "table.pick": "Chọn {name} để so sánh",
  "table.compare": "So sánh ({n})",
  "table.compareHint": "Chọn 2 hoặc 3 cụm để so sánh.",
  "table.compareTooMany": "Chỉ so sánh được tối đa 3 cụm.",
  "table.col.name": "Tên", "table.col.stage": "Giai đoạn", "table.col.area": "Diện tích", "table.col.occupancy": "Lấp đầy",
  "table.col.free": "Đất trống", "table.col.investor": "Chủ đầu tư", "table.col.verdict": "Mở rộng (NĐ 32)",
  "table.col.last": "Ngày ghi nhận gần nhất", "table.col.district": "Huyện", "table.col.found": "Thành lập CCN mới",
  "table.districtsTitle": "Kết luận theo huyện: thành lập cụm mới",
  "table.districtsNote": "Theo Nghị định 32/2024, trên dữ liệu ClusterMap có; huyện theo địa giới trước 1/7/2025. Bấm tên huyện để xem chi tiết.",
  "table.stuckTitle": "Cụm chậm tiến độ",
  "table.stuckDue": "bước «{next}» quá hạn từ {d} ({m} tháng sau «{after}», {since})",
  "table.stuckByLaw": "thời hạn theo luật",
  "table.stuckByDefault": "mốc mặc định của ClusterMap, luật không quy định",
  "table.stuckLast": "bước gần nhất: {what}, {d}",
  "table.stuckNone": "Không có cụm nào chậm theo các bước đã ghi nhận.",
  "table.stuckError": "Không tải được danh sách cụm chậm tiến độ.",
  "table.stuckDefinition": "Tính từ các bước đã ghi nhận có ngày và nguồn: một cụm chậm khi sau một bước, bước tiếp theo chưa được ghi nhận trong thời hạn (theo luật nếu có; Nghị định 32/2024 không quy định thời hạn sau quyết định thành lập, nên dùng mốc mặc định có ghi rõ). Cụm chưa có bước nào được ghi nhận không xuất hiện ở đây.",
  "timeline.title": "Tiến trình",
  "timeline.none": "Chưa ghi nhận bước nào có ngày.",
  "timeline.withdrawn": "đã rút: {why}",
  "timeline.error": "Không tải được tiến trình.",
  "event.plan_inclusion": "Đưa vào quy hoạch",
  "event.founding_decision": "Quyết định thành lập",
  "event.expansion_decision": "Quyết định mở rộng",
  "event.detailed_plan": "Quy hoạch chi tiết 1/500",
  "event.investment_policy": "Chấp thuận chủ trương đầu tư",
  "event.investor_selected": "Lựa chọn chủ đầu tư hạ tầng",
  "event.land_recovery": "Thu hồi đất, bồi thường",
  "event.construction_start": "Khởi công",
  "event.environmental_permit": "Giấy phép môi trường",
  "event.wastewater_plant": "Trạm xử lý nước thải tập trung",
  "event.operation": "Đi vào hoạt động",
  "elig.short.yes": "Đủ điều kiện", "elig.short.no": "Chưa đủ", "elig.short.unknown": "Thiếu dữ liệu", "elig.short.not_applicable": "Không áp dụng",
  "found.short.yes": "Được (theo dữ liệu)", "found.short.no": "Chưa được", "found.short.unknown": "Thiếu dữ liệu",
  "compare.title": "So sánh các cụm",
  "sheet.title": "Trang thông tin cụm",
  "sheet.noMeasures": "Chưa tính được khoảng cách cho cụm này.",
  "sheet.coords": "Tọa độ",
  "sheet.highway": "Đến quốc lộ gần nhất",
  "sheet.gate": "Đến cửa khẩu Lệ Thanh",
  "sheet.raw": "Nguyên liệu trong {r} km",
  "sheet.rawItem": "{crop} ≈ {n} ha (trong {of} ha của vùng)",
  "sheet.mapLabel": "Bản đồ vị trí {name}, quốc lộ và vùng nguyên liệu",
  "sheet.indicative": "vị trí, ranh vùng và tuyến đường là gần đúng, không phải ranh giới quy hoạch.",
  "sheet.facts": "Số liệu",
  "sheet.measures": "Vị trí và khoảng cách",
  "sheet.dataDate": "Dữ liệu ClusterMap phiên bản {v}; ngày ghi nhận gần nhất của cụm: {last}; in ngày {d}. Mỗi số liệu ghi thời điểm theo nguồn.",
  "sheet.asOf": "Lập ngày {d}; mỗi số liệu ghi thời điểm theo nguồn.",
});

// The interface strings, for the language check of the browser tests: English is there once
// loadLanguage("en") has run.
export const UI_STRINGS = strings;

// loadLanguage makes a language's interface strings available: English is a module of its own,
// fetched the first time it is asked for.
export async function loadLanguage(lang) {
  if (lang === "en" && !strings.en) strings.en = (await import("./i18n-en.js")).EN;
}

// savedLang is the language chosen on an earlier visit, else Vietnamese.
export function savedLang(storage, languages = (typeof navigator !== "undefined" && navigator.languages) || []) {
  try {
    const saved = storage && storage.getItem(STORAGE_KEY);
    if (saved === "vi" || saved === "en") return saved;
  } catch (_) {
    // Storage can be disabled (private mode, policies): fall back to the browser's languages.
  }
  // A first visit follows the browser's languages, in their order (navigator.languages, which
  // the browser also sends as Accept-Language): the first Vietnamese or English one wins; any
  // other browser gets Vietnamese, the province's language. A choice made with the toggle is
  // remembered (setLang) and wins from then on.
  for (const l of languages) {
    const tag = String(l).split(";")[0].trim().toLowerCase(); // "en;q=0.8" as some browsers list it
    if (tag === "vi" || tag.startsWith("vi-")) return "vi";
    if (tag === "en" || tag.startsWith("en-")) return "en";
  }
  return "vi";
}

// createI18n({vocabularies, storage, root}) → the language of one page.
// vocabularies is the "vocabularies" object of GET /api/layers: list name →
// [{code, title: {vi, en}}], in the order legends and filters show them.
// storage remembers the choice (localStorage); root is the document whose
// data-i18n elements follow the language.
export function createI18n({ vocabularies = {}, storage = null, root = null } = {}) {
  let current = savedLang(storage);
  const listeners = [];
  // The page's standing placeholders ({province}, {asOf}, …), per language: what the data says
  // the map shows, filled into every string that names them.
  let context = () => ({});
  // list → code → title, for label(); the arrays keep the order for codesOf().
  const titles = Object.fromEntries(Object.entries(vocabularies).map(([list, entries]) =>
    [list, new Map((entries || []).map((e) => [e.code, e.title || {}]))]));

  function lang() {
    return current;
  }

  function locale() {
    return current === "vi" ? "vi-VN" : "en-GB";
  }

  // t("results.count", {n: 3}) → interface string with {placeholders} filled.
  function t(key, vars) {
    let s = (strings[current] && strings[current][key]) ?? strings.vi[key] ?? key;
    if (s.includes("{")) {
      const all = { ...context(current), ...(vars || {}) };
      s = s.replace(/\{(\w+)\}/g, (m, k) => (k in all ? String(all[k]) : m));
    }
    return s;
  }

  // label("stage", "operating") → "Đang hoạt động"; a code the vocabulary
  // lacks is shown as is rather than hidden, so new data stays visible.
  function label(list, code) {
    if (code == null || code === "") return "";
    const title = titles[list] && titles[list].get(code);
    const text = title && (title[current] || title.vi);
    return text || String(code).replace(/_/g, " ");
  }

  // The codes of one list, in display order.
  function codesOf(list) {
    return (vocabularies[list] || []).map((e) => e.code);
  }

  // The served {vi, en} title of anything (a layer, a field) in this language.
  function title(obj, fallback = "") {
    return (obj && (obj[current] || obj.vi)) || fallback;
  }

  // Fills elements marked data-i18n (text), data-i18n-placeholder,
  // data-i18n-aria-label and data-i18n-title.
  function applyStatic(el = root) {
    if (!el) return;
    const doc = el.ownerDocument || el;
    doc.documentElement.lang = current;
    for (const e of el.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
    for (const e of el.querySelectorAll("[data-i18n-placeholder]")) e.placeholder = t(e.dataset.i18nPlaceholder);
    for (const e of el.querySelectorAll("[data-i18n-aria-label]")) e.setAttribute("aria-label", t(e.dataset.i18nAriaLabel));
    for (const e of el.querySelectorAll("[data-i18n-title]")) e.title = t(e.dataset.i18nTitle);
  }

  // setLang switches once the language's strings are in (a module fetched the first time).
  async function setLang(l) {
    if (l !== "vi" && l !== "en") return;
    await loadLanguage(l);
    current = l;
    try {
      if (storage) storage.setItem(STORAGE_KEY, l);
    } catch (_) {
      // Not remembered, but the switch still works for this page.
    }
    applyStatic();
    for (const fn of listeners) fn(l);
  }

  function onLangChange(fn) {
    listeners.push(fn);
  }

  // setContext(fn): fn(lang) gives the standing placeholders; the page's words are filled again.
  function setContext(fn) {
    context = fn;
    applyStatic();
  }

  // Number formatting in the current language; null and NaN become "". A formatter is costly to
  // make (a page formats thousands of numbers), so one is kept per language and precision.
  const formats = new Map();
  function num(n, digits = 1) {
    if (n == null || Number.isNaN(Number(n))) return "";
    const key = `${locale()}|${digits}`;
    let f = formats.get(key);
    if (!f) formats.set(key, (f = new Intl.NumberFormat(locale(), { maximumFractionDigits: digits })));
    return f.format(Number(n));
  }

  return { lang, locale, t, label, codesOf, title, applyStatic, setLang, onLangChange, num, setContext };
}
