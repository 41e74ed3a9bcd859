package ogc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/server/httpx"
)

// OGC API – Features – Part 4 (Create, Replace, Update and Delete) on the editable collections:
// POST …/items → 201 + Location + ETag (with Idempotency-Key, sent again: the same answer, nothing
// more created); PUT, PATCH (JSON merge patch) and DELETE on …/items/{id}
// with If-Match (missing → 428, stale → 412). Every write is validated like an import and runs in
// one transaction as the database's editor role (geo/edit). The web app uses the same routes.
// A request goes one way: credentials, If-Match and the comment are read here through httpx, the
// write is geo/edit's, and any refusal is answered by httpx's one error writer.

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
	g.OPTIONS("/collections/:collectionId/items", func(c *gin.Context) { s.allowed(c, false) })
	g.OPTIONS("/collections/:collectionId/items/:featureId", func(c *gin.Context) { s.allowed(c, true) })
}

// writeRequest is a feature write as its request states it, read through httpx before any
// work: the collection, who asks, the body without its change comment, and the version it
// changes (0: none named; negative: a validator that names no version of ours).
type writeRequest struct {
	layer   *geo.Layer
	actor   edit.Actor
	fid     string
	body    []byte
	ifMatch int64
}

// readWrite reads a write's request; withBody reads its body (and the comment in it) too. On
// false the error is recorded for the error writer.
func (s *Service) readWrite(c *gin.Context, withBody bool) (writeRequest, bool) {
	l, ok := s.store.Catalog().Layer(c.Param("collectionId"))
	if !ok {
		_ = c.Error(httpx.NotFound("no such collection"))
		return writeRequest{}, false
	}
	p, ok := s.auth.Writer(c)
	if !ok {
		return writeRequest{}, false
	}
	w := writeRequest{layer: l, fid: c.Param("featureId"), ifMatch: httpx.IfMatch(c)}
	comment := httpx.ChangeComment(c)
	if withBody {
		body, err := httpx.ReadBody(c)
		if err != nil {
			_ = c.Error(err)
			return writeRequest{}, false
		}
		w.body, comment = httpx.TakeComment(body, comment)
		w.ifMatch = versionOf(w.body, w.ifMatch)
	}
	w.actor = edit.ActorOf(p, httpx.RequestID(c), comment)
	w.actor.Key = httpx.IdempotencyKey(c)
	return w, true
}

// versionOf is the version a write names: If-Match's, else the body's read-only "version"
// property sent back unchanged (QGIS's OGC API provider sends no If-Match; its PUT carries every
// property it read, version included). Naming two different versions names none of ours (412);
// naming neither stays 0 (428).
func versionOf(body []byte, ifMatch int64) int64 {
	var f struct {
		Properties struct {
			Version *json.Number `json:"version"`
		} `json:"properties"`
	}
	if json.Unmarshal(body, &f) != nil || f.Properties.Version == nil {
		return ifMatch
	}
	v, err := f.Properties.Version.Int64()
	switch {
	case err != nil || v <= 0:
		return -1
	case ifMatch != 0 && ifMatch != v:
		return -1
	}
	return v
}

// allowed says which methods a collection's items (one) answer, for OPTIONS: QGIS's OGC API
// provider reads Allow to decide what it may do. PATCH and DELETE are not offered: QGIS's PATCH
// carries only the changed attributes and its DELETE no body, so neither can name the version
// and both would be refused (428); its PUT carries the version and edits safely.
func (s *Service) allowed(c *gin.Context, one bool) {
	methods := "GET, HEAD, OPTIONS"
	if l, ok := s.store.Catalog().Layer(c.Param("collectionId")); ok && l.Editable {
		methods = "GET, HEAD, POST, OPTIONS"
		if one {
			methods = "GET, HEAD, PUT, OPTIONS"
		}
	}
	c.Header("Allow", methods)
	httpx.AllowCORS()(c)
}

func itemPath(c *gin.Context, l *geo.Layer, id int64) string {
	return ogcRoot(c) + "/collections/" + url.PathEscape(l.ID) + "/items/" + strconv.FormatInt(id, 10)
}

// writeItem answers a committed write with its new ETag and the feature as stored. The write has
// happened whatever follows: when reading the feature back fails (a lost connection, a busy
// database), the answer is still the write's status with its ETag, and a body that says the
// change is saved and gives its id and version, never a 5xx that would make a client retry a
// change that is already there (and then be told someone else changed it).
func (s *Service) writeItem(c *gin.Context, l *geo.Layer, w edit.Written, status int) {
	c.Header("ETag", httpx.VersionTag(w.Version))
	feature, err := s.store.Feature(c.Request.Context(), l, strconv.FormatInt(w.ID, 10), nil)
	if err != nil {
		s.log.Warn("written, but reading it back failed", "request_id", httpx.RequestID(c), "layer", l.ID, "id", w.ID, "err", err)
		c.JSON(status, gin.H{"id": w.ID, "version": w.Version, "saved": true,
			"message": "the change is saved; reading it back failed, so GET the item for its body"})
		return
	}
	c.Data(status, httpx.GeoJSONType, feature)
}

func (s *Service) handleOGCCreate(c *gin.Context) {
	r, ok := s.readWrite(c, true)
	if !ok {
		return
	}
	w, err := s.edits.Create(c.Request.Context(), r.actor, r.layer, r.body)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("Location", itemPath(c, r.layer, w.ID))
	if w.Replayed {
		httpx.Replayed(c)
	}
	s.writeItem(c, r.layer, w, http.StatusCreated)
}

func (s *Service) handleOGCReplace(c *gin.Context) {
	s.ogcUpdate(c, s.edits.Replace)
}

func (s *Service) handleOGCPatch(c *gin.Context) {
	s.ogcUpdate(c, s.edits.Patch)
}

func (s *Service) ogcUpdate(c *gin.Context, write func(context.Context, edit.Actor, *geo.Layer, string, int64, []byte) (edit.Written, error)) {
	r, ok := s.readWrite(c, true)
	if !ok {
		return
	}
	w, err := write(c.Request.Context(), r.actor, r.layer, r.fid, r.ifMatch, r.body)
	if err != nil {
		_ = c.Error(err)
		return
	}
	s.writeItem(c, r.layer, w, http.StatusOK)
}

func (s *Service) handleOGCDelete(c *gin.Context) {
	r, ok := s.readWrite(c, false)
	if !ok {
		return
	}
	if err := s.edits.Delete(c.Request.Context(), r.actor, r.layer, r.fid, r.ifMatch); err != nil {
		_ = c.Error(err)
		return
	}
	c.Status(http.StatusNoContent)
}

// itemETag is the strong ETag of an editable feature's version for an item GET, read where the
// item's body was read ("" for features that are not editable).
func (s *Service) itemETag(ctx context.Context, l *geo.Layer, fid string) string {
	if !l.Editable {
		return ""
	}
	if v, err := s.edits.ReadVersion(ctx, l, fid); err == nil && v > 0 {
		return httpx.VersionTag(v)
	}
	return ""
}
