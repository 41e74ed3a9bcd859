// Package workspace is the zoning workspace's HTTP side: sign-in (sessions and tokens), history,
// time travel, revert, proposals and their eligibility under /api, and the authorisation and
// write-side answers that the OGC API – Features Part 4 handlers (server/ogc) share. Handlers
// check roles for clear answers; the database enforces them again (geo/edit).
package workspace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/geo/planning"
	"github.com/clustermap/clustermap/server/httpx"
)

// Service is the workspace's write-side state: the edit store and the sign-in rate limiter.
type Service struct {
	store   *geo.Store
	planner *planning.Planner
	edit    *edit.Store
	limiter *loginLimiter
	log     *slog.Logger
}

// New builds the workspace over store; a sessionTTL of 0 keeps the edit store's default.
func New(store *geo.Store, planner *planning.Planner, sessionTTL time.Duration, log *slog.Logger) *Service {
	s := &Service{store: store, planner: planner, edit: edit.New(store, log), limiter: newLoginLimiter(), log: log}
	if sessionTTL > 0 {
		s.edit.SessionTTL = sessionTTL
	}
	return s
}

// Edits is the edit store the writes go through.
func (s *Service) Edits() *edit.Store { return s.edit }

// Routes registers the workspace under /api; the OGC writes are registered by server/ogc.
func (s *Service) Routes(r gin.IRouter) {
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
}

// AnswerEditError answers a write-side error: 403 forbidden, 412 stale (with the current version and
// ETag in the body), 428 missing If-Match, 422 invalid (with the reasons), else the usual mapping.
func (s *Service) AnswerEditError(c *gin.Context, err error) {
	var stale *edit.StaleError
	var invalid *edit.ValidationError
	var forbidden *edit.ForbiddenError
	switch {
	case errors.As(err, &stale):
		c.Header("ETag", VersionTag(stale.Current))
		c.AbortWithStatusJSON(http.StatusPreconditionFailed, gin.H{"error": "the feature has changed since you read it; read it again and reapply your change",
			"current_version": stale.Current, "etag": VersionTag(stale.Current)})
	case errors.Is(err, edit.ErrPreconditionRequired):
		c.AbortWithStatusJSON(http.StatusPreconditionRequired, gin.H{"error": "send If-Match with the ETag of the version you change"})
	case errors.As(err, &invalid):
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, gin.H{"error": "the feature is not valid", "reasons": invalid.Problems})
	case errors.As(err, &forbidden):
		s.log.Warn("write refused", "request_id", httpx.RequestID(c), "reason", forbidden.Reason)
		_ = c.Error(httpx.NewError(http.StatusForbidden, forbidden.Reason))
	default:
		_ = c.Error(err)
	}
}

// VersionTag is a feature version's strong entity tag.
func VersionTag(v int64) string { return `"v` + strconv.FormatInt(v, 10) + `"` }

// IfMatch reads the version an If-Match names: 0 when absent (428), -1 when it names no version
// of ours (412: it cannot be current).
func IfMatch(c *gin.Context) int64 {
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

// Comment is the change comment a write carries in X-Change-Comment. A header value is
// ISO-8859-1, so other text (Vietnamese) comes percent-encoded (encodeURIComponent); a value that
// does not decode is taken as it is. Writes may instead carry it in the JSON body (TakeComment).
func Comment(c *gin.Context) string {
	h := strings.TrimSpace(c.GetHeader("X-Change-Comment"))
	if strings.Contains(h, "%") {
		if d, err := url.PathUnescape(h); err == nil && utf8.ValidString(d) {
			return strings.TrimSpace(d)
		}
	}
	return h
}

// TakeComment takes a top-level "comment" member (a string) out of a JSON object body: it returns
// the body without it and the comment, else the body unchanged and the fallback (the header's).
// So a feature write (GeoJSON, merge patch) can carry its change comment in the body, as the
// revert and the proposal requests do, and the comment never becomes a property.
func TakeComment(body []byte, fallback string) ([]byte, string) {
	if !bytes.Contains(body, []byte(`"comment"`)) {
		return body, fallback
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return body, fallback
	}
	raw, ok := m["comment"]
	if !ok {
		return body, fallback
	}
	var cm string
	if err := json.Unmarshal(raw, &cm); err != nil {
		return body, fallback // not a string: left for the validation to name
	}
	delete(m, "comment")
	out, err := json.Marshal(m)
	if err != nil {
		return body, fallback
	}
	if cm = strings.TrimSpace(cm); cm == "" {
		cm = fallback
	}
	return out, cm
}

// MayEditLayer is the handlers' copy of the role matrix (the database holds the rule): the
// department and administrators edit every editable layer; a district user only changes clusters
// (their attributes, in its district); anonymous nothing.
func MayEditLayer(p *edit.Principal, l *geo.Layer, op string) error {
	if !edit.Editable(l.ID) {
		return httpx.NewError(http.StatusForbidden, fmt.Sprintf("layer %s is not editable (import only)", l.ID))
	}
	switch p.Role {
	case edit.RoleDepartment, edit.RoleAdmin:
		return nil
	case edit.RoleDistrict:
		if l.ID == "clusters" && (op == "replace" || op == "patch") {
			return nil
		}
		return httpx.NewError(http.StatusForbidden, "a district user changes only the stage, occupancy, infrastructure and contact of clusters in its district")
	}
	return httpx.NewError(http.StatusForbidden, "no write access")
}

func (s *Service) handleHistory(c *gin.Context) {
	l, ok := httpx.PathLayer(c, s.store.Catalog())
	if !ok {
		return
	}
	h, err := s.edit.History(c.Request.Context(), l, c.Param("fid"))
	if err != nil {
		s.AnswerEditError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"layer": l.ID, "id": c.Param("fid"), "versions": h})
}

// handleRevert: POST /api/layers/{id}/features/{fid}/revert {"version": N, "comment": "…"}.
func (s *Service) handleRevert(c *gin.Context) {
	l, ok := httpx.PathLayer(c, s.store.Catalog())
	if !ok {
		return
	}
	p, ok := s.Writer(c)
	if !ok {
		return
	}
	if p.Role != edit.RoleDepartment && p.Role != edit.RoleAdmin {
		_ = c.Error(httpx.NewError(http.StatusForbidden, "only the department reverts features"))
		return
	}
	var b struct {
		Version int64  `json:"version"`
		Comment string `json:"comment"`
	}
	if err := httpx.DecodeBody(c, &b); err != nil {
		_ = c.Error(err)
		return
	}
	cm := b.Comment
	if cm == "" {
		cm = Comment(c)
	}
	w, err := s.edit.Revert(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), cm), l, c.Param("fid"), b.Version)
	if err != nil {
		s.AnswerEditError(c, err)
		return
	}
	c.Header("ETag", VersionTag(w.Version))
	c.JSON(http.StatusOK, gin.H{"id": w.ID, "version": w.Version})
}

// FeaturesAsOf answers /api/layers/{id}/features[/{fid}]?as_of=RFC3339 from history; fid empty
// means the collection. It is the only parameter these answers take.
func (s *Service) FeaturesAsOf(c *gin.Context, l *geo.Layer, fid string) {
	q := c.Request.URL.Query()
	if len(q) != 1 || len(q["as_of"]) != 1 {
		_ = c.Error(httpx.BadRequest("as_of takes no other parameter"))
		return
	}
	t, err := time.Parse(time.RFC3339, q.Get("as_of"))
	if err != nil {
		_ = c.Error(httpx.BadRequest("as_of must be an RFC 3339 time, e.g. 2025-01-31T12:00:00Z"))
		return
	}
	fs, err := s.edit.AsOf(c.Request.Context(), l, t, fid)
	if err != nil {
		s.AnswerEditError(c, err)
		return
	}
	if fid != "" {
		c.Data(http.StatusOK, httpx.GeoJSONType, fs[0])
		return
	}
	c.Data(http.StatusOK, httpx.GeoJSONType, httpx.FeatureCollection(&geo.FeaturePage{Matched: int64(len(fs)), Features: fs},
		[]httpx.Link{{Rel: "self", Href: httpx.PageURL(c, nil), Type: httpx.GeoJSONType}}, map[string]any{"as_of": t.Format(time.RFC3339)}))
}

func proposalID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		_ = c.Error(httpx.NotFound("no such proposal"))
		return 0, false
	}
	return id, true
}

// reader is the actor of a read: anonymous when there are no credentials.
func (s *Service) reader(c *gin.Context) (edit.Actor, bool) {
	p, err := s.principal(c)
	if err != nil {
		_ = c.Error(err)
		return edit.Actor{}, false
	}
	return edit.ActorOf(p, httpx.RequestID(c), ""), true
}

func (s *Service) handleProposals(c *gin.Context) {
	a, ok := s.reader(c)
	if !ok {
		return
	}
	list, err := s.edit.Proposals(c.Request.Context(), a)
	if err != nil {
		s.AnswerEditError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"proposals": list})
}

func (s *Service) handleProposal(c *gin.Context) {
	id, ok := proposalID(c)
	if !ok {
		return
	}
	a, ok := s.reader(c)
	if !ok {
		return
	}
	b, err := s.edit.Proposal(c.Request.Context(), a, id)
	if err != nil {
		s.AnswerEditError(c, err)
		return
	}
	c.Data(http.StatusOK, httpx.JSONType, b)
}

func (s *Service) proposalWriter(c *gin.Context) (*edit.Principal, bool) {
	p, ok := s.Writer(c)
	if !ok {
		return nil, false
	}
	if p.Role == edit.RoleAnonymous {
		_ = c.Error(httpx.NewError(http.StatusForbidden, "no write access"))
		return nil, false
	}
	return p, true
}

// proposalBody is a proposal's fields and, optionally, the change comment (else X-Change-Comment).
type proposalBody struct {
	edit.ProposalInput
	Comment string `json:"comment"`
}

func (b *proposalBody) comment(c *gin.Context) string {
	if cm := strings.TrimSpace(b.Comment); cm != "" {
		return cm
	}
	return Comment(c)
}

func (s *Service) handleCreateProposal(c *gin.Context) {
	p, ok := s.proposalWriter(c)
	if !ok {
		return
	}
	var in proposalBody
	if err := httpx.DecodeBody(c, &in); err != nil {
		_ = c.Error(err)
		return
	}
	id, err := s.edit.CreateProposal(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), in.comment(c)), in.ProposalInput)
	if err != nil {
		s.AnswerEditError(c, err)
		return
	}
	c.Header("Location", httpx.BaseURL(c)+"/api/proposals/"+strconv.FormatInt(id, 10))
	c.JSON(http.StatusCreated, gin.H{"id": id})
}

func (s *Service) handleUpdateProposal(c *gin.Context) {
	id, ok := proposalID(c)
	if !ok {
		return
	}
	p, ok := s.proposalWriter(c)
	if !ok {
		return
	}
	var in proposalBody
	if err := httpx.DecodeBody(c, &in); err != nil {
		_ = c.Error(err)
		return
	}
	if err := s.edit.UpdateProposal(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), in.comment(c)), id, in.ProposalInput); err != nil {
		s.AnswerEditError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id})
}

// handleTransition: POST /api/proposals/{id}/{submit|approve|reject|return}.
func (s *Service) handleTransition(c *gin.Context) {
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
		if err := httpx.DecodeBody(c, &d); err != nil {
			_ = c.Error(err)
			return
		}
	}
	d.Action = c.Param("action")
	if err := s.edit.Transition(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), Comment(c)), id, d); err != nil {
		s.AnswerEditError(c, err)
		return
	}
	a, _ := s.reader(c)
	b, err := s.edit.Proposal(c.Request.Context(), a, id)
	if err != nil {
		s.AnswerEditError(c, err)
		return
	}
	c.Data(http.StatusOK, httpx.JSONType, b)
}

func (s *Service) handleProposalEligibility(c *gin.Context) {
	id, ok := proposalID(c)
	if !ok {
		return
	}
	a, ok := s.reader(c)
	if !ok {
		return
	}
	e, err := s.edit.ProposalEligibility(c.Request.Context(), a, id, s.planner)
	if err != nil {
		s.AnswerEditError(c, err)
		return
	}
	c.JSON(http.StatusOK, e)
}

// handleEligibility: POST /api/eligibility checks a boundary being drawn; it writes nothing, so
// anyone may ask.
func (s *Service) handleEligibility(c *gin.Context) {
	var in edit.EligibilityInput
	if err := httpx.DecodeBody(c, &in); err != nil {
		_ = c.Error(err)
		return
	}
	e, err := s.edit.Eligibility(c.Request.Context(), in, s.planner)
	if err != nil {
		s.AnswerEditError(c, err)
		return
	}
	c.JSON(http.StatusOK, e)
}

func strconvItoa(n int) string { return strconv.Itoa(n) }
