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
// instead of downloading every polygon whole.
func (s *Store) Labels(ctx context.Context) ([]byte, error) {
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
		  FROM %s t`, i, l.KeyColumn, propertiesJSON(fields), quoteLiteral(l.ID), l.Table))
	}
	sql := `SELECT json_build_object('type','FeatureCollection','features',coalesce(json_agg(x.f ORDER BY x.ord, x.id), '[]'::json))::text
	          FROM (` + strings.Join(parts, " UNION ALL ") + `) x`
	ctx, cancel := s.queryContext(ctx)
	defer cancel()
	var out []byte
	if err := s.pool.QueryRow(ctx, sql).Scan(&out); err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	return out, nil
}

// quoteLiteral quotes a catalog identifier (never input) as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
