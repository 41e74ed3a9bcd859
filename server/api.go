package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/planning"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/respcache"
)

func (s *Server) handleHealth(c *gin.Context) {
	if err := s.store.Ping(c.Request.Context()); err != nil {
		s.log.Warn("health check failed", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "error": "database does not answer"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

type fieldInfo struct {
	Name string        `json:"name"`
	Type geo.FieldType `json:"type"`
	Enum []string      `json:"enum,omitempty"`
	// Vocabulary names the coded list (in the answer's "vocabularies") that labels the values.
	Vocabulary string   `json:"vocabulary,omitempty"`
	Title      geo.Text `json:"title"`
	// Required fields must have a value (imports and writes refuse a feature without one).
	Required bool `json:"required,omitempty"`
	// Derived fields are computed by the server (district name, region): never written by clients.
	Derived bool `json:"derived,omitempty"`
	// DistrictEditable fields are the ones a district user may change (geo.Field.DistrictEditable).
	DistrictEditable bool `json:"district_editable,omitempty"`
	// MaxChars bounds a text field (each item of a list field), in characters.
	MaxChars int `json:"max_chars,omitempty"`
}

// layersDoc is the answer of /api/layers: the layers, and the vocabulary and defaults clients
// need so that they keep no copy of their own.
type layersDoc struct {
	Layers       []layerInfo           `json:"layers"`
	Vocabularies map[string][]geo.Term `json:"vocabularies"`
	Credits      []geo.Credit          `json:"credits"`
	// WikipediaArticles are the articles whose coordinates the share-alike layers use.
	WikipediaArticles []geo.Credit     `json:"wikipedia_articles"`
	Defaults          planningDefaults `json:"defaults"`
}

// planningDefaults are the planning answers' defaults and bounds, for the forms of the web app.
type planningDefaults struct {
	LinkageRadiusKM  float64              `json:"linkage_radius_km"`
	MinRadiusKM      float64              `json:"min_radius_km"`
	MaxRadiusKM      float64              `json:"max_radius_km"`
	SiteWeights      planning.SiteWeights `json:"site_weights"`
	MaxSiteWeight    float64              `json:"max_site_weight"`
	SiteWeightParams map[string]string    `json:"site_weight_params"`
}

type layerInfo struct {
	ID           string       `json:"id"`
	Title        geo.Text     `json:"title"`
	Description  geo.Text     `json:"description"`
	GeometryType string       `json:"geometry_type"`
	Count        int64        `json:"count"`
	Bounds       []float64    `json:"bounds"`
	Version      int64        `json:"version"`
	VersionTime  *time.Time   `json:"version_time,omitempty"` // when the version was made: the date of the data a print states
	Fields       []fieldInfo  `json:"fields"`
	Attribution  string       `json:"attribution"`
	Credits      []geo.Credit `json:"credits"`
	License      geo.License  `json:"license"`
	// Editable layers are written through the workspace and /ogc (geo.Layer.Editable).
	Editable bool         `json:"editable,omitempty"`
	Links    []httpx.Link `json:"links"`
}

// layers builds the answer of /api/layers (handleLayers serves it through the response cache).
func (s *Server) layers(ctx context.Context, base string) (*layersDoc, error) {
	stats, err := s.reads.Stats(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]layerInfo, 0, len(s.reads.Catalog().Layers()))
	for _, l := range s.reads.Catalog().Layers() {
		st := stats[l.ID]
		info := layerInfo{
			ID: l.ID, Title: l.Title, Description: l.Description, GeometryType: l.GeometryType,
			Count: st.Count, Bounds: st.Bounds, Version: st.Version, VersionTime: st.Updated, Attribution: l.Attribution(), Credits: l.Credits, License: l.License, Editable: l.Editable,
			Links: []httpx.Link{
				{Rel: "items", Href: base + "/api/layers/" + l.ID + "/features", Type: httpx.GeoJSONType},
				{Rel: "tiles", Href: base + "/tiles/" + l.ID + "/{z}/{x}/{y}.mvt", Type: "application/vnd.mapbox-vector-tile"},
				{Rel: "tilejson", Href: base + "/tiles/" + l.ID + ".json", Type: "application/json"},
				{Rel: "ogc-collection", Href: base + "/ogc/collections/" + l.ID, Type: "application/json"},
			},
		}
		for _, f := range l.Fields {
			fi := fieldInfo{Name: f.Name, Type: f.Type, Enum: f.Enum(), Title: f.Title, Required: f.Required, Derived: f.Derived, DistrictEditable: f.DistrictEditable}
			if f.Vocab != nil {
				fi.Vocabulary = f.Vocab.Name
			}
			if f.Type == geo.String || f.Type == geo.StringArray {
				fi.MaxChars = f.Limit()
			}
			info.Fields = append(info.Fields, fi)
		}
		out = append(out, info)
	}
	doc := layersDoc{Layers: out, Vocabularies: map[string][]geo.Term{}, Credits: s.reads.Catalog().Credits(), WikipediaArticles: geo.WikipediaArticles,
		Defaults: planningDefaults{
			LinkageRadiusKM: planning.DefaultRadiusKM, MinRadiusKM: planning.MinRadiusKM, MaxRadiusKM: planning.MaxRadiusKM,
			SiteWeights: planning.DefaultSiteWeights, MaxSiteWeight: planning.MaxSiteWeight,
			SiteWeightParams: map[string]string{},
		}}
	for _, v := range geo.Vocabularies() {
		doc.Vocabularies[v.Name] = v.Terms
	}
	for i, name := range []string{"free", "crop", "highway", "border", "stage"} {
		doc.Defaults.SiteWeightParams[name] = weightParams[i]
	}
	return &doc, nil
}

func (s *Server) handleFeatures(c *gin.Context) {
	l, ok := httpx.PathLayer(c, s.reads.Catalog())
	if !ok {
		return
	}
	if c.Request.URL.Query().Has("as_of") { // time travel, from history (server/workspace)
		s.workspace.FeaturesAsOf(c, l, "")
		return
	}
	params, err := httpx.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		_ = c.Error(err)
		return
	}
	q, err := featureQuery(l, params)
	if err != nil {
		_ = c.Error(err)
		return
	}
	s.resp.Serve(c, s.deps[l.ID], "features/"+l.ID+"|"+httpx.BaseURL(c)+"|"+params.Encode(), func(ctx context.Context) (respcache.Built, error) {
		page, err := s.reads.Features(ctx, q)
		if err != nil {
			return respcache.Built{}, err
		}
		return respcache.Built{Body: featuresPage(c, q, page), Type: httpx.GeoJSONType}, nil
	})
}

// featuresPage writes a page of /api features with its self, next and prev links.
func featuresPage(c *gin.Context, q geo.FeatureQuery, page *geo.FeaturePage) []byte {
	links := []httpx.Link{{Rel: "self", Href: httpx.PageURL(c, nil), Type: httpx.GeoJSONType}}
	if int64(q.Offset+len(page.Features)) < page.Matched {
		links = append(links, httpx.Link{Rel: "next", Href: httpx.PageURL(c, map[string]string{
			"offset": strconv.Itoa(q.Offset + q.Limit), "limit": strconv.Itoa(q.Limit)}), Type: httpx.GeoJSONType})
	}
	if q.Offset > 0 {
		links = append(links, httpx.Link{Rel: "prev", Href: httpx.PageURL(c, map[string]string{
			"offset": strconv.Itoa(max(0, q.Offset-q.Limit)), "limit": strconv.Itoa(q.Limit)}), Type: httpx.GeoJSONType})
	}
	return httpx.FeatureCollection(page, links, nil)
}

func (s *Server) handleFeature(c *gin.Context) {
	l, ok := httpx.PathLayer(c, s.reads.Catalog())
	if !ok {
		return
	}
	if c.Request.URL.Query().Has("as_of") { // time travel, from history (server/workspace)
		s.workspace.FeaturesAsOf(c, l, c.Param("fid"))
		return
	}
	params, err := httpx.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		_ = c.Error(err)
		return
	}
	var props []string
	for key, vals := range params {
		if key != "properties" {
			_ = c.Error(httpx.BadRequest("unknown parameter " + strconv.Quote(key)))
			return
		}
		if props, err = httpx.ParseList("properties", vals[0]); err != nil {
			_ = c.Error(err)
			return
		}
	}
	fid := c.Param("fid")
	s.resp.Serve(c, s.deps[l.ID], "feature/"+l.ID+"/"+fid+"|"+params.Encode(), func(ctx context.Context) (respcache.Built, error) {
		feature, err := s.reads.Feature(ctx, l, fid, props)
		return respcache.Built{Body: feature, Type: httpx.GeoJSONType}, err
	})
}
