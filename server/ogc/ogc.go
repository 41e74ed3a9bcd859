// Package ogc serves OGC API – Features under /ogc: the landing page, conformance, the OpenAPI
// document, collections, items and queryables (Parts 1 and 3, CQL2 text filters) as JSON or HTML,
// and the writes of Part 4 on the editable collections. Everything is a view of the layer catalog:
// items go through the same geo.FeatureQuery path as /api.
package ogc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/geo/export"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/respcache"
)

// Prefix is where the OGC API is served.
const Prefix = "/ogc"

// MaxQueryBytes bounds the raw query string of /ogc: room for a CQL2 filter of the compiler's
// own limit (64 KiB of text) percent-encoded, which can triple it.
const MaxQueryBytes = 3*(64<<10) + 8<<10

const (
	jsonType        = httpx.JSONType
	htmlType        = "text/html"
	openAPIType     = "application/vnd.oai.openapi+json;version=3.0"
	schemaJSONType  = "application/schema+json"
	crs84           = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	gregorian       = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
	relQueryables   = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
	relConformance  = "conformance"
	ogcDefaultLimit = 10
	// ogcMaxLimit is declared as the limit maximum in the OpenAPI document. The official test
	// suite pages with it (it needs at least 2500 to count up to 10000 features in 5 pages);
	// larger limits are served as this maximum, not refused, because GDAL asks for 1000 or more.
	ogcMaxLimit = geo.MaxLimit
)

// Conformance classes, declared only for what is implemented and tested (ogc_test.go,
// ogc_filter_test.go, geo/cql2_test.go).
var ogcConformance = slices.Concat(ogcCoreConformance, ogcFilterConformance, ogcWriteConformance)

var ogcCoreConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

// Service answers the OGC API from the store's catalog; its writes go through the edit store
// (geo/edit), as the credentials Auth checks allow.
type Service struct {
	store *geo.Store
	edits *edit.Store
	auth  *httpx.Auth
	log   *slog.Logger
	// resp keeps JSON answers by data version (nil: built every time); deps are each layer's
	// dependencies and all every layer (server/respcache).
	resp *respcache.Cache
	deps map[string][]string
	all  []string
	// exports holds a slot per export being written (export.go).
	exports chan struct{}
}

// New builds the OGC API over store; edits performs the writes of the users auth recognises.
func New(store *geo.Store, edits *edit.Store, auth *httpx.Auth, log *slog.Logger) *Service {
	return &Service{store: store, edits: edits, auth: auth, log: log, deps: respcache.LayerDeps(store.Catalog()), all: respcache.AllLayers(store.Catalog()),
		exports: make(chan struct{}, maxExports)}
}

// UseResponseCache serves the JSON reads (collections, items, features) through c.
func (s *Service) UseResponseCache(c *respcache.Cache) { s.resp = c }

// cachedJSON serves a JSON answer through the response cache: deps are the layers it depends on,
// name the resource; the request's normalised query and public root complete the key. HTML
// pages, for people, are rendered every time.
func (s *Service) cachedJSON(c *gin.Context, deps []string, name string, build func(context.Context) (respcache.Built, error)) {
	key := name + "|" + ogcRoot(c) + "|" + c.Request.URL.Query().Encode()
	s.resp.Serve(c, deps, key, build)
}

// marshalled is a JSON document as a response-cache answer.
func marshalled(mediaType, what string, v any) (respcache.Built, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return respcache.Built{}, fmt.Errorf("encode %s: %w", what, err)
	}
	return respcache.Built{Body: b, Type: mediaType}, nil
}

// Routes registers OGC API – Features under /ogc: the reads (open to other origins) and the
// writes (ogc_write.go).
func (s *Service) Routes(r gin.IRouter) {
	g := r.Group(Prefix, httpx.AllowCORS())
	// Both spellings of the landing page answer directly: the test suite asks for the root without
	// a slash, others with one, and a redirect would cost every client a round trip.
	g.GET("", s.handleOGCLanding)
	g.GET("/", s.handleOGCLanding)
	g.GET("/api", s.handleOGCAPI)
	g.GET("/conformance", s.handleOGCConformance)
	g.GET("/collections", s.handleOGCCollections)
	g.GET("/collections/:collectionId", s.handleOGCCollection)
	g.GET("/collections/:collectionId/items", s.handleOGCItems)
	g.GET("/collections/:collectionId/items/:featureId", s.handleOGCFeature)
	g.GET("/collections/:collectionId/queryables", s.handleOGCQueryables)
	s.writeRoutes(r)
}

// format is the representation a client asked for.
type format int

const (
	formatJSON format = iota
	formatHTML
)

// negotiate picks JSON or HTML: f wins, else the Accept header, where HTML must be preferred
// explicitly (a browser) and anything else, including */*, gets JSON (GDAL, QGIS, curl).
func negotiate(c *gin.Context, params url.Values) (format, error) {
	if vals, ok := params["f"]; ok {
		switch strings.ToLower(lastValue(vals)) {
		case "json":
			return formatJSON, nil
		case "html":
			return formatHTML, nil
		default:
			return formatJSON, httpx.BadRequest(fmt.Sprintf("f must be json or html, not %q", lastValue(vals)))
		}
	}
	c.Header("Vary", "Accept")
	if acceptQuality(c.GetHeader("Accept"), htmlType) > acceptQuality(c.GetHeader("Accept"), jsonType) {
		return formatHTML, nil
	}
	return formatJSON, nil
}

// acceptQuality is the q-value the Accept header gives a media type through an exact or type/*
// range. */* is deliberately ignored: it says nothing about a preference between the two.
func acceptQuality(accept, mediaType string) float64 {
	best := 0.0
	major, _, _ := strings.Cut(mediaType, "/")
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		json := mediaType == jsonType && (mt == httpx.GeoJSONType || strings.HasSuffix(mt, "+json") || mt == "text/json")
		if mt != mediaType && mt != major+"/*" && !json {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		best = max(best, q)
	}
	return best
}

func lastValue(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[len(vals)-1]
}

// ogcParams parses the query strictly and rejects any parameter not in allowed. A parameter may
// repeat with the same value (the test suite re-sends the next link's parameters on top of the
// link itself); different values are ambiguous and refused, except for limit where the last wins.
func ogcParams(c *gin.Context, allowed ...string) (url.Values, error) {
	params, err := httpx.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	for key, vals := range params {
		known := false
		for _, a := range allowed {
			known = known || a == key
		}
		if !known {
			return nil, httpx.BadRequest(fmt.Sprintf("unknown parameter %q; this resource takes %s", key, strings.Join(allowed, ", ")))
		}
		if key == "limit" {
			continue
		}
		for _, v := range vals[1:] {
			if v != vals[0] {
				return nil, httpx.BadRequest(fmt.Sprintf("parameter %s is given different values", key))
			}
		}
	}
	return params, nil
}

// ogcFormat reads the f parameter of a resource that takes no other, and negotiates the format;
// a problem is reported on c.
func ogcFormat(c *gin.Context) (format, bool) {
	params, err := ogcParams(c, "f")
	if err == nil {
		var f format
		if f, err = negotiate(c, params); err == nil {
			return f, true
		}
	}
	_ = c.Error(err)
	return formatJSON, false
}

// ogcRoot is the public URL of the OGC API root, honouring a reverse proxy.
func ogcRoot(c *gin.Context) string { return httpx.BaseURL(c) + Prefix }

// queryEscape percent-encodes a query value but keeps ',', ':' and '/' readable. The official
// test suite re-sends the raw text of next links as parameters, which it encodes again, so an
// encoded comma in a bbox would arrive as "%2C". Spaces become %20 (never '+', which the same
// round trip would turn into a literal plus).
func queryEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9',
			ch == '-', ch == '.', ch == '_', ch == '~', ch == ',', ch == ':', ch == '/':
			b.WriteByte(ch)
		default:
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}

// ogcURL is root+path with the query params in the order given, values encoded by queryEscape.
// Every pair has an '=' (the test suite splits on it).
func ogcURL(c *gin.Context, path string, params [][2]string) string {
	u := ogcRoot(c) + path
	for i, kv := range params {
		if i == 0 {
			u += "?"
		} else {
			u += "&"
		}
		u += queryEscape(kv[0]) + "=" + queryEscape(kv[1])
	}
	return u
}

// withFormat returns root+path?f=html or f=json, for alternate links.
func withFormat(c *gin.Context, path string, f string) string {
	return ogcURL(c, path, [][2]string{{"f", f}})
}

// selfAndAlternate are the self link (in the format served) and the alternate in the other.
func selfAndAlternate(c *gin.Context, path, jsonMedia string) []httpx.Link {
	return []httpx.Link{
		{Rel: "self", Href: ogcRoot(c) + path, Type: jsonMedia, Title: "This document"},
		{Rel: "alternate", Href: withFormat(c, path, "html"), Type: htmlType, Title: "This document as HTML"},
	}
}

func (s *Service) writeOGC(c *gin.Context, f format, mediaType string, page string, data any) {
	if f == formatHTML {
		s.renderOGCHTML(c, page, data)
		return
	}
	b, err := json.Marshal(data)
	if err != nil {
		_ = c.Error(fmt.Errorf("encode %s: %w", page, err))
		return
	}
	c.Data(http.StatusOK, mediaType, b)
}

type landingPage struct {
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Links       []httpx.Link `json:"links"`
}

func (s *Service) handleOGCLanding(c *gin.Context) {
	f, ok := ogcFormat(c)
	if !ok {
		return
	}
	root := ogcRoot(c)
	links := append(selfAndAlternate(c, "", jsonType),
		httpx.Link{Rel: "service-desc", Href: root + "/api", Type: openAPIType, Title: "The API definition (OpenAPI 3.0)"},
		httpx.Link{Rel: "service-doc", Href: withFormat(c, "/api", "html"), Type: htmlType, Title: "The API documentation"},
		httpx.Link{Rel: relConformance, Href: root + "/conformance", Type: jsonType, Title: "Conformance classes implemented"},
		httpx.Link{Rel: "data", Href: root + "/collections", Type: jsonType, Title: "Collections (map layers)"},
	)
	s.writeOGC(c, f, jsonType, "landing", landingPage{
		Title:       "ClusterMap — industrial clusters",
		Description: "OGC API – Features access to ClusterMap's layers: industrial clusters and parks, districts, development regions, raw-material zones, processing plants, energy projects and national highways of the provinces it holds (/api/provinces), each feature with the province it lies in today (province_code).",
		Links:       links,
	})
}

type conformanceDoc struct {
	ConformsTo []string     `json:"conformsTo"`
	Links      []httpx.Link `json:"links"`
}

func (s *Service) handleOGCConformance(c *gin.Context) {
	f, ok := ogcFormat(c)
	if !ok {
		return
	}
	s.writeOGC(c, f, jsonType, "conformance", conformanceDoc{ConformsTo: ogcConformance, Links: selfAndAlternate(c, "/conformance", jsonType)})
}

func (s *Service) handleOGCAPI(c *gin.Context) {
	f, ok := ogcFormat(c)
	if !ok {
		return
	}
	doc := openAPIDocument(s.store.Catalog(), ogcRoot(c))
	if f == formatHTML {
		s.renderOGCHTML(c, "api", apiDocPage(doc))
		return
	}
	s.writeOGC(c, f, openAPIType, "api", doc)
}

type collectionsDoc struct {
	Links       []httpx.Link     `json:"links"`
	Collections []collectionInfo `json:"collections"`
}

type collectionInfo struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Extent      *extent      `json:"extent,omitempty"`
	ItemType    string       `json:"itemType"`
	Links       []httpx.Link `json:"links"`
	// TitleVI is shown on HTML pages only.
	TitleVI string `json:"-"`
}

type extent struct {
	Spatial  *spatialExtent  `json:"spatial,omitempty"`
	Temporal *temporalExtent `json:"temporal,omitempty"`
}

type spatialExtent struct {
	BBox [][]float64 `json:"bbox"`
	CRS  string      `json:"crs"`
}

type temporalExtent struct {
	Interval [][]string `json:"interval"`
	TRS      string     `json:"trs"`
}

// collectionInfos describes the layers from the catalog and their live extents. /collections and
// /collections/{id} both use it, so their metadata is identical (the test suite compares them).
func (s *Service) collectionInfos(c *gin.Context, only *geo.Layer) ([]collectionInfo, error) {
	ctx := c.Request.Context()
	stats, err := s.store.Stats(ctx)
	if err != nil {
		return nil, err
	}
	var out []collectionInfo
	for _, l := range s.store.Catalog().Layers() {
		if only != nil && l != only {
			continue
		}
		info := collectionInfo{ID: l.ID, Title: l.Title.EN, TitleVI: l.Title.VI, Description: l.Description.EN, ItemType: "feature"}
		var ext extent
		if b := stats[l.ID].Bounds; b != nil {
			ext.Spatial = &spatialExtent{BBox: [][]float64{b}, CRS: crs84}
		}
		if iv := stats[l.ID].Time; iv != nil {
			ext.Temporal = &temporalExtent{Interval: [][]string{{
				iv.Start.UTC().Format(time.RFC3339), iv.End.UTC().Add(24*time.Hour - time.Second).Format(time.RFC3339),
			}}, TRS: gregorian}
		}
		if ext.Spatial != nil || ext.Temporal != nil {
			info.Extent = &ext
		}
		path := "/collections/" + url.PathEscape(l.ID)
		info.Links = []httpx.Link{
			{Rel: "self", Href: ogcRoot(c) + path, Type: jsonType, Title: "This collection"},
			{Rel: "alternate", Href: withFormat(c, path, "html"), Type: htmlType, Title: "This collection as HTML"},
			{Rel: "items", Href: ogcRoot(c) + path + "/items", Type: httpx.GeoJSONType, Title: "Features as GeoJSON"},
			{Rel: "items", Href: withFormat(c, path+"/items", "html"), Type: htmlType, Title: "Features as HTML"},
		}
		info.Links = append(info.Links, s.collectionExtraLinks(c, l, path)...)
		if lic := l.License; lic.URL != "" {
			// The licence the layer is offered under (share-alike where it holds share-alike data).
			info.Links = append(info.Links, httpx.Link{Rel: "license", Href: lic.URL, Type: htmlType, Title: lic.Name})
		}
		out = append(out, info)
	}
	return out, nil
}

func (s *Service) handleOGCCollections(c *gin.Context) {
	f, ok := ogcFormat(c)
	if !ok {
		return
	}
	if f == formatJSON {
		s.cachedJSON(c, s.all, "collections", func(context.Context) (respcache.Built, error) {
			infos, err := s.collectionInfos(c, nil)
			if err != nil {
				return respcache.Built{}, err
			}
			return marshalled(jsonType, "collections", collectionsDoc{Links: selfAndAlternate(c, "/collections", jsonType), Collections: infos})
		})
		return
	}
	infos, err := s.collectionInfos(c, nil)
	if err != nil {
		_ = c.Error(err)
		return
	}
	s.writeOGC(c, f, jsonType, "collections", collectionsDoc{Links: selfAndAlternate(c, "/collections", jsonType), Collections: infos})
}

// ogcLayer resolves the collectionId path parameter against the catalog.
func (s *Service) ogcLayer(c *gin.Context) (*geo.Layer, bool) {
	l, ok := s.store.Catalog().Layer(c.Param("collectionId"))
	if !ok {
		_ = c.Error(httpx.NotFound("unknown collection " + strconv.Quote(c.Param("collectionId"))))
	}
	return l, ok
}

// ogcLayerFormat resolves the collection of a resource that takes only f, and its format.
func (s *Service) ogcLayerFormat(c *gin.Context) (*geo.Layer, format, bool) {
	l, ok := s.ogcLayer(c)
	if !ok {
		return nil, formatJSON, false
	}
	f, ok := ogcFormat(c)
	return l, f, ok
}

func (s *Service) handleOGCCollection(c *gin.Context) {
	l, f, ok := s.ogcLayerFormat(c)
	if !ok {
		return
	}
	if f == formatJSON {
		// Its extent is the layer's; the list of all collections depends on every layer.
		s.cachedJSON(c, []string{l.ID}, "collection/"+l.ID, func(context.Context) (respcache.Built, error) {
			infos, err := s.collectionInfos(c, l)
			if err != nil {
				return respcache.Built{}, err
			}
			return marshalled(jsonType, "collection", infos[0])
		})
		return
	}
	infos, err := s.collectionInfos(c, l)
	if err != nil {
		_ = c.Error(err)
		return
	}
	s.writeOGC(c, f, jsonType, "collection", infos[0])
}

// itemsRequest is a parsed items request: the shared feature query plus how to answer.
type itemsRequest struct {
	query  geo.FeatureQuery
	format format
	// export, when set, is the file format asked for (f=gpkg, shp, kml, csv, xlsx; or f=json
	// with a crs other than WGS 84), written by writeExport in crs.
	export *export.Format
	crs    export.CRS
	// limited says the request named its limit; an export without one takes every feature up to
	// the maximum.
	limited bool
	// keep are the filter parameters as given, in a fixed order, carried into next/prev links.
	keep [][2]string
}

// ogcItemParams are the query parameters of /items, all declared in the OpenAPI document.
var ogcItemParams = []string{"f", "limit", "offset", "bbox", "datetime", "filter", "filter-lang", "filter-crs", "crs", "lang"}

// parseItems turns /items parameters into the shared geo.FeatureQuery.
func parseItems(c *gin.Context, l *geo.Layer) (*itemsRequest, error) {
	params, err := ogcParams(c, ogcItemParams...)
	if err != nil {
		return nil, err
	}
	// A file format (f=gpkg, …) is an export: the same features, written by GDAL or as a table.
	var asked *export.Format
	if vals, ok := params["f"]; ok {
		if ef, ok := export.Formats[strings.ToLower(lastValue(vals))]; ok && ef.Name != "geojson" {
			asked = &ef
			params = withoutParam(params, "f")
		}
	}
	f, err := negotiate(c, params)
	if err != nil {
		return nil, err
	}
	req := &itemsRequest{format: f, export: asked, crs: export.CRSs[0], query: geo.FeatureQuery{Layer: l, Limit: ogcDefaultLimit}}
	if v, ok := params["crs"]; ok {
		if req.crs, err = export.ParseCRS(lastValue(v)); err != nil {
			return nil, httpx.BadRequest(err.Error())
		}
		if req.export == nil && req.crs.EPSG != 4326 {
			if f == formatHTML {
				return nil, httpx.BadRequest("crs applies to json and the file formats, not html")
			}
			gj := export.Formats["geojson"]
			req.export = &gj
		}
	}
	if req.export != nil && req.export.WGS84Only && req.crs.EPSG != 4326 {
		return nil, httpx.BadRequest(fmt.Sprintf("%s holds WGS 84 only; leave out crs", strings.ToUpper(req.export.Name)))
	}
	q := &req.query
	if vals, ok := params["limit"]; ok {
		// The last limit wins: the test suite appends its own to a next link that has one.
		if q.Limit, err = httpx.ParseCount("limit", lastValue(vals), 1, ogcMaxLimit); err != nil {
			return nil, err
		}
		req.limited = true
	}
	if v, ok := params["offset"]; ok {
		if q.Offset, err = httpx.ParseCount("offset", v[0], 0, 1<<31-1); err != nil {
			return nil, err
		}
	}
	if v, ok := params["bbox"]; ok {
		if q.BBox, err = parseOGCBBox(v[0]); err != nil {
			return nil, err
		}
		req.keep = append(req.keep, [2]string{"bbox", v[0]})
	}
	if v, ok := params["datetime"]; ok {
		iv, err := parseDatetime(v[0])
		if err != nil {
			return nil, err
		}
		// On a layer without a temporal property no feature's time intersects the interval
		// (OGC 17-069r4, /req/core/fc-time-response); geo answers that with an empty page.
		q.Datetime = iv
		req.keep = append(req.keep, [2]string{"datetime", v[0]})
	}
	if err := parseFilter(req, params); err != nil {
		return nil, err
	}
	if v, ok := params["f"]; ok {
		req.keep = append(req.keep, [2]string{"f", lastValue(v)})
	}
	return req, nil
}

// parseOGCBBox reads a 2D or 3D bbox; heights are ignored (the data is 2D).
func parseOGCBBox(s string) (*geo.BBox, error) {
	parts := strings.Split(s, ",")
	switch len(parts) {
	case 4:
		return httpx.ParseBBox(s)
	case 6:
		for _, z := range []string{parts[2], parts[5]} {
			if _, err := strconv.ParseFloat(strings.TrimSpace(z), 64); err != nil {
				return nil, httpx.BadRequest(fmt.Sprintf("bbox: %q is not a number", z))
			}
		}
		return httpx.ParseBBox(strings.Join([]string{parts[0], parts[1], parts[3], parts[4]}, ","))
	}
	return nil, httpx.BadRequest("bbox must be minlon,minlat,maxlon,maxlat (or with min/max heights: 6 numbers)")
}

// parseDatetime reads an RFC 3339 instant or date, or an interval start/end where either end may
// be open ("" or ".."), an ISO 8601 duration may stand for one end, and dates stand for days.
func parseDatetime(s string) (*geo.Interval, error) {
	bad := func(why string) error {
		return httpx.BadRequest(fmt.Sprintf("datetime %q: %s (use an RFC 3339 date or date-time, or an interval start/end with '..' for an open end)", s, why))
	}
	start, end, isInterval := strings.Cut(strings.TrimSpace(s), "/")
	if !isInterval {
		t, err := parseInstant(start)
		if err != nil {
			return nil, bad(err.Error())
		}
		return &geo.Interval{Start: &t, End: &t}, nil
	}
	open := func(v string) bool { return v == "" || v == ".." }
	iv := &geo.Interval{}
	if open(start) && open(end) {
		return iv, nil
	}
	if strings.HasPrefix(start, "P") {
		if open(end) || strings.HasPrefix(end, "P") {
			return nil, bad("a duration needs a date at the other end")
		}
		e, err := parseInstant(end)
		if err != nil {
			return nil, bad(err.Error())
		}
		st, err := addDuration(e, start, -1)
		if err != nil {
			return nil, bad(err.Error())
		}
		return &geo.Interval{Start: &st, End: &e}, nil
	}
	if !open(start) {
		t, err := parseInstant(start)
		if err != nil {
			return nil, bad(err.Error())
		}
		iv.Start = &t
	}
	switch {
	case strings.HasPrefix(end, "P"):
		if iv.Start == nil {
			return nil, bad("a duration needs a date at the other end")
		}
		t, err := addDuration(*iv.Start, end, 1)
		if err != nil {
			return nil, bad(err.Error())
		}
		iv.End = &t
	case !open(end):
		t, err := parseInstant(end)
		if err != nil {
			return nil, bad(err.Error())
		}
		iv.End = &t
	}
	if iv.Start != nil && iv.End != nil && iv.End.Before(*iv.Start) {
		return nil, bad("the interval ends before it starts")
	}
	return iv, nil
}

// parseInstant reads an RFC 3339 date-time (any offset, normalised to UTC) or a full date.
func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s)); err == nil && geo.CheckYear(t) == nil {
		return t.UTC(), nil
	}
	if t, err := geo.ParseDate(s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date or date-time", s)
}

// addDuration adds sign × an ISO 8601 duration (PnYnMnWnDTnHnMnS, integer parts) to t.
func addDuration(t time.Time, d string, sign int) (time.Time, error) {
	bad := fmt.Errorf("%q is not an ISO 8601 duration", d)
	rest, ok := strings.CutPrefix(d, "P")
	if !ok || rest == "" {
		return t, bad
	}
	inTime := false
	var years, months, days, parts int
	var clock time.Duration
	num := ""
	for _, r := range rest {
		switch {
		case r >= '0' && r <= '9':
			num += string(r)
			continue
		case r == 'T' && !inTime && num == "":
			inTime = true
			continue
		}
		if num == "" || len(num) > 6 {
			return t, bad
		}
		n, _ := strconv.Atoi(num)
		num = ""
		parts++
		switch {
		case !inTime && r == 'Y':
			years += n
		case !inTime && r == 'M':
			months += n
		case !inTime && r == 'W':
			days += 7 * n
		case !inTime && r == 'D':
			days += n
		case inTime && r == 'H':
			clock += time.Duration(n) * time.Hour
		case inTime && r == 'M':
			clock += time.Duration(n) * time.Minute
		case inTime && r == 'S':
			clock += time.Duration(n) * time.Second
		default:
			return t, bad
		}
	}
	if num != "" || parts == 0 {
		return t, bad
	}
	return t.AddDate(sign*years, sign*months, sign*days).Add(time.Duration(sign) * clock), nil
}

func (s *Service) handleOGCItems(c *gin.Context) {
	l, ok := s.ogcLayer(c)
	if !ok {
		return
	}
	req, err := parseItems(c, l)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if req.export != nil {
		s.writeExport(c, l, req)
		return
	}
	if req.format == formatHTML {
		page, err := s.store.Features(c.Request.Context(), req.query)
		if err != nil {
			_ = c.Error(err)
			return
		}
		s.renderOGCHTML(c, "items", itemsPage(c, l, req, page, itemsLinks(c, l, req, page)))
		return
	}
	s.cachedJSON(c, s.deps[l.ID], "items/"+l.ID, func(ctx context.Context) (respcache.Built, error) {
		page, err := s.store.Features(ctx, req.query)
		if err != nil {
			return respcache.Built{}, err
		}
		// timeStamp is when this body was made; a kept body keeps it, as any HTTP cache would.
		return respcache.Built{Type: httpx.GeoJSONType, Body: httpx.FeatureCollection(page, itemsLinks(c, l, req, page), map[string]any{
			"timeStamp": time.Now().UTC().Format(time.RFC3339),
		})}, nil
	})
}

// itemsLinks are self, alternate, collection, and next/prev through the whole result. next
// starts after the features actually returned, so it stays right when a client changes limit
// between pages.
func itemsLinks(c *gin.Context, l *geo.Layer, req *itemsRequest, page *geo.FeaturePage) []httpx.Link {
	q := req.query
	path := "/collections/" + url.PathEscape(l.ID) + "/items"
	at := func(offset int, f string) string {
		params := [][2]string{}
		for _, kv := range req.keep {
			if kv[0] != "f" {
				params = append(params, kv)
			}
		}
		if f != "" {
			params = append(params, [2]string{"f", f})
		}
		params = append(params, [2]string{"limit", strconv.Itoa(q.Limit)}, [2]string{"offset", strconv.Itoa(offset)})
		return ogcURL(c, path, params)
	}
	self, other, otherType := "", "html", htmlType
	if req.format == formatHTML {
		other, otherType = "json", httpx.GeoJSONType
	}
	for _, kv := range req.keep {
		if kv[0] == "f" {
			self = kv[1]
		}
	}
	selfType := httpx.GeoJSONType
	if req.format == formatHTML {
		selfType = htmlType
	}
	links := []httpx.Link{
		{Rel: "self", Href: at(q.Offset, self), Type: selfType, Title: "This page"},
		{Rel: "alternate", Href: at(q.Offset, other), Type: otherType, Title: "This page as " + strings.ToUpper(other)},
		{Rel: "collection", Href: ogcRoot(c) + "/collections/" + url.PathEscape(l.ID), Type: jsonType, Title: l.Title.EN},
	}
	// The same features as files for GIS tools and spreadsheets (export.go).
	for _, name := range export.FormatNames() {
		if name == "geojson" {
			continue
		}
		ef := export.Formats[name]
		links = append(links, httpx.Link{Rel: "alternate", Href: at(q.Offset, name), Type: ef.MediaType, Title: "This page as " + strings.ToUpper(name)})
	}
	if next := q.Offset + len(page.Features); len(page.Features) > 0 && int64(next) < page.Matched {
		links = append(links, httpx.Link{Rel: "next", Href: at(next, self), Type: selfType, Title: "Next page"})
	}
	if q.Offset > 0 {
		links = append(links, httpx.Link{Rel: "prev", Href: at(max(0, q.Offset-q.Limit), self), Type: selfType, Title: "Previous page"})
	}
	return links
}

func (s *Service) handleOGCFeature(c *gin.Context) {
	l, f, ok := s.ogcLayerFormat(c)
	if !ok {
		return
	}
	id := c.Param("featureId")
	collection := "/collections/" + url.PathEscape(l.ID)
	path := collection + "/items/" + url.PathEscape(id)
	if f == formatHTML {
		feature, err := s.store.Feature(c.Request.Context(), l, id, nil)
		if err != nil {
			_ = c.Error(err)
			return
		}
		links := []httpx.Link{
			{Rel: "self", Href: withFormat(c, path, "html"), Type: htmlType, Title: "This feature"},
			{Rel: "alternate", Href: withFormat(c, path, "json"), Type: httpx.GeoJSONType, Title: "This feature as GeoJSON"},
			{Rel: "collection", Href: ogcRoot(c) + collection, Type: jsonType, Title: l.Title.EN},
		}
		s.renderOGCHTML(c, "feature", featurePage(l, feature, links))
		return
	}
	s.cachedJSON(c, s.deps[l.ID], "item/"+l.ID+"/"+id, func(ctx context.Context) (respcache.Built, error) {
		feature, err := s.store.Feature(ctx, l, id, nil)
		if err != nil {
			return respcache.Built{}, err
		}
		out, err := withMember(feature, "links", []httpx.Link{
			{Rel: "self", Href: ogcRoot(c) + path, Type: httpx.GeoJSONType, Title: "This feature"},
			{Rel: "alternate", Href: withFormat(c, path, "html"), Type: htmlType, Title: "This feature as HTML"},
			{Rel: "collection", Href: ogcRoot(c) + collection, Type: jsonType, Title: l.Title.EN},
		})
		// An editable feature's validator is its version, which If-Match on writes compares, read
		// on the server the body was read from; any write to it changes the layer's version, so the
		// kept tag stays right.
		return respcache.Built{Body: out, Type: httpx.GeoJSONType, ETag: s.itemETag(ctx, l, id)}, err
	})
}

// withMember adds a member to a JSON object written by PostGIS without decoding the object.
func withMember(obj []byte, key string, value any) ([]byte, error) {
	obj = bytes.TrimSpace(obj)
	if len(obj) < 2 || obj[len(obj)-1] != '}' {
		return nil, fmt.Errorf("add %s: not a JSON object", key)
	}
	v, err := json.Marshal(value)
	if err != nil {
		return nil, fmt.Errorf("add %s: %w", key, err)
	}
	var b bytes.Buffer
	b.Write(obj[:len(obj)-1])
	if len(bytes.TrimSpace(obj[1:len(obj)-1])) > 0 {
		b.WriteByte(',')
	}
	k, _ := json.Marshal(key)
	b.Write(k)
	b.WriteByte(':')
	b.Write(v)
	b.WriteByte('}')
	return b.Bytes(), nil
}
