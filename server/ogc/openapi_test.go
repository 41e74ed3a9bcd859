package ogc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/server/httpx"
)

// serveOGC serves the OGC API alone, behind the error middleware, on a fresh seeded database.
func serveOGC(t *testing.T) (string, *geo.Store) {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	store, _ := geotest.Seeded(t)
	log := slog.New(slog.DiscardHandler)
	r := gin.New()
	r.Use(httpx.WriteErrors(log, nil))
	edits := edit.New(store, log)
	New(store, edits, httpx.NewAuth(edits, log), log).Routes(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL, store
}

// validateOpenAPI loads a document with kin-openapi and validates it against OpenAPI 3.0, and
// checks what the OGC test suite's stricter parser (KaiZen) also rejects: null values anywhere.
func validateOpenAPI(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatalf("load OpenAPI: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("OpenAPI document is invalid: %v", err)
	}
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case nil:
			t.Errorf("null value at %s", path)
		case map[string]any:
			for k, e := range x {
				walk(path+"/"+k, e)
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		}
	}
	walk("", generic)
	return generic
}

// deref follows a local $ref the way KaiZen does transparently.
func deref(doc map[string]any, v map[string]any) map[string]any {
	r, ok := v["$ref"].(string)
	if !ok {
		return v
	}
	cur := any(doc)
	for _, part := range strings.Split(strings.TrimPrefix(r, "#/"), "/") {
		cur = cur.(map[string]any)[part]
	}
	return cur.(map[string]any)
}

func TestOGCOpenAPIDocument(t *testing.T) {
	base, store := serveOGC(t)
	iut := base + Prefix

	req, _ := http.NewRequest(http.MethodGet, iut+"/api", nil)
	req.Header.Set("Accept", openAPIType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /ogc/api: %d", res.StatusCode)
	}
	doc := validateOpenAPI(t, raw)

	// servers: the absolute public root. The suite compiles each server URL as a regex, matches it
	// in the IUT and takes the rest as the base path; "/" would match inside "http://".
	servers := doc["servers"].([]any)
	serverURL := servers[0].(map[string]any)["url"].(string)
	if serverURL != iut {
		t.Fatalf("servers[0].url = %q, want %q", serverURL, iut)
	}
	m := regexp.MustCompile(serverURL).FindStringIndex(iut)
	if m == nil || iut[m[1]:] != "" {
		t.Fatalf("the suite would derive base path %q from servers url %q", iut[m[1]:], serverURL)
	}

	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/", "/conformance", "/collections", "/api"} {
		get, ok := paths[p].(map[string]any)["get"].(map[string]any)
		if !ok || get["responses"].(map[string]any)["200"] == nil {
			t.Errorf("path %s has no GET with a 200 response", p)
		}
	}
	// Every layer of the catalog has its literal paths.
	for _, l := range store.Catalog().Layers() {
		for _, suffix := range []string{"", "/items", "/items/{featureId}", "/queryables"} {
			if paths["/collections/"+l.ID+suffix] == nil {
				t.Errorf("no path /collections/%s%s", l.ID, suffix)
			}
		}
	}

	// The parameter definitions the suite checks on every path matching /collections/.*/items.
	itemsPath := regexp.MustCompile(`^/collections/.*/items$`)
	n := 0
	for p, item := range paths {
		get := item.(map[string]any)["get"].(map[string]any)
		for code, r := range get["responses"].(map[string]any) {
			if deref(doc, r.(map[string]any))["description"] == nil {
				t.Errorf("%s %s response has no description", p, code)
			}
		}
		if !itemsPath.MatchString(p) {
			continue
		}
		n++
		params := map[string]map[string]any{}
		for _, raw := range get["parameters"].([]any) {
			ref, _ := raw.(map[string]any)["$ref"].(string)
			prm := deref(doc, raw.(map[string]any))
			params[prm["name"].(string)] = prm
			if s := prm["schema"].(map[string]any); s["additionalProperties"] == true {
				t.Errorf("%s: free-form parameter %s would make the suite skip the unknown-parameter test", p, prm["name"])
			}
			// GDAL reads limit's maximum only through a $ref naming limit.
			if prm["name"] == "limit" && !strings.Contains(ref, "limit") {
				t.Errorf("%s: limit is not a $ref", p)
			}
		}
		for _, name := range []string{"limit", "bbox", "datetime", "f", "offset", "filter", "filter-lang", "filter-crs"} {
			prm := params[name]
			if prm == nil {
				t.Errorf("%s: parameter %s is not declared", p, name)
				continue
			}
			if prm["in"] != "query" || prm["required"] == true || prm["style"] != "form" || prm["explode"] != false {
				t.Errorf("%s: %s must be an optional query parameter with explicit style form, explode false: %v", p, name, prm)
			}
		}
		limit := params["limit"]["schema"].(map[string]any)
		if limit["type"] != "integer" || limit["minimum"] == nil || limit["maximum"] == nil || limit["default"] == nil {
			t.Errorf("%s: limit schema %v needs type integer, minimum, maximum and default", p, limit)
		} else if limit["minimum"].(float64) < 0 || limit["maximum"].(float64) < 2500 || limit["default"].(float64) > limit["maximum"].(float64) {
			t.Errorf("%s: limit schema %v: the suite needs a maximum of at least 2500", p, limit)
		}
		bbox := params["bbox"]["schema"].(map[string]any)
		if bbox["type"] != "array" || bbox["minItems"] != 4.0 || bbox["maxItems"] != 6.0 || bbox["items"].(map[string]any)["type"] != "number" {
			t.Errorf("%s: bbox schema %v", p, bbox)
		}
		if s := params["datetime"]["schema"].(map[string]any); s["type"] != "string" {
			t.Errorf("%s: datetime schema %v", p, s)
		}
	}
	if n != len(store.Catalog().Layers()) {
		t.Errorf("%d items paths for %d layers", n, len(store.Catalog().Layers()))
	}
}

// A layer added to the catalog appears in the OpenAPI document with no other change.
func TestOGCOpenAPIFollowsTheCatalog(t *testing.T) {
	layers := geo.DefaultCatalog().Layers()
	extra := &geo.Layer{ID: "water_plants", Table: "water_plants", KeyColumn: "id", KeyType: geo.Integer,
		Title: geo.Text{VI: "Nhà máy nước", EN: "Water plants"}, GeometryType: "Point", TimeField: "opened",
		Fields: []geo.Field{{Name: "name", Type: geo.String}, {Name: "opened", Type: geo.Date}, {Name: "capacity_m3", Type: geo.Number}}}
	cat, err := geo.NewCatalog(append(layers, extra)...)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(openAPIDocument(cat, "https://maps.example.org/ogc"))
	if err != nil {
		t.Fatal(err)
	}
	doc := validateOpenAPI(t, raw)
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/collections/water_plants", "/collections/water_plants/items", "/collections/water_plants/items/{featureId}", "/collections/water_plants/queryables"} {
		if paths[p] == nil {
			t.Errorf("new layer: no path %s", p)
		}
	}
	props := doc["components"].(map[string]any)["schemas"].(map[string]any)["feature_water_plants"].(map[string]any)["properties"].(map[string]any)["properties"].(map[string]any)["properties"].(map[string]any)
	if props["capacity_m3"].(map[string]any)["type"] != "number" || props["opened"].(map[string]any)["format"] != "date" {
		t.Errorf("new layer's feature properties: %v", props)
	}
}

// Part 4 is declared where it is served: every editable collection has the four write
// operations with If-Match and the two security schemes; import-only collections have none.
func TestOGCOpenAPIDeclaresWrites(t *testing.T) {
	raw, err := json.Marshal(openAPIDocument(geo.DefaultCatalog(), "https://maps.example.org/ogc"))
	if err != nil {
		t.Fatal(err)
	}
	doc := validateOpenAPI(t, raw)
	schemes, _ := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
	if schemes["bearerAuth"] == nil || schemes["cookieAuth"] == nil {
		t.Fatalf("security schemes: %v", schemes)
	}
	paths := doc["paths"].(map[string]any)
	for _, l := range geo.DefaultCatalog().Layers() {
		items := paths["/collections/"+l.ID+"/items"].(map[string]any)
		item := paths["/collections/"+l.ID+"/items/{featureId}"].(map[string]any)
		ops := map[string]any{"post": items["post"], "put": item["put"], "patch": item["patch"], "delete": item["delete"]}
		for method, op := range ops {
			switch {
			case !l.Editable && op != nil:
				t.Errorf("%s is import-only but declares %s", l.ID, method)
			case l.Editable && op == nil:
				t.Errorf("%s is editable but does not declare %s", l.ID, method)
			case op != nil:
				o := op.(map[string]any)
				if o["security"] == nil {
					t.Errorf("%s %s: no security", l.ID, method)
				}
				if method != "post" && !strings.Contains(fmt.Sprint(o["parameters"]), "If-Match") {
					t.Errorf("%s %s: If-Match is not declared", l.ID, method)
				}
			}
		}
	}
}
