package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/respcache"
)

// handleLayers serves the layer list: it depends on every layer (counts, bounds, versions) and on
// the public base URL of its links.
func (s *Server) handleLayers(c *gin.Context) {
	base := httpx.BaseURL(c)
	s.resp.Serve(c, s.all, "layers|"+base, func(ctx context.Context) (respcache.Built, error) {
		doc, err := s.layers(ctx, base)
		if err != nil {
			return respcache.Built{}, err
		}
		return jsonAnswer("layers", doc)
	})
}

// jsonAnswer is a JSON document as a response-cache answer.
func jsonAnswer(what string, v any) (respcache.Built, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return respcache.Built{}, fmt.Errorf("%s: encode answer: %w", what, err)
	}
	return respcache.Built{Body: b, Type: analysisJSONType}, nil
}

// handleLabels serves the label points of regions and districts (geo.Labels): a few kilobytes in
// place of the whole polygons the web app used to download only to place its labels.
// ?province=CODE keeps one province's (the web map of a province in an installation of several).
func (s *Server) handleLabels(c *gin.Context) {
	p, err := analysisParams(c, "province")
	if err != nil {
		_ = c.Error(err)
		return
	}
	province := p["province"]
	if err := geo.CheckProvince(province); err != nil {
		_ = c.Error(err)
		return
	}
	s.resp.Serve(c, geo.LabelLayers, "labels|"+province, func(ctx context.Context) (respcache.Built, error) {
		b, err := s.store.Labels(ctx, province)
		return respcache.Built{Body: b, Type: httpx.GeoJSONType}, err
	})
}
