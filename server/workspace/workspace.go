// Package workspace is the zoning workspace's HTTP side under /api: sign-in (sessions), history,
// time travel, revert, proposals and their eligibility. Feature writes are OGC API – Features
// Part 4 (server/ogc); both surfaces call geo/edit, and share credentials, If-Match and the error
// answers through server/httpx. Handlers check roles for clear answers; the database enforces
// them again (geo/edit).
package workspace

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/geo/planning"
	"github.com/clustermap/clustermap/server/httpx"
)

// Service is the workspace's state: the stores it reads and writes, who is asking, and the
// sign-in rate limiter.
type Service struct {
	store   *geo.Store
	planner *planning.Planner
	edit    *edit.Store
	auth    *httpx.Auth
	limiter *loginLimiter
	hashing *httpx.Slots    // password hashes in flight (CostlyInFlight, shared with checkSlots)
	checks  *httpx.Throttle // anonymous checks per address
	// checkSlots: boundary checks in flight (CostlyInFlight, shared with hashing)
	checkSlots *httpx.Slots
	log        *slog.Logger
}

// Bounds of the boundary check (POST /api/eligibility), which anyone may call: each check runs
// spatial joins over the drawn shape (up to edit.MaxDrawnVertices vertices).
const (
	// An address that is not signed in may check CheckBurst shapes at once, then one every
	// 1/CheckRate seconds; past that 429 with Retry-After. The web app checks only for signed-in
	// users, who are not counted.
	CheckRate  = 0.5
	CheckBurst = 10
	// A check that finds no costly-work slot (CostlyInFlight) within a second (hashWait, the
	// same wait as a sign-in's) gets 503 with Retry-After, so checks never hold every pooled
	// connection.
	maxCheckClients = 10000
)

// CostlyInFlight is how many costly requests (password hashes and boundary checks together) run
// at once: half the cores, at least one. Each takes a whole core for tens of milliseconds (the
// hash here, the check in PostgreSQL); together they may never take the cores the public reads
// need, which a sign-in flood beside eligibility bombs measured on 2 cores (make soak: with 2
// hashes and 2 checks at once, public GET p99 ×6.7; with one slot between them, see README).
func CostlyInFlight() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// New builds the workspace over the read store and the edit store, authenticating with auth.
func New(store *geo.Store, edits *edit.Store, auth *httpx.Auth, planner *planning.Planner, log *slog.Logger) *Service {
	costly := httpx.NewSlots(CostlyInFlight(), hashWait, "")
	return &Service{store: store, planner: planner, edit: edits, auth: auth, limiter: newLoginLimiter(),
		hashing:    costly.Named("too many sign-ins at once; retry in a moment"),
		checks:     httpx.NewThrottle(CheckRate, CheckBurst, maxCheckClients),
		checkSlots: costly.Named("too many checks at once; retry in a moment"), log: log}
}

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
	r.POST("/api/proposals/:id/:action", s.handleTransition) // submit, approve, reject, return, withdraw-approval
	r.GET("/api/proposals/:id/eligibility", s.handleProposalEligibility)
	r.GET("/api/proposals/:id/approval", s.handleApprovalPreview)
	r.POST("/api/eligibility", s.checks.Handler(), s.handleEligibility)
	s.procedureRoutes(r)
}

func (s *Service) handleHistory(c *gin.Context) {
	l, ok := httpx.PathLayer(c, s.store.Catalog())
	if !ok {
		return
	}
	a, ok := s.auth.Reader(c)
	if !ok {
		return
	}
	h, err := s.edit.History(c.Request.Context(), a, l, c.Param("fid"))
	if err != nil {
		_ = c.Error(err)
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
	p, ok := s.auth.Writer(c)
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
		cm = httpx.ChangeComment(c)
	}
	w, err := s.edit.Revert(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), cm), l, c.Param("fid"), b.Version)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("ETag", httpx.VersionTag(w.Version))
	c.JSON(http.StatusOK, gin.H{"id": w.ID, "version": w.Version})
}

// FeaturesAsOf answers /api/layers/{id}/features[/{fid}]?as_of=RFC3339 from history; fid empty
// means the collection, which may be kept to one province (&province_code=CODE, the province the
// feature was in then: the web map of one province in an installation of several). No other
// parameter is taken.
func (s *Service) FeaturesAsOf(c *gin.Context, l *geo.Layer, fid string) {
	q := c.Request.URL.Query()
	province := q.Get("province_code")
	if len(q["as_of"]) != 1 || len(q["province_code"]) > 1 || len(q) != 1+len(q["province_code"]) {
		_ = c.Error(httpx.BadRequest("as_of takes no other parameter than province_code"))
		return
	}
	if q.Has("province_code") && (fid != "" || !geo.IsProvinceCode(province)) {
		_ = c.Error(httpx.BadRequest(fmt.Sprintf("province_code %q: a province code (2–3 digits), for a collection", province)))
		return
	}
	t, err := time.Parse(time.RFC3339, q.Get("as_of"))
	if err != nil {
		// A day, as officials ask ("as of 1 June 2025"): the state at the end of that day in
		// Vietnam (UTC+7).
		d, derr := time.Parse("2006-01-02", q.Get("as_of"))
		if derr != nil {
			_ = c.Error(httpx.BadRequest("as_of must be a date (2025-06-01) or an RFC 3339 time, e.g. 2025-01-31T12:00:00Z"))
			return
		}
		t = d.Add(24*time.Hour - 7*time.Hour - time.Nanosecond)
	}
	fs, err := s.edit.AsOf(c.Request.Context(), l, t, fid, province)
	if err != nil {
		_ = c.Error(err)
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

func (s *Service) handleProposals(c *gin.Context) {
	a, ok := s.auth.Reader(c)
	if !ok {
		return
	}
	list, err := s.edit.Proposals(c.Request.Context(), a)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"proposals": list})
}

func (s *Service) handleProposal(c *gin.Context) {
	id, ok := proposalID(c)
	if !ok {
		return
	}
	a, ok := s.auth.Reader(c)
	if !ok {
		return
	}
	b, err := s.edit.Proposal(c.Request.Context(), a, id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Data(http.StatusOK, httpx.JSONType, b)
}

func (s *Service) proposalWriter(c *gin.Context) (*edit.Principal, bool) {
	p, ok := s.auth.Writer(c)
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
	return httpx.ChangeComment(c)
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
	a := edit.ActorOf(p, httpx.RequestID(c), in.comment(c))
	a.Key = httpx.IdempotencyKey(c)
	w, err := s.edit.CreateProposal(c.Request.Context(), a, in.ProposalInput)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("Location", httpx.BaseURL(c)+"/api/proposals/"+strconv.FormatInt(w.ID, 10))
	if w.Replayed {
		httpx.Replayed(c)
	}
	c.JSON(http.StatusCreated, gin.H{"id": w.ID})
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
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id})
}

// handleTransition: POST /api/proposals/{id}/{submit|approve|reject|return|withdraw-approval}.
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
	if d.Action == "withdraw-approval" {
		reason := d.Comment
		if reason == "" {
			reason = httpx.ChangeComment(c)
		}
		if err := s.edit.WithdrawApproval(c.Request.Context(), edit.ActorOf(p, httpx.RequestID(c), ""), id, reason); err != nil {
			_ = c.Error(err)
			return
		}
	} else {
		a := edit.ActorOf(p, httpx.RequestID(c), httpx.ChangeComment(c))
		if d.Action == "approve" {
			if err := s.edit.ReasonToApprove(c.Request.Context(), a, id, d.Comment+a.Comment, s.planner); err != nil {
				_ = c.Error(err)
				return
			}
		}
		if err := s.edit.Transition(c.Request.Context(), a, id, d); err != nil {
			_ = c.Error(err)
			return
		}
	}
	a, _ := s.auth.Reader(c)
	b, err := s.edit.Proposal(c.Request.Context(), a, id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Data(http.StatusOK, httpx.JSONType, b)
}

// handleApprovalPreview: GET /api/proposals/{id}/approval?decision_number=…&decision_date=YYYY-MM-DD
// says what approving would change (a rehearsal, rolled back), for the reviewer to confirm.
func (s *Service) handleApprovalPreview(c *gin.Context) {
	id, ok := proposalID(c)
	if !ok {
		return
	}
	a, ok := s.auth.Reader(c) // a reviewer's read; PreviewApproval refuses anyone else
	if !ok {
		return
	}
	d := edit.Decision{Number: c.Query("decision_number"), Date: c.Query("decision_date")}
	preview, err := s.edit.PreviewApproval(c.Request.Context(), a, id, d)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, preview)
}

func (s *Service) handleProposalEligibility(c *gin.Context) {
	id, ok := proposalID(c)
	if !ok {
		return
	}
	a, ok := s.auth.Reader(c)
	if !ok {
		return
	}
	e, err := s.edit.ProposalEligibility(c.Request.Context(), a, id, s.planner)
	if err != nil {
		_ = c.Error(err)
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
	if err := in.Validate(); err != nil {
		_ = c.Error(err) // before a slot: a shape that will be refused never waits for one
		return
	}
	release, ok := s.checkSlots.Take(c)
	if !ok {
		return
	}
	defer release()
	e, err := s.edit.Eligibility(c.Request.Context(), in, s.planner)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, e)
}
