package planning

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Definitions shared by the linkage, the summaries and the site finder; answers return them so
// a reader never has to guess what a figure means.
var (
	defDistance = "Geodesic distance in km on the WGS 84 spheroid (PostGIS ST_Distance on geography) between the cluster's geometry " +
		"(its indicative footprint, or its point where no area is known) and the zone's polygon; 0 when they touch or overlap. " +
		"Most zones are drawn as the union of the districts a source names, so 0 means the cluster lies in one of those districts, " +
		"not that it borders the crop's fields."
	defProcesses = "A cluster processes a crop when one of its target industries contains a term of crop_industries for that crop " +
		"(compared without case or diacritics). Clusters with no recorded target industries process nothing as far as the data says; " +
		"nearest_unclassified_cluster shows where one of them lies within the radius."
	defServed  = "A zone is served when a cluster that processes its crop lies within radius_km of it; otherwise it is unserved."
	defHorizon = fmt.Sprintf("Distances are kept up to %g km; a zone with no processing cluster that near has nearest_processing_cluster null.", MaxRadiusKM)
)

// nearestProcessingCTE defines nearest(zone_id, cluster_id, distance_m, near_point): for every
// zone, the nearest cluster that processes its crop (the processes flag, kept from cluster_crops),
// among clusters of kind $1 (NULL: all kinds), ties broken by cluster id. One probe per zone of
// the partial index cluster_distances_processing_idx, which holds each zone's processing clusters
// nearest first: a DISTINCT ON over every pair sorted 37,000 rows at national scale (70 ms).
const nearestProcessingCTE = `
nearest AS (
  SELECT z0.id AS zone_id, n.cluster_id, n.distance_m, n.near_point
    FROM raw_material_zones z0
   CROSS JOIN LATERAL (
     SELECT cd.cluster_id, cd.distance_m, cd.near_point
       FROM cluster_distances cd
      WHERE cd.target = 'zone' AND cd.processes AND cd.target_id = z0.id
        AND ($1::text IS NULL OR EXISTS (SELECT 1 FROM clusters c WHERE c.id = cd.cluster_id AND c.kind::text = $1))
      ORDER BY cd.distance_m, cd.cluster_id
      LIMIT 1) n)`

// Point is [lon, lat] in WGS 84.
type Point [2]float64

// LineString is a GeoJSON LineString a map can draw as is.
type LineString struct {
	Type        string  `json:"type"`
	Coordinates []Point `json:"coordinates"`
}

// CropReach sums the zones of one crop within the radius of a cluster.
type CropReach struct {
	Crop   string  `json:"crop"`
	Zones  int     `json:"zones"`
	AreaHa float64 `json:"area_ha"`
	// ZonesWithoutArea counts zones whose area no source states; AreaHa leaves them out.
	ZonesWithoutArea int     `json:"zones_without_area"`
	ZoneIDs          []int64 `json:"zone_ids"`
	NearestKM        float64 `json:"nearest_km"`
	// Processed says whether this cluster's target industries process the crop.
	Processed bool `json:"processed"`
}

// LinkedCluster is one cluster of the linkage answer.
type LinkedCluster struct {
	ClusterRef
	// Point is the cluster's point-on-surface, where a map draws its links.
	Point              Point       `json:"point"`
	TargetIndustries   []string    `json:"target_industries"`
	IndustriesRecorded bool        `json:"industries_recorded"`
	Processes          []string    `json:"processes"`
	ZonesWithinRadius  []CropReach `json:"zones_within_radius"`
	Sources            []string    `json:"sources"`
	province           string      // the province it lies in today, for an answer of one province
}

// ZoneLink is a zone's link to a cluster.
type ZoneLink struct {
	ClusterID    int64   `json:"cluster_id"`
	ClusterName  string  `json:"cluster_name"`
	DistanceKM   float64 `json:"distance_km"`
	WithinRadius bool    `json:"within_radius"`
	// Line runs from the zone's point nearest the cluster to the cluster's point, for drawing.
	Line LineString `json:"line"`
}

// LinkedZone is one raw-material zone of the linkage answer.
type LinkedZone struct {
	ID              int64    `json:"id"`
	Name            string   `json:"name"`
	Crop            string   `json:"crop"`
	AreaHa          *float64 `json:"area_ha"`
	DistrictCodes   []string `json:"district_codes"`
	GeometryQuality string   `json:"geometry_quality"`
	Served          bool     `json:"served"`
	Reason          string   `json:"reason"`
	// NearestProcessing is the nearest cluster processing the crop within the horizon, or null.
	NearestProcessing *ZoneLink `json:"nearest_processing_cluster"`
	// NearestUnclassified is the nearest cluster within the radius whose target industries are not
	// recorded: it might process the crop, the data cannot say.
	NearestUnclassified *ZoneLink `json:"nearest_unclassified_cluster"`
	Sources             []string  `json:"sources"`
	province            string    // as LinkedCluster's
	cropOrder           int       // the crop's place in its enum: a cluster's crops come in that order
}

// LinkageTotals sums the answer up.
type LinkageTotals struct {
	Zones                   int                `json:"zones"`
	Served                  int                `json:"served"`
	Unserved                int                `json:"unserved"`
	ServedHaByCrop          map[string]float64 `json:"served_ha_by_crop"`
	UnservedHaByCrop        map[string]float64 `json:"unserved_ha_by_crop"`
	ProcessingClusters      int                `json:"processing_clusters"`
	ClustersWithoutIndustry int                `json:"clusters_without_industries"`
}

// Linkage is the raw-material linkage answer.
type Linkage struct {
	RadiusKM float64 `json:"radius_km"`
	// Province, when set, is the province the answer keeps: its zones, its clusters and the
	// clusters its zones are linked to beyond its border.
	Province       string            `json:"province,omitempty"`
	HorizonKM      float64           `json:"horizon_km"`
	Definitions    map[string]string `json:"definitions"`
	CropIndustries []CropIndustry    `json:"crop_industries"`
	Clusters       []LinkedCluster   `json:"clusters"`
	Zones          []LinkedZone      `json:"zones"`
	UnservedZones  []int64           `json:"unserved_zone_ids"`
	Totals         LinkageTotals     `json:"totals"`
	Sources        Sources           `json:"sources"`
}

// linkageClustersSQL lists every cluster with its point on its surface, kept in cluster_points
// (migrations/00022_linkage_points.sql: computing it was 14 ms of this statement's 31 at national
// scale). The district name is one index probe per cluster, where a join read every commune's
// row (3,300 wide rows, ~9 ms).
const linkageClustersSQL = `
SELECT c.id, c.name, c.kind::text, c.status::text, c.district_code,
       (SELECT d.name FROM districts d WHERE d.code = c.district_code), rm.region_slug,
       ST_X(coalesce(p.point, cluster_point_of(c.geom))), ST_Y(coalesce(p.point, cluster_point_of(c.geom))), c.target_industries,
       ARRAY(SELECT cc.crop::text FROM cluster_crops cc WHERE cc.cluster_id = c.id ORDER BY cc.crop), c.sources,
       coalesce(c.province_code, '')
  FROM clusters c
  LEFT JOIN cluster_points p ON p.cluster_id = c.id
  LEFT JOIN region_members rm ON rm.district_code = c.district_code
 ORDER BY c.id`

// linkageReachSQL lists the pairs of cluster and zone within $1 metres, from the covering index
// cluster_distances_zone_radius_cover_idx, in no order: Linkage groups them per cluster and crop
// and sorts each cluster's few itself (the GROUP BY over a join with the zones it replaces sorted
// all 16,000 pairs of the country and took ~30 ms; sorting them in the statement, ~5).
const linkageReachSQL = `
SELECT cd.cluster_id, cd.target_id, cd.distance_m
  FROM cluster_distances cd
 WHERE cd.target = 'zone' AND cd.distance_m <= $1`

// linkageZonesSQL gives every zone its nearest processing cluster (of kind $1) and, within $2
// metres, its nearest cluster with no recorded target industries.
const linkageZonesSQL = `
WITH ` + nearestProcessingCTE + `,
-- From the clusters with no recorded industries (few, when any) to their zones within $2
-- (cluster_distances_cluster_zones_idx), each zone's nearest of them.
unclassified AS (
  SELECT DISTINCT ON (cd.target_id) cd.target_id AS zone_id, cd.cluster_id, cd.distance_m, cd.near_point
    FROM clusters c
    JOIN cluster_distances cd ON cd.cluster_id = c.id AND cd.target = 'zone' AND cd.distance_m <= $2
   WHERE c.target_industries = '{}' AND ($1::text IS NULL OR c.kind::text = $1)
   ORDER BY cd.target_id, cd.distance_m, cd.cluster_id)
SELECT z.id, z.name, z.crop::text, z.area_ha::float8, z.district_codes, z.geometry_quality::text, z.sources,
       n.cluster_id, n.distance_m, ST_X(n.near_point), ST_Y(n.near_point),
       u.cluster_id, u.distance_m, ST_X(u.near_point), ST_Y(u.near_point), coalesce(z.province_code, ''),
       array_position(enum_range(NULL::crop), z.crop)
  FROM raw_material_zones z
  LEFT JOIN nearest n ON n.zone_id = z.id
  LEFT JOIN unclassified u ON u.zone_id = z.id
 ORDER BY z.id`

// Linkage relates clusters and raw-material zones within radiusKM (validate it with CheckRadius),
// of the whole installation, or of one province when province is not empty (see
// Linkage.Province): each zone is still linked to its nearest cluster wherever that lies.
func (s *Planner) Linkage(ctx context.Context, radiusKM float64, province string) (*Linkage, error) {
	if err := CheckRadius(radiusKM); err != nil {
		return nil, err
	}
	radiusM := radiusKM * 1000
	out := &Linkage{
		RadiusKM: radiusKM, HorizonKM: MaxRadiusKM, Province: province,
		Definitions: map[string]string{"distance": defDistance, "processes": defProcesses, "served": defServed, "horizon": defHorizon},
		Clusters:    []LinkedCluster{}, Zones: []LinkedZone{}, UnservedZones: []int64{},
		Totals: LinkageTotals{ServedHaByCrop: map[string]float64{}, UnservedHaByCrop: map[string]float64{}},
	}
	index := map[int64]int{}
	err := s.readAnalysis(ctx, "linkage", func(tx pgx.Tx) error {
		// One pipeline: PostgreSQL runs each statement while this process reads the rows of the
		// one before (at national scale ~30 ms of statements and ~17 ms of reading them, which
		// one after the other took ~58 ms).
		batch := &pgx.Batch{}
		batch.Queue(cropIndustriesSQL)
		batch.Queue(linkageClustersSQL)
		batch.Queue(linkageZonesSQL, nil, radiusM)
		batch.Queue(linkageReachSQL, radiusM)
		results := tx.SendBatch(ctx, batch)
		defer results.Close()
		rows, err := results.Query()
		if err != nil {
			return err
		}
		if out.CropIndustries, err = collectCropIndustries(rows); err != nil {
			return err
		}
		if rows, err = results.Query(); err != nil {
			return err
		}
		for rows.Next() {
			var lc LinkedCluster
			if err := rows.Scan(&lc.ID, &lc.Name, &lc.Kind, &lc.Status, &lc.DistrictCode, &lc.District, &lc.Region,
				&lc.Point[0], &lc.Point[1], &lc.TargetIndustries, &lc.Processes, &lc.Sources, &lc.province); err != nil {
				return err
			}
			lc.IndustriesRecorded = len(lc.TargetIndustries) > 0
			lc.ZonesWithinRadius = []CropReach{}
			index[lc.ID] = len(out.Clusters)
			out.Clusters = append(out.Clusters, lc)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if rows, err = results.Query(); err != nil {
			return err
		}
		for rows.Next() {
			var z LinkedZone
			var nID, uID *int64
			var nM, nX, nY, uM, uX, uY *float64
			if err := rows.Scan(&z.ID, &z.Name, &z.Crop, &z.AreaHa, &z.DistrictCodes, &z.GeometryQuality, &z.Sources,
				&nID, &nM, &nX, &nY, &uID, &uM, &uX, &uY, &z.province, &z.cropOrder); err != nil {
				return err
			}
			z.NearestProcessing = out.link(index, nID, nM, nX, nY, radiusM)
			z.NearestUnclassified = out.link(index, uID, uM, uX, uY, radiusM)
			z.Served = z.NearestProcessing != nil && z.NearestProcessing.WithinRadius
			z.Reason = zoneReason(z, radiusKM)
			out.Zones = append(out.Zones, z)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if rows, err = results.Query(); err != nil {
			return err
		}
		if err := out.reach(rows); err != nil {
			return err
		}
		return results.Close()
	})
	if err != nil {
		return nil, err
	}
	if province != "" {
		out.keepProvince(province)
	}
	out.total()
	return out, nil
}

// reach sums the rows of linkageReachSQL (cluster, zone, distance, in no order) into each
// cluster's zones within the radius: one CropReach per crop in the crops' enum order, its zones
// nearest first (ties by zone id), as the GROUP BY it replaces gave them.
func (l *Linkage) reach(rows pgx.Rows) error {
	type pair struct {
		zone     *LinkedZone
		distance float64
	}
	zones := make(map[int64]*LinkedZone, len(l.Zones))
	for i := range l.Zones {
		zones[l.Zones[i].ID] = &l.Zones[i]
	}
	byCluster := make(map[int64][]pair, len(l.Clusters))
	var clusterID, zoneID int64
	var distance float64
	for rows.Next() {
		if err := rows.Scan(&clusterID, &zoneID, &distance); err != nil {
			return err
		}
		if z := zones[zoneID]; z != nil {
			byCluster[clusterID] = append(byCluster[clusterID], pair{z, distance})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range l.Clusters {
		lc := &l.Clusters[i]
		pairs := byCluster[lc.ID]
		slices.SortFunc(pairs, func(a, b pair) int {
			if c := a.zone.cropOrder - b.zone.cropOrder; c != 0 {
				return c
			}
			if c := cmp.Compare(a.distance, b.distance); c != 0 {
				return c
			}
			return cmp.Compare(a.zone.ID, b.zone.ID)
		})
		for _, p := range pairs {
			z := p.zone
			n := len(lc.ZonesWithinRadius)
			if n == 0 || lc.ZonesWithinRadius[n-1].Crop != z.Crop {
				lc.ZonesWithinRadius = append(lc.ZonesWithinRadius, CropReach{Crop: z.Crop, NearestKM: km(p.distance),
					Processed: slices.Contains(lc.Processes, z.Crop), ZoneIDs: []int64{}})
				n++
			}
			cr := &lc.ZonesWithinRadius[n-1]
			cr.Zones++
			cr.ZoneIDs = append(cr.ZoneIDs, z.ID)
			if z.AreaHa == nil {
				cr.ZonesWithoutArea++
			} else {
				// Rounded to the micro-hectare: the sum of decimal areas in floating point, as
				// the database's numeric sum gave it.
				cr.AreaHa = math.Round((cr.AreaHa+*z.AreaHa)*1e6) / 1e6
			}
		}
	}
	return nil
}

// keepProvince keeps the zones of one province, its clusters, and the clusters beyond its border
// that its zones are linked to (a zone served from the next province is served).
func (l *Linkage) keepProvince(province string) {
	linked := map[int64]bool{}
	zones := l.Zones[:0]
	for _, z := range l.Zones {
		if z.province != province {
			continue
		}
		zones = append(zones, z)
		for _, link := range []*ZoneLink{z.NearestProcessing, z.NearestUnclassified} {
			if link != nil {
				linked[link.ClusterID] = true
			}
		}
	}
	l.Zones = zones
	clusters := l.Clusters[:0]
	for _, c := range l.Clusters {
		if c.province == province || linked[c.ID] {
			clusters = append(clusters, c)
		}
	}
	l.Clusters = clusters
}

func zoneReason(z LinkedZone, radiusKM float64) string {
	var r string
	switch n := z.NearestProcessing; {
	case n == nil:
		r = fmt.Sprintf("Unserved: no cluster within %g km records a target industry that processes %s.", MaxRadiusKM, z.Crop)
	case z.Served:
		r = fmt.Sprintf("Served: %s processes %s, %s km away (radius %g km).", n.ClusterName, z.Crop, fmtNum(n.DistanceKM), radiusKM)
	default:
		r = fmt.Sprintf("Unserved: the nearest cluster that processes %s, %s, is %s km away, beyond %g km.", z.Crop, n.ClusterName, fmtNum(n.DistanceKM), radiusKM)
	}
	if u := z.NearestUnclassified; u != nil && !z.Served {
		r += fmt.Sprintf(" %s, %s km away, records no target industries and might process it.", u.ClusterName, fmtNum(u.DistanceKM))
	}
	return r
}

func (l *Linkage) link(index map[int64]int, id *int64, m, x, y *float64, radiusM float64) *ZoneLink {
	if id == nil {
		return nil
	}
	c := l.Clusters[index[*id]]
	return &ZoneLink{ClusterID: c.ID, ClusterName: c.Name, DistanceKM: km(*m), WithinRadius: *m <= radiusM,
		Line: LineString{Type: "LineString", Coordinates: []Point{{*x, *y}, c.Point}}}
}

func (l *Linkage) total() {
	t := &l.Totals
	var data []string
	for _, z := range l.Zones {
		t.Zones++
		ha := 0.0
		if z.AreaHa != nil {
			ha = *z.AreaHa
		}
		if z.Served {
			t.Served++
			t.ServedHaByCrop[z.Crop] += ha
		} else {
			t.Unserved++
			t.UnservedHaByCrop[z.Crop] += ha
			l.UnservedZones = append(l.UnservedZones, z.ID)
		}
		data = append(data, z.Sources...)
	}
	for _, c := range l.Clusters {
		if len(c.Processes) > 0 {
			t.ProcessingClusters++
		}
		if !c.IndustriesRecorded {
			t.ClustersWithoutIndustry++
		}
		data = append(data, c.Sources...)
	}
	l.Sources = Sources{Data: mergeSources(nil, data), Rules: []RuleSource{sourcePostGIS, sourceSectors}}
}
