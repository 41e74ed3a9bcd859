package planning

import (
	"context"
	"errors"
	"fmt"
	"github.com/clustermap/clustermap/geo"
	"regexp"

	"github.com/jackc/pgx/v5"
)

// SummaryOptions selects what a summary counts.
type SummaryOptions struct {
	// RadiusKM is the linkage radius for raw-material hectares (validate with CheckRadius).
	RadiusKM float64
	// Kind limits the clusters counted to one kind (ccn, kcn, kkt); empty counts all.
	Kind string
	// Province limits the summary to the clusters and areas of one province valid today, by
	// official code; empty summarises every province the installation holds.
	Province string
}

// Member is a district of a region.
type Member struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// AreaSummary is the dashboard of a region, of the province, or of the clusters outside every
// region. Figures sum the clusters whose value is recorded; ClustersWithData says how many that is.
type AreaSummary struct {
	Slug   *string `json:"slug"`
	NameVI *string `json:"name_vi"`
	NameEN *string `json:"name_en"`
	Role   *string `json:"role,omitempty"`
	RoleVI *string `json:"role_vi,omitempty"`
	// Scope says whose decision an area is and over which units, with its date.
	Scope   *string  `json:"scope,omitempty"`
	Members []Member `json:"members,omitempty"`

	Clusters        int            `json:"clusters"`
	ClustersByStage map[string]int `json:"clusters_by_stage"`
	ClustersByKind  map[string]int `json:"clusters_by_kind"`
	PlannedHa       float64        `json:"planned_ha"`
	EstablishedHa   float64        `json:"established_ha"`
	IndustrialHa    float64        `json:"industrial_ha"`
	LeasedHa        float64        `json:"leased_ha"`
	// ClustersWithData counts, per figure, the clusters whose value is recorded.
	ClustersWithData map[string]int `json:"clusters_with_data"`
	// FiguresNotExact counts, per figure, the clusters whose summed value their source gives as a
	// lower bound or an approximation ("more than 24.2 ha"): a sum with such a term is no more exact.
	FiguresNotExact map[string]int `json:"figures_not_exact"`
	// ClustersDistrictInferred counts the clusters placed in their district (and so in an area)
	// by ClusterMap's inference, not by a source (district_basis = inferred).
	ClustersDistrictInferred int `json:"clusters_district_inferred"`
	// OccupancyPct is leased / industrial land over the clusters where both are known
	// (area-weighted), or null when none is.
	OccupancyPct              *float64 `json:"occupancy_pct"`
	OccupancyClustersWithData int      `json:"occupancy_clusters_with_data"`
	// OccupancyWithoutArea counts clusters with a stated occupancy but no industrial land to
	// weight it by; they are left out of OccupancyPct.
	OccupancyWithoutArea int `json:"occupancy_without_area"`
	// OccupancyYears is the span of years the occupancy's figures are from ([first, last]; empty
	// when no figure in it is dated), and OccupancyUndated counts its figures with no date: an
	// aggregate prints its base and its age where it is shown.
	OccupancyYears   []int    `json:"occupancy_years"`
	OccupancyUndated int      `json:"occupancy_undated"`
	Investors        []string `json:"investors"`
	// InvestorsUnnamed counts clusters past investor selection whose investor no source names.
	InvestorsUnnamed int `json:"investors_unnamed"`
	// RawMaterialHaByCrop sums the zones whose nearest processing cluster within the radius is
	// counted here (each zone counts once, whole, for one cluster).
	RawMaterialHaByCrop    map[string]float64 `json:"raw_material_ha_by_crop"`
	RawMaterialZonesByCrop map[string]int     `json:"raw_material_zones_by_crop"`
	Sources                []string           `json:"sources"`
}

// Summary is the province's dashboard with one entry per development region.
type Summary struct {
	// ProvinceCode is the province asked for; absent when the summary covers every province.
	ProvinceCode   *string           `json:"province_code,omitempty"`
	RadiusKM       float64           `json:"radius_km"`
	Kind           *string           `json:"kind"`
	Definitions    map[string]string `json:"definitions"`
	Province       AreaSummary       `json:"province"`
	Regions        []AreaSummary     `json:"regions"`
	OutsideRegions AreaSummary       `json:"outside_regions"`
	// Coverage compares what ClusterMap holds with the province's own totals.
	Coverage Coverage `json:"coverage"`
	Sources  Sources  `json:"sources"`
}

// RegionSummaryAnswer is one region's dashboard.
type RegionSummaryAnswer struct {
	RadiusKM    float64           `json:"radius_km"`
	Kind        *string           `json:"kind"`
	Definitions map[string]string `json:"definitions"`
	Region      AreaSummary       `json:"region"`
	// Coverage is the province's: its totals are not broken down by area.
	Coverage Coverage `json:"coverage"`
	Sources  Sources  `json:"sources"`
}

var summaryDefinitions = map[string]string{
	"hectares": "planned_ha, established_ha and industrial_ha sum the clusters' recorded areas; leased_ha sums leased_land_ha, " +
		"or industrial_land_ha × occupancy_pct / 100 where only the occupancy is stated. clusters_with_data says how many clusters each sum covers.",
	"occupancy": "Area-weighted: leased_ha / industrial_ha over the clusters where both are known (occupancy_clusters_with_data, of clusters); " +
		"occupancy_years spans the years of those figures, occupancy_undated counts the undated ones. A base of fewer than half the area's clusters is thin: shown, but greyed.",
	"raw_material": "Hectares of the zones whose nearest processing cluster within radius_km is counted in this area; a zone counts once, whole, for that cluster (zones are not split between regions).",
	"regions": "A cluster belongs to the area (khu vực, of Công văn 923/UBND-CNXD) of its district; clusters with no district or in a district of no area are outside_regions. " +
		"Districts and areas are the pre-July-2025 units. clusters_district_inferred counts clusters whose district ClusterMap inferred (KCN Nam Pleiku: Chư Sê).",
	"figures":   "Sums add recorded values as stored; figures_not_exact counts the clusters whose value is a lower bound or approximate (see each feature's figures), so a sum with such a term is itself at least / about.",
	"coverage":  "coverage states how many of the province's own totals (its sources, as of their dates) ClusterMap holds: the summaries cover only those clusters.",
	"stages":    "clusters_by_stage counts the recorded status: planned → investor_selected → established → under_construction → operating → expanded.",
	"processes": defProcesses,
	"distance":  defDistance,
}

// summaryClustersCTE selects the clusters counted: kind $1 (NULL: all), region $2 (NULL: all) and
// province $3 (NULL: all), the province today (clusters.province_code, kept by the database).
const summaryClustersCTE = `
cl AS (
  SELECT c.id, c.kind, c.status, c.planned_area_ha, c.established_area_ha, c.industrial_land_ha, c.occupancy_pct,
         c.sources, nullif(btrim(c.investor), '') AS investor, rm.region_slug, c.figures, c.district_basis,
         CASE WHEN c.industrial_land_ha IS NOT NULL AND coalesce(c.tenant_leased_ha, c.leased_land_ha) IS NOT NULL
              THEN coalesce(c.tenant_leased_ha, c.leased_land_ha)
              WHEN c.industrial_land_ha IS NOT NULL AND c.occupancy_pct IS NOT NULL
              THEN c.industrial_land_ha * c.occupancy_pct / 100 END AS leased,
         -- The year of the figure the leased land comes from (tenants, a leased area or a rate):
         -- the same precedence as leased. As-of dates are stored as written ("end-2020", "2025-08").
         CASE WHEN c.industrial_land_ha IS NULL THEN NULL
              -- tenants_as_of is when the register last changed; the fact's date is the latest
              -- registration among the tenants counted.
              WHEN c.tenant_leased_ha IS NOT NULL THEN (SELECT extract(year FROM max(t.registered_on))::int FROM tenants t
                                                         WHERE t.cluster_id = c.id AND t.status <> 'stopped' AND t.leased_ha IS NOT NULL)
              WHEN c.leased_land_ha IS NOT NULL THEN substring(c.figures -> 'leased_land_ha' ->> 'as_of' FROM '(\d{4})')::int
              WHEN c.occupancy_pct IS NOT NULL THEN substring(c.figures -> 'occupancy_pct' ->> 'as_of' FROM '(\d{4})')::int END AS leased_year
    FROM clusters c
    LEFT JOIN region_members rm ON rm.district_code = c.district_code
   WHERE ($1::text IS NULL OR c.kind::text = $1) AND ($2::text IS NULL OR rm.region_slug = $2)
     AND ($3::text IS NULL OR c.province_code = $3))`

// summaryFiguresSQL aggregates per region (GROUPING 0) and in total (GROUPING 1).
const summaryFiguresSQL = `
WITH ` + summaryClustersCTE + `
SELECT GROUPING(region_slug) = 1, region_slug, count(*),
       coalesce(sum(planned_area_ha), 0)::float8, count(planned_area_ha),
       coalesce(sum(established_area_ha), 0)::float8, count(established_area_ha),
       coalesce(sum(industrial_land_ha), 0)::float8, count(industrial_land_ha),
       coalesce(sum(leased), 0)::float8, count(leased),
       (100 * sum(leased) / nullif(sum(industrial_land_ha) FILTER (WHERE leased IS NOT NULL), 0))::float8,
       count(*) FILTER (WHERE occupancy_pct IS NOT NULL AND industrial_land_ha IS NULL),
       coalesce(array_agg(DISTINCT investor ORDER BY investor) FILTER (WHERE investor IS NOT NULL), '{}'),
       count(*) FILTER (WHERE investor IS NULL AND status >= 'investor_selected'),
       count(*) FILTER (WHERE planned_area_ha IS NOT NULL AND figures -> 'planned_area_ha' ->> 'qualifier' IN ('at_least', 'about')),
       count(*) FILTER (WHERE established_area_ha IS NOT NULL AND figures -> 'established_area_ha' ->> 'qualifier' IN ('at_least', 'about')),
       count(*) FILTER (WHERE industrial_land_ha IS NOT NULL AND figures -> 'industrial_land_ha' ->> 'qualifier' IN ('at_least', 'about')),
       count(*) FILTER (WHERE district_basis = 'inferred'),
       min(leased_year) FILTER (WHERE leased IS NOT NULL), max(leased_year) FILTER (WHERE leased IS NOT NULL),
       count(*) FILTER (WHERE leased IS NOT NULL AND leased_year IS NULL)
  FROM cl
 GROUP BY GROUPING SETS ((region_slug), ())`

const summaryCountsSQL = `
WITH ` + summaryClustersCTE + `
SELECT GROUPING(region_slug) = 1, region_slug, GROUPING(status) = 0, coalesce(status::text, kind::text), count(*)
  FROM cl
 GROUP BY GROUPING SETS ((region_slug, status), (status), (region_slug, kind), (kind))`

// summarySourcesSQL lists the clusters' sources per region; the province's are their union.
const summarySourcesSQL = `
WITH ` + summaryClustersCTE + `
SELECT region_slug, array_agg(DISTINCT s ORDER BY s)
  FROM cl CROSS JOIN LATERAL unnest(cl.sources) AS s
 GROUP BY region_slug`

// summaryRawMaterialSQL sums the zones served (within $3 metres) by a counted cluster, per region
// of that cluster and crop ($1 kind, $2 region). The nearest processing cluster is sought among
// all clusters of the kind, so a zone counts for the region of whichever cluster serves it.
const summaryRawMaterialSQL = `
WITH ` + nearestProcessingCTE + `,` + summaryClustersCTE + `
SELECT GROUPING(cl.region_slug) = 1, cl.region_slug, z.crop::text, coalesce(sum(z.area_ha), 0)::float8, count(*)
  FROM nearest n
  JOIN raw_material_zones z ON z.id = n.zone_id
  JOIN cl ON cl.id = n.cluster_id
 WHERE n.distance_m <= $4
 GROUP BY GROUPING SETS ((cl.region_slug, z.crop), (z.crop))`

const summaryRegionsSQL = `
SELECT r.slug, r.name_vi, r.name_en, r.role, r.role_vi, r.scope, r.sources,
       coalesce(json_agg(json_build_object('code', d.code, 'name', d.name) ORDER BY d.code) FILTER (WHERE d.code IS NOT NULL), '[]')
  FROM regions r
  LEFT JOIN region_members rm ON rm.region_slug = r.slug
  LEFT JOIN districts d ON d.code = rm.district_code
 WHERE ($1::text IS NULL OR r.slug = $1) AND ($2::text IS NULL OR r.province_code = $2)
 GROUP BY r.slug
 ORDER BY r.slug`

var regionSlugRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func newAreaSummary() AreaSummary {
	return AreaSummary{ClustersByStage: map[string]int{}, ClustersByKind: map[string]int{},
		ClustersWithData: map[string]int{"planned_ha": 0, "established_ha": 0, "industrial_ha": 0, "leased_ha": 0},
		FiguresNotExact:  map[string]int{"planned_ha": 0, "established_ha": 0, "industrial_ha": 0},
		Investors:        []string{}, OccupancyYears: []int{}, RawMaterialHaByCrop: map[string]float64{}, RawMaterialZonesByCrop: map[string]int{}, Sources: []string{}}
}

// summaries holds the areas of one summary while its rows are read: "" is the total, "-" the
// clusters outside every region, anything else a region slug.
type summaries map[string]*AreaSummary

func (m summaries) of(total bool, region *string) *AreaSummary {
	key := "-"
	switch {
	case total:
		key = ""
	case region != nil:
		key = *region
	}
	a, ok := m[key]
	if !ok {
		s := newAreaSummary()
		a = &s
		m[key] = a
	}
	return a
}

// readSummaries runs the summary statements for region (nil: all) and fills areas.
func (s *Planner) readSummaries(ctx context.Context, tx pgx.Tx, opt SummaryOptions, region *string, areas summaries) ([]AreaSummary, error) {
	var kind *string
	if opt.Kind != "" {
		kind = &opt.Kind
	}
	province := nullable(opt.Province)
	args := []any{kind, region, province}
	rows, err := tx.Query(ctx, summaryRegionsSQL, region, province)
	if err != nil {
		return nil, err
	}
	var regions []AreaSummary
	for rows.Next() {
		a := newAreaSummary()
		var slug string
		if err := rows.Scan(&slug, &a.NameVI, &a.NameEN, &a.Role, &a.RoleVI, &a.Scope, &a.Sources, &a.Members); err != nil {
			return nil, err
		}
		a.Slug = &slug
		regions = append(regions, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if rows, err = tx.Query(ctx, summaryFiguresSQL, args...); err != nil {
		return nil, err
	}
	for rows.Next() {
		var total bool
		var slug *string
		var n [5]int
		var q [3]int
		var v AreaSummary
		var firstYear, lastYear *int
		if err := rows.Scan(&total, &slug, &v.Clusters, &v.PlannedHa, &n[0], &v.EstablishedHa, &n[1], &v.IndustrialHa, &n[2],
			&v.LeasedHa, &n[3], &v.OccupancyPct, &v.OccupancyWithoutArea, &v.Investors, &v.InvestorsUnnamed,
			&q[0], &q[1], &q[2], &v.ClustersDistrictInferred, &firstYear, &lastYear, &v.OccupancyUndated); err != nil {
			return nil, err
		}
		a := areas.of(total, slug)
		a.Clusters, a.PlannedHa, a.EstablishedHa, a.IndustrialHa, a.LeasedHa = v.Clusters, v.PlannedHa, v.EstablishedHa, v.IndustrialHa, v.LeasedHa
		a.OccupancyPct, a.OccupancyClustersWithData, a.OccupancyWithoutArea = round2(v.OccupancyPct), n[3], v.OccupancyWithoutArea
		a.Investors, a.InvestorsUnnamed = v.Investors, v.InvestorsUnnamed
		a.ClustersWithData = map[string]int{"planned_ha": n[0], "established_ha": n[1], "industrial_ha": n[2], "leased_ha": n[3]}
		a.FiguresNotExact = map[string]int{"planned_ha": q[0], "established_ha": q[1], "industrial_ha": q[2]}
		a.ClustersDistrictInferred = v.ClustersDistrictInferred
		a.OccupancyUndated, a.OccupancyYears = v.OccupancyUndated, []int{}
		if firstYear != nil && lastYear != nil {
			a.OccupancyYears = []int{*firstYear, *lastYear}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if rows, err = tx.Query(ctx, summaryCountsSQL, args...); err != nil {
		return nil, err
	}
	for rows.Next() {
		var total, byStage bool
		var slug *string
		var key string
		var n int
		if err := rows.Scan(&total, &slug, &byStage, &key, &n); err != nil {
			return nil, err
		}
		if byStage {
			areas.of(total, slug).ClustersByStage[key] = n
		} else {
			areas.of(total, slug).ClustersByKind[key] = n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if rows, err = tx.Query(ctx, summarySourcesSQL, args...); err != nil {
		return nil, err
	}
	for rows.Next() {
		var slug *string
		var src []string
		if err := rows.Scan(&slug, &src); err != nil {
			return nil, err
		}
		a := areas.of(false, slug)
		a.Sources = mergeSources(a.Sources, src)
		if region == nil {
			total := areas.of(true, nil)
			total.Sources = mergeSources(total.Sources, src)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if rows, err = tx.Query(ctx, summaryRawMaterialSQL, kind, region, province, opt.RadiusKM*1000); err != nil {
		return nil, err
	}
	for rows.Next() {
		var total bool
		var slug *string
		var crop string
		var ha float64
		var n int
		if err := rows.Scan(&total, &slug, &crop, &ha, &n); err != nil {
			return nil, err
		}
		a := areas.of(total, slug)
		a.RawMaterialHaByCrop[crop], a.RawMaterialZonesByCrop[crop] = ha, n
	}
	return regions, rows.Err()
}

// fill copies the figures of key into a region entry, keeping its names, members and sources.
func (m summaries) fill(a *AreaSummary, key string) {
	f, ok := m[key]
	if !ok {
		return
	}
	names, members := *a, a.Members
	*a = *f
	a.Slug, a.NameVI, a.NameEN, a.Role, a.RoleVI, a.Members = names.Slug, names.NameVI, names.NameEN, names.Role, names.RoleVI, members
	a.Sources = mergeSources(names.Sources, f.Sources)
}

func checkSummaryOptions(opt SummaryOptions) error {
	if err := CheckRadius(opt.RadiusKM); err != nil {
		return err
	}
	if opt.Kind != "" && !IsClusterKind(opt.Kind) {
		return &geo.InputError{Msg: fmt.Sprintf("kind %q is not one of ccn, kcn, kkt", opt.Kind)}
	}
	if err := geo.CheckProvince(opt.Province); err != nil {
		return err
	}
	return nil
}

// readProvince names the provinces valid today that a summary covers: one by code, or all;
// a code no province has today is an input error, not an empty summary.
func readProvince(ctx context.Context, tx pgx.Tx, code string) (string, error) {
	var name *string
	err := tx.QueryRow(ctx, `SELECT string_agg(name, ', ' ORDER BY code) FROM admin_units
		WHERE level = 'province' AND daterange(valid_from, valid_to, '[]') @> current_date
		  AND ($1::text IS NULL OR code = $1)`, nullable(code)).Scan(&name)
	if err != nil {
		return "", fmt.Errorf("province: %w", err)
	}
	if name == nil {
		if code != "" {
			return "", &geo.InputError{Msg: fmt.Sprintf("no province has the code %q today", code)}
		}
		return "", nil
	}
	return *name, nil
}

func kindPtr(k string) *string {
	if k == "" {
		return nil
	}
	return &k
}

// Summary is the province's dashboard: the province, each development region and the clusters
// outside every region.
func (s *Planner) Summary(ctx context.Context, opt SummaryOptions) (*Summary, error) {
	if err := checkSummaryOptions(opt); err != nil {
		return nil, err
	}
	out := &Summary{RadiusKM: opt.RadiusKM, Kind: kindPtr(opt.Kind), Definitions: summaryDefinitions}
	areas := summaries{}
	err := s.readAnalysis(ctx, "summary", func(tx pgx.Tx) error {
		regions, err := s.readSummaries(ctx, tx, opt, nil, areas)
		if err != nil {
			return err
		}
		province, err := readProvince(ctx, tx, opt.Province)
		if err != nil {
			return err
		}
		out.Regions = regions
		if out.Coverage, err = readCoverage(ctx, tx, opt.Province); err != nil {
			return err
		}
		out.Province = *areas.of(true, nil)
		out.Province.NameVI, out.Province.NameEN = &province, &province
		if opt.Province != "" {
			out.ProvinceCode = &opt.Province
		}
		out.OutsideRegions = *areas.of(false, nil)
		none := "Không thuộc khu vực nào"
		noneEN := "Outside the five areas"
		out.OutsideRegions.NameVI, out.OutsideRegions.NameEN = &none, &noneEN
		return nil
	})
	if err != nil {
		return nil, err
	}
	var data []string
	for i := range out.Regions {
		areas.fill(&out.Regions[i], *out.Regions[i].Slug)
		data = append(data, out.Regions[i].Sources...)
	}
	out.Sources = Sources{Data: mergeSources(nil, data, out.OutsideRegions.Sources), Rules: []RuleSource{sourceDecree32, sourcePostGIS}}
	if out.Regions == nil {
		out.Regions = []AreaSummary{}
	}
	return out, nil
}

// RegionSummary is one development region's dashboard; geo.ErrNotFound when no region has that slug.
func (s *Planner) RegionSummary(ctx context.Context, slug string, opt SummaryOptions) (*RegionSummaryAnswer, error) {
	if !regionSlugRE.MatchString(slug) {
		return nil, &geo.InputError{Msg: fmt.Sprintf("region %q is not a slug (lower-case letters, digits, _)", slug)}
	}
	if err := checkSummaryOptions(opt); err != nil {
		return nil, err
	}
	out := &RegionSummaryAnswer{RadiusKM: opt.RadiusKM, Kind: kindPtr(opt.Kind), Definitions: summaryDefinitions}
	areas := summaries{}
	err := s.readAnalysis(ctx, "region summary", func(tx pgx.Tx) error {
		regions, err := s.readSummaries(ctx, tx, opt, &slug, areas)
		if err != nil {
			return err
		}
		if len(regions) == 0 {
			return geo.ErrNotFound
		}
		out.Region = regions[0]
		out.Coverage, err = readCoverage(ctx, tx, opt.Province)
		return err
	})
	if errors.Is(err, geo.ErrNotFound) {
		return nil, geo.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	areas.fill(&out.Region, slug)
	out.Sources = Sources{Data: out.Region.Sources, Rules: []RuleSource{sourceDecree32, sourcePostGIS}}
	return out, nil
}
