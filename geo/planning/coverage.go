package planning

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

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
	// Province is the province the total is of; ValidTo its last day when it no longer exists
	// (a total of a province before the 2025 mergers).
	Province string  `json:"province"`
	ValidTo  *string `json:"province_valid_to,omitempty"`
}

// provinceLabel names the item's province with its date when it no longer exists.
func (it CoverageItem) provinceLabel() geo.Text {
	if it.ValidTo == nil {
		return geo.Text{VI: it.Province, EN: it.Province}
	}
	d, err := time.Parse("2006-01-02", *it.ValidTo)
	if err != nil {
		return geo.Text{VI: it.Province, EN: it.Province}
	}
	return geo.Text{VI: fmt.Sprintf("%s (đến hết ngày %d/%d/%d)", it.Province, d.Day(), int(d.Month()), d.Year()),
		EN: fmt.Sprintf("%s (until %d %s %d)", it.Province, d.Day(), d.Month(), d.Year())}
}

// Coverage says how much of the province ClusterMap's summaries cover.
type Coverage struct {
	// Scope names the provinces the totals describe, with the dates they were valid.
	Scope     geo.Text       `json:"scope"`
	Statement geo.Text       `json:"statement"`
	Items     []CoverageItem `json:"items"`
}

// coverageSQL reads the province totals of the province $1 valid today (NULL: every province of
// today), and of the provinces it was formed from, with ClusterMap's own count of the same thing
// over the same territory: for a province of today, the clusters that lie in it; for a former
// province, the clusters of its districts. Which clusters answer which total is fixed here, by the
// end of the slug (…ccn_planned, …ccn_established, …ccn_operating, …kcn); a total of another slug
// is stated with no comparison (held is NULL).
const coverageSQL = `
WITH today AS (
  SELECT u.id, u.formed_from FROM admin_units u
   WHERE u.level = 'province' AND daterange(u.valid_from, u.valid_to, '[]') @> current_date
     AND ($1::text IS NULL OR u.code = $1)),
scope AS (
  SELECT id FROM today UNION SELECT unnest(formed_from) FROM today)
SELECT p.slug, p.subject_vi, p.subject_en, p.count::bigint, p.area_ha::float8, p.figures, p.as_of, p.notes, p.sources,
       u.name, CASE WHEN u.valid_to < current_date THEN to_char(u.valid_to, 'YYYY-MM-DD') END,
       CASE WHEN p.slug ~ '(ccn_planned|ccn_established|ccn_operating|kcn|kcn_planned)$' THEN
         (SELECT count(*) FROM clusters c
           WHERE CASE WHEN u.valid_to IS NULL OR u.valid_to >= current_date THEN c.province_code = u.code
                      ELSE c.district_code IN (SELECT d.code FROM admin_units d WHERE d.level = 'district' AND d.parent_id = u.id) END
             AND CASE WHEN p.slug ~ 'ccn_planned$' THEN c.kind = 'ccn'
                      WHEN p.slug ~ 'ccn_established$' THEN c.kind = 'ccn' AND c.status >= 'established'
                      WHEN p.slug ~ 'ccn_operating$' THEN c.kind = 'ccn' AND c.status IN ('operating', 'expanded')
                      ELSE c.kind = 'kcn' END)
       END
  FROM province_totals p
  JOIN admin_units u ON u.id = p.unit_id
 WHERE p.unit_id IN (SELECT id FROM scope)
 ORDER BY u.valid_to DESC NULLS FIRST, u.code,
          CASE WHEN p.slug ~ 'ccn_planned$' THEN 1 WHEN p.slug ~ 'ccn_established$' THEN 2 WHEN p.slug ~ 'ccn_operating$' THEN 3
               WHEN p.slug ~ 'secondary_projects$' THEN 4 WHEN p.slug ~ 'kcn' THEN 5 ELSE 6 END, p.slug`

var qualifierWords = map[string]geo.Text{"at_least": {VI: "trên ", EN: "more than "}, "about": {VI: "khoảng ", EN: "about "}}

// readCoverage states, per province total, how many ClusterMap holds: the totals of province
// (empty: of every province of today) and of the provinces it was formed from.
func readCoverage(ctx context.Context, tx pgx.Tx, province string) (Coverage, error) {
	out := Coverage{Items: []CoverageItem{}}
	rows, err := tx.Query(ctx, coverageSQL, nullable(province))
	if err != nil {
		return out, fmt.Errorf("coverage: %w", err)
	}
	defer rows.Close()
	var vi, en, scopeVI, scopeEN []string
	for rows.Next() {
		var it CoverageItem
		var figures []byte
		if err := rows.Scan(&it.Slug, &it.Subject.VI, &it.Subject.EN, &it.ProvinceCount, &it.ProvinceAreaHa, &figures,
			&it.AsOf, &it.Notes, &it.Sources, &it.Province, &it.ValidTo, &it.Held); err != nil {
			return out, fmt.Errorf("coverage: %w", err)
		}
		if err := json.Unmarshal(figures, &it.Figures); err != nil {
			return out, fmt.Errorf("coverage %s figures: %w", it.Slug, err)
		}
		it.Statement = coverageStatement(it)
		vi, en = append(vi, it.Statement.VI), append(en, it.Statement.EN)
		if l := it.provinceLabel(); !slices.Contains(scopeVI, l.VI) {
			scopeVI, scopeEN = append(scopeVI, l.VI), append(scopeEN, l.EN)
		}
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
	out.Scope = geo.Text{VI: strings.Join(scopeVI, "; "), EN: strings.Join(scopeEN, "; ")}
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
	province := it.provinceLabel()
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
			VI: fmt.Sprintf("Tỉnh %s có %s %s%s; ClusterMap không lưu các đối tượng này.", province.VI, total.VI, subject.VI, detail("vi")),
			EN: fmt.Sprintf("%s reports %s %s%s; ClusterMap holds none of them.", province.EN, total.EN, subject.EN, detail("en")),
		}
	}
	return geo.Text{
		VI: fmt.Sprintf("ClusterMap có %d trong %s %s của tỉnh %s%s.", *it.Held, total.VI, subject.VI, province.VI, detail("vi")),
		EN: fmt.Sprintf("ClusterMap holds %d of the %s %s in %s%s.", *it.Held, total.EN, subject.EN, province.EN, detail("en")),
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
