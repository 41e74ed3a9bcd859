// Package geo is ClusterMap's layer catalog (layers, fields, vocabularies, credits: the one map
// from public names to SQL identifiers) and its read queries on PostGIS: features, search, layer
// figures and vector tiles. It knows nothing of HTTP; the server parses requests into the query
// values defined here. Sub-packages hold the other jobs: cql2 (filters), planning (analyses),
// ingest (import and seed).
package geo

import (
	"fmt"
	"slices"
	"strings"
)

// FieldType is the JSON type a field has in GeoJSON, MVT properties and the OpenAPI document.
type FieldType string

// Field types. StringArray fields hold lists (target industries, member districts). Object fields
// hold a JSON object (a jsonb column: the figures' qualifiers and dates); GeoJSON and OGC serve
// it as an object, tiles as JSON text, and filters refuse it, since no equality on a whole
// object answers a planner's question.
const (
	String      FieldType = "string"
	Integer     FieldType = "integer"
	Number      FieldType = "number"
	Date        FieldType = "date"
	StringArray FieldType = "string[]"
	Object      FieldType = "object"
)

// Filterable reports whether filters (query parameters, CQL2) may name the field.
func (f Field) Filterable() bool { return f.Type != Object }

// Text is a title or description in Vietnamese and English.
type Text struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// Field is one declared property of a layer. Only declared fields are ever selected, filtered or
// written, and their names are the only identifiers that reach SQL.
type Field struct {
	Name string
	Type FieldType
	// Expr is the SQL expression over the layer's table (alias t) that yields the value; empty means
	// the column of the same name. Derived fields (district name, region) set it.
	Expr string
	// Vocab, when set, is the coded list the field's values come from; import and filters reject
	// anything else, and clients label the codes from it.
	Vocab *Vocabulary
	// Required fields must be present on import.
	Required bool
	// Derived fields are computed (from other tables or columns) and never imported.
	Derived bool
	// DistrictEditable fields are the ones a district user may change on a feature of its
	// district (stage, occupancy, infrastructure, contact of a cluster). The database's trigger
	// workspace_district_scope holds the same list; TestDistrictFieldsMatchTheDatabase compares.
	DistrictEditable bool
	// MaxChars bounds a text field (each item of a list), in characters; 0 means DefaultMaxChars.
	// Every reader is served what a writer stored, so nothing a writer sends is unbounded.
	MaxChars int
	Title    Text
}

// Bounds of written text: DefaultMaxChars for a text field (or list item) that declares none,
// MaxListItems items in a list.
const (
	DefaultMaxChars = 1000
	MaxListItems    = 100
)

// Limit is the most characters the field (each item of a list field) may hold.
func (f Field) Limit() int {
	if f.MaxChars > 0 {
		return f.MaxChars
	}
	return DefaultMaxChars
}

// Enum lists the codes the field may take, nil for a free field (or one whose list is open).
func (f Field) Enum() []string {
	if !f.Closed() {
		return nil
	}
	return f.Vocab.Codes()
}

// Closed reports whether the field takes only the codes of its vocabulary.
func (f Field) Closed() bool { return f.Vocab != nil && !f.Vocab.Open }

// SQL returns the field's SQL expression.
func (f Field) SQL() string {
	if f.Expr != "" {
		return f.Expr
	}
	return "t." + f.Name
}

// Layer describes one map layer: its table, fields, titles and attribution. The catalog is the one
// place that maps public names to SQL identifiers.
type Layer struct {
	ID          string
	Table       string
	Title       Text
	Description Text
	// GeometryType is the GeoJSON geometry type ("MultiPolygon", "Point", "MultiLineString", or
	// "Geometry" when a layer mixes footprints and points).
	GeometryType string
	// KeyColumn is the feature id column; KeyType says whether ids are strings or integers.
	KeyColumn string
	KeyType   FieldType
	// NaturalKey is the column imports upsert on (it is KeyColumn when ids are natural).
	NaturalKey string
	Fields     []Field
	// Credits are the attributions the layer's data requires, shown wherever it is drawn.
	Credits []Credit
	// License is the licence the layer is offered under: that of its most restrictive source,
	// since a layer built from share-alike data must be shared alike (OGC "license" link).
	License License
	// TimeField, when set, is the date field that OGC datetime filters apply to.
	TimeField string
	// Polygonal layers are generalised per zoom for tiles.
	Polygonal bool
	// NameColumn is the feature's display name; SearchColumns are matched by /api/search.
	NameColumn    string
	SearchColumns []string
	// Editable layers are written through the workspace and OGC API – Features Part 4; the others
	// are import-only (districts, and regions, which are derived from them). The database's
	// history triggers and row-level security cover the same tables; TestEditableLayersMatchTheDatabase
	// compares.
	Editable bool
}

// DistrictFields are the fields a district user may change on this layer's features: none on a
// layer it may not touch at all.
func (l *Layer) DistrictFields() []string {
	var out []string
	for _, f := range l.Fields {
		if f.DistrictEditable {
			out = append(out, f.Name)
		}
	}
	return out
}

// Field returns the declared field with that name.
func (l *Layer) Field(name string) (Field, bool) {
	for _, f := range l.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Catalog is the ordered set of layers ClusterMap serves.
type Catalog struct {
	layers []*Layer
	byID   map[string]*Layer
}

// NewCatalog indexes layers by id; ids must be unique.
func NewCatalog(layers ...*Layer) (*Catalog, error) {
	c := &Catalog{byID: make(map[string]*Layer, len(layers))}
	for _, l := range layers {
		if _, dup := c.byID[l.ID]; dup {
			return nil, fmt.Errorf("catalog: duplicate layer %q", l.ID)
		}
		c.byID[l.ID] = l
		c.layers = append(c.layers, l)
	}
	return c, nil
}

// Layers returns the layers in catalog order.
func (c *Catalog) Layers() []*Layer { return c.layers }

// Layer returns the layer with that id.
func (c *Catalog) Layer(id string) (*Layer, bool) {
	l, ok := c.byID[id]
	return l, ok
}

// Credit is one attribution: its text (English, as TileJSON and OGC carry it, and Vietnamese for
// the map's Vietnamese screens) and, when the source has one, the page it links to.
type Credit struct {
	Text   string `json:"text"`
	TextVI string `json:"text_vi"`
	URL    string `json:"url,omitempty"`
}

// License names a licence and the page of its terms.
type License struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Licences the layers are offered under.
var (
	LicenseCCBYSA40  = License{"CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"}
	LicenseCCBY30IGO = License{"CC BY 3.0 IGO", "https://creativecommons.org/licenses/by/3.0/igo/"}
	LicenseCCBY40    = License{"CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"}
)

// Attribution is the layer's credits as one line of text (TileJSON, /api/layers).
func (l *Layer) Attribution() string {
	texts := make([]string, len(l.Credits))
	for i, c := range l.Credits {
		texts[i] = c.Text
	}
	return strings.Join(texts, " ")
}

// Credits lists every layer's credits once each, in catalog order.
func (c *Catalog) Credits() []Credit {
	var out []Credit
	for _, l := range c.layers {
		for _, cr := range l.Credits {
			if !slices.Contains(out, cr) {
				out = append(out, cr)
			}
		}
	}
	return out
}

var (
	creditBoundaries = Credit{"Boundaries: geoBoundaries (Runfola et al. 2020), CC BY 3.0 IGO; source OCHA ROAP / Government of Viet Nam.",
		"Ranh giới: geoBoundaries (Runfola và cộng sự, 2020), CC BY 3.0 IGO; nguồn OCHA ROAP / Chính phủ Việt Nam.", "https://www.geoboundaries.org/"}
	// Lots come from each cluster's approved detailed plan, cited per lot.
	creditLots = Credit{"Lots: the clusters' detailed plans, cited per lot.",
		"Lô đất: quy hoạch chi tiết của từng cụm, dẫn nguồn theo từng lô.", ""}
	creditFacts = Credit{"Facts: provincial news and government pages, cited per feature.",
		"Số liệu: báo và cổng thông tin của tỉnh, dẫn nguồn theo từng đối tượng.", ""}
	creditGPPD = Credit{"Global Power Plant Database, World Resources Institute, CC BY 4.0.",
		"Cơ sở dữ liệu nhà máy điện toàn cầu (Global Power Plant Database), Viện Tài nguyên Thế giới (WRI), CC BY 4.0.", "https://datasets.wri.org/dataset/globalpowerplantdatabase"}
	// The highway waypoints and the centre of KCN Trà Đa's footprint are coordinates printed by
	// Wikipedia articles (CC BY-SA 4.0); each feature's sources link the articles themselves.
	creditWikipedia = Credit{"Coordinates: Wikipedia contributors, CC BY-SA 4.0 (articles linked per feature).",
		"Tọa độ: những người đóng góp Wikipedia, CC BY-SA 4.0 (bài viết dẫn theo từng đối tượng).", "https://creativecommons.org/licenses/by-sa/4.0/"}
	// The areas' grouping and role, from the provincial newspaper's report of the letter (each
	// area's sources name the article; no URL of it was recorded).
	creditAreas = Credit{"Areas: the provincial newspaper's report of Công văn 923/UBND-CNXD of the provincial People's Committee, before the July 2025 merger (URL not recorded).",
		"Khu vực: báo tỉnh đưa tin Công văn 923/UBND-CNXD của UBND tỉnh, trước khi sáp nhập tháng 7/2025 (chưa ghi được đường dẫn).", ""}
)

// WikipediaArticles are the Wikipedia articles whose coordinates ClusterMap uses (the highway
// waypoints and xã Biển Hồ), for the credits of the README and the About page.
var WikipediaArticles = []Credit{
	{Text: "vi: Biển Hồ (xã)", URL: "https://vi.wikipedia.org/wiki/Bi%E1%BB%83n_H%E1%BB%93_(x%C3%A3)"},
	{Text: "vi: Ia Din", URL: "https://vi.wikipedia.org/wiki/Ia_Din"},
	{Text: "es: Pleiku", URL: "https://es.wikipedia.org/wiki/Pleiku"},
	{Text: "ru: Плейку", URL: "https://ru.wikipedia.org/wiki/%D0%9F%D0%BB%D0%B5%D0%B9%D0%BA%D1%83"},
	{Text: "vi: Đăk Pơ", URL: "https://vi.wikipedia.org/wiki/%C4%90%C4%83k_P%C6%A1"},
	{Text: "en: An Khê", URL: "https://en.wikipedia.org/wiki/An_Kh%C3%AA"},
	{Text: "vi: Chư Păh", URL: "https://vi.wikipedia.org/wiki/Ch%C6%B0_P%C4%83h"},
	{Text: "vi: Chư Sê", URL: "https://vi.wikipedia.org/wiki/Ch%C6%B0_S%C3%AA"},
	{Text: "vi: Ayun Pa", URL: "https://vi.wikipedia.org/wiki/Ayun_Pa"},
}

var (
	districtName = "(SELECT d.name FROM districts d WHERE d.code = t.district_code)"
	// provinceField is the province valid today that holds the feature: a stored column the
	// database derives from the geometry (migrations/00011_admin_units.sql), so filters by
	// province use an index.
	communeName   = "(SELECT u.name FROM admin_units u WHERE u.level = 'commune' AND u.code = t.commune_code AND daterange(u.valid_from, u.valid_to, '[]') @> current_date)"
	provinceField = Field{Name: "province_code", Type: String, Derived: true, Title: Text{"Mã tỉnh (hiện nay)", "Province code (today)"}}
	provinceName  = Field{Name: "province", Type: String, Derived: true, Title: Text{"Tỉnh (hiện nay)", "Province (today)"},
		Expr: "(SELECT u.name FROM admin_units u WHERE u.level = 'province' AND u.code = t.province_code AND daterange(u.valid_from, u.valid_to, '[]') @> current_date)"}
	regionOfDistr  = "(SELECT rm.region_slug FROM region_members rm WHERE rm.district_code = t.district_code)"
	provenanceTail = []Field{
		{Name: "geometry_quality", Type: String, Vocab: GeometryQualities, Required: true, Title: Text{"Chất lượng hình học", "Geometry quality"}},
		{Name: "placement", Type: String, Required: true, Title: Text{"Cách định vị", "Placement"}},
		{Name: "notes", Type: String, MaxChars: 4000, Title: Text{"Ghi chú", "Notes"}},
		{Name: "sources", Type: StringArray, Required: true, MaxChars: 2000, Title: Text{"Nguồn", "Sources"}},
	}
)

// figuresField holds, per numeric field, how the source gives the number (exact, at least, about)
// and as of when: "more than 24.2 ha" is 24.2 with {"qualifier": "at_least"}.
var figuresField = Field{Name: "figures", Type: Object, Title: Text{"Độ chính xác và thời điểm của số liệu", "Figures: qualifier and as-of date"}}

func withProvenance(fields ...Field) []Field {
	return append(append(fields, provinceField), provenanceTail...)
}

// DefaultCatalog is ClusterMap's layer catalog: the five industrial areas, districts, clusters
// and parks, raw-material zones, processing plants, energy projects, national highways and the
// clusters' lots.
func DefaultCatalog() *Catalog {
	c, err := NewCatalog(
		&Layer{
			ID: "regions", Table: "regions", KeyColumn: "slug", KeyType: String, NaturalKey: "slug",
			NameColumn: "name_vi", SearchColumns: []string{"name_vi", "name_en"},
			// The provincial letter (Công văn 923/UBND-CNXD) names "khu vực" (areas), not regions;
			// the layer id stays "regions" so links and clients keep working.
			Title:        Text{"Khu vực phát triển công nghiệp chế biến", "Industrial areas (processing-industry centres)"},
			Description:  Text{"Năm khu vực theo Công văn 923/UBND-CNXD của UBND tỉnh trước khi sáp nhập (báo tỉnh đưa tin), theo các huyện của tỉnh cũ trước 1/7/2025; hình học là hợp của các huyện thành viên.", "The five areas (khu vực) of the letter 923/UBND-CNXD of the provincial People's Committee before the 1 July 2025 merger (as reported by the provincial newspaper), over the former province's pre-July-2025 districts; geometry is the union of member districts."},
			GeometryType: "MultiPolygon", Polygonal: true,
			Credits: []Credit{creditAreas, creditBoundaries},
			License: LicenseCCBY30IGO,
			Fields: []Field{
				{Name: "slug", Type: String, Required: true, Title: Text{"Mã", "Slug"}},
				{Name: "name_vi", Type: String, Required: true, Title: Text{"Tên", "Name (vi)"}},
				{Name: "name_en", Type: String, Required: true, Title: Text{"Tên tiếng Anh", "Name"}},
				{Name: "role", Type: String, Required: true, Title: Text{"Vai trò (tiếng Anh)", "Role"}},
				{Name: "role_vi", Type: String, Title: Text{"Vai trò", "Role (vi)"}},
				{Name: "members", Type: StringArray, Derived: true, Title: Text{"Huyện thành viên", "Member districts"},
					Expr: "ARRAY(SELECT rm.district_code FROM region_members rm WHERE rm.region_slug = t.slug ORDER BY rm.district_code)"},
				{Name: "member_names", Type: StringArray, Derived: true, Title: Text{"Tên huyện thành viên", "Member names"},
					Expr: "ARRAY(SELECT d.name FROM region_members rm JOIN districts d ON d.code = rm.district_code WHERE rm.region_slug = t.slug ORDER BY d.code)"},
				{Name: "geometry_quality", Type: String, Vocab: GeometryQualities, Title: Text{"Chất lượng hình học", "Geometry quality"}},
				{Name: "placement", Type: String, Title: Text{"Cách định vị", "Placement"}},
				{Name: "scope", Type: String, Title: Text{"Phạm vi và thời điểm", "Scope and date"}},
				{Name: "sources", Type: StringArray, Required: true, Title: Text{"Nguồn", "Sources"}},
				provinceField,
			},
		},
		&Layer{
			ID: "districts", Table: "districts", KeyColumn: "code", KeyType: String, NaturalKey: "code",
			NameColumn: "name", SearchColumns: []string{"name", "name_ascii"},
			Title:        Text{"Huyện (trước 1/7/2025)", "Districts (before 1 July 2025)"},
			Description:  Text{"Đơn vị cấp huyện đến hết ngày 30/6/2025, theo tỉnh trước khi sáp nhập; từ 1/7/2025 không còn cấp huyện. Là đơn vị của các quy hoạch tỉnh 2021–2030.", "District-level units as they were until 30 June 2025, by the province they belonged to before the mergers; district-level units were abolished on 1 July 2025. They are the units of the provincial plans 2021–2030."},
			GeometryType: "MultiPolygon", Polygonal: true,
			Credits: []Credit{creditBoundaries},
			License: LicenseCCBY30IGO,
			Fields: []Field{
				{Name: "code", Type: String, Required: true, Title: Text{"Mã GSO", "GSO code"}},
				{Name: "name", Type: String, Required: true, Title: Text{"Tên", "Name"}},
				{Name: "name_ascii", Type: String, Required: true, Title: Text{"Tên không dấu", "ASCII name"}},
				{Name: "kind", Type: String, Vocab: DistrictKinds, Required: true, Title: Text{"Loại", "Kind"}},
				{Name: "parent_code", Type: String, Title: Text{"Mã tỉnh (trước 1/7/2025)", "Province code (before 1 July 2025)"}},
				{Name: "region", Type: String, Derived: true, Expr: "(SELECT rm.region_slug FROM region_members rm WHERE rm.district_code = t.code)", Title: Text{"Vùng", "Region"}},
				{Name: "area_km2", Type: Number, Derived: true, Title: Text{"Diện tích (km²)", "Area (km²)"}},
				// Not required: a later import of other units (post-2025 communes) may lack them.
				{Name: "geometry_quality", Type: String, Vocab: GeometryQualities, Title: Text{"Chất lượng hình học", "Geometry quality"}},
				{Name: "placement", Type: String, Title: Text{"Cách định vị", "Placement"}},
				{Name: "sources", Type: StringArray, Required: true, Title: Text{"Nguồn", "Sources"}},
				provinceField,
			},
		},
		&Layer{
			ID: "clusters", Table: "clusters", Editable: true, KeyColumn: "id", KeyType: Integer, NaturalKey: "name",
			NameColumn: "name", SearchColumns: []string{"name", "commune"},
			Title:        Text{"Cụm công nghiệp, khu công nghiệp, khu kinh tế", "Industrial clusters and parks"},
			Description:  Text{"CCN, KCN và KKT với giai đoạn, diện tích, tỷ lệ lấp đầy và nguồn.", "Industrial clusters (CCN), parks (KCN) and the border-gate economic zone (KKT) with stage, areas, occupancy and sources."},
			GeometryType: "Geometry", TimeField: "decision_date",
			// KCN Trà Đa's footprint is centred on a Wikipedia coordinate: the layer is share-alike.
			Credits: []Credit{creditFacts, creditWikipedia, creditBoundaries},
			License: LicenseCCBYSA40,
			Fields: withProvenance(
				Field{Name: "name", Type: String, Required: true, Title: Text{"Tên", "Name"}},
				Field{Name: "kind", Type: String, Vocab: ClusterKinds, Required: true, Title: Text{"Loại", "Kind"}},
				Field{Name: "district_code", Type: String, Title: Text{"Mã huyện", "District code"}},
				Field{Name: "district_basis", Type: String, Vocab: DistrictBases, Title: Text{"Căn cứ xác định huyện", "District basis"}},
				Field{Name: "district", Type: String, Derived: true, Expr: districtName, Title: Text{"Huyện", "District"}},
				Field{Name: "region", Type: String, Derived: true, Expr: regionOfDistr, Title: Text{"Vùng", "Region"}},
				Field{Name: "commune", Type: String, Title: Text{"Xã/phường (trước 1/7/2025)", "Commune (before 1 July 2025)"}},
				Field{Name: "commune_code", Type: String, Title: Text{"Mã xã/phường (từ 1/7/2025)", "Commune/ward code (since 1 July 2025)"}},
				Field{Name: "commune_basis", Type: String, Vocab: DistrictBases, Title: Text{"Căn cứ xác định xã/phường", "Commune basis"}},
				Field{Name: "commune_2025", Type: String, Derived: true, Expr: communeName, Title: Text{"Xã/phường (từ 1/7/2025)", "Commune/ward (since 1 July 2025)"}},
				provinceName,
				Field{Name: "status", Type: String, Vocab: Stages, Required: true, DistrictEditable: true, Title: Text{"Giai đoạn", "Stage"}},
				Field{Name: "planned_area_ha", Type: Number, Title: Text{"Diện tích quy hoạch (ha)", "Planned area (ha)"}},
				Field{Name: "established_area_ha", Type: Number, Title: Text{"Diện tích thành lập (ha)", "Established area (ha)"}},
				Field{Name: "industrial_land_ha", Type: Number, Title: Text{"Đất công nghiệp (ha)", "Industrial land (ha)"}},
				Field{Name: "leased_land_ha", Type: Number, DistrictEditable: true, Title: Text{"Đất đã cho thuê (ha)", "Leased land (ha)"}},
				Field{Name: "occupancy_pct", Type: Number, DistrictEditable: true, Title: Text{"Tỷ lệ lấp đầy (%)", "Occupancy (%)"}},
				// Free land follows the tenant register where it has leased land, else the stated figure.
				Field{Name: "free_land_ha", Type: Number, Derived: true, Expr: "(t.industrial_land_ha - coalesce(t.tenant_leased_ha, t.leased_land_ha))", Title: Text{"Đất trống (ha)", "Free land (ha)"}},
				Field{Name: "tenants_count", Type: Integer, Derived: true, Title: Text{"Số dự án thứ cấp (sổ đăng ký)", "Secondary projects (register)"}},
				Field{Name: "tenant_leased_ha", Type: Number, Derived: true, Title: Text{"Đất đã cho thuê theo sổ dự án (ha)", "Leased land by the tenant register (ha)"}},
				// The feature's version (its ETag's number), served so that a client that cannot send
				// If-Match (QGIS's OGC API provider) can send it back unchanged with a PUT: the write
				// is refused (412) when someone else changed the feature since (server/ogc/ogc_write.go).
				Field{Name: "version", Type: Integer, Derived: true, Expr: "(SELECT coalesce(max(v.version), 0) FROM feature_versions v WHERE v.layer = 'clusters' AND v.fid = t.id)",
					Title: Text{"Phiên bản (chỉ đọc; gửi lại khi sửa)", "Version (read-only; sent back with an edit)"}},
				Field{Name: "investor", Type: String, Title: Text{"Chủ đầu tư hạ tầng", "Infrastructure investor"}},
				Field{Name: "target_industries", Type: StringArray, Title: Text{"Ngành nghề thu hút", "Target industries"}},
				Field{Name: "decision_number", Type: String, Title: Text{"Số quyết định thành lập", "Establishing decision"}},
				Field{Name: "decision_date", Type: Date, Title: Text{"Ngày quyết định", "Decision date"}},
				Field{Name: "road_status", Type: String, Vocab: InfraStatuses, DistrictEditable: true, Title: Text{"Đường nội bộ", "Internal roads"}},
				Field{Name: "water_status", Type: String, Vocab: InfraStatuses, DistrictEditable: true, Title: Text{"Cấp nước", "Water supply"}},
				Field{Name: "wastewater_status", Type: String, Vocab: InfraStatuses, DistrictEditable: true, Title: Text{"Xử lý nước thải", "Wastewater treatment"}},
				Field{Name: "power_status", Type: String, Vocab: InfraStatuses, DistrictEditable: true, Title: Text{"Điện", "Power"}},
				Field{Name: "contact", Type: String, DistrictEditable: true, Title: Text{"Liên hệ", "Contact"}},
				Field{Name: "investment_vnd_bn", Type: Number, Title: Text{"Vốn đầu tư (tỷ đồng)", "Investment (VND bn)"}},
				figuresField,
			),
		},
		&Layer{
			ID: "raw_material_zones", Table: "raw_material_zones", Editable: true, KeyColumn: "id", KeyType: Integer, NaturalKey: "name",
			NameColumn: "name", SearchColumns: []string{"name"},
			Title:        Text{"Vùng nguyên liệu", "Raw-material zones"},
			Description:  Text{"Vùng nguyên liệu theo cây trồng; phần lớn ở cấp huyện vì nguồn chỉ nêu huyện.", "Raw-material zones by crop; mostly district-level, as the sources name only districts."},
			GeometryType: "MultiPolygon", Polygonal: true,
			Credits: []Credit{creditFacts, creditBoundaries},
			License: LicenseCCBY30IGO,
			Fields: withProvenance(
				Field{Name: "name", Type: String, Required: true, Title: Text{"Tên", "Name"}},
				Field{Name: "crop", Type: String, Vocab: Crops, Required: true, Title: Text{"Cây trồng", "Crop"}},
				Field{Name: "district_codes", Type: StringArray, Title: Text{"Các huyện", "Districts"}},
				Field{Name: "area_ha", Type: Number, Title: Text{"Diện tích (ha)", "Area (ha)"}},
				Field{Name: "output", Type: String, Title: Text{"Sản lượng", "Output"}},
				Field{Name: "reference_year", Type: Integer, Title: Text{"Năm số liệu", "Reference year"}},
				figuresField,
			),
		},
		&Layer{
			ID: "plants", Table: "plants", Editable: true, KeyColumn: "id", KeyType: Integer, NaturalKey: "name",
			NameColumn: "name", SearchColumns: []string{"name"},
			Title:        Text{"Nhà máy chế biến", "Processing plants"},
			Description:  Text{"Nhà máy chế biến nông sản có nguồn.", "Agro-processing plants with their sources."},
			GeometryType: "Point",
			// Plants sit at district points computed from the geoBoundaries outlines (or the province's).
			Credits: []Credit{creditFacts, creditBoundaries},
			License: LicenseCCBY30IGO,
			Fields: withProvenance(
				Field{Name: "name", Type: String, Required: true, Title: Text{"Tên", "Name"}},
				Field{Name: "kind", Type: String, Vocab: PlantKinds, Required: true, Title: Text{"Loại", "Kind"}},
				Field{Name: "crop", Type: String, Vocab: Crops, Title: Text{"Nguyên liệu", "Crop"}},
				Field{Name: "capacity", Type: Number, Title: Text{"Công suất", "Capacity"}},
				Field{Name: "capacity_unit", Type: String, Title: Text{"Đơn vị công suất", "Capacity unit"}},
				Field{Name: "status", Type: String, Vocab: ProjectStatuses, Title: Text{"Trạng thái", "Status"}},
				Field{Name: "district_code", Type: String, Title: Text{"Mã huyện", "District code"}},
				Field{Name: "district", Type: String, Derived: true, Expr: districtName, Title: Text{"Huyện", "District"}},
				figuresField,
			),
		},
		&Layer{
			ID: "energy", Table: "energy", Editable: true, KeyColumn: "id", KeyType: Integer, NaturalKey: "name",
			NameColumn: "name", SearchColumns: []string{"name"},
			Title:        Text{"Dự án năng lượng", "Energy projects"},
			Description:  Text{"Thủy điện, điện mặt trời, điện gió, điện sinh khối.", "Hydropower, solar, wind and biomass projects."},
			GeometryType: "Point",
			Credits:      []Credit{creditGPPD, creditFacts, creditBoundaries},
			License:      LicenseCCBY40,
			Fields: withProvenance(
				Field{Name: "name", Type: String, Required: true, Title: Text{"Tên", "Name"}},
				Field{Name: "kind", Type: String, Vocab: EnergyKinds, Required: true, Title: Text{"Loại", "Kind"}},
				Field{Name: "capacity_mw", Type: Number, Title: Text{"Công suất (MW)", "Capacity (MW)"}},
				Field{Name: "status", Type: String, Vocab: ProjectStatuses, Title: Text{"Trạng thái", "Status"}},
				Field{Name: "district_code", Type: String, Title: Text{"Mã huyện", "District code"}},
				Field{Name: "district", Type: String, Derived: true, Expr: districtName, Title: Text{"Huyện", "District"}},
				figuresField,
			),
		},
		&Layer{
			ID: "roads", Table: "roads", Editable: true, KeyColumn: "id", KeyType: Integer, NaturalKey: "ref",
			NameColumn: "name", SearchColumns: []string{"name", "ref"},
			Title:        Text{"Quốc lộ", "National highways"},
			Description:  Text{"Quốc lộ 14, 19, 25: đoạn thẳng chỉ dẫn qua các điểm có nguồn (tọa độ Wikipedia), chỉ một phần của mỗi tuyến trong tỉnh; không phải tim đường.", "QL14, QL19, QL25: indicative straight lines through cited waypoints (Wikipedia coordinates), covering only part of each route in the province; not surveyed road centre-lines."},
			GeometryType: "MultiLineString",
			// Every waypoint is a Wikipedia coordinate: the layer is share-alike.
			Credits: []Credit{creditWikipedia, creditFacts},
			License: LicenseCCBYSA40,
			Fields: withProvenance(
				Field{Name: "ref", Type: String, Required: true, Title: Text{"Số hiệu", "Ref"}},
				Field{Name: "name", Type: String, Required: true, Title: Text{"Tên", "Name"}},
			),
		},
		&Layer{
			ID: "lots", Table: "lots", KeyColumn: "id", KeyType: Integer, NaturalKey: "code",
			// Not searched: a lot is found through its cluster, and the search's scan of 100,000
			// lot codes cost every query ~185 ms at national scale.
			NameColumn:   "code",
			Title:        Text{"Lô đất trong cụm", "Lots within clusters"},
			Description:  Text{"Các lô đất theo quy hoạch chi tiết của từng cụm: mục đích sử dụng, diện tích, còn trống hay đã cho thuê; lấy theo khung nhìn (bbox). Tỉnh chưa có nguồn cho lô đất của các cụm nên lớp này đang trống.", "The lots of each cluster as its detailed plan divides them: use, area, free or leased; read by bounding box. No source at hand gives the lots of the province's clusters, so the layer is empty for now."},
			GeometryType: "MultiPolygon",
			Credits:      []Credit{creditLots},
			License:      LicenseCCBY40,
			Fields: withProvenance(
				Field{Name: "code", Type: String, Required: true, MaxChars: 200, Title: Text{"Mã lô", "Lot code"}},
				Field{Name: "cluster_id", Type: Integer, Required: true, Title: Text{"Mã cụm", "Cluster id"}},
				Field{Name: "cluster", Type: String, Derived: true, Expr: "(SELECT c.name FROM clusters c WHERE c.id = t.cluster_id)", Title: Text{"Cụm", "Cluster"}},
				Field{Name: "land_use", Type: String, Vocab: LotLandUses, Required: true, Title: Text{"Mục đích sử dụng", "Land use"}},
				Field{Name: "status", Type: String, Vocab: LotStatuses, Required: true, Title: Text{"Tình trạng", "Status"}},
				Field{Name: "area_ha", Type: Number, Derived: true, Title: Text{"Diện tích (ha)", "Area (ha)"}},
			),
		},
	)
	if err != nil {
		panic(err) // the literal catalog above is unique by construction
	}
	return c
}
