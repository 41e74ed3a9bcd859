package geo

import "slices"

// The domain vocabulary: every coded list ClusterMap stores, in display order, with its labels in
// Vietnamese and English. This file is the one place a code and its label are written; the schema's
// enum types must hold the same codes (a test compares them), and the web app reads the labels from
// /api/layers.

// Term is one code of a vocabulary with its labels.
type Term struct {
	Code  string `json:"code"`
	Title Text   `json:"title"`
}

// Vocabulary is a coded list: the values a field may take, in the order legends and filters show.
type Vocabulary struct {
	// Name is the public name of the list (in /api/layers); PGType is the PostgreSQL enum type that
	// holds the same codes, empty when the column is text checked by the catalog alone.
	Name   string
	PGType string
	// Open lists label the codes they know and accept others: plants.kind is free text (a CHECK
	// on its form), so a new kind of plant can be imported before it has a label.
	Open  bool
	Terms []Term
}

// Codes returns the codes in display order.
func (v *Vocabulary) Codes() []string {
	out := make([]string, len(v.Terms))
	for i, t := range v.Terms {
		out[i] = t.Code
	}
	return out
}

// Has reports whether code belongs to the list.
func (v *Vocabulary) Has(code string) bool {
	return slices.ContainsFunc(v.Terms, func(t Term) bool { return t.Code == code })
}

// Title returns the labels of code, and false when the list does not hold it.
func (v *Vocabulary) Title(code string) (Text, bool) {
	for _, t := range v.Terms {
		if t.Code == code {
			return t.Title, true
		}
	}
	return Text{}, false
}

// The vocabularies, one per coded column family.
var (
	// Stages is a cluster's lifecycle as the provinces report it, in order.
	Stages = &Vocabulary{Name: "stage", PGType: "cluster_stage", Terms: []Term{
		{"planned", Text{"Quy hoạch", "Planned"}},
		{"investor_selected", Text{"Đã có chủ đầu tư", "Investor selected"}},
		{"established", Text{"Đã thành lập", "Established"}},
		{"under_construction", Text{"Đang xây dựng hạ tầng", "Infrastructure under construction"}},
		{"operating", Text{"Đang hoạt động", "Operating"}},
		{"expanded", Text{"Đã mở rộng", "Expanded"}},
	}}
	ClusterKinds = &Vocabulary{Name: "cluster_kind", PGType: "cluster_kind", Terms: []Term{
		{"ccn", Text{"Cụm công nghiệp (CCN)", "Industrial cluster (CCN)"}},
		{"kcn", Text{"Khu công nghiệp (KCN)", "Industrial park (KCN)"}},
		{"kkt", Text{"Khu kinh tế cửa khẩu (KKT)", "Border-gate economic zone (KKT)"}},
	}}
	Crops = &Vocabulary{Name: "crop", PGType: "crop", Terms: []Term{
		{"coffee", Text{"Cà phê", "Coffee"}},
		{"cassava", Text{"Sắn (mì)", "Cassava"}},
		{"sugarcane", Text{"Mía", "Sugarcane"}},
		{"rubber", Text{"Cao su", "Rubber"}},
		{"pepper", Text{"Hồ tiêu", "Pepper"}},
		{"medicinal", Text{"Dược liệu", "Medicinal plants"}},
		{"tobacco", Text{"Thuốc lá", "Tobacco"}},
		{"cotton", Text{"Bông", "Cotton"}},
		{"cashew", Text{"Điều", "Cashew"}},
		{"other", Text{"Khác", "Other"}},
	}}
	InfraStatuses = &Vocabulary{Name: "infra_status", PGType: "infra_status", Terms: []Term{
		{"none", Text{"chưa có", "none"}},
		{"planned", Text{"đã quy hoạch", "planned"}},
		{"under_construction", Text{"đang xây dựng", "under construction"}},
		{"in_use", Text{"đang sử dụng", "in use"}},
	}}
	GeometryQualities = &Vocabulary{Name: "geometry_quality", PGType: "geometry_quality", Terms: []Term{
		{"surveyed", Text{"Đo đạc", "Surveyed"}},
		{"cited", Text{"Theo nguồn trích dẫn", "Cited"}},
		{"indicative", Text{"Minh họa (gần đúng)", "Indicative (approximate)"}},
	}}
	EnergyKinds = &Vocabulary{Name: "energy_kind", PGType: "energy_kind", Terms: []Term{
		{"hydro", Text{"Thủy điện", "Hydropower"}},
		{"solar", Text{"Điện mặt trời", "Solar"}},
		{"wind", Text{"Điện gió", "Wind"}},
		{"biomass", Text{"Điện sinh khối", "Biomass"}},
	}}
	// PlantKinds has no enum type: plants.kind is free text; these are the kinds with labels.
	PlantKinds = &Vocabulary{Name: "plant_kind", Open: true, Terms: []Term{
		{"sugar_mill", Text{"Nhà máy đường", "Sugar mill"}},
		{"cassava_starch", Text{"Nhà máy tinh bột sắn", "Cassava starch plant"}},
		{"coffee_processing", Text{"Chế biến cà phê", "Coffee processing"}},
		{"rubber_processing", Text{"Chế biến cao su", "Rubber processing"}},
	}}
	ProjectStatuses = &Vocabulary{Name: "project_status", PGType: "project_status", Terms: []Term{
		{"planned", Text{"quy hoạch", "planned"}},
		{"under_construction", Text{"đang xây dựng", "under construction"}},
		{"operating", Text{"đang hoạt động", "operating"}},
		{"expanding", Text{"đang mở rộng", "expanding"}},
		{"closed", Text{"đã đóng cửa", "closed"}},
	}}
	// DistrictBases says whether a cluster's district is stated by a source or inferred by
	// ClusterMap (clusters.district_basis, text with a CHECK).
	DistrictBases = &Vocabulary{Name: "district_basis", Terms: []Term{
		{"stated", Text{"theo nguồn", "stated by a source"}},
		{"inferred", Text{"suy luận (nguồn không nêu huyện)", "inferred (no source states the district)"}},
	}}
	// FigureQualifiers say how a source gives a number (the qualifier of a figures entry).
	FigureQualifiers = &Vocabulary{Name: "figure_qualifier", Terms: []Term{
		{"exact", Text{"đúng bằng", "exactly"}},
		{"at_least", Text{"trên / ít nhất", "more than / at least"}},
		{"about", Text{"khoảng", "about"}},
	}}
	DistrictKinds = &Vocabulary{Name: "district_kind", PGType: "district_kind", Terms: []Term{
		{"city", Text{"Thành phố", "City"}},
		{"town", Text{"Thị xã", "Town"}},
		{"district", Text{"Huyện", "District"}},
	}}
	// LotLandUses are the uses a cluster's detailed plan gives its lots.
	LotLandUses = &Vocabulary{Name: "lot_land_use", PGType: "lot_land_use", Terms: []Term{
		{"industrial", Text{"Đất nhà máy, kho bãi", "Factories and warehouses"}},
		{"services", Text{"Đất dịch vụ, điều hành", "Services and management"}},
		{"infrastructure", Text{"Đất hạ tầng kỹ thuật", "Technical infrastructure"}},
		{"green", Text{"Đất cây xanh", "Green space"}},
	}}
	// LotStatuses say whether an investor can still have a lot.
	LotStatuses = &Vocabulary{Name: "lot_status", PGType: "lot_status", Terms: []Term{
		{"free", Text{"Còn trống", "Free"}},
		{"reserved", Text{"Đã có nhà đầu tư đăng ký", "Reserved by an investor"}},
		{"leased", Text{"Đã cho thuê", "Leased"}},
		{"not_offered", Text{"Không cho thuê", "Not for lease"}},
	}}
)

// Vocabularies lists every vocabulary, in the order /api/layers serves them.
func Vocabularies() []*Vocabulary {
	return []*Vocabulary{Stages, ClusterKinds, Crops, InfraStatuses, GeometryQualities, EnergyKinds,
		PlantKinds, ProjectStatuses, DistrictKinds, DistrictBases, FigureQualifiers, LotLandUses, LotStatuses}
}
