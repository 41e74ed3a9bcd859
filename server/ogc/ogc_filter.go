package ogc

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/cql2"
	"github.com/clustermap/clustermap/server/httpx"
)

// OGC API – Features Part 3 (filtering) with CQL2 text: the filter parameters of /items and the
// queryables of each collection. The compiler is cql2.CompileCQL2; its SQL goes into the shared
// feature query as FeatureQuery.Where.

const cql2Text = "cql2-text"

// ogcFilterConformance are the Part 3 and CQL2 classes cql2.CompileCQL2 implements.
var ogcFilterConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
	"http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
}

// parseFilter adds a CQL2 text filter to the query. filter-lang and filter-crs are accepted only
// with the one value each that is implemented.
func parseFilter(req *itemsRequest, params url.Values) error {
	if v, ok := params["filter-lang"]; ok && v[0] != cql2Text {
		return httpx.BadRequest(fmt.Sprintf("filter-lang %q is not supported; use %s", v[0], cql2Text))
	}
	if v, ok := params["filter-crs"]; ok && v[0] != crs84 {
		return httpx.BadRequest(fmt.Sprintf("filter-crs %q is not supported; use %s", v[0], crs84))
	}
	v, ok := params["filter"]
	if !ok {
		if _, lang := params["filter-lang"]; lang {
			return httpx.BadRequest("filter-lang without filter")
		}
		return nil
	}
	q := &req.query
	where, args, err := cql2.Compile(q.Layer, v[0])
	if err != nil {
		return err
	}
	if q.Where != "" { // a datetime on a layer without time already made the result empty
		where = q.Where + " AND " + where
	}
	q.Where, q.WhereArgs = where, append(q.WhereArgs, args...)
	req.keep = append(req.keep, [2]string{"filter", v[0]})
	for _, name := range []string{"filter-lang", "filter-crs"} {
		if v, ok := params[name]; ok {
			req.keep = append(req.keep, [2]string{name, v[0]})
		}
	}
	return nil
}

// collectionExtraLinks are the Part 3 links of a collection.
func (s *Service) collectionExtraLinks(c *gin.Context, l *geo.Layer, path string) []httpx.Link {
	return []httpx.Link{
		{Rel: relQueryables, Href: ogcRoot(c) + path + "/queryables", Type: schemaJSONType, Title: "Properties usable in filters"},
		{Rel: relQueryables, Href: withFormat(c, path+"/queryables", "html"), Type: htmlType, Title: "Properties usable in filters, as HTML"},
	}
}

// queryables is the JSON Schema of the properties a filter may use: the layer's declared fields
// and its geometry.
func queryables(c *gin.Context, l *geo.Layer) map[string]any {
	props := map[string]any{
		cql2.GeometryQueryable: map[string]any{"title": "Geometry", "format": "geometry-any",
			"description": "Use with the spatial functions (S_INTERSECTS, …)."},
	}
	for _, f := range l.Fields {
		if f.Filterable() { // an object field is served, not queryable
			props[f.Name] = fieldSchema(f)
		}
	}
	return map[string]any{
		"$schema":              "https://json-schema.org/draft/2019-09/schema",
		"$id":                  ogcRoot(c) + "/collections/" + url.PathEscape(l.ID) + "/queryables",
		"type":                 "object",
		"title":                l.Title.EN,
		"properties":           props,
		"additionalProperties": false,
	}
}

// fieldSchema is the JSON Schema of one declared field; every field may be null.
func fieldSchema(f geo.Field) map[string]any {
	s := map[string]any{"title": f.Title.EN}
	switch f.Type {
	case geo.Integer:
		s["type"] = []string{"integer", "null"}
	case geo.Number:
		s["type"] = []string{"number", "null"}
	case geo.Date:
		s["type"] = []string{"string", "null"}
		s["format"] = "date"
	case geo.StringArray:
		s["type"] = []string{"array", "null"}
		s["items"] = map[string]any{"type": "string"}
	default:
		s["type"] = []string{"string", "null"}
	}
	if f.Closed() {
		s["enum"] = f.Enum()
	}
	return s
}

func (s *Service) handleOGCQueryables(c *gin.Context) {
	l, f, ok := s.ogcLayerFormat(c)
	if !ok {
		return
	}
	s.writeOGC(c, f, schemaJSONType, "queryables", queryablesPage{Layer: l, Schema: queryables(c, l)})
}

// queryablesPage carries the schema (JSON) and the layer (for the HTML page).
type queryablesPage struct {
	Layer  *geo.Layer
	Schema map[string]any
}

func (q queryablesPage) MarshalJSON() ([]byte, error) { return json.Marshal(q.Schema) }
