// Package edit is ClusterMap's write side: accounts, sessions and API tokens; feature writes with
// optimistic concurrency; history and time travel; and the proposal workflow. Every statement of
// the workspace is in this package, so what a write may do is readable in one place.
//
// Authorisation is the database's: every write transaction runs as the NOLOGIN role
// clustermap_editor with the acting user's name, role and district in transaction-local settings,
// and the row-level security policies and triggers of migrations/00005_workspace.sql decide what
// it may change. Handlers check too, for clear answers, but a bug there cannot widen a user's
// remit. The package knows nothing of HTTP.
package edit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/ingest"
	"github.com/clustermap/clustermap/geo/versions"
)

// Roles of the workspace. Anonymous is the role of a request without credentials.
const (
	RoleAnonymous  = "anonymous"
	RoleDistrict   = "district"
	RoleCommune    = "commune"
	RoleDepartment = "department"
	RoleAdmin      = "admin"
)

// Op is a feature write, as the authorisation rule names it.
type Op string

// The feature writes.
const (
	OpCreate  Op = "create"
	OpReplace Op = "replace"
	OpPatch   Op = "patch"
	OpDelete  Op = "delete"
)

// MayWrite is the role matrix, checked before any work so that a refusal is clear (the database
// holds the rule and enforces it again): the department and administrators write every editable
// layer; a district user only changes, never creates or deletes, the features of a layer that has
// district-editable fields (clusters), and only those fields, in its district; anonymous nothing.
// Which layers and fields these are is the catalog's (geo.Layer.Editable,
// geo.Field.DistrictEditable).
func (a Actor) MayWrite(l *geo.Layer, op Op) error {
	if !l.Editable {
		return notEditable(l)
	}
	switch a.Role {
	case RoleDepartment, RoleAdmin:
		return nil
	case RoleDistrict, RoleCommune:
		if (op == OpReplace || op == OpPatch) && len(l.DistrictFields()) > 0 {
			return nil
		}
		return &ForbiddenError{Reason: fmt.Sprintf("a %[1]s user changes only the stage, occupancy, infrastructure and contact of clusters in its %[1]s", a.Role)}
	}
	return &ForbiddenError{Reason: "no write access"}
}

func notEditable(l *geo.Layer) error {
	return &ForbiddenError{Reason: fmt.Sprintf("layer %s is not editable (import only)", l.ID)}
}

// Actor is who writes, and why: the settings every write transaction carries into its history.
type Actor struct {
	User string
	Role string
	// Scope is the user's territory (district, commune or province), which the database's policies read.
	Scope
	RequestID string
	Comment   string
	// Proposal links the versions a proposal's approval writes to that proposal.
	Proposal int64
	// Key, on a create, makes it happen once: a repeat with the same key and the same request is
	// answered with what the first made (once.go).
	Key string
}

// ActorOf is the actor of a principal's request.
func ActorOf(p *Principal, requestID, comment string) Actor {
	if p == nil {
		return Actor{Role: RoleAnonymous, RequestID: requestID, Comment: comment}
	}
	return Actor{User: p.Name, Role: p.Role, Scope: p.Scope, RequestID: requestID, Comment: comment}
}

// Errors of the write side; the server maps them to statuses.
var (
	// ErrForbidden: the database (or the workflow) refused the write to this user.
	ErrForbidden = errors.New("forbidden")
	// ErrPreconditionRequired: a change of an existing feature named no version.
	ErrPreconditionRequired = errors.New("the change must name the version it changes")
	// ErrUnauthorized: bad credentials, an expired or revoked session, or a disabled user.
	ErrUnauthorized = errors.New("unauthorized")
)

// ForbiddenError carries the database's reason for a refusal.
type ForbiddenError struct{ Reason string }

func (e *ForbiddenError) Error() string { return "forbidden: " + e.Reason }
func (e *ForbiddenError) Unwrap() error { return ErrForbidden }

// StaleError means the change named a version that is no longer the feature's current one.
type StaleError struct{ Current int64 }

func (e *StaleError) Error() string {
	return fmt.Sprintf("the feature has changed: its current version is %d", e.Current)
}

// ValidationError lists why a feature or proposal cannot be written, worded as an import would.
type ValidationError struct{ Problems []string }

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid: %v", e.Problems)
}

// Store is the write side on ClusterMap's PostGIS store.
type Store struct {
	pool    *pgxpool.Pool
	reads   *geo.Store // where reads go: the primary, or a replica pinned per request
	catalog *geo.Catalog
	timeout time.Duration
	log     *slog.Logger
	// SessionTTL is how long a web session lasts.
	SessionTTL time.Duration
	// Committed, when set, is told the layers' data versions as each write transaction leaves
	// them, after it commits and before the write returns (read-your-writes for this process's
	// caches: versions.Current.Committed).
	Committed func(versions map[string]int64)
}

// New returns the write side of store.
func New(store *geo.Store, log *slog.Logger) *Store {
	if log == nil {
		log = slog.Default()
	}
	return &Store{pool: store.Pool(), reads: store, catalog: store.Catalog(), timeout: store.Timeout(), log: log, SessionTTL: 12 * time.Hour}
}

// Catalog is the layer catalog the store writes.
func (s *Store) Catalog() *geo.Catalog { return s.catalog }

func (s *Store) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// MaxCommentChars bounds a change comment, which history serves to every reader.
const MaxCommentChars = 1000

// actorSQL puts the actor into transaction-local settings: they end with the transaction, so a
// pooled connection never carries them into another request.
const actorSQL = `SELECT set_config('clustermap.user', $1, true), set_config('clustermap.role', $2, true),
	set_config('clustermap.district', $3, true), set_config('clustermap.request_id', $4, true),
	set_config('clustermap.comment', $5, true), set_config('clustermap.proposal', $6, true),
	set_config('clustermap.commune', $7, true), set_config('clustermap.province', $8, true)`

// becomeEditor makes the rest of tx run as clustermap_editor on behalf of a, so that row-level
// security and the district scope apply to every following statement.
func becomeEditor(ctx context.Context, tx pgx.Tx, a Actor) error {
	if n := utf8.RuneCountInString(a.Comment); n > MaxCommentChars {
		return &ValidationError{Problems: []string{fmt.Sprintf("the change comment has %d characters; at most %d", n, MaxCommentChars)}}
	}
	prop := ""
	if a.Proposal > 0 {
		prop = strconv.FormatInt(a.Proposal, 10)
	}
	if _, err := tx.Exec(ctx, actorSQL, a.User, a.Role, a.District, a.RequestID, a.Comment, prop, a.Commune, a.Province); err != nil {
		return fmt.Errorf("set actor: %w", err)
	}
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE clustermap_editor"); err != nil {
		return fmt.Errorf("set editor role: %w", err)
	}
	return nil
}

// lockTimeoutSQL bounds how long a write waits for a row another write holds: writers queued on
// one busy feature give up (SQLSTATE 55P03, answered 503 with Retry-After) instead of holding
// pooled connections until the whole service stops answering.
const lockTimeoutSQL = "SET LOCAL lock_timeout = '3s'"

// inTx runs fn in one transaction under the store's timeout and commits it.
func (s *Store) inTx(ctx context.Context, what string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.runTx(ctx, what, true, fn)
}

// rehearse runs fn in a transaction that is rolled back: what a write would do, seen from inside
// and then undone, with every trigger and policy of the real one.
func (s *Store) rehearse(ctx context.Context, what string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.runTx(ctx, what, false, fn)
}

func (s *Store) runTx(ctx context.Context, what string, commit bool, fn func(ctx context.Context, tx pgx.Tx) error) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.Exec(ctx, lockTimeoutSQL); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := fn(ctx, tx); err != nil {
		return classify(what, err)
	}
	if !commit {
		return nil // the deferred rollback undoes it
	}
	var after map[string]int64
	if s.Committed != nil {
		// The layers' versions are bumped by deferred triggers (migrations/00020): fired now, at
		// the end of the work, so that the versions read here include this write's.
		if _, err := tx.Exec(ctx, "SET CONSTRAINTS ALL IMMEDIATE"); err != nil {
			return classify(what, err)
		}
		if after, err = versions.ReadIn(ctx, tx); err != nil {
			return classify(what, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return classify(what, err)
	}
	if after != nil {
		s.Committed(after)
	}
	return nil
}

// forbiddenReason says in the user's terms why PostgreSQL refused a write (SQLSTATE 42501). A
// row-level security refusal ("new row violates row-level security policy for table …") means the
// row is outside the writer's remit: for a district user, a boundary not wholly inside its district
// or a row of another district. Other privilege refusals keep the database's text.
func forbiddenReason(pe *pgconn.PgError) string {
	if !strings.Contains(pe.Message, "row-level security") {
		return pe.Message
	}
	switch {
	case pe.TableName == "cluster_events" || strings.Contains(pe.Message, `table "cluster_events"`):
		return "recording this step is outside your remit: the Department records the province's decisions (founding, expansion, plans, investment policy, investor); a commune office records the building and operating steps of its own clusters"
	case pe.TableName == "attachments" || strings.Contains(pe.Message, `table "attachments"`):
		return "attaching a document here is outside your remit: documents go with the clusters, events and proposals you may write"
	}
	what := "the feature"
	if pe.TableName == "proposals" || strings.Contains(pe.Message, `table "proposals"`) {
		what = "the proposal"
	}
	return what + " is outside your remit: a district user writes only inside its own district, and the whole boundary must lie within it"
}

// classify turns the database's refusals into the package's errors: a privilege or row-level
// security refusal is ErrForbidden, a broken constraint or a bad value a ValidationError.
func classify(what string, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", what, err)
	}
	switch {
	case pe.Code == "42501":
		return &ForbiddenError{Reason: forbiddenReason(pe)}
	case len(pe.Code) == 5 && (pe.Code[:2] == "23" || pe.Code[:2] == "22"):
		return &ValidationError{Problems: []string{ingest.PGMessage(err)}}
	}
	return fmt.Errorf("%s: %w", what, err)
}
