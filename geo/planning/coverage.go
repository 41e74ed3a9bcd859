package planning

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
)

// CoverageItem compares one of the province's own totals with what ClusterMap holds.
type CoverageItem struct {
	Slug    string   `json:"slug"`
	Subject geo.Text `json:"subject"`
	// ProvinceCount and ProvinceAreaHa are the province's figures as its source gives them;
	// Figures says which are lower bounds or approximations ("more than 1,200 ha").
	ProvinceCount  *int64                       `json:"province_count"`
	ProvinceAreaHa *float64                     `json:"province_area_ha"`
	Figures        map[string]map[string]string `json:"figures"`
	AsOf           string                       `json:"as_of"`
	// Held is how many of them ClusterMap holds; nil when it holds nothing comparable.
	Held      *int64   `json:"held"`
	Statement geo.Text `json:"statement"`
	Notes     *string  `json:"notes"`
	Sources   []string `json:"sources"`
}

// Coverage says how much of the province ClusterMap's summaries cover.
type Coverage struct {
	// Scope names the province the totals describe: Gia Lai before the July 2025 merger.
	Scope     geo.Text       `json:"scope"`
	Statement geo.Text       `json:"statement"`
	Items     []CoverageItem `json:"items"`
}

// coverageSQL reads the province totals with ClusterMap's own count of the same thing. Which
// clusters answer which total is fixed here, by slug; a total of another slug is stated with no
// comparison (held is NULL).
const coverageSQL = `
SELECT p.slug, p.subject_vi, p.subject_en, p.count::bigint, p.area_ha::float8, p.figures, p.as_of, p.notes, p.sources,
       CASE p.slug
         WHEN 'ccn_planned' THEN (SELECT count(*) FROM clusters WHERE kind = 'ccn')
         WHEN 'ccn_established' THEN (SELECT count(*) FROM clusters WHERE kind = 'ccn' AND status >= 'established')
         WHEN 'kcn' THEN (SELECT count(*) FROM clusters WHERE kind = 'kcn')
       END
  FROM province_totals p
 ORDER BY CASE p.slug WHEN 'ccn_planned' THEN 1 WHEN 'ccn_established' THEN 2 WHEN 'secondary_projects' THEN 3 WHEN 'kcn' THEN 4 ELSE 5 END, p.slug`

var qualifierWords = map[string]geo.Text{"at_least": {VI: "trên ", EN: "more than "}, "about": {VI: "khoảng ", EN: "about "}}

// readCoverage states, per province total, how many ClusterMap holds.
func readCoverage(ctx context.Context, tx pgx.Tx) (Coverage, error) {
	out := Coverage{
		Scope: geo.Text{VI: "Tỉnh Gia Lai trước ngày 1/7/2025 (17 đơn vị cấp huyện)", EN: "Gia Lai province before 1 July 2025 (17 district-level units)"},
		Items: []CoverageItem{},
	}
	rows, err := tx.Query(ctx, coverageSQL)
	if err != nil {
		return out, fmt.Errorf("coverage: %w", err)
	}
	defer rows.Close()
	var vi, en []string
	for rows.Next() {
		var it CoverageItem
		var figures []byte
		if err := rows.Scan(&it.Slug, &it.Subject.VI, &it.Subject.EN, &it.ProvinceCount, &it.ProvinceAreaHa, &figures,
			&it.AsOf, &it.Notes, &it.Sources, &it.Held); err != nil {
			return out, fmt.Errorf("coverage: %w", err)
		}
		if err := json.Unmarshal(figures, &it.Figures); err != nil {
			return out, fmt.Errorf("coverage %s figures: %w", it.Slug, err)
		}
		it.Statement = coverageStatement(it)
		vi, en = append(vi, it.Statement.VI), append(en, it.Statement.EN)
		out.Items = append(out.Items, it)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("coverage: %w", err)
	}
	if len(out.Items) == 0 {
		out.Statement = geo.Text{VI: "Không có số liệu tổng của tỉnh để so sánh.", EN: "No province totals are recorded to compare with."}
		return out, nil
	}
	out.Statement = geo.Text{VI: strings.Join(vi, " "), EN: strings.Join(en, " ")}
	return out, nil
}

// coverageStatement words one comparison, e.g. "ClusterMap holds 9 of the 23 CCN planned (more
// than 1,200 ha; as of 2022-12-02)."
func coverageStatement(it CoverageItem) geo.Text {
	var total geo.Text
	if it.ProvinceCount != nil {
		q := qualifierWords[it.Figures["count"]["qualifier"]]
		n := float64(*it.ProvinceCount)
		total = geo.Text{VI: q.VI + groupDigits(n, "vi"), EN: q.EN + groupDigits(n, "en")}
	}
	area := geo.Text{}
	if it.ProvinceAreaHa != nil {
		q := qualifierWords[it.Figures["area_ha"]["qualifier"]]
		area = geo.Text{VI: q.VI + groupDigits(*it.ProvinceAreaHa, "vi") + " ha", EN: q.EN + groupDigits(*it.ProvinceAreaHa, "en") + " ha"}
	}
	subject := it.Subject
	detail := func(lang string) string {
		a, when := area.EN, "as of "
		if lang == "vi" {
			a, when = area.VI, "thời điểm "
		}
		if a != "" {
			return " (" + a + "; " + when + it.AsOf + ")"
		}
		return " (" + when + it.AsOf + ")"
	}
	if it.Held == nil {
		return geo.Text{
			VI: fmt.Sprintf("Tỉnh có %s %s%s; ClusterMap không lưu các đối tượng này.", total.VI, subject.VI, detail("vi")),
			EN: fmt.Sprintf("The province reports %s %s%s; ClusterMap holds none of them.", total.EN, subject.EN, detail("en")),
		}
	}
	return geo.Text{
		VI: fmt.Sprintf("ClusterMap có %d trong %s %s của tỉnh%s.", *it.Held, total.VI, subject.VI, detail("vi")),
		EN: fmt.Sprintf("ClusterMap holds %d of the province's %s %s%s.", *it.Held, total.EN, subject.EN, detail("en")),
	}
}

// groupDigits writes a number as people read it in each language: 1,200.5 (en), 1.200,5 (vi).
func groupDigits(v float64, lang string) string {
	intPart, frac, _ := strings.Cut(fmtNum(v), ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(map[string]string{"vi": ".", "en": ","}[lang])
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString(map[string]string{"vi": ",", "en": "."}[lang] + frac)
	}
	return b.String()
}
