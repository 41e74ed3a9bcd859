package planning

import (
	"context"
	"errors"
	"fmt"
	"github.com/clustermap/clustermap/geo"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ClusterRef names a cluster in an answer.
type ClusterRef struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Kind         string  `json:"kind"`
	Status       string  `json:"status"`
	DistrictCode *string `json:"district_code"`
	District     *string `json:"district"`
	Region       *string `json:"region"`
}

// SizeCheck flags a CCN outside 10–75 ha.
type SizeCheck struct {
	// Verdict is within, outside, unknown or not_applicable (KCN and KKT).
	Verdict   string   `json:"verdict"`
	Flagged   *bool    `json:"flagged"`
	AreaHa    *float64 `json:"area_ha"`
	AreaBasis *string  `json:"area_basis"`
	MinHa     float64  `json:"min_ha"`
	MaxHa     float64  `json:"max_ha"`
	Reason    string   `json:"reason"`
}

// ClusterEligibility answers "may this cluster expand?".
type ClusterEligibility struct {
	Cluster  ClusterRef `json:"cluster"`
	Question string     `json:"question"`
	// Verdict covers the checkable conditions; NotChecked lists those the data cannot decide.
	Verdict     Verdict     `json:"verdict"`
	Reasons     []string    `json:"reasons"`
	Missing     []string    `json:"missing"`
	Assumptions []string    `json:"assumptions"`
	Conditions  []Condition `json:"conditions"`
	NotChecked  []Condition `json:"not_checked"`
	Size        SizeCheck   `json:"size"`
	Sources     Sources     `json:"sources"`
}

// clusterEligibilitySQL checks each expansion condition of Decree 32/2024 for one cluster ($1),
// with $2 the occupancy floor, $3 the proposed expansion in ha (NULL: not given), $4 the area
// ceiling and $5 the size floor. Occupancy is leased / industrial land when both are known (the
// stored occupancy_pct is rounded to 0.1, which would let 59.96 % pass as 60 %), else the stated
// occupancy. The area is the established area, else the planned one.
const clusterEligibilitySQL = `
WITH c AS (
  SELECT t.*, d.name AS district_name, rm.region_slug,
         coalesce(t.established_area_ha, t.planned_area_ha) AS area,
         CASE WHEN t.established_area_ha IS NOT NULL THEN 'established_area_ha'
              WHEN t.planned_area_ha IS NOT NULL THEN 'planned_area_ha' END AS area_basis,
         -- The tenant register's leased land where it has some (and says so), else the stated.
         CASE WHEN t.tenant_leased_ha IS NOT NULL AND t.industrial_land_ha > 0
              THEN 100 * t.tenant_leased_ha / t.industrial_land_ha
              WHEN t.leased_land_ha IS NOT NULL AND t.industrial_land_ha > 0
              THEN 100 * t.leased_land_ha / t.industrial_land_ha ELSE t.occupancy_pct END AS occ,
         CASE WHEN t.tenant_leased_ha IS NOT NULL AND t.industrial_land_ha > 0 THEN 'tenant register: leased land / industrial_land_ha'
              WHEN t.leased_land_ha IS NOT NULL AND t.industrial_land_ha > 0 THEN 'leased_land_ha / industrial_land_ha'
              WHEN t.occupancy_pct IS NOT NULL THEN 'occupancy_pct' END AS occ_basis,
         -- How old the figure relied on is: the register's last change, or the as-of date its source gives (figures).
         CASE WHEN t.tenant_leased_ha IS NOT NULL AND t.industrial_land_ha > 0 THEN to_char(t.tenants_as_of, 'YYYY-MM-DD')
              WHEN t.leased_land_ha IS NOT NULL AND t.industrial_land_ha > 0 THEN t.figures -> 'leased_land_ha' ->> 'as_of'
              WHEN t.occupancy_pct IS NOT NULL THEN t.figures -> 'occupancy_pct' ->> 'as_of' END AS occ_as_of,
         nullif(btrim(t.investor), '') AS investor_name
    FROM clusters t
    LEFT JOIN districts d ON d.code = t.district_code
    LEFT JOIN region_members rm ON rm.district_code = t.district_code
   WHERE t.id = $1)
SELECT id, name, kind::text, status::text, district_code, district_name, region_slug, sources,
       area::float8, area_basis, occ::float8, occ_basis, occ_as_of,
       industrial_land_ha::float8, coalesce(tenant_leased_ha, leased_land_ha)::float8, investor_name,
       road_status::text, water_status::text, wastewater_status::text,
       CASE WHEN occ >= $2 THEN 'yes' ELSE 'unknown' END,
       CASE WHEN road_status IS NULL THEN 'unknown' WHEN road_status = 'in_use' THEN 'yes' ELSE 'no' END,
       CASE WHEN water_status IS NULL THEN 'unknown' WHEN water_status = 'in_use' THEN 'yes' ELSE 'no' END,
       CASE WHEN wastewater_status IS NULL THEN 'unknown' WHEN wastewater_status = 'in_use' THEN 'yes' ELSE 'no' END,
       CASE WHEN investor_name IS NOT NULL OR status >= 'investor_selected' THEN 'yes' ELSE 'no' END,
       CASE WHEN area IS NULL THEN 'unknown'
            WHEN $3::numeric IS NULL THEN CASE WHEN area < $4 THEN 'yes' ELSE 'no' END
            WHEN area + $3::numeric <= $4 THEN 'yes' ELSE 'no' END,
       (area + $3::numeric)::float8,
       CASE WHEN kind <> 'ccn' THEN 'not_applicable' WHEN area IS NULL THEN 'unknown'
            WHEN area BETWEEN $5 AND $4 THEN 'within' ELSE 'outside' END
  FROM c`

// ClusterEligibility answers whether cluster id may expand under Decree 32/2024. addHa is the
// proposed expansion in hectares; nil asks whether any expansion fits under 75 ha.
func (s *Planner) ClusterEligibility(ctx context.Context, id int64, addHa *float64) (*ClusterEligibility, error) {
	var add *string
	if addHa != nil {
		v := strconv.FormatFloat(*addHa, 'f', -1, 64)
		add = &v
	}
	var (
		out                               ClusterEligibility
		sources                           []string
		area, occ, ind, leased, after     *float64
		areaBasis, occBasis, investor     *string
		occAsOf                           *string
		road, water, wastewater           *string
		vOcc, vRoad, vWater, vWaste, vInv string
		vArea, vSize                      string
	)
	c := &out.Cluster
	err := s.readAnalysis(ctx, "cluster eligibility", func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, clusterEligibilitySQL, id, ExpandMinOccupancyPct, add, MaxClusterAreaHa, MinClusterAreaHa).Scan(
			&c.ID, &c.Name, &c.Kind, &c.Status, &c.DistrictCode, &c.District, &c.Region, &sources,
			&area, &areaBasis, &occ, &occBasis, &occAsOf, &ind, &leased, &investor, &road, &water, &wastewater,
			&vOcc, &vRoad, &vWater, &vWaste, &vInv, &vArea, &after, &vSize)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, geo.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	out.Question = "May this cluster expand under Decree 32/2024/NĐ-CP?"
	out.Sources = Sources{Data: sources, Rules: []RuleSource{sourceDecree32, sourceConditions, sourceSizeLimits}}
	out.Size = sizeCheck(vSize, area, areaBasis)
	out.Assumptions = []string{}
	if c.Kind != "ccn" {
		out.Verdict = NotApplicable
		out.Conditions, out.NotChecked, out.Missing = []Condition{}, []Condition{}, []string{}
		out.Reasons = []string{fmt.Sprintf("%s is a %s: Decree 32/2024 governs industrial clusters (CCN); industrial parks (KCN) and the border-gate economic zone (KKT) are separate instruments, so its expansion rules do not apply.",
			c.Name, strings.ToUpper(c.Kind))}
		return &out, nil
	}
	out.Conditions = []Condition{
		occupancyCondition(Verdict(vOcc), occ, occBasis, occAsOf, ind, leased),
		infraCondition("roads", "Internal roads built and in use", "road_status", Verdict(vRoad), road),
		infraCondition("water", "Water supply built and in use", "water_status", Verdict(vWater), water),
		infraCondition("wastewater", "Wastewater treatment built and in use", "wastewater_status", Verdict(vWaste), wastewater),
		investorCondition(Verdict(vInv), investor, c.Status),
		areaCondition(Verdict(vArea), area, areaBasis, addHa, after),
	}
	if addHa == nil {
		out.Assumptions = append(out.Assumptions, fmt.Sprintf(
			"No add_ha given: the area condition asks whether any expansion fits, i.e. whether the cluster is below %g ha now; room_ha says how much.", MaxClusterAreaHa))
	}
	out.NotChecked = []Condition{{
		ID: "land_fund", Rule: "Land for the expansion consistent with the district land-use plan", Verdict: Unknown,
		Reason: "ClusterMap holds no land-use plan, so this condition must be checked with the district.",
	}}
	out.Verdict = allOf(out.Conditions)
	out.Missing = missingOf(out.Conditions)
	out.Reasons = reasonsOf(out.Conditions)
	return &out, nil
}

func occupancyCondition(v Verdict, occ *float64, basis, asOf *string, ind, leased *float64) Condition {
	c := Condition{ID: "occupancy", Rule: fmt.Sprintf("Occupancy at least %g %% (or demand for land above the industrial land)", ExpandMinOccupancyPct),
		Verdict: v, Checkable: true,
		Values: map[string]any{"occupancy_pct": round2(occ), "occupancy_basis": basis, "occupancy_as_of": asOf,
			"industrial_land_ha": ind, "leased_land_ha": leased, "threshold_pct": ExpandMinOccupancyPct}}
	const demand = "demand for industrial land in the cluster (not recorded in ClusterMap)"
	switch {
	case v == Yes:
		c.Reason = fmt.Sprintf("occupancy is %s %% (%s; %s), at least %g %%.", fmtNum(*occ), occBasisText(*basis, ind, leased), asOfText(asOf), ExpandMinOccupancyPct)
	case occ != nil:
		c.Reason = fmt.Sprintf("occupancy is %s %% (%s; %s), below %g %%; the alternative, demand for land above the industrial land, cannot be checked because ClusterMap records no land demand.",
			fmtNum(*occ), occBasisText(*basis, ind, leased), asOfText(asOf), ExpandMinOccupancyPct)
		c.Missing = []string{demand}
	default:
		c.Reason = "no occupancy is recorded (neither occupancy_pct nor leased_land_ha with industrial_land_ha), and no land demand either."
		c.Missing = []string{"occupancy (occupancy_pct, or leased_land_ha with industrial_land_ha)", demand}
	}
	return c
}

// asOfText says how old a figure is, so a verdict resting on an old figure says so.
func asOfText(asOf *string) string {
	if asOf == nil {
		return "the source gives no date for it"
	}
	return "as of " + *asOf + ", the latest the sources give"
}

func occBasisText(basis string, ind, leased *float64) string {
	if basis == "occupancy_pct" {
		return "as stated by the source"
	}
	return fmt.Sprintf("%s of %s ha industrial land leased", fmtNum(*leased), fmtNum(*ind))
}

var infraWords = map[string]string{"none": "not built", "planned": "planned, not built", "under_construction": "not yet in use", "in_use": "built and in use"}

func infraCondition(id, rule, field string, v Verdict, status *string) Condition {
	c := Condition{ID: id, Rule: rule, Verdict: v, Checkable: true, Values: map[string]any{field: status}}
	if status == nil {
		c.Reason = field + " is not recorded."
		c.Missing = []string{field}
		return c
	}
	c.Reason = fmt.Sprintf("%s is %s: %s.", field, *status, infraWords[*status])
	return c
}

func investorCondition(v Verdict, investor *string, stage string) Condition {
	c := Condition{ID: "investor", Rule: "An infrastructure investor", Verdict: v, Checkable: true,
		Values: map[string]any{"investor": investor, "status": stage}}
	switch {
	case investor != nil:
		c.Reason = fmt.Sprintf("the infrastructure investor is %s.", *investor)
	case v == Yes:
		c.Reason = fmt.Sprintf("stage %q comes after investor selection, so an infrastructure investor exists; the source does not name it.", stage)
	default:
		c.Reason = fmt.Sprintf("no investor is recorded and the stage is %q, before investor selection.", stage)
	}
	return c
}

func areaCondition(v Verdict, area *float64, basis *string, addHa, after *float64) Condition {
	c := Condition{ID: "total_area", Rule: fmt.Sprintf("Total area after expansion at most %g ha", MaxClusterAreaHa), Verdict: v, Checkable: true,
		Values: map[string]any{"area_ha": area, "area_basis": basis, "add_ha": addHa, "total_after_ha": round2(after), "max_ha": MaxClusterAreaHa}}
	if area == nil {
		c.Reason = "the cluster's area is not recorded (neither established_area_ha nor planned_area_ha)."
		c.Missing = []string{"area (established_area_ha or planned_area_ha)"}
		return c
	}
	room := max(0, MaxClusterAreaHa-*area)
	c.Values["room_ha"] = *round2(&room)
	if addHa != nil {
		c.Reason = fmt.Sprintf("%s ha (%s) + %s ha proposed = %s ha, %s %g ha.", fmtNum(*area), *basis, fmtNum(*addHa), fmtNum(*after),
			map[bool]string{true: "within", false: "above"}[v == Yes], MaxClusterAreaHa)
		return c
	}
	if v == Yes {
		c.Reason = fmt.Sprintf("%s ha (%s) leaves room for up to %s ha more under %g ha.", fmtNum(*area), *basis, fmtNum(room), MaxClusterAreaHa)
	} else {
		c.Reason = fmt.Sprintf("%s ha (%s) already reaches %g ha: no expansion fits.", fmtNum(*area), *basis, MaxClusterAreaHa)
	}
	return c
}

func sizeCheck(v string, area *float64, basis *string) SizeCheck {
	sc := SizeCheck{Verdict: v, AreaHa: area, AreaBasis: basis, MinHa: MinClusterAreaHa, MaxHa: MaxClusterAreaHa}
	flag := func(b bool) *bool { return &b }
	switch v {
	case "not_applicable":
		sc.Reason = "The 10–75 ha size range applies to CCN only; KCN and KKT are separate instruments."
	case "unknown":
		sc.Reason = "The area is not recorded (neither established_area_ha nor planned_area_ha)."
	case "within":
		sc.Flagged = flag(false)
		sc.Reason = fmt.Sprintf("%s ha is within %g–%g ha.", fmtNum(*area), MinClusterAreaHa, MaxClusterAreaHa)
	default:
		sc.Flagged = flag(true)
		sc.Reason = fmt.Sprintf("%s ha is outside %g–%g ha.", fmtNum(*area), MinClusterAreaHa, MaxClusterAreaHa)
		if *area >= MountainousMinAreaHa68 && *area < MinClusterAreaHa {
			sc.Reason += fmt.Sprintf(" Decree 68/2017 allowed %g ha in mountainous districts; whether Decree 32/2024 keeps that floor is unconfirmed.", MountainousMinAreaHa68)
		}
	}
	return sc
}

// DistrictCluster is one cluster of a district as the founding rule sees it.
type DistrictCluster struct {
	ClusterRef
	// Counted clusters are established CCNs ("đã thành lập"): the rule averages over those.
	Counted bool   `json:"counted"`
	Why     string `json:"why"`
	// DistrictBasis says whether a source states the cluster's district or ClusterMap inferred it.
	DistrictBasis   *string  `json:"district_basis"`
	OccupancyPct    *float64 `json:"occupancy_pct"`
	OccupancyAsOf   *string  `json:"occupancy_as_of"`
	IndustrialHa    *float64 `json:"industrial_land_ha"`
	LeasedHa        *float64 `json:"leased_land_ha"`
	UnleasedHa      *float64 `json:"unleased_ha"`
	UnleasedBasis   *string  `json:"unleased_basis"`
	UnleasedUpperHa *float64 `json:"unleased_upper_bound_ha"`
}

// DistrictRef names a district in an answer.
type DistrictRef struct {
	Code   string  `json:"code"`
	Name   string  `json:"name"`
	Kind   string  `json:"kind"`
	Region *string `json:"region"`
}

// DistrictEligibility answers "may this district found a new CCN?".
type DistrictEligibility struct {
	District DistrictRef `json:"district"`
	Question string      `json:"question"`
	// Verdict covers the conditions the data can check; NotChecked must hold as well.
	Verdict      Verdict           `json:"verdict"`
	VerdictScope string            `json:"verdict_scope"`
	Reasons      []string          `json:"reasons"`
	Assumptions  []string          `json:"assumptions"`
	Missing      []string          `json:"missing"`
	Conditions   []Condition       `json:"conditions"`
	NotChecked   []Condition       `json:"not_checked"`
	Clusters     []DistrictCluster `json:"clusters"`
	// Units says which administrative units the answer is about: the pre-July-2025 districts.
	Units   geo.Text `json:"units"`
	Sources Sources  `json:"sources"`
}

var districtCodeRE = regexp.MustCompile(`^[0-9]{3,5}$`)

// districtClustersSQL lists the clusters of district $1 with the figures the founding rule needs.
// Unleased land is industrial − leased, or industrial × (100 − occupancy) / 100 when only the
// occupancy is stated; when it is unknown it still lies between 0 and the industrial land (else
// the cluster's area, which bounds industrial land by constraint), which the verdict uses.
const districtClustersSQL = `
SELECT c.id, c.name, c.kind::text, c.status::text, c.district_code, d.name, rm.region_slug, c.sources,
       c.kind = 'ccn' AND c.status >= 'established' AS counted, c.district_basis,
       CASE WHEN coalesce(c.tenant_leased_ha, c.leased_land_ha) IS NOT NULL AND c.industrial_land_ha > 0
            THEN 100 * coalesce(c.tenant_leased_ha, c.leased_land_ha) / c.industrial_land_ha ELSE c.occupancy_pct END AS occ,
       CASE WHEN c.tenant_leased_ha IS NOT NULL AND c.industrial_land_ha > 0 THEN to_char(c.tenants_as_of, 'YYYY-MM-DD')
            WHEN c.leased_land_ha IS NOT NULL AND c.industrial_land_ha > 0 THEN c.figures -> 'leased_land_ha' ->> 'as_of'
            WHEN c.occupancy_pct IS NOT NULL THEN c.figures -> 'occupancy_pct' ->> 'as_of' END AS occ_as_of,
       c.industrial_land_ha, coalesce(c.tenant_leased_ha, c.leased_land_ha),
       CASE WHEN c.industrial_land_ha IS NOT NULL AND coalesce(c.tenant_leased_ha, c.leased_land_ha) IS NOT NULL
            THEN c.industrial_land_ha - coalesce(c.tenant_leased_ha, c.leased_land_ha)
            WHEN c.industrial_land_ha IS NOT NULL AND c.occupancy_pct IS NOT NULL
            THEN c.industrial_land_ha * (100 - c.occupancy_pct) / 100 END AS unleased,
       CASE WHEN c.industrial_land_ha IS NOT NULL AND c.tenant_leased_ha IS NOT NULL THEN 'industrial_land_ha − leased land of the tenant register'
            WHEN c.industrial_land_ha IS NOT NULL AND c.leased_land_ha IS NOT NULL THEN 'industrial_land_ha − leased_land_ha'
            WHEN c.industrial_land_ha IS NOT NULL AND c.occupancy_pct IS NOT NULL THEN 'industrial_land_ha × (100 − occupancy_pct) / 100' END,
       -- Industrial land bounds the unleased land only when exact: "more than 24.2 ha" is no cap,
       -- so the cluster's area is.
       coalesce(CASE WHEN coalesce(c.figures -> 'industrial_land_ha' ->> 'qualifier', 'exact') = 'exact' THEN c.industrial_land_ha END,
                c.established_area_ha, c.planned_area_ha) AS cap
  FROM clusters c
  JOIN districts d ON d.code = c.district_code
  LEFT JOIN region_members rm ON rm.district_code = c.district_code
 WHERE c.district_code = $1
 ORDER BY counted DESC, c.id`

// districtEligibilitySQL decides the founding rule for district $1 over its established CCNs
// ($2 average-occupancy floor, $3 unleased-land ceiling). Unknown figures are bounded, not
// guessed: an unknown occupancy lies in 0–100 %, an unknown unleased area in 0–cap, so a verdict
// is yes or no only when every value the unknowns could take gives the same answer.
const districtEligibilitySQL = `
WITH cl AS (` + districtClustersSQL + `),
a AS (
  SELECT count(*) FILTER (WHERE counted) AS n,
         count(occ) FILTER (WHERE counted) AS n_occ,
         coalesce(sum(occ) FILTER (WHERE counted), 0) AS sum_occ,
         count(unleased) FILTER (WHERE counted) AS n_unl,
         coalesce(sum(unleased) FILTER (WHERE counted), 0) AS sum_unl,
         coalesce(sum(coalesce(unleased, cap)) FILTER (WHERE counted), 0) AS max_unl,
         coalesce(bool_and(coalesce(unleased, cap) IS NOT NULL) FILTER (WHERE counted), true) AS bounded
    FROM cl),
b AS (
  SELECT a.*,
         CASE WHEN n > 0 THEN sum_occ / n END AS min_avg,
         CASE WHEN n > 0 THEN (sum_occ + 100 * (n - n_occ)) / n END AS max_avg
    FROM a)
SELECT d.code, d.name, d.kind::text, rm.region_slug, d.sources,
       b.n, b.n_occ, b.n_unl, b.min_avg::float8, b.max_avg::float8, b.sum_unl::float8,
       CASE WHEN b.bounded THEN b.max_unl::float8 END,
       CASE WHEN b.n = 0 THEN 'not_required' WHEN b.min_avg > $2 THEN 'yes' WHEN b.max_avg <= $2 THEN 'no' ELSE 'unknown' END,
       CASE WHEN b.n = 0 THEN 'not_required' WHEN b.sum_unl > $3 THEN 'no'
            WHEN b.bounded AND b.max_unl <= $3 THEN 'yes' ELSE 'unknown' END
  FROM districts d
  LEFT JOIN region_members rm ON rm.district_code = d.code
  CROSS JOIN b
 WHERE d.code = $1`

// DistrictEligibility answers whether the district with that code may found a new CCN.
func (s *Planner) DistrictEligibility(ctx context.Context, code string) (*DistrictEligibility, error) {
	if !districtCodeRE.MatchString(code) {
		return nil, &geo.InputError{Msg: fmt.Sprintf("district code %q is not a 3–5 digit code", code)}
	}
	var (
		out                    DistrictEligibility
		dsources               []string
		n, nOcc, nUnl          int
		minAvg, maxAvg, maxUnl *float64
		sumUnl                 float64
		vOcc, vUnl             string
		clusterSources         [][]string
	)
	d := &out.District
	err := s.readAnalysis(ctx, "district eligibility", func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, districtEligibilitySQL, code, FoundMinAvgOccupancy, FoundMaxUnleasedHa).Scan(
			&d.Code, &d.Name, &d.Kind, &d.Region, &dsources, &n, &nOcc, &nUnl, &minAvg, &maxAvg, &sumUnl, &maxUnl, &vOcc, &vUnl)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, districtClustersSQL, code)
		if err != nil {
			return err
		}
		out.Clusters = []DistrictCluster{}
		for rows.Next() {
			var dc DistrictCluster
			var src []string
			if err := rows.Scan(&dc.ID, &dc.Name, &dc.Kind, &dc.Status, &dc.DistrictCode, &dc.District, &dc.Region, &src,
				&dc.Counted, &dc.DistrictBasis, &dc.OccupancyPct, &dc.OccupancyAsOf, &dc.IndustrialHa, &dc.LeasedHa, &dc.UnleasedHa, &dc.UnleasedBasis, &dc.UnleasedUpperHa); err != nil {
				return err
			}
			dc.OccupancyPct, dc.UnleasedHa = round2(dc.OccupancyPct), round2(dc.UnleasedHa)
			if dc.UnleasedHa != nil {
				dc.UnleasedUpperHa = dc.UnleasedHa
			}
			dc.Why = countedWhy(dc)
			if dc.Counted {
				clusterSources = append(clusterSources, src)
			}
			out.Clusters = append(out.Clusters, dc)
		}
		return rows.Err()
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, geo.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	out.Question = "May this district found a new industrial cluster (CCN) under Decree 32/2024/NĐ-CP?"
	out.VerdictScope = "The verdict covers the condition ClusterMap's data can check (the existing clusters' occupancy or unleased land); the conditions under not_checked must hold as well."
	out.Units = geo.Text{
		VI: "Huyện theo địa giới trước ngày 1/7/2025 (cấp huyện đã bãi bỏ từ ngày đó). Nghị định 32/2024 nêu điều kiện này theo địa bàn cấp huyện; Nghị định 139/2025/NĐ-CP (Điều 12) giao UBND cấp tỉnh quyết định cách áp dụng các quy định theo địa bàn cấp huyện mà không quy định phạm vi thay thế, nên ClusterMap tính trên huyện cũ và không tự chọn phạm vi khác.",
		EN: "A district as it was before 1 July 2025 (district-level units were abolished that day). Decree 32/2024 states this condition per district; Decree 139/2025/NĐ-CP (Art. 12) leaves how provisions stated per district apply to the provincial People's Committee and prescribes no replacement scope, so ClusterMap computes it over the former district and chooses no other scope.",
	}
	out.Assumptions = []string{
		"The district is a pre-July-2025 unit: Decree 32/2024's founding rule is applied to the district as it was. Since 1 July 2025 the commune (UBND cấp xã) prepares the founding dossier (Decree 139/2025 Art. 11), and the province decides how the per-district conditions apply (Art. 12); no provincial decision on that scope is recorded here.",
		"Where the law is unclear: a later decree (reported as Decree 303/2026/NĐ-CP, from 15 September 2026) is said to state these conditions per commune with new thresholds; ClusterMap has not seen its text and does not apply it (docs/sources/remits-2025.md).",
		"Only the clusters ClusterMap holds are counted: an established CCN of this district missing from the data would change the answer (coverage in /api/summary compares the clusters ClusterMap holds with the province's own totals).",
	}
	for _, dc := range out.Clusters {
		if dc.DistrictBasis != nil && *dc.DistrictBasis == "inferred" {
			out.Assumptions = append(out.Assumptions, fmt.Sprintf("%s is listed here by ClusterMap's inference: no source states its district (see its notes).", dc.Name))
		}
		if dc.Counted && dc.OccupancyPct != nil {
			out.Assumptions = append(out.Assumptions, fmt.Sprintf("The occupancy of %s relied on is %s %%: %s.", dc.Name, fmtNum(*dc.OccupancyPct), asOfText(dc.OccupancyAsOf)))
		}
	}
	cond := existingClustersCondition(n, nOcc, nUnl, minAvg, maxAvg, sumUnl, maxUnl, vOcc, vUnl)
	out.Conditions = []Condition{cond}
	out.NotChecked = []Condition{
		{ID: "provincial_list", Rule: "The new CCN is on the province's approved list of clusters", Verdict: Unknown,
			Reason: "ClusterMap does not hold the provincial list; " + plannedHint(out.Clusters)},
		{ID: "investor", Rule: "An enterprise, co-operative or organisation proposes to invest in the infrastructure", Verdict: Unknown,
			Reason: "the investor of a cluster not yet founded is not data ClusterMap can hold."},
		{ID: "land_fund", Rule: "Land consistent with the district land-use plan", Verdict: Unknown,
			Reason: "ClusterMap holds no land-use plan."},
	}
	out.Verdict = cond.Verdict
	out.Missing = missingOf(out.Conditions)
	out.Reasons = append(reasonsOf(out.Conditions), "Also required, not checkable from the data: the provincial list, an infrastructure investor and a suitable land fund.")
	out.Sources = Sources{Data: mergeSources(dsources, clusterSources...), Rules: []RuleSource{sourceDecree32, sourceConditions}}
	return &out, nil
}

func countedWhy(dc DistrictCluster) string {
	switch {
	case dc.Kind != "ccn":
		return fmt.Sprintf("not counted: a %s is not an industrial cluster (CCN)", strings.ToUpper(dc.Kind))
	case !dc.Counted:
		return fmt.Sprintf("not counted: stage %q, not yet established", dc.Status)
	}
	return "counted: an established CCN"
}

func plannedHint(cl []DistrictCluster) string {
	var names []string
	for _, c := range cl {
		if c.Kind == "ccn" && !c.Counted {
			names = append(names, fmt.Sprintf("%s (%s)", c.Name, c.Status))
		}
	}
	if len(names) == 0 {
		return "ClusterMap records no planned CCN in this district."
	}
	return "for reference, ClusterMap records these not-yet-established CCNs here, which suggests they are on it: " + strings.Join(names, "; ") + "."
}

func existingClustersCondition(n, nOcc, nUnl int, minAvg, maxAvg *float64, sumUnl float64, maxUnl *float64, vOcc, vUnl string) Condition {
	c := Condition{ID: "existing_clusters", Checkable: true,
		Rule: fmt.Sprintf("Where the district has established CCNs: their average occupancy above %g %% or their unleased industrial land at most %g ha",
			FoundMinAvgOccupancy, FoundMaxUnleasedHa),
		Values: map[string]any{
			"established_ccns": n, "with_occupancy": nOcc, "with_unleased_land": nUnl,
			"average_occupancy_pct": nil, "average_occupancy_range_pct": nil,
			"unleased_ha": nil, "unleased_range_ha": nil,
			"occupancy_verdict": vOcc, "unleased_verdict": vUnl,
			"threshold_occupancy_pct": FoundMinAvgOccupancy, "threshold_unleased_ha": FoundMaxUnleasedHa,
		}}
	if n == 0 {
		c.Verdict = Yes
		c.Reason = "ClusterMap records no established CCN in this district, so this condition does not apply (as far as the data goes)."
		return c
	}
	var parts []string
	if nOcc == n {
		c.Values["average_occupancy_pct"] = round2(minAvg)
		parts = append(parts, fmt.Sprintf("the %d established CCN(s) average %s %% occupancy (%s %g %%)", n, fmtNum(*minAvg),
			map[string]string{"yes": "above", "no": "not above"}[vOcc], FoundMinAvgOccupancy))
	} else {
		c.Values["average_occupancy_range_pct"] = []*float64{round2(minAvg), round2(maxAvg)}
		parts = append(parts, fmt.Sprintf("occupancy is known for %d of %d established CCN(s), so the average lies between %s and %s %% (%s)",
			nOcc, n, fmtNum(*minAvg), fmtNum(*maxAvg), rangeWord(vOcc, "above", FoundMinAvgOccupancy, " %")))
	}
	if nUnl == n {
		c.Values["unleased_ha"] = *round2(&sumUnl)
		parts = append(parts, fmt.Sprintf("they hold %s ha of unleased industrial land (%s %g ha)", fmtNum(sumUnl),
			map[string]string{"yes": "at most", "no": "more than"}[vUnl], FoundMaxUnleasedHa))
	} else {
		upper := "no upper bound (an area is unknown)"
		if maxUnl != nil {
			upper = fmtNum(*maxUnl) + " ha"
		}
		c.Values["unleased_range_ha"] = []*float64{round2(&sumUnl), round2(maxUnl)}
		parts = append(parts, fmt.Sprintf("unleased land is known for %d of %d, so it lies between %s ha and %s (%s)",
			nUnl, n, fmtNum(sumUnl), upper, rangeWord(vUnl, "at most", FoundMaxUnleasedHa, " ha")))
	}
	switch {
	case vOcc == "yes" || vUnl == "yes":
		c.Verdict = Yes
	case vOcc == "no" && vUnl == "no":
		c.Verdict = No
	default:
		c.Verdict = Unknown
		if nOcc < n {
			c.Missing = append(c.Missing, "occupancy of every established CCN in the district (occupancy_pct, or leased_land_ha with industrial_land_ha)")
		}
		if nUnl < n {
			c.Missing = append(c.Missing, "leased and industrial land of every established CCN in the district (leased_land_ha or occupancy_pct, with industrial_land_ha)")
		}
	}
	c.Reason = strings.Join(parts, "; ") + "."
	return c
}

func rangeWord(v, word string, limit float64, unit string) string {
	switch v {
	case "yes":
		return fmt.Sprintf("%s %g%s whatever the unknowns are", word, limit, unit)
	case "no":
		return fmt.Sprintf("not %s %g%s whatever the unknowns are", word, limit, unit)
	}
	return fmt.Sprintf("it could fall either side of %g%s", limit, unit)
}
