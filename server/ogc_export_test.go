package server_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every export format opens in GDAL with the features the same parameters select, their
// attributes and their CRS; a VN-2000 (EPSG:9218) export comes back to the served WGS 84
// coordinates within 1 cm; a KML in VN-2000 and an unknown CRS are refused.
func TestOGCExportsOpenInGDAL(t *testing.T) {
	srv, store := newTestServer(t)
	filter := url.Values{"filter": {"kind = 'ccn'"}}.Encode()
	var want int
	if err := store.Pool().QueryRow(t.Context(), `SELECT count(*) FROM clusters WHERE kind = 'ccn'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	get := func(query string) (*http.Response, []byte) {
		r, err := http.Get(srv.URL + "/ogc/collections/clusters/items?" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r, b
	}
	// ogrinfo's summary of every layer in a file (the zip's Shapefiles summed).
	summary := func(path string) (count int, text string) {
		out := gdal(t, "ogrinfo", "-ro", "-so", "-al", path)
		for _, m := range featureCount.FindAllStringSubmatch(out, -1) {
			n, _ := strconv.Atoi(m[1])
			count += n
		}
		return count, out
	}
	for _, tc := range []struct {
		f, crs, ext string
		field       string // an attribute the file must hold
		crsCode     string // "" : the format has no CRS of its own
	}{
		{"gpkg", "", "gpkg", "name", "4326"},
		{"gpkg", "EPSG:9218", "gpkg", "name", "9218"},
		{"shp", "http://www.opengis.net/def/crs/EPSG/0/9218", "zip", "name", "9218"},
		{"kml", "", "kml", "Name", "4326"},
		{"json", "EPSG:4756", "geojson", "name", "4756"},
		{"csv", "", "csv", "Tên", ""},
		{"xlsx", "", "xlsx", "Tên", ""},
	} {
		q := filter + "&f=" + tc.f
		if tc.crs != "" {
			q += "&crs=" + url.QueryEscape(tc.crs)
		}
		r, b := get(q)
		if r.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", tc.f, tc.crs, r.StatusCode, b)
		}
		if !strings.Contains(r.Header.Get("Content-Disposition"), "clusters."+tc.ext) || r.Header.Get("OGC-NumberMatched") != strconv.Itoa(want) {
			t.Errorf("%s: Content-Disposition %q, OGC-NumberMatched %q", tc.f, r.Header.Get("Content-Disposition"), r.Header.Get("OGC-NumberMatched"))
		}
		path := filepath.Join(dir, tc.f+strings.ReplaceAll(tc.crs, "/", "_")+"."+tc.ext)
		if tc.f == "shp" {
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, zf := range zr.File {
				parts = append(parts, zf.Name)
			}
			for _, ext := range []string{".shp", ".shx", ".dbf", ".prj", ".cpg"} {
				if !strings.Contains(strings.Join(parts, " "), ext) {
					t.Errorf("the zipped Shapefile lacks a %s: %v", ext, parts)
				}
			}
			for _, zf := range zr.File {
				if strings.HasSuffix(zf.Name, ".cpg") {
					rc, _ := zf.Open()
					cpg, _ := io.ReadAll(rc)
					rc.Close()
					if strings.TrimSpace(string(cpg)) != "UTF-8" {
						t.Errorf("%s says %q, want UTF-8", zf.Name, cpg)
					}
				}
			}
			path = "/vsizip/" + path
			if err := os.WriteFile(strings.TrimPrefix(path, "/vsizip/"), b, 0o600); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		// KML carries the attributes, each Placemark's in its ExtendedData.
		if tc.f == "kml" && (bytes.Count(b, []byte("<ExtendedData>")) != want || !bytes.Contains(b, []byte(`<SimpleData name="kind">ccn</SimpleData>`))) {
			t.Errorf("the KML's Placemarks do not carry their attributes in ExtendedData: %.600s", b)
		}
		n, info := summary(path)
		if n != want {
			t.Errorf("%s %s: GDAL reads %d features, want %d:\n%s", tc.f, tc.crs, n, want, info)
		}
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(tc.field) + `: `).MatchString(info) {
			t.Errorf("%s: no attribute %q:\n%s", tc.f, tc.field, info)
		}
		if tc.crsCode != "" && !strings.Contains(info, `ID["EPSG",`+tc.crsCode+`]]`) {
			t.Errorf("%s %s: the file's CRS is not EPSG:%s:\n%s", tc.f, tc.crs, tc.crsCode, info)
		}
	}

	// VN-2000 and back: the GeoPackage in EPSG:9218, converted to WGS 84 by GDAL, against the
	// coordinates the API serves.
	_, served := get(filter + "&limit=1000")
	for _, code := range []string{"9218", "9217", "3405", "3406"} {
		r, b := get(filter + "&f=gpkg&crs=EPSG:" + code)
		vn := filepath.Join(dir, "rt"+code+".gpkg")
		if err := os.WriteFile(vn, b, 0o600); err != nil || r.StatusCode != 200 {
			t.Fatalf("EPSG:%s: %d %v", code, r.StatusCode, err)
		}
		if _, info := summary(vn); !strings.Contains(info, `ID["EPSG",`+code+`]]`) {
			t.Errorf("the GeoPackage asked in EPSG:%s is not:\n%s", code, info)
		}
		back := filepath.Join(dir, "back"+code+".geojson")
		gdal(t, "ogr2ogr", "-f", "GeoJSON", "-t_srs", "EPSG:4326", "-lco", "COORDINATE_PRECISION=9", back, vn)
		got, err := os.ReadFile(back)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, "EPSG:"+code, served, got, want)
	}

	// bbox selects in every format as in GeoJSON: the same count.
	box := "bbox=107.8,13.6,108.4,14.2"
	var inBox struct {
		NumberMatched int `json:"numberMatched"`
	}
	if _, b := get(box + "&limit=1"); json.Unmarshal(b, &inBox) != nil || inBox.NumberMatched == 0 {
		t.Fatalf("GeoJSON with %s: %.200s", box, b)
	}
	r, b := get(box + "&f=gpkg")
	boxed := filepath.Join(dir, "bbox.gpkg")
	if err := os.WriteFile(boxed, b, 0o600); err != nil || r.StatusCode != 200 {
		t.Fatalf("gpkg with %s: %d %v", box, r.StatusCode, err)
	}
	if n, info := summary(boxed); n != inBox.NumberMatched {
		t.Errorf("the GeoPackage with %s holds %d features, GeoJSON %d:\n%s", box, n, inBox.NumberMatched, info)
	}

	// CSV: translated headers, and a value that starts a formula is text.
	if _, err := store.Pool().Exec(t.Context(), `UPDATE clusters SET notes = '=HYPERLINK("http://evil.example","x")'
	   WHERE id = (SELECT min(id) FROM clusters WHERE kind = 'ccn')`); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"vi", "en"} {
		var text string
		// The edit reaches the server through its version watcher: ask until the export has it.
		for range 1000 {
			_, b := get(filter + "&f=csv&lang=" + lang)
			if text = string(b); strings.Contains(text, "HYPERLINK") {
				break
			}
		}
		head := strings.SplitN(text, "\n", 2)[0]
		wantHead := map[string]string{"vi": "Tên", "en": "Name"}[lang]
		if !strings.Contains(head, wantHead) || strings.Contains(head, ",name,") {
			t.Errorf("CSV lang=%s: headers %q, want the fields' titles (%q)", lang, head, wantHead)
		}
		if !strings.Contains(text, `'=HYPERLINK(`) || regexp.MustCompile(`(^|,)"?=HYPERLINK`).MatchString(text) {
			t.Errorf("CSV lang=%s: the formula is not neutralised:\n%.2000s", lang, text)
		}
	}
	for _, bad := range []string{"f=kml&crs=EPSG:9218", "f=gpkg&crs=EPSG:32648", "f=pdf", "f=html&crs=EPSG:9218"} {
		if r, b := get(bad); r.StatusCode != 400 || !strings.Contains(string(b), "error") {
			t.Errorf("%s: %d %s, want 400", bad, r.StatusCode, b)
		}
	}
}

// roundTrip compares the WGS 84 points the API served with those of an export in crs converted
// back to WGS 84 by GDAL: within 1 cm each.
func roundTrip(t *testing.T, crs string, served, back []byte, want int) {
	t.Helper()
	first := func(b []byte) map[string][2]float64 {
		var fc struct {
			Features []struct {
				Properties map[string]any  `json:"properties"`
				Geometry   json.RawMessage `json:"geometry"`
			} `json:"features"`
		}
		if err := json.Unmarshal(b, &fc); err != nil {
			t.Fatal(err)
		}
		out := map[string][2]float64{}
		num := regexp.MustCompile(`-?\d+\.\d+`)
		for _, f := range fc.Features {
			xy := num.FindAllString(string(f.Geometry), 2)
			x, _ := strconv.ParseFloat(xy[0], 64)
			y, _ := strconv.ParseFloat(xy[1], 64)
			out[f.Properties["name"].(string)] = [2]float64{x, y}
		}
		return out
	}
	a, z := first(served), first(back)
	if len(a) != want || len(z) != want {
		t.Fatalf("%d served, %d back", len(a), len(z))
	}
	for name, p := range a {
		q := z[name]
		// metres: a degree of latitude is ~110.6 km, of longitude ~108 km at 14° N
		d := math.Hypot((p[0]-q[0])*108000, (p[1]-q[1])*110600)
		if d > 0.01 {
			t.Errorf("%s: %v → %s → %v is %.4f m off", name, p, crs, q, d)
		}
	}

}
