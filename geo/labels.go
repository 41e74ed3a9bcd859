package geo

import (
	"context"
	"fmt"
	"strings"
)

// LabelLayers are the polygon layers whose names the map writes at a point inside each polygon.
var LabelLayers = []string{"regions", "districts"}

// Labels returns the label points of the regions and districts as one GeoJSON FeatureCollection
// of Points: each feature keeps its layer's declared properties (a region's are what the legend,
// the filters and the panel read) plus "layer", and sits at the centre of the polygon's largest
// inscribed circle, the point farthest from its edges, where a label stays inside (label_point,
// kept by PostgreSQL with the outline: migrations/00018). The web app places labels from it
// instead of downloading every polygon whole. A province (its code; "" for all) keeps the
// labels of that province's units: the map of one province in an installation of many (3,300
// communes of a country are ~400 kB of labels, a province's ~30 kB).
func (s *Store) Labels(ctx context.Context, province string) ([]byte, error) {
	var parts []string
	for i, id := range LabelLayers {
		l, ok := s.catalog.Layer(id)
		if !ok {
			continue
		}
		fields := l.Fields
		if id == "districts" { // only what a district label and the click on a district need
			var err error
			if fields, err = (FeatureQuery{Layer: l, Properties: []string{"code", "name"}}).selectedFields(); err != nil {
				return nil, fmt.Errorf("labels: %w", err)
			}
		}
		parts = append(parts, fmt.Sprintf(`SELECT %d AS ord, t.%s::text AS id, json_build_object('type','Feature','id',t.%[2]s,
		  'geometry',ST_AsGeoJSON(t.label_point, 6)::json,
		  'properties',(%s)::jsonb || jsonb_build_object('layer', %s)) AS f
		  FROM %s t WHERE $1::text IS NULL OR t.province_code = $1`, i, l.KeyColumn, propertiesJSON(fields), quoteLiteral(l.ID), l.Table))
	}
	sql := `SELECT json_build_object('type','FeatureCollection','features',coalesce(json_agg(x.f ORDER BY x.ord, x.id), '[]'::json))::text
	          FROM (` + strings.Join(parts, " UNION ALL ") + `) x`
	ctx, cancel := s.queryContext(ctx)
	defer cancel()
	var out []byte
	var only *string
	if province != "" {
		only = &province
	}
	if err := s.pool.QueryRow(ctx, sql, only).Scan(&out); err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	return out, nil
}

// quoteLiteral quotes a catalog identifier (never input) as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
