package server_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// qgisPython is Debian's Python, which python3-qgis installs into (not a python3 of PATH, which
// may be another one without QGIS).
const qgisPython = "/usr/bin/python3"

// QGIS opens every export format, the OGC API collection (its oapif provider) and the vector
// tiles: valid layers, the features the same parameters select, the CRS asked for. The formats
// are those the items page advertises in its alternate links and the OpenAPI document in its f
// and crs enums.
func TestQGISOpensEveryExport(t *testing.T) {
	if testing.Short() {
		t.Skip("QGIS takes seconds to start: not under -short")
	}
	// make test installs python3-qgis (.ci/install.sh --qgis): missing, it is a failure.
	if out, err := exec.Command(qgisPython, "-c", "import qgis.core").CombinedOutput(); err != nil {
		t.Fatalf("QGIS's Python bindings are missing (apt-get install python3-qgis; make test does): %v %s", err, out)
	}
	srv, store := newTestServer(t)
	var want, all int
	if err := store.Pool().QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE kind = 'ccn'), count(*) FROM clusters`).Scan(&want, &all); err != nil {
		t.Fatal(err)
	}
	base := srv.URL + "/ogc/collections/clusters/items"
	filter := url.Values{"filter": {"kind = 'ccn'"}}.Encode()

	// The formats the items page offers as alternates, and the OpenAPI document's enums.
	var page struct {
		Links []struct{ Rel, Href, Type string } `json:"links"`
	}
	if _, b := get(t, base+"?f=json&limit=1"); json.Unmarshal(b, &page) != nil {
		t.Fatalf("items: %.200s", b)
	}
	offered := map[string]string{}
	for _, l := range page.Links {
		if u, err := url.Parse(l.Href); err == nil && l.Rel == "alternate" {
			offered[u.Query().Get("f")] = l.Type
		}
	}
	_, api := get(t, srv.URL+"/ogc/api")
	fEnum, crsEnum := openAPIEnums(t, api)
	for _, f := range []string{"gpkg", "shp", "kml", "csv", "xlsx"} {
		if offered[f] == "" {
			t.Errorf("the items page offers no alternate f=%s: %v", f, offered)
		}
		if !slices.Contains(fEnum, f) {
			t.Errorf("the OpenAPI document's f lacks %s: %v", f, fEnum)
		}
	}
	for _, code := range []string{"4326", "4756", "9218", "9217", "3405", "3406"} {
		if !slices.ContainsFunc(crsEnum, func(u string) bool { return strings.HasSuffix(u, "/EPSG/0/"+code) }) {
			t.Errorf("the OpenAPI document's crs lacks EPSG:%s: %v", code, crsEnum)
		}
	}

	// Every format, downloaded from the server and opened by QGIS's OGR provider.
	dir := t.TempDir()
	type source struct {
		f, crs, file string
		authid       string // "" : the format has no CRS of its own (csv, xlsx)
		field        string
	}
	sources := []source{
		{"gpkg", "EPSG:9218", "clusters.gpkg", "EPSG:9218", "name"},
		{"shp", "EPSG:3405", "clusters.zip", "EPSG:3405", "name"},
		{"kml", "", "clusters.kml", "EPSG:4326", "Name"},
		{"json", "EPSG:9217", "clusters.geojson", "EPSG:9217", "name"},
		{"csv", "", "clusters.csv", "", "Tên"},
		{"xlsx", "", "clusters.xlsx", "", "Tên"},
	}
	var args, shps []string
	keys := make([]string, len(sources)) // each source's argument (a zip's: its first Shapefile)
	for i, s := range sources {
		keys[i] = "ogr=" + filepath.Join(dir, s.file)
		q := filter + "&f=" + s.f
		if s.crs != "" {
			q += "&crs=" + url.QueryEscape(s.crs)
		}
		r, b := get(t, base+"?"+q)
		if r.StatusCode != 200 {
			t.Fatalf("%s: %d %.200s", q, r.StatusCode, b)
		}
		path := filepath.Join(dir, s.file)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if s.f != "shp" {
			args = append(args, "ogr="+path)
			continue
		}
		// The zip holds a Shapefile per geometry type: QGIS opens each.
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, zf := range zr.File {
			if strings.HasSuffix(zf.Name, ".shp") {
				shps = append(shps, "ogr=/vsizip/"+path+"/"+zf.Name)
			}
		}
		if len(shps) == 0 {
			t.Fatal("the zipped Shapefile holds no .shp")
		}
		args = append(args, shps...)
		keys[i] = shps[0]
	}
	// The collection through QGIS's own OGC API - Features provider, and the vector tiles.
	args = append(args,
		"oapif="+"url='"+srv.URL+"/ogc' typename='clusters'",
		"vectortile="+"type=xyz&url="+srv.URL+"/tiles/clusters/%7Bz%7D/%7Bx%7D/%7By%7D.mvt&zmin=0&zmax=14")
	got := runQGIS(t, args)
	for i, s := range sources {
		g := got[keys[i]]
		if s.f == "shp" {
			g.Count = 0
			for _, a := range shps {
				g.Valid, g.CRS, g.Fields = got[a].Valid, got[a].CRS, got[a].Fields
				g.Count += got[a].Count
				if !got[a].Valid || got[a].CRS != s.authid {
					t.Errorf("QGIS opens %s as %+v", a, got[a])
				}
			}
		}
		if !g.Valid || g.Count != want || g.CRS != s.authid || !slices.Contains(g.Fields, s.field) {
			t.Errorf("QGIS opens f=%s %s as %+v; want valid, %d features, CRS %q, a field %q", s.f, s.crs, g, want, s.authid, s.field)
		}
	}
	if g := got[args[len(args)-2]]; !g.Valid || g.Count != all || g.CRS != "EPSG:4326" {
		t.Errorf("QGIS's oapif provider opens the collection as %+v; want valid, %d features, EPSG:4326", g, all)
	}
	if g := got[args[len(args)-1]]; !g.Valid || g.CRS != "EPSG:3857" {
		t.Errorf("QGIS opens the vector tiles as %+v; want a valid layer in EPSG:3857", g)
	}
}

// qgisLayer is what server/testdata/qgis_open.py says of one source.
type qgisLayer struct {
	Source string   `json:"source"`
	Valid  bool     `json:"valid"`
	Count  int      `json:"count"`
	CRS    string   `json:"crs"`
	Fields []string `json:"fields"`
	Error  string   `json:"error"`
}

// runQGIS opens the sources (PROVIDER=URI) with QGIS, headless, and returns what it says of each.
func runQGIS(t *testing.T, args []string) map[string]qgisLayer {
	t.Helper()
	cmd := exec.Command(qgisPython, append([]string{filepath.Join("testdata", "qgis_open.py")}, args...)...)
	cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("qgis_open.py: %v\n%s\n%s", err, out, stderr.Bytes())
	}
	got := map[string]qgisLayer{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var l qgisLayer
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Source != "" {
			got[l.Source] = l
		}
	}
	if len(got) != len(args) {
		t.Fatalf("qgis_open.py answered for %d of %d sources:\n%s\n%s", len(got), len(args), out, stderr.Bytes())
	}
	return got
}

// openAPIEnums are the enums of the items' f and crs parameters in the OpenAPI document.
func openAPIEnums(t *testing.T, doc []byte) (f, crs []string) {
	t.Helper()
	var api struct {
		Components struct {
			Parameters map[string]struct {
				Name   string `json:"name"`
				Schema struct {
					Enum []string `json:"enum"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"components"`
	}
	if err := json.NewDecoder(io.LimitReader(bytes.NewReader(doc), 1<<24)).Decode(&api); err != nil {
		t.Fatalf("the OpenAPI document: %v", err)
	}
	return api.Components.Parameters["fItems"].Schema.Enum, api.Components.Parameters["crs"].Schema.Enum
}
