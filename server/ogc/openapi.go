package ogc

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/geo/export"
	"github.com/clustermap/clustermap/server/httpx"
)

// The OpenAPI 3.0 document of /ogc, generated from the layer catalog so that a new layer appears
// here as soon as it appears in the catalog. Each collection has literal paths
// (/collections/clusters/items, …) rather than one {collectionId} template: GDAL reads the page
// size and filters of a collection from its literal path, the official test suite accepts both,
// and literal paths can say which parameters and properties each collection has.
//
// Every accepted parameter is declared (the server refuses undeclared ones), parameters are
// $refs into components (GDAL only reads limit's maximum through a $ref), and no value is null
// (the test suite's OpenAPI parser rejects nulls).

type obj = map[string]any

func ref(kind, name string) obj { return obj{"$ref": "#/components/" + kind + "/" + name} }

func paramRefs(names ...string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = ref("parameters", n)
	}
	return out
}

// content is a response body in JSON (of mediaType) and HTML.
func content(mediaType string, schema obj) obj {
	return obj{
		mediaType: obj{"schema": schema},
		htmlType:  obj{"schema": obj{"type": "string"}},
	}
}

func operation(id, summary, description string, tags []string, params []any, ok obj, errors ...string) obj {
	responses := obj{"200": ok}
	for _, e := range errors {
		responses[e] = ref("responses", map[string]string{"400": "BadRequest", "404": "NotFound", "500": "ServerError"}[e])
	}
	op := obj{"operationId": id, "summary": summary, "tags": tags, "responses": responses}
	if description != "" {
		op["description"] = description
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	return obj{"get": op}
}

// openAPIDocument describes /ogc as served at root (the absolute public URL of /ogc).
func openAPIDocument(cat *geo.Catalog, root string) obj {
	paths := obj{
		"/": operation("getLandingPage", "Landing page", "Links to the API definition, the conformance classes and the collections.",
			[]string{"Capabilities"}, paramRefs("f"),
			obj{"description": "The landing page.", "content": content(jsonType, ref("schemas", "landingPage"))}, "400", "500"),
		"/api": operation("getAPI", "This API definition", "The OpenAPI 3.0 document (JSON) or its HTML rendering.",
			[]string{"Capabilities"}, paramRefs("f"),
			obj{"description": "The API definition.", "content": content(openAPIType, obj{"type": "object"})}, "400", "500"),
		"/conformance": operation("getConformanceDeclaration", "Conformance classes", "The OGC conformance classes this server implements.",
			[]string{"Capabilities"}, paramRefs("f"),
			obj{"description": "The conformance declaration.", "content": content(jsonType, ref("schemas", "confClasses"))}, "400", "500"),
		"/collections": operation("getCollections", "Collections", "The map layers, each an OGC feature collection, with extents and links.",
			[]string{"Capabilities"}, paramRefs("f"),
			obj{"description": "The collections.", "content": content(jsonType, ref("schemas", "collections"))}, "400", "500"),
	}
	schemas := coreSchemas()
	tags := []any{
		obj{"name": "Capabilities", "description": "What the server offers."},
	}
	for _, l := range cat.Layers() {
		base := "/collections/" + l.ID
		tag := []string{l.ID}
		tags = append(tags, obj{"name": l.ID, "description": l.Title.EN + ": " + l.Description.EN})
		timeNote := "This collection has no temporal property: any datetime matches no feature."
		if l.TimeField != "" {
			timeNote = fmt.Sprintf("datetime applies to %s.", l.TimeField)
		}
		paths[base] = operation("describeCollection_"+l.ID, l.Title.EN, "Metadata of the collection: extent and links.",
			tag, paramRefs("f"),
			obj{"description": "The collection.", "content": content(jsonType, ref("schemas", "collectionInfo"))}, "400", "500")
		paths[base+"/items"] = operation("getFeatures_"+l.ID, l.Title.EN+": features",
			"Features of the collection, paged with limit and offset (follow the next link). "+timeNote+
				" filter takes CQL2 text over the collection's queryables.",
			tag, paramRefs("fItems", "limit", "offset", "bbox", "datetime", "filter", "filter-lang", "filter-crs", "crs", "lang"),
			obj{"description": "A page of features.", "content": content(httpx.GeoJSONType, ref("schemas", "featureCollection_"+l.ID))}, "400", "500")
		idSchema := obj{"type": "string"}
		if l.KeyType == geo.Integer {
			idSchema = obj{"type": "integer"}
		}
		paths[base+"/items/{featureId}"] = operation("getFeature_"+l.ID, l.Title.EN+": one feature", "",
			tag, append([]any{obj{"name": "featureId", "in": "path", "required": true, "description": "The feature's id.", "schema": idSchema}}, paramRefs("f")...),
			obj{"description": "The feature.", "content": content(httpx.GeoJSONType, ref("schemas", "feature_"+l.ID))}, "400", "404", "500")
		if l.Editable {
			addWriteOperations(paths[base+"/items"].(obj), paths[base+"/items/{featureId}"].(obj), l)
		}
		paths[base+"/queryables"] = operation("getQueryables_"+l.ID, l.Title.EN+": queryables",
			"The properties a filter may use, as JSON Schema.", tag, paramRefs("f"),
			obj{"description": "The queryables.", "content": content(schemaJSONType, obj{"type": "object"})}, "400", "500")
		schemas["feature_"+l.ID] = featureSchema(l)
		schemas["featureCollection_"+l.ID] = obj{
			"type": "object", "required": []string{"type", "features"},
			"properties": obj{
				"type":           obj{"type": "string", "enum": []string{"FeatureCollection"}},
				"features":       obj{"type": "array", "items": ref("schemas", "feature_"+l.ID)},
				"links":          obj{"type": "array", "items": ref("schemas", "link")},
				"timeStamp":      obj{"type": "string", "format": "date-time"},
				"numberMatched":  obj{"type": "integer", "minimum": 0},
				"numberReturned": obj{"type": "integer", "minimum": 0},
			},
		}
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title":       "ClusterMap OGC API – Features",
			"version":     "1.0.0",
			"description": "Industrial clusters and parks, pre-2025 districts, development regions, raw-material zones, processing plants, energy projects and national highways as OGC API – Features collections (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 3 filtering with CQL2 text; Part 4 create, replace, update and delete on the editable collections, with If-Match). Coordinates are CRS84 longitude/latitude.",
		},
		"servers": []any{obj{"url": root, "description": "This server"}},
		"tags":    tags,
		"paths":   paths,
		"components": obj{
			"parameters": ogcParameters(),
			"responses": obj{
				"BadRequest":  errorResponse("A parameter is unknown or malformed (the message says which)."),
				"NotFound":    errorResponse("The collection or feature does not exist."),
				"ServerError": errorResponse("The server failed; the request can be retried."),
			},
			"schemas": schemas,
			"securitySchemes": obj{
				"bearerAuth": obj{"type": "http", "scheme": "bearer",
					"description": "An API token from `clustermap user token NAME` (scripts, GIS clients)."},
				"cookieAuth": obj{"type": "apiKey", "in": "cookie", "name": httpx.SessionCookie,
					"description": "The web app's session from POST /api/session; writes also need a same-origin Origin header."},
			},
		},
	}
}

// writeSecurity: a write needs a token or a session; PostgreSQL's row-level security then
// limits it to the user's remit.
var writeSecurity = []any{obj{"bearerAuth": []string{}}, obj{"cookieAuth": []string{}}}

// addWriteOperations declares Part 4 (Create, Replace, Update, Delete) on an editable
// collection's paths: the same handlers the web app uses, with If-Match against lost updates.
func addWriteOperations(items, item obj, l *geo.Layer) {
	ifMatch := obj{"name": "If-Match", "in": "header", "required": true,
		"description": "The feature's ETag from its last GET: a stale one is 412, none is 428.",
		"schema":      obj{"type": "string"}}
	comment := obj{"name": "X-Change-Comment", "in": "header", "required": false,
		"description": "A comment stored with the new version in the feature's history (percent-encoded UTF-8).",
		"schema":      obj{"type": "string"}}
	key := obj{"name": "Idempotency-Key", "in": "header", "required": false,
		"description": "A key of the client's choosing (at most 255 characters): a create sent again with the same key " +
			"and body within a day makes nothing more and is answered with the first one's feature (Idempotent-Replayed: true); " +
			"the same key with another body is 422.",
		"schema": obj{"type": "string", "maxLength": edit.MaxKeyChars}}
	idSchema := obj{"type": "string"}
	if l.KeyType == geo.Integer {
		idSchema = obj{"type": "integer"}
	}
	featureID := obj{"name": "featureId", "in": "path", "required": true, "description": "The feature's id.", "schema": idSchema}
	body := func(mediaType, description string) obj {
		return obj{"required": true, "description": description,
			"content": obj{mediaType: obj{"schema": ref("schemas", "feature_"+l.ID)}}}
	}
	answers := func(ok string, okDescription string, extra ...string) obj {
		r := obj{ok: obj{"description": okDescription}}
		for _, code := range append([]string{"400", "401", "403", "422"}, extra...) {
			r[code] = errorResponse(map[string]string{
				"400": "The body is not a GeoJSON feature (or merge patch) of this collection.",
				"401": "No valid token or session.",
				"403": "The user may not write this feature (role, district or field).",
				"404": "The feature does not exist.",
				"412": "If-Match names an older version; the body names the current one.",
				"422": "The feature breaks a rule of the collection (the reasons are listed).",
				"428": "If-Match is missing.",
			}[code])
		}
		return r
	}
	tag := []string{l.ID}
	items["post"] = obj{"operationId": "createFeature_" + l.ID, "summary": l.Title.EN + ": add a feature",
		"tags": tag, "security": writeSecurity, "parameters": []any{comment, key},
		"requestBody": body(httpx.GeoJSONType, "The new feature."),
		"responses":   answers("201", "Created: Location names the feature, ETag its first version.")}
	item["put"] = obj{"operationId": "replaceFeature_" + l.ID, "summary": l.Title.EN + ": replace a feature",
		"tags": tag, "security": writeSecurity, "parameters": []any{featureID, ifMatch, comment},
		"requestBody": body(httpx.GeoJSONType, "The whole feature."),
		"responses":   answers("200", "Replaced; ETag names the new version.", "404", "412", "428")}
	item["patch"] = obj{"operationId": "updateFeature_" + l.ID, "summary": l.Title.EN + ": change part of a feature",
		"tags": tag, "security": writeSecurity, "parameters": []any{featureID, ifMatch, comment},
		"requestBody": obj{"required": true, "description": "A JSON merge patch (RFC 7396) of the feature; null clears a property.",
			"content": obj{"application/merge-patch+json": obj{"schema": obj{"type": "object"}}}},
		"responses": answers("200", "Changed; ETag names the new version.", "404", "412", "428")}
	item["delete"] = obj{"operationId": "deleteFeature_" + l.ID, "summary": l.Title.EN + ": delete a feature",
		"tags": tag, "security": writeSecurity, "parameters": []any{featureID, ifMatch, comment},
		"responses": answers("204", "Deleted; the history keeps every version.", "404", "412", "428")}
}

func errorResponse(description string) obj {
	return obj{"description": description, "content": obj{jsonType: obj{"schema": ref("schemas", "exception")}}}
}

// ogcParameters are the query parameters, with the exact definitions OGC API – Features requires
// (explicit style form, explode false; limit with minimum, maximum and default; bbox of 4 or 6
// numbers).
func ogcParameters() obj {
	query := func(name, description string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "style": "form", "explode": false,
			"description": description, "schema": schema}
	}
	return obj{
		"f": query("f", "The representation: json (the default for non-browsers) or html. Without it, the Accept header decides.",
			obj{"type": "string", "enum": []string{"json", "html"}}),
		"fItems": query("f", "The representation: json (GeoJSON, the default for non-browsers) or html, or a file: "+
			"gpkg (GeoPackage), shp (zipped Shapefiles, one per geometry type, UTF-8 with .cpg and .prj), kml, csv or xlsx "+
			"(a row per feature, headers in lang, geometry as WKT). A file holds every selected feature up to the maximum unless limit is given.",
			obj{"type": "string", "enum": append([]string{"json", "html"}, exportNames()...)}),
		"crs": query("crs", "The coordinate system of json and the files: WGS 84 (the default), VN-2000 geographic (EPSG:4756), "+
			"VN-2000 TM-3 108°30′ of the former Gia Lai (EPSG:9218) or 108°15′ of the former Bình Định (EPSG:9217), or VN-2000 UTM 48N/49N (EPSG:3405/3406). KML is WGS 84 only.",
			obj{"type": "string", "enum": crsURIs()}),
		"lang": query("lang", "The language of csv and xlsx headers: vi (the default) or en.",
			obj{"type": "string", "enum": []string{"vi", "en"}, "default": "vi"}),
		"limit": query("limit", fmt.Sprintf("The number of features per page (default %d). A larger limit than %d is served as %d, not refused.", ogcDefaultLimit, ogcMaxLimit, ogcMaxLimit),
			obj{"type": "integer", "minimum": 1, "maximum": ogcMaxLimit, "default": ogcDefaultLimit}),
		"offset": query("offset", "The number of features to skip; next links carry it.",
			obj{"type": "integer", "minimum": 0, "default": 0}),
		"bbox": query("bbox", "Only features whose geometry intersects the box minlon,minlat,maxlon,maxlat in CRS84 (6 numbers: with heights, which are ignored). minlon > maxlon crosses the antimeridian.",
			obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}),
		"datetime": query("datetime", "Only features whose date intersects an RFC 3339 date or date-time, or an interval start/end where '..' or an empty end is open (e.g. 2020-01-01/.., 2019-06-01T00:00:00Z/2021-01-01T00:00:00Z).",
			obj{"type": "string"}),
		"filter": query("filter", "A CQL2 text filter over the collection's queryables, e.g. status = 'operating' AND occupancy_pct < 50, or S_INTERSECTS(geometry, BBOX(108.0,13.8,108.2,14.1)).",
			obj{"type": "string"}),
		"filter-lang": query("filter-lang", "The filter language; only cql2-text.",
			obj{"type": "string", "enum": []string{cql2Text}, "default": cql2Text}),
		"filter-crs": query("filter-crs", "The CRS of geometries in the filter; only CRS84.",
			obj{"type": "string", "format": "uri", "enum": []string{crs84}, "default": crs84}),
	}
}

func coreSchemas() obj {
	str := obj{"type": "string"}
	links := obj{"type": "array", "items": ref("schemas", "link")}
	return obj{
		"exception": obj{"type": "object", "required": []string{"error"}, "properties": obj{"error": str}},
		"link": obj{"type": "object", "required": []string{"href", "rel"}, "properties": obj{
			"href": str, "rel": str, "type": str, "title": str,
		}},
		"landingPage": obj{"type": "object", "required": []string{"links"}, "properties": obj{
			"title": str, "description": str, "links": links,
		}},
		"confClasses": obj{"type": "object", "required": []string{"conformsTo"}, "properties": obj{
			"conformsTo": obj{"type": "array", "items": str}, "links": links,
		}},
		"extent": obj{"type": "object", "properties": obj{
			"spatial": obj{"type": "object", "properties": obj{
				"bbox": obj{"type": "array", "minItems": 1, "items": obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}},
				"crs":  obj{"type": "string", "enum": []string{crs84}, "default": crs84},
			}},
			"temporal": obj{"type": "object", "properties": obj{
				"interval": obj{"type": "array", "minItems": 1, "items": obj{"type": "array", "minItems": 2, "maxItems": 2,
					"items": obj{"type": "string", "format": "date-time", "nullable": true}}},
				"trs": obj{"type": "string", "enum": []string{gregorian}, "default": gregorian},
			}},
		}},
		"collectionInfo": obj{"type": "object", "required": []string{"id", "links"}, "properties": obj{
			"id": str, "title": str, "description": str, "links": links,
			"extent":   ref("schemas", "extent"),
			"itemType": obj{"type": "string", "default": "feature"},
		}},
		"collections": obj{"type": "object", "required": []string{"links", "collections"}, "properties": obj{
			"links": links, "collections": obj{"type": "array", "items": ref("schemas", "collectionInfo")},
		}},
		"geometryGeoJSON": obj{"type": "object", "nullable": true, "required": []string{"type"}, "properties": obj{
			"type":        obj{"type": "string", "enum": []string{"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}},
			"coordinates": obj{"type": "array", "items": obj{"description": "A position (numbers) or a list of positions, nested by geometry type."}},
			"geometries":  obj{"type": "array", "items": ref("schemas", "geometryGeoJSON")},
		}},
	}
}

// featureSchema is the GeoJSON Feature of a layer, with its declared properties.
func featureSchema(l *geo.Layer) obj {
	props := obj{}
	for _, f := range l.Fields {
		s := obj{"nullable": true, "title": f.Title.EN}
		switch f.Type {
		case geo.Integer:
			s["type"] = "integer"
		case geo.Number:
			s["type"] = "number"
		case geo.Date:
			s["type"], s["format"] = "string", "date"
		case geo.StringArray:
			s["type"], s["items"] = "array", obj{"type": "string"}
		case geo.Object:
			s["type"] = "object"
		default:
			s["type"] = "string"
		}
		if f.Closed() {
			s["enum"] = f.Enum()
		}
		props[f.Name] = s
	}
	id := obj{"type": "string"}
	if l.KeyType == geo.Integer {
		id = obj{"type": "integer"}
	}
	return obj{
		"type": "object", "required": []string{"type", "geometry", "properties"},
		"properties": obj{
			"type":       obj{"type": "string", "enum": []string{"Feature"}},
			"id":         id,
			"geometry":   ref("schemas", "geometryGeoJSON"),
			"properties": obj{"type": "object", "nullable": true, "properties": props},
			"links":      obj{"type": "array", "items": ref("schemas", "link")},
		},
	}
}

// apiOperation is one operation of the document, for the HTML documentation page.
type apiOperation struct {
	Path, Summary, Description string
	Params                     []apiParam
}

type apiParam struct{ Name, In, Description, Schema string }

type apiDoc struct {
	Title, Description, Server string
	Operations                 []apiOperation
}

// apiDocPage flattens the OpenAPI document into what the HTML documentation shows.
func apiDocPage(doc obj) apiDoc {
	info := doc["info"].(obj)
	out := apiDoc{Title: info["title"].(string), Description: info["description"].(string),
		Server: doc["servers"].([]any)[0].(obj)["url"].(string)}
	components := doc["components"].(obj)["parameters"].(obj)
	paths := doc["paths"].(obj)
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, path := range keys {
		get := paths[path].(obj)["get"].(obj)
		op := apiOperation{Path: path, Summary: get["summary"].(string)}
		if d, ok := get["description"].(string); ok {
			op.Description = d
		}
		params, _ := get["parameters"].([]any)
		for _, p := range params {
			po := p.(obj)
			if r, ok := po["$ref"].(string); ok {
				po = components[r[strings.LastIndex(r, "/")+1:]].(obj)
			}
			op.Params = append(op.Params, apiParam{Name: po["name"].(string), In: po["in"].(string),
				Description: fmt.Sprint(po["description"]), Schema: schemaSummary(po["schema"].(obj))})
		}
		out.Operations = append(out.Operations, op)
	}
	return out
}

func schemaSummary(s obj) string {
	out := fmt.Sprint(s["type"])
	if e, ok := s["enum"].([]string); ok {
		out += " (" + strings.Join(e, " | ") + ")"
	}
	if m, ok := s["maximum"].(int); ok {
		out += " ≤ " + strconv.Itoa(m)
	}
	return out
}

// exportNames are the file formats of /items (export.go), GeoJSON being f=json.
func exportNames() []string {
	var out []string
	for _, n := range export.FormatNames() {
		if n != "geojson" {
			out = append(out, n)
		}
	}
	return out
}

// crsURIs are the coordinate systems /items writes, as OGC URIs (EPSG:n is taken too).
func crsURIs() []string {
	var out []string
	for _, c := range export.CRSs {
		out = append(out, c.URI())
	}
	return out
}
