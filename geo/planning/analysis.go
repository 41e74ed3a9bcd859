package planning

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/clustermap/clustermap/geo"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Planning analysis: eligibility under Decree 32/2024/NĐ-CP, raw-material linkage,
// region summaries and the investor site finder. Every check and figure is computed in SQL; Go
// words the reasons. Distances come from cluster_distances (migrations/00003_analysis.sql), which
// the database keeps current on every write, so no answer computes a geodesic distance itself.

// Verdict is the answer to one condition or question. Unknown always names the missing data.
type Verdict string

// Verdicts. NotApplicable answers questions the rule does not ask of a feature (the expansion rules
// of Decree 32/2024 concern CCN, not KCN or KKT).
const (
	Yes           Verdict = "yes"
	No            Verdict = "no"
	Unknown       Verdict = "unknown"
	NotApplicable Verdict = "not_applicable"
)

// Thresholds of Decree 32/2024/NĐ-CP, quoted with their source in docs/sources/decree-32-2024.md.
const (
	ExpandMinOccupancyPct  = 60.0  // expansion: occupancy at least 60 %
	MaxClusterAreaHa       = 75.0  // a CCN, also after expansion, is at most 75 ha
	MinClusterAreaHa       = 10.0  // a CCN is at least 10 ha
	FoundMinAvgOccupancy   = 50.0  // founding: the district's CCNs average more than 50 % ...
	FoundMaxUnleasedHa     = 100.0 // ... or hold at most 100 ha of unleased industrial land
	MountainousMinAreaHa68 = 5.0   // Decree 68/2017 allowed 5 ha in mountainous districts
)

// Linkage radius bounds, in km. MaxRadiusKM is the horizon of the stored distances
// (analysis_horizon_m() in the migration); a test keeps the two equal.
const (
	DefaultRadiusKM = 30.0
	MinRadiusKM     = 1.0
	MaxRadiusKM     = 200.0
)

// RuleSource is a legal or method source an answer rests on.
type RuleSource struct {
	Title   string `json:"title"`
	TitleVI string `json:"title_vi"`
	URL     string `json:"url"`
}

var (
	sourceDecree32 = RuleSource{"Decree 32/2024/NĐ-CP on the management and development of industrial clusters (English text)",
		"Nghị định 32/2024/NĐ-CP về quản lý, phát triển cụm công nghiệp (bản tiếng Anh)",
		"https://thuvienphapluat.vn/van-ban/Thuong-mai/Decree-32-2024-ND-CP-management-and-development-of-industrial-clusters-603757.aspx"}
	sourceConditions = RuleSource{"Conditions to establish and expand a cluster under Decree 32/2024 (Tạp chí Công Thương)",
		"Điều kiện thành lập, mở rộng cụm công nghiệp theo Nghị định 32/2024 (Tạp chí Công Thương)",
		"https://kinhte.congthuong.vn/thanh-lap-mo-rong-phat-trien-cum-cong-nghiep-can-dap-ung-cac-dieu-kien-gi-308961.html"}
	sourceSizeLimits = RuleSource{"Size limits under Decree 68/2017 and 32/2024 (LawNet)",
		"Giới hạn diện tích theo Nghị định 68/2017 và 32/2024 (LawNet)",
		"https://lawnet.vn/judgment/en/tin-tuc/industrial-cluster-development-plan-in-vietnam-according-to-decree-322024ndcp-10523"}
	sourceSectors = RuleSource{"Sectors encouraged in clusters, Decree 32/2024 Art. 3 (Luật Việt An)",
		"Ngành nghề khuyến khích đầu tư vào cụm công nghiệp, Điều 3 Nghị định 32/2024 (Luật Việt An)",
		"https://luatvietan.vn/nghi-dinh-32-2024-nd-cp-ve-quan-ly-phat-trien-cum-cong-nghiep.html"}
	sourcePostGIS = RuleSource{"PostGIS ST_Distance on geography: minimum geodesic distance on the WGS 84 spheroid",
		"PostGIS ST_Distance trên kiểu geography: khoảng cách trắc địa ngắn nhất trên elipxoit WGS 84",
		"https://postgis.net/docs/ST_Distance.html"}
)

// Sources are what an answer rests on: the data rows' own sources and the rules or methods applied.
type Sources struct {
	Data  []string     `json:"data"`
	Rules []RuleSource `json:"rules"`
}

// Condition is one checked (or uncheckable) condition of a rule, with its reason.
type Condition struct {
	ID      string  `json:"id"`
	Rule    string  `json:"rule"`
	Verdict Verdict `json:"verdict"`
	Reason  string  `json:"reason"`
	// Checkable is false for conditions ClusterMap's data cannot decide (provincial list, land
	// fund); they are listed so nobody mistakes a data verdict for a legal one.
	Checkable bool           `json:"checkable"`
	Missing   []string       `json:"missing,omitempty"`
	Values    map[string]any `json:"values,omitempty"`
}

// allOf combines checkable conditions: any no makes no, else any unknown makes unknown.
func allOf(conds []Condition) Verdict {
	v := Yes
	for _, c := range conds {
		if !c.Checkable {
			continue
		}
		switch c.Verdict {
		case No:
			return No
		case Unknown:
			v = Unknown
		}
	}
	return v
}

// missingOf lists, once each, the data missing from unknown checkable conditions.
func missingOf(conds []Condition) []string {
	out := []string{}
	for _, c := range conds {
		if !c.Checkable || c.Verdict != Unknown {
			continue
		}
		for _, m := range c.Missing {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}

func reasonsOf(conds []Condition) []string {
	out := make([]string, 0, len(conds))
	for _, c := range conds {
		out = append(out, fmt.Sprintf("%s: %s — %s", c.Rule, c.Verdict, c.Reason))
	}
	return out
}

// CropIndustry is one row of the crop → industry mapping (table crop_industries, documented in
// migrations/00003_analysis.sql): a cluster processes the crop when one of its target industries
// contains one of the terms (the crop or its products) or generic terms (broad sectors that take
// it), compared without case or diacritics. Terms also let an investor's industry ("cassava
// starch") name a crop in the site finder.
type CropIndustry struct {
	Crop    string   `json:"crop"`
	Terms   []string `json:"terms"`
	Generic []string `json:"generic_terms"`
	Note    string   `json:"note"`
}

// CropIndustries reads the crop → industry mapping.
func (s *Planner) CropIndustries(ctx context.Context) ([]CropIndustry, error) {
	var out []CropIndustry
	err := s.readAnalysis(ctx, "crop industries", func(tx pgx.Tx) (err error) {
		out, err = readCropIndustries(ctx, tx)
		return err
	})
	return out, err
}

const cropIndustriesSQL = `SELECT ci.crop::text, ci.terms, ci.generic_terms, ci.note FROM crop_industries ci ORDER BY ci.crop`

func readCropIndustries(ctx context.Context, tx pgx.Tx) ([]CropIndustry, error) {
	rows, err := tx.Query(ctx, cropIndustriesSQL)
	if err != nil {
		return nil, err
	}
	return collectCropIndustries(rows)
}

// collectCropIndustries reads the rows of cropIndustriesSQL.
func collectCropIndustries(rows pgx.Rows) ([]CropIndustry, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CropIndustry, error) {
		var ci CropIndustry
		err := r.Scan(&ci.Crop, &ci.Terms, &ci.Generic, &ci.Note)
		return ci, err
	})
}

// readAnalysis runs fn in one read-only, repeatable-read transaction, so that every query of an
// answer sees the same data, under the store's timeout (JIT is off for every connection; see
// geo.Open). Plans are made per call with the actual values (force_custom_plan), never generic.
func (s *Planner) readAnalysis(ctx context.Context, what string, fn func(pgx.Tx) error) error {
	ctx, cancel := s.queryContext(ctx)
	defer cancel()
	err := s.store.Read(ctx, func(db *pgxpool.Pool) error {
		return pgx.BeginTxFunc(ctx, db, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
			func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
					return err
				}
				return fn(tx)
			})
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// LayersRead are the catalog layers the linkage, summaries and site finder read; with the analysis
// tables' own version (respcache.AnalysisVersion) they are what a cache of those answers keys on.
func (s *Planner) LayersRead() []string { return s.layersRead }

// km converts metres to kilometres rounded to the metre.
func km(m float64) float64 { return math.Round(m) / 1000 }

// kmPtr is km for nullable distances.
func kmPtr(m *float64) *float64 {
	if m == nil {
		return nil
	}
	v := km(*m)
	return &v
}

// round2 rounds a nullable figure (hectares, percentages) to two decimals for display; verdicts
// are decided in SQL on the exact values.
func round2(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := math.Round(*v*100) / 100
	return &r
}

// fmtNum writes a figure without trailing zeros.
func fmtNum(v float64) string { return fmt.Sprintf("%g", math.Round(v*100)/100) }

// CheckRadius validates a linkage radius in km.
func CheckRadius(v float64) error {
	if math.IsNaN(v) || v < MinRadiusKM || v > MaxRadiusKM {
		return &geo.InputError{Msg: fmt.Sprintf("the radius must be a number from %g to %g km", MinRadiusKM, MaxRadiusKM)}
	}
	return nil
}

// IsCrop reports whether s is one of the crop enum values.
func IsCrop(s string) bool { return geo.Crops.Has(s) }

// IsClusterKind reports whether s is one of the cluster kinds (ccn, kcn, kkt).
func IsClusterKind(s string) bool { return geo.ClusterKinds.Has(s) }

// Crops lists the crop enum values.
func Crops() []string { return geo.Crops.Codes() }

// mergeSources appends the sources in lists to out once each, in order.
func mergeSources(out []string, lists ...[]string) []string {
	seen := make(map[string]bool, len(out))
	for _, s := range out {
		seen[s] = true
	}
	for _, l := range lists {
		for _, s := range l {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}
