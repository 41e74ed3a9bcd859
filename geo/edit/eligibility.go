package edit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/planning"
)

var errNotFound = geo.ErrNotFound

// Validate refuses, without the database, what no check can answer: an unknown kind, an expansion
// naming no cluster, a shape that is not a bounded polygon.
func (in EligibilityInput) Validate() error {
	if in.Kind != "new" && in.Kind != "expansion" {
		return &ValidationError{Problems: []string{`kind must be "new" or "expansion"`}}
	}
	if in.Kind == "expansion" && in.ClusterID == nil {
		return &ValidationError{Problems: []string{"an expansion names the cluster it enlarges (cluster_id)"}}
	}
	if p := checkPolygonal(in.Geometry); len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

// Eligibility is the Decree 32/2024 check of a drawn boundary: the conditions with their verdicts
// (the size rules and the district's or the cluster's conditions come from geo/planning, the same
// code that answers for existing clusters), the geometric errors (overlap with existing clusters,
// parts outside the district), and as context the distances to raw-material zones of matching
// crops and to national highways. PostGIS computes every area and distance geodesically.
type Eligibility struct {
	Question   string               `json:"question"`
	Verdict    planning.Verdict     `json:"verdict"`
	AreaHa     float64              `json:"area_ha"`
	District   *string              `json:"district_code"`
	Conditions []planning.Condition `json:"conditions"`
	Errors     []string             `json:"errors"`
	// District answers whether the district may found a new CCN (new proposals); Cluster whether
	// the cluster may expand by the drawn area (expansions).
	DistrictAnswer *planning.DistrictEligibility `json:"district_eligibility,omitempty"`
	ClusterAnswer  *planning.ClusterEligibility  `json:"cluster_eligibility,omitempty"`
	Context        EligibilityContext            `json:"context"`
}

// EligibilityContext is what a reviewer weighs beside the rules.
type EligibilityContext struct {
	Zones []ZoneDistance `json:"raw_material_zones"`
	Roads []RoadDistance `json:"national_highways"`
}

// ZoneDistance is a raw-material zone and its geodesic distance to the boundary.
type ZoneDistance struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Crop       string  `json:"crop"`
	DistanceKM float64 `json:"distance_km"`
	// Matches: the boundary's target industries process the zone's crop (crop_industries).
	Matches bool `json:"matches_target_industries"`
}

// RoadDistance is a national highway and its geodesic distance to the boundary.
type RoadDistance struct {
	Ref        string  `json:"ref"`
	Name       string  `json:"name"`
	DistanceKM float64 `json:"distance_km"`
}

type overlap struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	OverlapHa float64 `json:"overlap_ha"`
}

// eligibilitySQL measures a boundary ($1, GeoJSON) against the district ($2, or the district it
// lies in most), the existing clusters (but $3, the one an expansion enlarges), the zones and
// the highways. $4 are the target industries, matched to crops as cluster_crops matches them.
const eligibilitySQL = `
WITH g AS (SELECT ` + proposalGeom + ` AS g),
     d AS (SELECT d.code, d.geom FROM districts d, g
            WHERE d.code = coalesce(nullif($2, ''), (SELECT d2.code FROM districts d2 WHERE ST_Intersects(d2.geom, g.g)
                                                     ORDER BY ST_Area(ST_Intersection(d2.geom, g.g)) DESC LIMIT 1))),
     ind AS (SELECT search_key(x) AS key FROM unnest($4::text[]) AS x)
SELECT ST_IsValid(g.g), ST_IsValidReason(g.g),
       ST_Area(g.g::geography) / 1e4,
       (SELECT code FROM d),
       coalesce((SELECT ST_Area(ST_Difference(g.g, ST_Buffer(d.geom::geography, 50)::geometry)::geography) / 1e4 FROM d),
                ST_Area(g.g::geography) / 1e4),
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name,
                    'overlap_ha', CASE WHEN GeometryType(c.geom) = 'POINT' THEN 0
                                       ELSE round((ST_Area(ST_Intersection(c.geom, g.g)::geography) / 1e4)::numeric, 2) END) ORDER BY c.id)
                   FROM clusters c WHERE c.id IS DISTINCT FROM $3 AND ST_Intersects(c.geom, g.g)
                    AND (GeometryType(c.geom) = 'POINT' OR ST_Area(ST_Intersection(c.geom, g.g)::geography) > 1)), '[]'),
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', z.id, 'name', z.name, 'crop', z.crop,
                    'distance_km', round((ST_Distance(z.geom::geography, g.g::geography) / 1000)::numeric, 3),
                    'matches_target_industries', EXISTS (
                        SELECT 1 FROM crop_industries ci, ind
                         WHERE ci.crop = z.crop AND EXISTS (SELECT 1 FROM unnest(ci.terms || ci.generic_terms) t WHERE strpos(ind.key, t) > 0)))
                    ORDER BY ST_Distance(z.geom::geography, g.g::geography))
                   FROM raw_material_zones z), '[]'),
       coalesce((SELECT jsonb_agg(jsonb_build_object('ref', r.ref, 'name', r.name,
                    'distance_km', round((ST_Distance(r.geom::geography, g.g::geography) / 1000)::numeric, 3))
                    ORDER BY ST_Distance(r.geom::geography, g.g::geography))
                   FROM roads r WHERE r.ref LIKE 'QL%'), '[]')
  FROM g`

// Eligibility checks a boundary under Decree 32/2024 (see the type).
func (s *Store) Eligibility(ctx context.Context, in EligibilityInput, planner *planning.Planner) (*Eligibility, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	out := &Eligibility{Errors: []string{}, Conditions: []planning.Condition{}}
	var valid bool
	var reason string
	var outsideHa float64
	var overlaps, zones, roads []byte
	qctx, cancel := s.ctx(ctx)
	err := s.pool.QueryRow(qctx, eligibilitySQL, []byte(in.Geometry), in.DistrictCode, in.ClusterID, in.TargetIndustries).
		Scan(&valid, &reason, &out.AreaHa, &out.District, &outsideHa, &overlaps, &zones, &roads)
	cancel()
	if err != nil {
		if c := classify("eligibility", err); errors.As(c, new(*ValidationError)) {
			return nil, c
		}
		return nil, fmt.Errorf("eligibility: %w", err)
	}
	if !valid {
		return nil, &ValidationError{Problems: []string{"invalid geometry: " + reason}}
	}
	out.AreaHa = math.Round(out.AreaHa*100) / 100
	var ov []overlap
	if err := json.Unmarshal(overlaps, &ov); err != nil {
		return nil, fmt.Errorf("eligibility: %w", err)
	}
	if err := json.Unmarshal(zones, &out.Context.Zones); err != nil {
		return nil, fmt.Errorf("eligibility: %w", err)
	}
	if err := json.Unmarshal(roads, &out.Context.Roads); err != nil {
		return nil, fmt.Errorf("eligibility: %w", err)
	}

	// Geometric errors: no rule can be met by a boundary that takes land of another cluster or of
	// another district.
	overlapCond := planning.Condition{ID: "no_overlap", Rule: "The boundary takes no land of an existing cluster", Verdict: planning.Yes, Checkable: true,
		Reason: "The boundary overlaps no existing cluster.", Values: map[string]any{"overlaps": ov}}
	if len(ov) > 0 {
		overlapCond.Verdict = planning.No
		overlapCond.Reason = fmt.Sprintf("The boundary overlaps %d existing cluster(s).", len(ov))
		for _, o := range ov {
			out.Errors = append(out.Errors, fmt.Sprintf("overlaps %s (cluster %d) by %g ha", o.Name, o.ID, o.OverlapHa))
		}
	}
	districtCond := planning.Condition{ID: "inside_district", Rule: "The boundary lies inside the proposing district", Verdict: planning.Yes, Checkable: true,
		Values: map[string]any{"outside_ha": math.Round(outsideHa*100) / 100, "district_code": out.District}}
	switch {
	case out.District == nil:
		districtCond.Verdict = planning.No
		districtCond.Reason = "The boundary lies in no district of the province."
		out.Errors = append(out.Errors, districtCond.Reason)
	case outsideHa > 0.01:
		districtCond.Verdict = planning.No
		districtCond.Reason = fmt.Sprintf("%.2f ha of the boundary lie outside district %s.", outsideHa, *out.District)
		out.Errors = append(out.Errors, districtCond.Reason)
	default:
		districtCond.Reason = fmt.Sprintf("The boundary lies inside district %s.", *out.District)
	}

	if in.Kind == "new" {
		out.Question = "May this boundary be founded as a new industrial cluster (CCN) under Decree 32/2024/NĐ-CP?"
		size := planning.Condition{ID: "size", Rule: fmt.Sprintf("A CCN covers %g–%g ha", planning.MinClusterAreaHa, planning.MaxClusterAreaHa),
			Verdict: planning.Yes, Checkable: true, Values: map[string]any{"area_ha": out.AreaHa}}
		if out.AreaHa < planning.MinClusterAreaHa || out.AreaHa > planning.MaxClusterAreaHa {
			size.Verdict = planning.No
			size.Reason = fmt.Sprintf("The boundary covers %g ha, outside %g–%g ha.", out.AreaHa, planning.MinClusterAreaHa, planning.MaxClusterAreaHa)
		} else {
			size.Reason = fmt.Sprintf("The boundary covers %g ha, within %g–%g ha.", out.AreaHa, planning.MinClusterAreaHa, planning.MaxClusterAreaHa)
		}
		out.Conditions = append(out.Conditions, size)
		if out.District != nil {
			de, err := planner.DistrictEligibility(ctx, *out.District)
			if err != nil {
				return nil, fmt.Errorf("eligibility: %w", err)
			}
			out.DistrictAnswer = de
			out.Conditions = append(out.Conditions, planning.Condition{ID: "district", Rule: "The district may found a new CCN (its existing clusters' occupancy or unleased land)",
				Verdict: de.Verdict, Checkable: true, Reason: joinReasons(de.Reasons), Missing: de.Missing})
		}
	} else {
		out.Question = "May the cluster expand by this boundary under Decree 32/2024/NĐ-CP?"
		add := out.AreaHa
		ce, err := planner.ClusterEligibility(ctx, *in.ClusterID, &add)
		if err != nil {
			return nil, fmt.Errorf("eligibility: %w", err)
		}
		out.ClusterAnswer = ce
		out.Conditions = append(out.Conditions, ce.Conditions...)
	}
	out.Conditions = append(out.Conditions, overlapCond, districtCond)
	out.Verdict = combine(out.Conditions)
	return out, nil
}

func joinReasons(r []string) string {
	s := ""
	for i, x := range r {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}

// combine is the answer of all conditions: no if one fails, unknown if one cannot be checked,
// yes otherwise (not-applicable conditions do not count).
func combine(conds []planning.Condition) planning.Verdict {
	v := planning.Yes
	for _, c := range conds {
		switch c.Verdict {
		case planning.No:
			return planning.No
		case planning.Unknown:
			v = planning.Unknown
		}
	}
	return v
}
