package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
)

// The zoning workspace's HTTP side: sessions, history, time travel, revert, proposals
// and their eligibility under /api; the OGC API – Features Part 4 writes are in ogc_write.go.
// Handlers check roles for clear answers; the database enforces them again (geo/edit).

// workspace is the server's write-side state.
type workspace struct {
	edit    *edit.Store
	limiter *loginLimiter
}

// maxWriteBody bounds a write's body: a drawn boundary or a feature, not a bulk import.
const maxWriteBody = 4 << 20

func (s *Server) workspaceRoutes(r *gin.Engine) {
	s.ws = &workspace{edit: edit.New(s.store, s.log), limiter: newLoginLimiter()}
	if s.cfg.SessionTTL > 0 {
		s.ws.edit.SessionTTL = s.cfg.SessionTTL
	}
	r.POST("/api/session", s.handleLogin)
	r.GET("/api/session", s.handleSession)
	r.DELETE("/api/session", s.handleLogout)
	r.GET("/api/layers/:layer/features/:fid/history", s.handleHistory)
	r.POST("/api/layers/:layer/features/:fid/revert", s.handleRevert)
	r.GET("/api/proposals", s.handleProposals)
	r.POST("/api/proposals", s.handleCreateProposal)
	r.GET("/api/proposals/:id", s.handleProposal)
	r.PUT("/api/proposals/:id", s.handleUpdateProposal)
	r.POST("/api/proposals/:id/:action", s.handleTransition)
	r.GET("/api/proposals/:id/eligibility", s.handleProposalEligibility)
	r.POST("/api/eligibility", s.handleEligibility)
	s.ogcWriteRoutes(r)
}

// decodeBody reads a JSON body of bounded size into v, refusing unknown members.
func decodeBody(c *gin.Context, v any) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("the body is not the expected JSON: " + err.Error())
	}
	return nil
}

func readBody(c *gin.Context) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxWriteBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("the body exceeds %d bytes", maxWriteBody)}
	}
	if err != nil {
		return nil, badRequest("reading the body: " + err.Error())
	}
	return b, nil
}

// editError answers a write-side error: 403 forbidden, 412 stale (with the current version and
// ETag in the body), 428 missing If-Match, 422 invalid (with the reasons), else the usual mapping.
func (s *Server) editError(c *gin.Context, l *geo.Layer, fid string, err error) {
	var stale *edit.StaleError
	var invalid *edit.ValidationError
	var forbidden *edit.ForbiddenError
	switch {
	case errors.As(err, &stale):
		c.Header("ETag", etag(stale.Current))
		c.AbortWithStatusJSON(http.StatusPreconditionFailed, gin.H{"error": "the feature has changed since you read it; read it again and reapply your change",
			"current_version": stale.Current, "etag": etag(stale.Current)})
	case errors.Is(err, edit.ErrPreconditionRequired):
		c.AbortWithStatusJSON(http.StatusPreconditionRequired, gin.H{"error": "send If-Match with the ETag of the version you change"})
	case errors.As(err, &invalid):
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, gin.H{"error": "the feature is not valid", "reasons": invalid.Problems})
	case errors.As(err, &forbidden):
		s.log.Warn("write refused", "request_id", requestID(c), "reason", forbidden.Reason)
		_ = c.Error(&httpError{http.StatusForbidden, forbidden.Reason})
	default:
		_ = c.Error(err)
	}
}

// etag is a feature version's strong entity tag.
func etag(v int64) string { return `"v` + strconv.FormatInt(v, 10) + `"` }

// ifMatch reads the version an If-Match names: 0 when absent (428), -1 when it names no version
// of ours (412: it cannot be current).
func ifMatch(c *gin.Context) int64 {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" {
		return 0
	}
	if v, ok := strings.CutPrefix(h, `"v`); ok {
		if n, err := strconv.ParseInt(strings.TrimSuffix(v, `"`), 10, 64); err == nil && strings.HasSuffix(v, `"`) && n > 0 {
			return n
		}
	}
	return -1
}

func comment(c *gin.Context) string {
	return strings.TrimSpace(c.GetHeader("X-Change-Comment"))
}

// mayEditLayer is the handlers' copy of the role matrix (the database holds the rule): the
// department and administrators edit every editable layer; a district user only changes clusters
// (their attributes, in its district); anonymous nothing.
func mayEditLayer(p *edit.Principal, l *geo.Layer, op string) error {
	if !edit.Editable(l.ID) {
		return &httpError{http.StatusForbidden, fmt.Sprintf("layer %s is not editable (import only)", l.ID)}
	}
	switch p.Role {
	case edit.RoleDepartment, edit.RoleAdmin:
		return nil
	case edit.RoleDistrict:
		if l.ID == "clusters" && (op == "replace" || op == "patch") {
			return nil
		}
		return &httpError{http.StatusForbidden, "a district user changes only the stage, occupancy, infrastructure and contact of clusters in its district"}
	}
	return &httpError{http.StatusForbidden, "no write access"}
}

func (s *Server) handleHistory(c *gin.Context) {
	l, ok := s.layerOf(c)
	if !ok {
		return
	}
	h, err := s.ws.edit.History(c.Request.Context(), l, c.Param("fid"))
	if err != nil {
		s.editError(c, l, c.Param("fid"), err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"layer": l.ID, "id": c.Param("fid"), "versions": h})
}

// handleRevert: POST /api/layers/{id}/features/{fid}/revert {"version": N, "comment": "…"}.
func (s *Server) handleRevert(c *gin.Context) {
	l, ok := s.layerOf(c)
	if !ok {
		return
	}
	p, ok := s.writer(c)
	if !ok {
		return
	}
	if p.Role != edit.RoleDepartment && p.Role != edit.RoleAdmin {
		_ = c.Error(&httpError{http.StatusForbidden, "only the department reverts features"})
		return
	}
	var b struct {
		Version int64  `json:"version"`
		Comment string `json:"comment"`
	}
	if err := decodeBody(c, &b); err != nil {
		_ = c.Error(err)
		return
	}
	cm := b.Comment
	if cm == "" {
		cm = comment(c)
	}
	w, err := s.ws.edit.Revert(c.Request.Context(), edit.ActorOf(p, requestID(c), cm), l, c.Param("fid"), b.Version)
	if err != nil {
		s.editError(c, l, c.Param("fid"), err)
		return
	}
	c.Header("ETag", etag(w.Version))
	c.JSON(http.StatusOK, gin.H{"id": w.ID, "version": w.Version})
}

// featuresAsOf answers /api/layers/{id}/features[/{fid}]?as_of=RFC3339 from history; fid empty
// means the collection. It is the only parameter these answers take.
func (s *Server) featuresAsOf(c *gin.Context, l *geo.Layer, fid string) {
	q := c.Request.URL.Query()
	if len(q) != 1 || len(q["as_of"]) != 1 {
		_ = c.Error(badRequest("as_of takes no other parameter"))
		return
	}
	t, err := time.Parse(time.RFC3339, q.Get("as_of"))
	if err != nil {
		_ = c.Error(badRequest("as_of must be an RFC 3339 time, e.g. 2025-01-31T12:00:00Z"))
		return
	}
	fs, err := s.ws.edit.AsOf(c.Request.Context(), l, t, fid)
	if err != nil {
		s.editError(c, l, fid, err)
		return
	}
	if fid != "" {
		c.Data(http.StatusOK, geoJSONType, fs[0])
		return
	}
	c.Data(http.StatusOK, geoJSONType, featureCollection(&geo.FeaturePage{Matched: int64(len(fs)), Features: fs},
		[]link{{Rel: "self", Href: pageURL(c, nil), Type: geoJSONType}}, map[string]any{"as_of": t.Format(time.RFC3339)}))
}

func proposalID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		_ = c.Error(notFound("no such proposal"))
		return 0, false
	}
	return id, true
}

// reader is the actor of a read: anonymous when there are no credentials.
func (s *Server) reader(c *gin.Context) (edit.Actor, bool) {
	p, err := s.principal(c)
	if err != nil {
		_ = c.Error(err)
		return edit.Actor{}, false
	}
	return edit.ActorOf(p, requestID(c), ""), true
}

func (s *Server) handleProposals(c *gin.Context) {
	a, ok := s.reader(c)
	if !ok {
		return
	}
	list, err := s.ws.edit.Proposals(c.Request.Context(), a)
	if err != nil {
		s.editError(c, nil, "", err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"proposals": list})
}

func (s *Server) handleProposal(c *gin.Context) {
	id, ok := proposalID(c)
	if !ok {
		return
	}
	a, ok := s.reader(c)
	if !ok {
		return
	}
	b, err := s.ws.edit.Proposal(c.Request.Context(), a, id)
	if err != nil {
		s.editError(c, nil, "", err)
		return
	}
	c.Data(http.StatusOK, jsonType, b)
}

func (s *Server) proposalWriter(c *gin.Context) (*edit.Principal, bool) {
	p, ok := s.writer(c)
	if !ok {
		return nil, false
	}
	if p.Role == edit.RoleAnonymous {
		_ = c.Error(&httpError{http.StatusForbidden, "no write access"})
		return nil, false
	}
	return p, true
}

func (s *Server) handleCreateProposal(c *gin.Context) {
	p, ok := s.proposalWriter(c)
	if !ok {
		return
	}
	var in edit.ProposalInput
	if err := decodeBody(c, &in); err != nil {
		_ = c.Error(err)
		return
	}
	id, err := s.ws.edit.CreateProposal(c.Request.Context(), edit.ActorOf(p, requestID(c), comment(c)), in)
	if err != nil {
		s.editError(c, nil, "", err)
		return
	}
	c.Header("Location", baseURL(c)+"/api/proposals/"+strconv.FormatInt(id, 10))
	c.JSON(http.StatusCreated, gin.H{"id": id})
}

func (s *Server) handleUpdateProposal(c *gin.Context) {
	id, ok := proposalID(c)
	if !ok {
		return
	}
	p, ok := s.proposalWriter(c)
	if !ok {
		return
	}
	var in edit.ProposalInput
	if err := decodeBody(c, &in); err != nil {
		_ = c.Error(err)
		return
	}
	if err := s.ws.edit.UpdateProposal(c.Request.Context(), edit.ActorOf(p, requestID(c), comment(c)), id, in); err != nil {
		s.editError(c, nil, "", err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id})
}

// handleTransition: POST /api/proposals/{id}/{submit|approve|reject|return}.
func (s *Server) handleTransition(c *gin.Context) {
	id, ok := proposalID(c)
	if !ok {
		return
	}
	p, ok := s.proposalWriter(c)
	if !ok {
		return
	}
	d := edit.Decision{}
	if c.Request.ContentLength != 0 {
		if err := decodeBody(c, &d); err != nil {
			_ = c.Error(err)
			return
		}
	}
	d.Action = c.Param("action")
	if err := s.ws.edit.Transition(c.Request.Context(), edit.ActorOf(p, requestID(c), comment(c)), id, d); err != nil {
		s.editError(c, nil, "", err)
		return
	}
	a, _ := s.reader(c)
	b, err := s.ws.edit.Proposal(c.Request.Context(), a, id)
	if err != nil {
		s.editError(c, nil, "", err)
		return
	}
	c.Data(http.StatusOK, jsonType, b)
}

func (s *Server) handleProposalEligibility(c *gin.Context) {
	id, ok := proposalID(c)
	if !ok {
		return
	}
	a, ok := s.reader(c)
	if !ok {
		return
	}
	e, err := s.ws.edit.ProposalEligibility(c.Request.Context(), a, id, s.planner)
	if err != nil {
		s.editError(c, nil, "", err)
		return
	}
	c.JSON(http.StatusOK, e)
}

// handleEligibility: POST /api/eligibility checks a boundary being drawn; it writes nothing, so
// anyone may ask.
func (s *Server) handleEligibility(c *gin.Context) {
	var in edit.EligibilityInput
	if err := decodeBody(c, &in); err != nil {
		_ = c.Error(err)
		return
	}
	e, err := s.ws.edit.Eligibility(c.Request.Context(), in, s.planner)
	if err != nil {
		s.editError(c, nil, "", err)
		return
	}
	c.JSON(http.StatusOK, e)
}

func strconvItoa(n int) string { return strconv.Itoa(n) }
