package ingest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// maxToolMessage bounds how much of ogr2ogr's stderr goes into an error: its first lines say
// what went wrong.
const maxToolMessage = 1 << 10

// OGRToGeoJSON reads a file GDAL opens (Shapefile, GeoPackage, a /vsizip/ archive…) as GeoJSON,
// with ogr2ogr. With toWGS84 the coordinates are reprojected to WGS 84 from the file's own
// coordinate system (a .prj, a GeoPackage's srs).
func OGRToGeoJSON(ctx context.Context, src string, toWGS84 bool) ([]byte, error) {
	args := []string{"-f", "GeoJSON"}
	if toWGS84 {
		args = append(args, "-t_srs", "EPSG:4326")
	}
	return OGR2OGR(ctx, append(args, "/vsistdout/", src)...)
}

// OGR2OGR runs ogr2ogr with args and returns what it wrote to standard output; a failure carries
// the first of its messages. Imports and exports (geo/export) both go through it.
func OGR2OGR(ctx context.Context, args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "ogr2ogr", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > maxToolMessage {
			msg = msg[:maxToolMessage] + "…"
		}
		if msg != "" {
			return nil, fmt.Errorf("ogr2ogr: %w: %s", err, msg)
		}
		return nil, fmt.Errorf("ogr2ogr: %w", err)
	}
	return out, nil
}
