package edit

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo/ingest"
)

// ApplySurveyedBoundary replaces cluster c's footprint by the boundary in a surveyed plan's file
// (a GeoPackage or a zipped Shapefile attached to one of its standing 1/500 detailed-plan events):
// the geometry's quality becomes surveyed and the document its source. Only the department does it,
// naming the version it replaces (ifVersion, as any write).
func (s *Store) ApplySurveyedBoundary(ctx context.Context, a Actor, c int64, sha string, ifVersion int64) (Written, error) {
	if a.Role != RoleDepartment && a.Role != RoleAdmin {
		return Written{}, &ForbiddenError{Reason: "only the Department of Industry and Trade replaces a cluster's boundary by a surveyed one"}
	}
	if ifVersion == 0 {
		return Written{}, ErrPreconditionRequired
	}
	sum, err := hex.DecodeString(sha)
	if err != nil || len(sum) != 32 {
		return Written{}, &ValidationError{Problems: []string{"document_sha256: the SHA-256 (hex) of the attached plan's file"}}
	}
	clusters, _ := s.catalog.Layer("clusters")
	out := Written{ID: c}
	err = s.inTx(ctx, "surveyed boundary", func(ctx context.Context, tx pgx.Tx) error {
		current, err := lockVersion(ctx, tx, clusters, c)
		if err != nil {
			return err
		}
		if current != ifVersion {
			return &StaleError{Current: current}
		}
		var mt, title string
		var content []byte
		var event int64
		err = tx.QueryRow(ctx, `SELECT d.media_type, d.content, a.title, e.id FROM attachments a
			JOIN cluster_events e ON e.id = a.event_id JOIN documents d ON d.sha256 = a.sha256
			WHERE e.cluster_id = $1 AND e.kind = 'detailed_plan' AND e.withdrawn_at IS NULL AND a.sha256 = $2
			ORDER BY e.occurred_on DESC LIMIT 1`, c, sum).Scan(&mt, &content, &title, &event)
		if errors.Is(err, pgx.ErrNoRows) {
			return &ValidationError{Problems: []string{"the document is not attached to a standing detailed-plan (1/500) event of this cluster"}}
		}
		if err != nil {
			return err
		}
		g, err := boundaryOf(ctx, mt, content)
		if err != nil {
			return err
		}
		if p, err := geometryProblem(ctx, tx, g); err != nil || p != "" {
			if err != nil {
				return err
			}
			return &ValidationError{Problems: []string{p}}
		}
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		placement := fmt.Sprintf("Surveyed boundary of the detailed plan 1/500 (event #%d), from the attached document sha256:%s", event, sha[:12])
		_, err = tx.Exec(ctx, `UPDATE clusters SET geom = `+proposalGeom+`, geometry_quality = 'surveyed', placement = $2,
			sources = sources || $3::text, updated_at = now() WHERE id = $4`,
			[]byte(g), placement, fmt.Sprintf("%s — document sha256:%s (/api/documents/%s)", title, sha, sha), c)
		out.Version = current + 1
		return err
	})
	return out, err
}

// boundaryOf reads a plan's file with GDAL and returns its polygons as one GeoJSON MultiPolygon in
// WGS 84 (reprojected from the file's own system, e.g. VN-2000).
func boundaryOf(ctx context.Context, mediaType string, content []byte) (json.RawMessage, error) {
	ext := map[string]string{"application/geopackage+sqlite3": ".gpkg", "application/zip": ".zip"}[mediaType]
	if ext == "" {
		return nil, &ValidationError{Problems: []string{"a surveyed boundary comes from a GeoPackage or a zipped Shapefile, not a " + mediaType}}
	}
	dir, err := os.MkdirTemp("", "clustermap-boundary-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "plan"+ext)
	if err := os.WriteFile(file, content, 0o600); err != nil {
		return nil, err
	}
	src := file
	if ext == ".zip" {
		src = "/vsizip/" + file
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	data, err := ingest.OGRToGeoJSON(ctx, src, true)
	if err != nil {
		return nil, &ValidationError{Problems: []string{"the plan's file cannot be read: " + err.Error()}}
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("boundary: %w", err)
	}
	var polys []json.RawMessage
	for _, f := range fc.Features {
		switch f.Geometry.Type {
		case "Polygon":
			polys = append(polys, f.Geometry.Coordinates)
		case "MultiPolygon":
			var many []json.RawMessage
			if err := json.Unmarshal(f.Geometry.Coordinates, &many); err != nil {
				return nil, fmt.Errorf("boundary: %w", err)
			}
			polys = append(polys, many...)
		}
	}
	if len(polys) == 0 {
		return nil, &ValidationError{Problems: []string{"the plan's file holds no polygon"}}
	}
	return json.Marshal(map[string]any{"type": "MultiPolygon", "coordinates": polys})
}
