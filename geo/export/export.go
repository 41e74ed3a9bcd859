// Package export writes a layer's features in the formats GIS staff exchange — GeoPackage, zipped
// Shapefile, KML, GeoJSON, CSV and XLSX — in WGS 84 or VN-2000, the national system Vietnamese
// agencies exchange data in. The geometry formats go through GDAL's ogr2ogr (already the
// importer's tool; PROJ does the datum shift, EPSG:6960, as for imports), the tables through Go:
// their headers are the fields' titles in the reader's language and their cells are neutralised
// against spreadsheet formulas, which GDAL's CSV and XLSX drivers do not do.
package export

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/clustermap/clustermap/geo/ingest"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
	"github.com/xuri/excelize/v2"
)

// Format is one export format: the f value that asks for it, its media type and file extension,
// and how it is written.
type Format struct {
	Name      string
	MediaType string
	Ext       string
	// Driver is ogr2ogr's driver; empty for the tables written here.
	Driver string
	// WGS84Only formats cannot carry another coordinate system (KML is WGS 84 by definition).
	WGS84Only bool
}

// Formats are the export formats, by their f value.
var Formats = map[string]Format{
	"gpkg":    {Name: "gpkg", MediaType: "application/geopackage+sqlite3", Ext: "gpkg", Driver: "GPKG"},
	"shp":     {Name: "shp", MediaType: "application/zip", Ext: "zip", Driver: "ESRI Shapefile"},
	"kml":     {Name: "kml", MediaType: "application/vnd.google-earth.kml+xml", Ext: "kml", Driver: "KML", WGS84Only: true},
	"geojson": {Name: "geojson", MediaType: "application/geo+json", Ext: "geojson", Driver: "GeoJSON"},
	"csv":     {Name: "csv", MediaType: "text/csv; charset=utf-8", Ext: "csv"},
	"xlsx":    {Name: "xlsx", MediaType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Ext: "xlsx"},
}

// FormatNames lists the export formats in a stable order, for links and documents.
func FormatNames() []string {
	names := make([]string, 0, len(Formats))
	for n := range Formats {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// CRS is a coordinate system an export may be written in.
type CRS struct {
	EPSG int
	Name string
}

// URI is the CRS's OGC identifier, as OGC API – Features Part 2 names it.
func (c CRS) URI() string { return fmt.Sprintf("http://www.opengis.net/def/crs/EPSG/0/%d", c.EPSG) }

// CRSs are the coordinate systems of exports: WGS 84, VN-2000 geographic, and the provinces'
// VN-2000 TM-3 zones (Circular 973/2001/TT-TCĐC: 108°30′ for the former Gia Lai, 108°15′ for
// the former Bình Định; docs/sources/vn2000.md).
var CRSs = []CRS{
	{4326, "WGS 84"},
	{4756, "VN-2000 (geographic)"},
	{9218, "VN-2000 / TM-3 108-30 (former Gia Lai)"},
	{9217, "VN-2000 / TM-3 108-15 (former Bình Định)"},
	{3405, "VN-2000 / UTM zone 48N"},
	{3406, "VN-2000 / UTM zone 49N"},
}

// ParseCRS reads a crs value: an OGC URI (…/EPSG/0/9218), "EPSG:9218" or the bare code.
func ParseCRS(s string) (CRS, error) {
	code := strings.TrimSpace(s)
	for _, prefix := range []string{"http://www.opengis.net/def/crs/EPSG/0/", "https://www.opengis.net/def/crs/EPSG/0/", "EPSG:", "epsg:"} {
		code = strings.TrimPrefix(code, prefix)
	}
	if code == "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
		return CRSs[0], nil
	}
	for _, c := range CRSs {
		if fmt.Sprint(c.EPSG) == code {
			return c, nil
		}
	}
	var known []string
	for _, c := range CRSs {
		known = append(known, fmt.Sprintf("EPSG:%d (%s)", c.EPSG, c.Name))
	}
	return CRS{}, fmt.Errorf("crs %q is not one of %s", s, strings.Join(known, ", "))
}

// Column is one column of a table export: the property and its header.
type Column struct {
	Property string
	Header   string
}

// Request is one export: the features (a GeoJSON FeatureCollection in WGS 84), the layer's name
// (the file's layer or sheet), the format, the CRS, and for tables the columns.
type Request struct {
	GeoJSON []byte
	Layer   string
	Format  Format
	CRS     CRS
	Columns []Column
	// WKTHeader names the geometry column of a table ("WKT" is what GDAL's CSV driver reads).
	WKTHeader string
}

// ErrTool is an export GDAL could not write.
var ErrTool = errors.New("export: ogr2ogr failed")

// Write writes the export and returns its bytes.
func Write(ctx context.Context, r Request) ([]byte, error) {
	if r.Format.WGS84Only && r.CRS.EPSG != 4326 {
		return nil, fmt.Errorf("%s holds WGS 84 only, not EPSG:%d", strings.ToUpper(r.Format.Name), r.CRS.EPSG)
	}
	dir, err := os.MkdirTemp("", "clustermap-export-")
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.geojson")
	if err := os.WriteFile(in, r.GeoJSON, 0o600); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if r.Format.Driver == "" {
		src := r.GeoJSON
		if r.CRS.EPSG != 4326 { // a table's WKT in the asked CRS: GDAL reprojects, Go writes
			if src, err = ogr(ctx, dir, in, "GeoJSON", "out.geojson", r.CRS, r.Layer, nil); err != nil {
				return nil, err
			}
		}
		return table(src, r)
	}
	var lco []string
	if r.Format.Name == "shp" {
		// UTF-8 (and a .cpg saying so); lists as text, which a .dbf cannot hold otherwise. Field
		// names are cut to the format's 10 characters by GDAL.
		lco = []string{"-lco", "ENCODING=UTF-8", "-mapFieldType", "StringList=String,IntegerList=String,RealList=String"}
	}
	if r.Format.Name == "shp" {
		return shapefile(ctx, dir, r, lco)
	}
	return ogr(ctx, dir, in, r.Format.Driver, "out."+r.Format.Ext, r.CRS, r.Layer, lco)
}

// shapefile writes one Shapefile per geometry family the features have (a Shapefile holds one:
// clusters are polygons where a source gives an area and points elsewhere), named
// layer_points, layer_lines, layer_polygons when there are several, and zips them.
func shapefile(ctx context.Context, dir string, r Request, lco []string) ([]byte, error) {
	fc, err := geojson.UnmarshalFeatureCollection(r.GeoJSON)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	families := map[string]*geojson.FeatureCollection{}
	var order []string
	for _, f := range fc.Features {
		fam := "none"
		if f.Geometry != nil {
			switch f.Geometry.GeoJSONType() {
			case "Point", "MultiPoint":
				fam = "points"
			case "LineString", "MultiLineString":
				fam = "lines"
			default:
				fam = "polygons"
			}
		}
		if families[fam] == nil {
			families[fam] = geojson.NewFeatureCollection()
			order = append(order, fam)
		}
		families[fam].Append(f)
	}
	slices.Sort(order)
	var names []string
	for _, fam := range order {
		name := r.Layer
		if len(order) > 1 {
			name = r.Layer + "_" + fam
		}
		b, err := families[fam].MarshalJSON()
		if err != nil {
			return nil, err
		}
		in := filepath.Join(dir, fam+".geojson")
		if err := os.WriteFile(in, b, 0o600); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		extra := append(slices.Clone(lco), "-nlt", "PROMOTE_TO_MULTI")
		if fam == "points" {
			extra = lco
		}
		if _, err := ogr(ctx, dir, in, "ESRI Shapefile", name+".shp", r.CRS, name, extra); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return zipShapefiles(dir, names)
}

// ogr runs ogr2ogr from in to dir/out in the driver and CRS, and returns the file.
func ogr(ctx context.Context, dir, in, driver, out string, crs CRS, layer string, extra []string) ([]byte, error) {
	args := []string{"-f", driver, "-nln", layer, "-t_srs", fmt.Sprintf("EPSG:%d", crs.EPSG)}
	args = append(args, extra...)
	args = append(args, filepath.Join(dir, out), in)
	if _, err := ingest.OGR2OGR(ctx, args...); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTool, err)
	}
	if filepath.Ext(out) == ".shp" {
		return nil, nil
	}
	return os.ReadFile(filepath.Join(dir, out))
}

// zipShapefiles zips each Shapefile's parts (.shp, .shx, .dbf, .prj, .cpg) for one download.
func zipShapefiles(dir string, names []string) ([]byte, error) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, name := range names {
		for _, ext := range []string{"shp", "shx", "dbf", "prj", "cpg"} {
			b, err := os.ReadFile(filepath.Join(dir, name+"."+ext))
			if err != nil {
				return nil, fmt.Errorf("export: shapefile part .%s: %w", ext, err)
			}
			w, err := z.Create(name + "." + ext)
			if err != nil {
				return nil, err
			}
			if _, err := w.Write(b); err != nil {
				return nil, err
			}
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// table writes the CSV or XLSX: a row per feature, a column per field (headed by its title), and
// the geometry as WKT in the export's CRS.
func table(fcJSON []byte, r Request) ([]byte, error) {
	fc, err := geojson.UnmarshalFeatureCollection(fcJSON)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	header := make([]string, 0, len(r.Columns)+1)
	for _, c := range r.Columns {
		header = append(header, c.Header)
	}
	header = append(header, r.WKTHeader)
	rows := [][]string{header}
	for _, f := range fc.Features {
		row := make([]string, 0, len(header))
		for _, c := range r.Columns {
			row = append(row, cell(f.Properties[c.Property]))
		}
		g := ""
		if f.Geometry != nil {
			g = wkt.MarshalString(f.Geometry)
		}
		rows = append(rows, append(row, g))
	}
	if r.Format.Name == "csv" {
		var buf bytes.Buffer
		buf.WriteString("\uFEFF") // Excel reads UTF-8 only with the mark
		w := csv.NewWriter(&buf)
		w.UseCRLF = true
		for _, row := range rows {
			for i := range row {
				row[i] = neutralise(row[i])
			}
			if err := w.Write(row); err != nil {
				return nil, err
			}
		}
		w.Flush()
		return buf.Bytes(), w.Error()
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := r.Layer
	if len(sheet) > 31 {
		sheet = sheet[:31]
	}
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	for i, row := range rows {
		for j, v := range row {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
			// Numbers as numbers (a spreadsheet sums them; GDAL tells the header row by them),
			// everything else as text, never as a formula: a text cell is not evaluated.
			if i > 0 && j < len(r.Columns) {
				if n, ok := fc.Features[i-1].Properties[r.Columns[j].Property].(float64); ok {
					if err := x.SetCellFloat(sheet, ref, n, -1, 64); err != nil {
						return nil, err
					}
					continue
				}
			}
			if err := x.SetCellStr(sheet, ref, v); err != nil {
				return nil, err
			}
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cell is a property's value as table text: lists joined with "; ", objects as JSON.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.6f", x), "0"), ".")
	case bool:
		return fmt.Sprint(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = cell(e)
		}
		return strings.Join(parts, "; ")
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// neutralise keeps a spreadsheet from reading a cell as a formula (OWASP "CSV injection"): a cell
// that starts with = + - @, a tab or a carriage return gets a leading apostrophe. Negative numbers
// stay numbers.
func neutralise(s string) string {
	if s == "" || !strings.ContainsAny(s[:1], "=+-@\t\r") {
		return s
	}
	if s[0] == '-' && isNumber(s) {
		return s
	}
	return "'" + s
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
