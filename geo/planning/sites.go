package planning

import (
	"context"
	"errors"
	"fmt"
	"github.com/clustermap/clustermap/geo"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"
)

// SiteWeights weigh the parts of a site's score. The score is Σ weight × part / Σ weight, so
// only the ratios matter; a zero weight drops a part.
type SiteWeights struct {
	Free    float64 `json:"free"`
	Crop    float64 `json:"crop"`
	Highway float64 `json:"highway"`
	Border  float64 `json:"border"`
	Stage   float64 `json:"stage"`
}

// DefaultSiteWeights favour what an investor needs first: free serviced land, then raw material,
// road access, the stage (how soon land can be had) and the border gate.
var DefaultSiteWeights = SiteWeights{Free: 0.30, Crop: 0.25, Highway: 0.20, Border: 0.10, Stage: 0.15}

// MaxSiteWeight bounds each weight a client may give.
const MaxSiteWeight = 100

// weightNames name the weights in messages, in SiteWeights order.
var weightNames = []string{"free", "crop", "highway", "border", "stage"}

// Scales of the score parts: a part reaches 1 at FreeLandFullHa of free land or CropSupplyFullHa
// of raw material, and falls to 0 at HighwayZeroKM from a national highway or BorderZeroKM from
// the border gate.
const (
	FreeLandFullHa   = 20.0
	CropSupplyFullHa = 20000.0
	HighwayZeroKM    = 50.0
	BorderZeroKM     = 150.0
	BorderGateSlug   = "le_thanh_border_gate"
)

// StageScores score the stage: how close the cluster is to land an investor can lease.
var StageScores = map[string]float64{
	"planned": 0, "investor_selected": 0.25, "established": 0.5, "under_construction": 0.75, "operating": 1, "expanded": 1,
}

// SiteQuery is a validated site-finder request.
type SiteQuery struct {
	// Industry keeps clusters whose target industries mention it, or that process a crop it names.
	Industry string
	// MinFreeHa keeps clusters with at least that much free industrial land (known).
	MinFreeHa *float64
	// Crop scores the supply of that crop; empty scores all raw material.
	Crop string
	// MaxHighwayKM keeps clusters within that distance of a national highway.
	MaxHighwayKM *float64
	// Highway, when set ("QL19"), is the one national highway the highway part and MaxHighwayKM
	// measure to: "near QL19" rather than near any highway.
	Highway string
	// IncludeUnknownFree keeps, under MinFreeHa, the clusters whose free land no source gives:
	// offered apart ("free land unknown — ask"), never mixed with those known to have enough.
	IncludeUnknownFree bool
	RadiusKM           float64
	Kind               string
	// Province keeps the clusters of one province (its code) valid today: the site finder of a
	// province's map in an installation that holds several.
	Province string
	Weights  SiteWeights
	Limit    int
}

// Validate checks the query's values.
func (q SiteQuery) Validate() error {
	if err := CheckRadius(q.RadiusKM); err != nil {
		return err
	}
	if q.Crop != "" && !IsCrop(q.Crop) {
		return &geo.InputError{Msg: fmt.Sprintf("crop %q is not one of %s", q.Crop, strings.Join(geo.Crops.Codes(), ", "))}
	}
	if q.Kind != "" && !IsClusterKind(q.Kind) {
		return &geo.InputError{Msg: fmt.Sprintf("kind %q is not one of ccn, kcn, kkt", q.Kind)}
	}
	if err := geo.CheckProvince(q.Province); err != nil {
		return err
	}
	if len(q.Industry) > 200 {
		return &geo.InputError{Msg: "industry is longer than 200 characters"}
	}
	w := q.Weights
	sum := 0.0
	for i, v := range []float64{w.Free, w.Crop, w.Highway, w.Border, w.Stage} {
		if math.IsNaN(v) || v < 0 || v > MaxSiteWeight {
			return &geo.InputError{Msg: fmt.Sprintf("the %s weight must be a number from 0 to %d", weightNames[i], MaxSiteWeight)}
		}
		sum += v
	}
	if sum == 0 {
		return &geo.InputError{Msg: "at least one weight must be above 0"}
	}
	if q.Limit < 1 {
		return &geo.InputError{Msg: "limit must be at least 1"}
	}
	return nil
}

// SitePart is one part of a site's score.
type SitePart struct {
	// Score is the part on a 0–1 scale; Weight is its share of the total weight; Contribution is
	// Weight × Score, and a site's score is the sum of its contributions.
	Score        float64  `json:"score"`
	Weight       float64  `json:"weight"`
	Contribution float64  `json:"contribution"`
	Known        bool     `json:"known"`
	Value        *float64 `json:"value"`
	Unit         string   `json:"unit"`
	Reason       string   `json:"reason"`
	// Zones, for the raw-material part: the zones counted, each with the hectares estimated
	// within the radius.
	Zones []SiteZone `json:"zones,omitempty"`
}

// SiteZone is one raw-material zone a site's supply counts: its stated area and the share of it
// estimated within the radius (the area spread evenly over the zone's polygon; nil when the zone
// states no area).
type SiteZone struct {
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	Crop     string   `json:"crop"`
	AreaHa   *float64 `json:"area_ha"`
	WithinHa *float64 `json:"within_ha"`
}

// Site groups, in the order they are listed: a site that meets every filter, one whose free land
// is unknown (offered only when asked for), and one known to have no free land (ranked last
// whatever its score, since an investor cannot lease there today).
const (
	SiteMatches     = "matches"
	SiteFreeUnknown = "free_land_unknown"
	SiteNoFreeLand  = "no_free_land"
)

// SiteParts are the five parts of a score, in a fixed order.
type SiteParts struct {
	Free    SitePart `json:"free"`
	Crop    SitePart `json:"crop"`
	Highway SitePart `json:"highway"`
	Border  SitePart `json:"border"`
	Stage   SitePart `json:"stage"`
}

// Site is one ranked cluster.
type Site struct {
	Rank int `json:"rank"`
	// Group says why the site is where it is in the order (SiteMatches, SiteFreeUnknown,
	// SiteNoFreeLand): within a group the order is the score's.
	Group string `json:"group"`
	ClusterRef
	Point            Point     `json:"point"`
	Score            float64   `json:"score"`
	Parts            SiteParts `json:"parts"`
	TargetIndustries []string  `json:"target_industries"`
	Investor         *string   `json:"investor"`
	Contact          *string   `json:"contact"`
	Sources          []string  `json:"sources"`
}

// BorderGate says where the site finder measures the border-gate distance from.
type BorderGate struct {
	Name     string   `json:"name"`
	Location string   `json:"location"`
	District *string  `json:"district"`
	Basis    *string  `json:"basis"`
	Note     string   `json:"note"`
	Uncert   *float64 `json:"uncertainty_km"`
	Sources  []string `json:"sources"`
}

// Sites is the site finder's answer.
type Sites struct {
	Weights        SiteWeights       `json:"weights"`
	WeightsApplied SiteWeights       `json:"weights_normalised"`
	Scoring        map[string]string `json:"scoring"`
	BorderGate     *BorderGate       `json:"border_gate"`
	Candidates     int               `json:"candidates"`
	Matched        int               `json:"matched"`
	Returned       int               `json:"returned"`
	// Excluded counts the clusters left out, each once, under the first filter it fails
	// (industry, free land, highway): Candidates = Matched + the sum of Excluded.
	Excluded map[string]int `json:"excluded"`
	Sites    []Site         `json:"sites"`
	Sources  Sources        `json:"sources"`
}

// sitesCTE scores every candidate cluster. The industry text is folded once and compared with each
// distinct target industry once, however many clusters share it. Parameters: $1 industry, $2 kind, $3 radius (m),
// $4 crop, $5..$8 the part scales, $9/$10 stage names and scores, $11 min free ha, $12 max
// highway m, $13..$17 weights, $18 the border-gate slug, $19 the one highway measured to (NULL: the nearest),
// $20 whether unknown free land passes the free-land filter, $21 the province (NULL: every one).
const sitesCTE = `
WITH q AS MATERIALIZED (SELECT search_key($1::text) AS key),
named AS MATERIALIZED (
  SELECT ci.crop FROM crop_industries ci, q
   WHERE EXISTS (SELECT 1 FROM unnest(ci.terms) AS t WHERE strpos(q.key, t) > 0)),
matching AS MATERIALIZED (
  SELECT coalesce(array_agg(u.industry), '{}') AS industries
    FROM (SELECT DISTINCT unnest(target_industries) AS industry FROM clusters WHERE $1::text IS NOT NULL) u, q
   WHERE strpos(search_key(u.industry), q.key) > 0),
cand AS (
  SELECT c.id, c.name, c.kind::text AS kind, c.status::text AS status, c.district_code, d.name AS district,
         rm.region_slug, c.target_industries, nullif(btrim(c.investor), '') AS investor, c.contact, c.sources, c.geom,
         CASE WHEN c.industrial_land_ha IS NOT NULL AND coalesce(c.tenant_leased_ha, c.leased_land_ha) IS NOT NULL
              THEN c.industrial_land_ha - coalesce(c.tenant_leased_ha, c.leased_land_ha)
              WHEN c.industrial_land_ha IS NOT NULL AND c.occupancy_pct IS NOT NULL
              THEN c.industrial_land_ha * (100 - c.occupancy_pct) / 100 END AS free_ha,
         cardinality(c.target_industries) > 0 AS has_industries,
         ($1::text IS NULL
          OR c.target_industries && (SELECT industries FROM matching)
          OR EXISTS (SELECT 1 FROM cluster_crops cc JOIN named n ON n.crop = cc.crop WHERE cc.cluster_id = c.id)) AS industry_ok
    FROM clusters c
    LEFT JOIN districts d ON d.code = c.district_code
    LEFT JOIN region_members rm ON rm.district_code = c.district_code
   WHERE ($2::text IS NULL OR c.kind::text = $2)
     -- clusters_province_idx: a province's site finder reads its own clusters only.
     AND ($21::text IS NULL OR c.province_code = $21)),
-- Per-cluster lookups by index (LATERAL, kept from being flattened into joins by the aggregate
-- and the LIMITs), so that the plan stays linear in the clusters however the estimates come out.
parts AS (
  SELECT cand.*, s.ha AS supply_ha, coalesce(s.zones, 0) AS supply_zones, coalesce(s.no_area, 0) AS supply_no_area,
         h.ref AS highway_ref, h.distance_m AS highway_m, g.distance_m AS gate_m, g.basis AS gate_basis,
         least(coalesce(cand.free_ha, 0) / $5, 1)::float8 AS s_free,
         least(coalesce(s.ha, 0) / $6, 1)::float8 AS s_crop,
         CASE WHEN h.distance_m IS NULL THEN 0 ELSE greatest(0, 1 - h.distance_m / ($7 * 1000)) END AS s_highway,
         CASE WHEN g.distance_m IS NULL THEN 0 ELSE greatest(0, 1 - g.distance_m / ($8 * 1000)) END AS s_border,
         coalesce(($10::float8[])[array_position($9::text[], cand.status)], 0) AS s_stage
    FROM cand
    -- The supply is the hectares of each zone within reach (cluster_distances.reach_ha: the
    -- zone's area spread evenly over its polygon, migrations/00015), not the whole zone as soon
    -- as its edge is near.
    CROSS JOIN LATERAL (
      -- The cluster's zones within the radius first (cluster_distances_cluster_zones_idx; OFFSET 0
      -- keeps the planner from starting at the zones of the crop and probing every pair: 0.4 ms
      -- a cluster at national scale), then their crop.
      SELECT coalesce(sum(w.ha), 0) AS ha, count(*) AS zones, count(*) FILTER (WHERE z.area_ha IS NULL) AS no_area
        FROM (SELECT cd.target_id, cd.reach_ha FROM cluster_distances cd
               WHERE cd.cluster_id = cand.id AND cd.target = 'zone' AND cd.distance_m <= $3 OFFSET 0) cd
        JOIN raw_material_zones z ON z.id = cd.target_id
        CROSS JOIN LATERAL (SELECT reach_at(cd.reach_ha, $3) AS ha) w
       WHERE $4::text IS NULL OR z.crop::text = $4) s
    -- The cluster's roads nearest first (cluster_distances_road_idx), to the first national
    -- highway (or the one asked for); the planner otherwise sorted every road for every cluster.
    LEFT JOIN LATERAL (
      SELECT r.ref, cd.distance_m
        FROM (SELECT cd.target_id, cd.distance_m FROM cluster_distances cd
               WHERE cd.cluster_id = cand.id AND cd.target = 'road' ORDER BY cd.distance_m OFFSET 0) cd
        JOIN roads r ON r.id = cd.target_id
       WHERE r.ref LIKE 'QL%' AND ($19::text IS NULL OR r.ref = $19)
       ORDER BY cd.distance_m, r.ref
       LIMIT 1) h ON true
    LEFT JOIN LATERAL (
      SELECT cd.distance_m, cd.basis
        FROM cluster_distances cd
       WHERE cd.cluster_id = cand.id AND cd.target = 'reference'
         AND cd.target_id = (SELECT p.id FROM reference_points p WHERE p.slug = $18)
       LIMIT 1) g ON true),
scored AS (
  SELECT parts.*,
         ($13 * s_free + $14 * s_crop + $15 * s_highway + $16 * s_border + $17 * s_stage) / ($13 + $14 + $15 + $16 + $17) AS score,
         industry_ok AND ($11::numeric IS NULL OR free_ha >= $11::numeric OR ($20::boolean AND free_ha IS NULL))
                     AND ($12::float8 IS NULL OR highway_m <= $12::float8) AS passes,
         -- The groups, listed in this order: a site that meets the free-land filter, one whose
         -- free land is unknown (only when asked for), one known to have no free land.
         CASE WHEN coalesce(free_ha <= 0, false) THEN 2
              WHEN $11::numeric IS NOT NULL AND free_ha IS NULL THEN 1 ELSE 0 END AS grp
    FROM parts)`

// sitesSQL ranks the clusters that pass the filters; the point is computed for the page only.
const sitesSQL = sitesCTE + `
SELECT id, name, kind, status, district_code, district, region_slug, ST_X(p.geom), ST_Y(p.geom),
       target_industries, investor, contact, sources,
       free_ha::float8, supply_ha::float8, supply_zones, supply_no_area, zone_list, highway_ref, highway_m, gate_m, gate_basis,
       s_free, s_crop, s_highway, s_border, s_stage, score, grp
  FROM (SELECT * FROM scored WHERE passes ORDER BY grp, score DESC, id LIMIT $22) page
 CROSS JOIN LATERAL ST_PointOnSurface(page.geom) AS p(geom)
 -- The zones counted and each one's hectares within reach, for the returned sites only.
 CROSS JOIN LATERAL (
   SELECT coalesce(json_agg(json_build_object('id', z.id, 'name', z.name, 'crop', z.crop, 'area_ha', z.area_ha,
                                              'within_ha', round(reach_at(cd.reach_ha, $3)::numeric))
                            ORDER BY reach_at(cd.reach_ha, $3) DESC NULLS LAST, z.id), '[]') AS zone_list
     FROM (SELECT cd.target_id, cd.reach_ha FROM cluster_distances cd
            WHERE cd.cluster_id = page.id AND cd.target = 'zone' AND cd.distance_m <= $3 OFFSET 0) cd
     JOIN raw_material_zones z ON z.id = cd.target_id
    WHERE $4::text IS NULL OR z.crop::text = $4) zl
 ORDER BY grp, score DESC, id`

// Each left-out cluster counts once, under the first filter it fails (industry, free land,
// highway), so that candidates = matched + the sum of excluded.
const sitesCountsSQL = sitesCTE + `
, fails AS (
  SELECT passes, industry_ok, has_industries,
         ($11::numeric IS NOT NULL AND free_ha IS NULL AND NOT $20::boolean) AS free_unknown,
         ($11::numeric IS NOT NULL AND free_ha < $11::numeric) AS free_below,
         ($12::float8 IS NOT NULL AND highway_m IS NULL) AS hw_unknown,
         ($12::float8 IS NOT NULL AND highway_m > $12::float8) AS hw_far
    FROM scored)
SELECT count(*), count(*) FILTER (WHERE passes),
       count(*) FILTER (WHERE NOT industry_ok AND NOT has_industries),
       count(*) FILTER (WHERE NOT industry_ok AND has_industries),
       count(*) FILTER (WHERE industry_ok AND free_unknown),
       count(*) FILTER (WHERE industry_ok AND free_below),
       count(*) FILTER (WHERE industry_ok AND NOT free_unknown AND NOT free_below AND hw_unknown),
       count(*) FILTER (WHERE industry_ok AND NOT free_unknown AND NOT free_below AND hw_far)
  FROM fails`

const sitesGateSQL = `
SELECT p.name, p.location, d.name, p.sources, l.basis, l.uncertainty_m
  FROM reference_points p
  LEFT JOIN districts d ON d.code = p.district_code
  LEFT JOIN LATERAL reference_point_location(p.id) l ON true
 WHERE p.slug = $1`

// Sites ranks clusters for an investor by a transparent score and returns each score's parts.
func (s *Planner) Sites(ctx context.Context, q SiteQuery) (*Sites, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	w := q.Weights
	total := w.Free + w.Crop + w.Highway + w.Border + w.Stage
	norm := SiteWeights{w.Free / total, w.Crop / total, w.Highway / total, w.Border / total, w.Stage / total}
	var stageNames []string
	var stageScores []float64
	for _, st := range geo.Stages.Codes() {
		stageNames, stageScores = append(stageNames, st), append(stageScores, StageScores[st])
	}
	var minFree *string
	if q.MinFreeHa != nil {
		v := fmt.Sprint(*q.MinFreeHa)
		minFree = &v
	}
	var maxHighwayM *float64
	if q.MaxHighwayKM != nil {
		v := *q.MaxHighwayKM * 1000
		maxHighwayM = &v
	}
	args := []any{nullable(q.Industry), nullable(q.Kind), q.RadiusKM * 1000, nullable(q.Crop),
		FreeLandFullHa, CropSupplyFullHa, HighwayZeroKM, BorderZeroKM, stageNames, stageScores,
		minFree, maxHighwayM, w.Free, w.Crop, w.Highway, w.Border, w.Stage, BorderGateSlug, nullable(q.Highway), q.IncludeUnknownFree, nullable(q.Province)}

	out := &Sites{
		Weights: w, WeightsApplied: norm, Scoring: siteScoring(q), Sites: []Site{},
	}
	var data [][]string
	err := s.readAnalysis(ctx, "sites", func(tx pgx.Tx) error {
		var gate BorderGate
		var uncert *float64
		err := tx.QueryRow(ctx, sitesGateSQL, BorderGateSlug).Scan(&gate.Name, &gate.Location, &gate.District, &gate.Sources, &gate.Basis, &uncert)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		default:
			gate.Uncert = kmPtr(uncert)
			gate.Note = gateNote(gate.Basis)
			out.BorderGate = &gate
		}
		var n [8]int
		if err := tx.QueryRow(ctx, sitesCountsSQL, args...).Scan(&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &n[7]); err != nil {
			return err
		}
		out.Candidates, out.Matched = n[0], n[1]
		out.Excluded = map[string]int{"industry_not_recorded": n[2], "industry_not_matched": n[3], "free_land_unknown": n[4],
			"free_land_below_minimum": n[5], "highway_distance_unknown": n[6], "highway_too_far": n[7]}
		rows, err := tx.Query(ctx, sitesSQL, append(args, q.Limit)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st Site
			var r siteRow
			var grp int
			if err := rows.Scan(&st.ID, &st.Name, &st.Kind, &st.Status, &st.DistrictCode, &st.District, &st.Region,
				&st.Point[0], &st.Point[1], &st.TargetIndustries, &st.Investor, &st.Contact, &st.Sources,
				&r.free, &r.supply, &r.zones, &r.noArea, &r.zoneList, &r.highwayRef, &r.highwayM, &r.gateM, &r.gateBasis,
				&r.s[0], &r.s[1], &r.s[2], &r.s[3], &r.s[4], &st.Score, &grp); err != nil {
				return err
			}
			st.Rank = len(out.Sites) + 1
			st.Group = []string{SiteMatches, SiteFreeUnknown, SiteNoFreeLand}[grp]
			st.Score = math.Round(st.Score*10000) / 10000
			st.Parts = r.parts(norm, q, st.Status, out.BorderGate)
			data = append(data, st.Sources)
			out.Sites = append(out.Sites, st)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	out.Returned = len(out.Sites)
	rules := []RuleSource{sourcePostGIS}
	var gateSources []string
	if out.BorderGate != nil {
		gateSources = out.BorderGate.Sources
	}
	out.Sources = Sources{Data: mergeSources(nil, append(data, gateSources)...), Rules: rules}
	return out, nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func gateNote(basis *string) string {
	if basis != nil && *basis == "district_point_on_surface" {
		return "No source gives the gate's coordinates, so distances are measured to the point-on-surface of the district a source places it in: " +
			"an indicative proxy, off by at most uncertainty_km (the district's farthest point from it)."
	}
	if basis == nil {
		return "The gate cannot be placed (its district is not loaded), so border distances are unknown and score 0."
	}
	return "Distances are measured to the gate's cited coordinates."
}

type siteRow struct {
	free, supply, highwayM, gateM *float64
	zones, noArea                 int
	zoneList                      []SiteZone
	highwayRef, gateBasis         *string
	s                             [5]float64
}

func (r siteRow) parts(w SiteWeights, q SiteQuery, stage string, gate *BorderGate) SiteParts {
	part := func(score, weight float64, value *float64, unit, reason string) SitePart {
		return SitePart{Score: math.Round(score*10000) / 10000, Weight: math.Round(weight*10000) / 10000,
			Contribution: math.Round(score*weight*10000) / 10000, Known: value != nil, Value: value, Unit: unit, Reason: reason}
	}
	var p SiteParts
	if r.free != nil {
		p.Free = part(r.s[0], w.Free, round2(r.free), "ha", fmt.Sprintf("%s ha of industrial land is not leased; %g ha or more scores 1.", fmtNum(*r.free), FreeLandFullHa))
	} else {
		p.Free = part(0, w.Free, nil, "ha", "free land is unknown (industrial_land_ha with leased_land_ha or occupancy_pct is not recorded); scores 0.")
	}
	crop := "raw material of any crop"
	if q.Crop != "" {
		crop = q.Crop
	}
	supply := 0.0
	if r.supply != nil {
		supply = *r.supply
	}
	reason := fmt.Sprintf("about %s ha of %s within %g km, from %d zone(s), each zone's stated area spread evenly over its polygon "+
		"(the sources give no finer map); %g ha or more scores 1.", fmtNum(math.Round(supply)), crop, q.RadiusKM, r.zones, CropSupplyFullHa)
	if r.noArea > 0 {
		reason += fmt.Sprintf(" %d of them state no area and add nothing.", r.noArea)
	}
	p.Crop = part(r.s[1], w.Crop, &supply, "ha", reason)
	p.Crop.Zones = r.zoneList
	if r.highwayM != nil {
		p.Highway = part(r.s[2], w.Highway, kmPtr(r.highwayM), "km", fmt.Sprintf("%s km to %s (an indicative line through cited waypoints); 0 km scores 1, %g km or more scores 0.",
			fmtNum(km(*r.highwayM)), *r.highwayRef, HighwayZeroKM))
	} else {
		p.Highway = part(0, w.Highway, nil, "km", fmt.Sprintf("no national highway within %g km in the data; scores 0.", MaxRadiusKM))
	}
	if r.gateM != nil && gate != nil {
		reason := fmt.Sprintf("%s km to %s; 0 km scores 1, %g km or more scores 0.", fmtNum(km(*r.gateM)), gate.Name, BorderZeroKM)
		if r.gateBasis != nil && *r.gateBasis == "district_point_on_surface" && gate.District != nil && gate.Uncert != nil {
			reason = fmt.Sprintf("%s km to the point-on-surface of %s district, an indicative proxy for %s (no cited coordinates; off by up to %s km); 0 km scores 1, %g km or more scores 0.",
				fmtNum(km(*r.gateM)), *gate.District, gate.Name, fmtNum(*gate.Uncert), BorderZeroKM)
		}
		p.Border = part(r.s[3], w.Border, kmPtr(r.gateM), "km", reason)
	} else {
		p.Border = part(0, w.Border, nil, "km", "the border gate cannot be placed; scores 0.")
	}
	stageScore := StageScores[stage]
	p.Stage = part(r.s[4], w.Stage, &stageScore, "", fmt.Sprintf("stage %q scores %g (planned 0 → operating 1).", stage, stageScore))
	return p
}

func siteScoring(q SiteQuery) map[string]string {
	return map[string]string{
		"score": "Σ weight × part / Σ weight, each part on a 0–1 scale; ties rank by cluster id. A part whose data is unknown scores 0 and says so (known: false).",
		"order": "Sites are listed by group, then by score: those that meet every filter, then (with include_unknown_free) those whose free land no source gives, " +
			"then those known to have no free land, whatever their score.",
		"free": fmt.Sprintf("min(free_ha / %g, 1), free_ha = industrial_land_ha − leased_land_ha (or industrial_land_ha × (100 − occupancy_pct) / 100).",
			FreeLandFullHa),
		"crop": fmt.Sprintf("min(supply_ha / %g, 1), supply_ha = the hectares of the crop's zones (all crops when crop is not given) within radius_km (%g) of the cluster by geodesic distance, "+
			"estimated by spreading each zone's stated area evenly over its polygon (cut into 0.05° cells); parts.crop.zones lists the zones counted.",
			CropSupplyFullHa, q.RadiusKM),
		"highway": fmt.Sprintf("max(0, 1 − km / %g), km = geodesic distance to the nearest national highway (QL…); the highways are indicative lines through cited waypoints.", HighwayZeroKM),
		"border":  fmt.Sprintf("max(0, 1 − km / %g), km = geodesic distance to the Lệ Thanh border gate, or to its indicative proxy (see border_gate).", BorderZeroKM),
		"stage":   "planned 0, investor_selected 0.25, established 0.5, under_construction 0.75, operating 1, expanded 1.",
		"industry": "industry keeps clusters whose target industries contain the text (without case or diacritics), or that process a crop the text names " +
			"(crop_industries terms, e.g. \"cassava starch\" names cassava). Clusters with no recorded target industries are left out when industry is given.",
		"distance": defDistance,
	}
}
