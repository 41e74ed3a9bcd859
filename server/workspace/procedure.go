package workspace

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/server/httpx"
)

// procedureRoutes: a cluster's dated steps and the documents attached to them, to clusters and to
// proposals. Reading is public (documents not marked public for signed-in readers only); writing
// is the workspace's, under the database's rules of who records what.
func (s *Service) procedureRoutes(r gin.IRouter) {
	r.GET("/api/clusters/:id/events", s.handleEvents)
	r.POST("/api/clusters/:id/events", s.handleRecordEvent)
	r.POST("/api/events/:id/withdraw", s.handleWithdrawEvent)
	r.POST("/api/documents", s.handleAttachDocument)
	r.GET("/api/documents/:sha", s.handleDocument)
	r.GET("/api/clusters/:id/tenants", s.handleTenants)
	r.POST("/api/clusters/:id/tenants", s.handleCreateTenant)
	r.PUT("/api/tenants/:id", s.handleUpdateTenant)
	r.POST("/api/clusters/:id/boundary", s.handleSurveyedBoundary)
	r.POST("/api/reports", s.handleRecordReport)
	r.POST("/api/khuyen-cong", s.handleRecordKhuyenCong)
}

func (s *Service) handleRecordReport(c *gin.Context) {
	p, ok := s.auth.Writer(c)
	if !ok {
		return
	}
	var in edit.ReportInput
	if err := httpx.DecodeBody(c, &in); err != nil {
		_ = c.Error(err)
		return
	}
	id, err := s.edit.RecordReport(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), ""), in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": id})
}

func (s *Service) handleRecordKhuyenCong(c *gin.Context) {
	p, ok := s.auth.Writer(c)
	if !ok {
		return
	}
	var in edit.KhuyenCongInput
	if err := httpx.DecodeBody(c, &in); err != nil {
		_ = c.Error(err)
		return
	}
	id, err := s.edit.RecordKhuyenCong(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), ""), in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": id})
}

func (s *Service) handleTenants(c *gin.Context) {
	id, ok := pathID(c, "cluster")
	if !ok {
		return
	}
	ts, err := s.edit.Tenants(c.Request.Context(), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"cluster_id": id, "tenants": ts})
}

func (s *Service) handleCreateTenant(c *gin.Context) {
	var in edit.TenantInput
	id, p, ok := s.writeOn(c, "cluster", &in)
	if !ok {
		return
	}
	w, err := s.edit.CreateTenant(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), httpx.ChangeComment(c)), id, in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("ETag", httpx.VersionTag(w.Version))
	c.JSON(http.StatusCreated, gin.H{"id": w.ID, "version": w.Version, "cluster_id": id})
}

// handleUpdateTenant: PUT /api/tenants/{id} with If-Match (the version read), as feature writes.
func (s *Service) handleUpdateTenant(c *gin.Context) {
	var in edit.TenantInput
	id, p, ok := s.writeOn(c, "tenant", &in)
	if !ok {
		return
	}
	v := httpx.IfMatch(c)
	if v < 0 {
		v = -1 // names no version of ours: stale
	}
	w, err := s.edit.UpdateTenant(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), httpx.ChangeComment(c)), id, v, in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("ETag", httpx.VersionTag(w.Version))
	c.JSON(http.StatusOK, gin.H{"id": w.ID, "version": w.Version})
}

// writeOn reads a write's path id, its writer and its JSON body into body; on false it has
// answered with the error.
func (s *Service) writeOn(c *gin.Context, what string, body any) (int64, *edit.Principal, bool) {
	id, ok := pathID(c, what)
	if !ok {
		return 0, nil, false
	}
	p, ok := s.auth.Writer(c)
	if !ok {
		return 0, nil, false
	}
	if err := httpx.DecodeBody(c, body); err != nil {
		_ = c.Error(err)
		return 0, nil, false
	}
	return id, p, true
}

func pathID(c *gin.Context, what string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		_ = c.Error(httpx.NotFound("no such " + what))
		return 0, false
	}
	return id, true
}

func (s *Service) handleEvents(c *gin.Context) {
	id, ok := pathID(c, "cluster")
	if !ok {
		return
	}
	a, ok := s.auth.Reader(c)
	if !ok {
		return
	}
	events, err := s.edit.Events(c.Request.Context(), a, id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if a.Role != edit.RoleAnonymous {
		c.Header("Cache-Control", "private, no-store")
	}
	c.JSON(http.StatusOK, gin.H{"cluster_id": id, "kinds": edit.EventKinds, "events": events})
}

func (s *Service) handleRecordEvent(c *gin.Context) {
	var in edit.EventInput
	id, p, ok := s.writeOn(c, "cluster", &in)
	if !ok {
		return
	}
	eid, err := s.edit.RecordEvent(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), httpx.ChangeComment(c)), id, in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/clusters/%d/events#%d", id, eid))
	c.JSON(http.StatusCreated, gin.H{"id": eid, "cluster_id": id})
}

func (s *Service) handleWithdrawEvent(c *gin.Context) {
	var b struct {
		Reason string `json:"reason"`
	}
	id, p, ok := s.writeOn(c, "event", &b)
	if !ok {
		return
	}
	if err := s.edit.WithdrawEvent(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), ""), id, b.Reason); err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "withdrawn": true})
}

// handleAttachDocument: POST /api/documents?cluster_id=|event_id=|proposal_id=&title=&filename=&public=true
// with the file as the body. The type is read from the content; the body is bounded.
func (s *Service) handleAttachDocument(c *gin.Context) {
	p, ok := s.auth.Writer(c)
	if !ok {
		return
	}
	q := c.Request.URL.Query()
	for k := range q {
		switch k {
		case "cluster_id", "event_id", "proposal_id", "title", "filename", "public":
		default:
			_ = c.Error(httpx.BadRequest(fmt.Sprintf("unknown parameter %q (cluster_id, event_id, proposal_id, title, filename, public)", k)))
			return
		}
	}
	var to edit.AttachTo
	for name, dst := range map[string]**int64{"cluster_id": &to.ClusterID, "event_id": &to.EventID, "proposal_id": &to.ProposalID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				_ = c.Error(httpx.BadRequest(name + " must be a positive integer"))
				return
			}
			*dst = &n
		}
	}
	public := false
	if v := q.Get("public"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			_ = c.Error(httpx.BadRequest("public must be true or false"))
			return
		}
		public = b
	}
	body, err := httpx.ReadBodyMax(c, edit.MaxDocumentBytes)
	if err != nil {
		_ = c.Error(err)
		return
	}
	att, err := s.edit.AttachDocument(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), ""), edit.DocumentInput{
		Content: body, Filename: q.Get("filename"), Title: q.Get("title"), Public: public, To: to})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("Location", "/api/documents/"+att.SHA256)
	c.JSON(http.StatusCreated, att)
}

// handleDocument serves a document as an attachment, never for the browser to render: its
// stored type (checked by content when it came in), Content-Disposition: attachment, no sniffing,
// and a sandbox so that nothing in it could run even if opened in place.
func (s *Service) handleDocument(c *gin.Context) {
	a, ok := s.auth.Reader(c)
	if !ok {
		return
	}
	sha := strings.ToLower(c.Param("sha"))
	d, err := s.edit.Document(c.Request.Context(), a, sha)
	if err != nil {
		_ = c.Error(err)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": asciiName(d.Filename)})+
		"; filename*=UTF-8''"+url.PathEscape(d.Filename))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("ETag", `"`+sha+`"`)
	if a.Role == edit.RoleAnonymous {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "private, no-store")
	}
	c.Data(http.StatusOK, d.MediaType, d.Content)
}

// asciiName is the file name for clients that read only filename=: its ASCII letters, digits and
// punctuation, others replaced.
func asciiName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// handleSurveyedBoundary: POST /api/clusters/{id}/boundary {"document_sha256": …} with If-Match
// replaces the footprint by the surveyed boundary of a detailed plan's attached file.
func (s *Service) handleSurveyedBoundary(c *gin.Context) {
	var b struct {
		Document string `json:"document_sha256"`
	}
	id, p, ok := s.writeOn(c, "cluster", &b)
	if !ok {
		return
	}
	v := httpx.IfMatch(c)
	w, err := s.edit.ApplySurveyedBoundary(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), httpx.ChangeComment(c)), id, strings.ToLower(b.Document), v)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("ETag", httpx.VersionTag(w.Version))
	c.JSON(http.StatusOK, gin.H{"id": w.ID, "version": w.Version, "geometry_quality": "surveyed"})
}
