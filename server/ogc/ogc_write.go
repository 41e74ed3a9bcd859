package ogc

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/workspace"
)

// OGC API – Features – Part 4 (Create, Replace, Update and Delete) on the editable collections:
// POST …/items → 201 + Location + ETag; PUT, PATCH (JSON merge patch) and DELETE on …/items/{id}
// with If-Match (missing → 428, stale → 412). Every write is validated like an import and runs in
// one transaction as the database's editor role (geo/edit). The web app uses the same routes.

var ogcWriteConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
}

func (s *Service) writeRoutes(r gin.IRouter) {
	g := r.Group(Prefix)
	g.POST("/collections/:collectionId/items", s.handleOGCCreate)
	g.PUT("/collections/:collectionId/items/:featureId", s.handleOGCReplace)
	g.PATCH("/collections/:collectionId/items/:featureId", s.handleOGCPatch)
	g.DELETE("/collections/:collectionId/items/:featureId", s.handleOGCDelete)
}

// ogcWriteLayer resolves the collection and authorises the write.
func (s *Service) ogcWriteLayer(c *gin.Context, op string) (*geo.Layer, edit.Actor, bool) {
	l, ok := s.store.Catalog().Layer(c.Param("collectionId"))
	if !ok {
		_ = c.Error(httpx.NotFound("no such collection"))
		return nil, edit.Actor{}, false
	}
	p, ok := s.ws.Writer(c)
	if !ok {
		return nil, edit.Actor{}, false
	}
	if err := workspace.MayEditLayer(p, l, op); err != nil {
		_ = c.Error(err)
		return nil, edit.Actor{}, false
	}
	return l, edit.ActorOf(p, httpx.RequestID(c), workspace.Comment(c)), true
}

func itemPath(c *gin.Context, l *geo.Layer, id int64) string {
	return ogcRoot(c) + "/collections/" + url.PathEscape(l.ID) + "/items/" + strconv.FormatInt(id, 10)
}

// writeItem answers a write with the feature as stored and its new ETag.
func (s *Service) writeItem(c *gin.Context, l *geo.Layer, w edit.Written, status int) {
	feature, err := s.store.Feature(c.Request.Context(), l, strconv.FormatInt(w.ID, 10), nil)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("ETag", workspace.VersionTag(w.Version))
	c.Data(status, httpx.GeoJSONType, feature)
}

func (s *Service) handleOGCCreate(c *gin.Context) {
	l, a, ok := s.ogcWriteLayer(c, "create")
	if !ok {
		return
	}
	body, err := httpx.ReadBody(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	body, a.Comment = workspace.TakeComment(body, a.Comment)
	w, err := s.ws.Edits().Create(c.Request.Context(), a, l, body)
	if err != nil {
		s.ws.AnswerEditError(c, err)
		return
	}
	c.Header("Location", itemPath(c, l, w.ID))
	s.writeItem(c, l, w, http.StatusCreated)
}

func (s *Service) handleOGCReplace(c *gin.Context) {
	s.ogcUpdate(c, "replace", s.ws.Edits().Replace)
}

func (s *Service) handleOGCPatch(c *gin.Context) {
	s.ogcUpdate(c, "patch", s.ws.Edits().Patch)
}

func (s *Service) ogcUpdate(c *gin.Context, op string, fn func(context.Context, edit.Actor, *geo.Layer, string, int64, []byte) (edit.Written, error)) {
	l, a, ok := s.ogcWriteLayer(c, op)
	if !ok {
		return
	}
	fid := c.Param("featureId")
	body, err := httpx.ReadBody(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	body, a.Comment = workspace.TakeComment(body, a.Comment)
	v := workspace.IfMatch(c)
	if v < 0 {
		s.staleOrMissing(c, l, fid)
		return
	}
	w, err := fn(c.Request.Context(), a, l, fid, v, body)
	if err != nil {
		s.ws.AnswerEditError(c, err)
		return
	}
	s.writeItem(c, l, w, http.StatusOK)
}

// staleOrMissing answers an If-Match that names no version of ours: 412 with the current one.
func (s *Service) staleOrMissing(c *gin.Context, l *geo.Layer, fid string) {
	cur, err := s.ws.Edits().Version(c.Request.Context(), l, fid)
	if err != nil {
		s.ws.AnswerEditError(c, err)
		return
	}
	s.ws.AnswerEditError(c, &edit.StaleError{Current: cur})
}

func (s *Service) handleOGCDelete(c *gin.Context) {
	l, a, ok := s.ogcWriteLayer(c, "delete")
	if !ok {
		return
	}
	fid := c.Param("featureId")
	v := workspace.IfMatch(c)
	if v < 0 {
		s.staleOrMissing(c, l, fid)
		return
	}
	if err := s.ws.Edits().Delete(c.Request.Context(), a, l, fid, v); err != nil {
		s.ws.AnswerEditError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// itemETag is the strong ETag of an editable feature's version for an item GET, read where the
// item's body was read ("" for features that are not editable).
func (s *Service) itemETag(ctx context.Context, l *geo.Layer, fid string) string {
	if !edit.Editable(l.ID) {
		return ""
	}
	if v, err := s.ws.Edits().ReadVersion(ctx, l, fid); err == nil && v > 0 {
		return workspace.VersionTag(v)
	}
	return ""
}
