package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
)

// Error is an error with the status the client should see. Handlers return it (or any error)
// through c.Error; WriteErrors turns it into the JSON body and the log line.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// NewError is an error answered with status and msg.
func NewError(status int, msg string) error { return &Error{Status: status, Msg: msg} }

// BadRequest is a 400 saying msg.
func BadRequest(msg string) error { return NewError(http.StatusBadRequest, msg) }

// NotFound is a 404 saying msg.
func NotFound(msg string) error { return NewError(http.StatusNotFound, msg) }

// Kinds of database slowness, as counted in clustermap_db_timeouts_total.
const (
	timeoutStatement = "statement"
	timeoutWait      = "wait"
	timeoutLock      = "lock"
	// The database cannot answer: down or not yet accepting connections (no connection was
	// made), or out of disk, memory or connections (the statement was refused). Nothing was
	// written; the client should retry later.
	timeoutUnavailable = "unavailable"
)

// retryAfterTimeout is the Retry-After (seconds) of a 503 for a database that did not answer in
// time: a statement timeout means the database is saturated, which takes longer to clear than a
// momentary queue.
const retryAfterTimeout = 5

// answer is what a client is told about an error: the status and the JSON body, with the current
// version's ETag when a write named a stale one.
type answer struct {
	status int
	body   gin.H
	etag   string
}

// answerOf maps an error to its answer: client mistakes are 4xx (the write side's refusals
// included: 403 forbidden, 412 stale with the current version, 428 no version named, 422 invalid
// with the reasons); a database too slow or too busy to answer in time is 503 (overload: retry
// later, not a bug); anything else 500.
func answerOf(err error) answer {
	var he *Error
	var ie *geo.InputError
	var stale *edit.StaleError
	var invalid *edit.ValidationError
	var forbidden *edit.ForbiddenError
	var unsupported *edit.UnsupportedTypeError
	switch {
	case errors.As(err, &unsupported):
		return answer{status: http.StatusUnsupportedMediaType, body: gin.H{"error": unsupported.Reason}}
	case errors.As(err, &he):
		return answer{status: he.Status, body: gin.H{"error": he.Msg}}
	case errors.As(err, &ie):
		return answer{status: http.StatusBadRequest, body: gin.H{"error": ie.Msg}}
	case errors.Is(err, geo.ErrNotFound):
		return answer{status: http.StatusNotFound, body: gin.H{"error": "not found"}}
	case errors.As(err, &stale):
		tag := VersionTag(stale.Current)
		return answer{status: http.StatusPreconditionFailed, etag: tag, body: gin.H{
			"error":           "the feature has changed since you read it; read it again and reapply your change",
			"current_version": stale.Current, "etag": tag}}
	case errors.Is(err, edit.ErrPreconditionRequired):
		return answer{status: http.StatusPreconditionRequired, body: gin.H{"error": "send If-Match with the ETag of the version you change"}}
	case errors.As(err, &invalid):
		return answer{status: http.StatusUnprocessableEntity, body: gin.H{"error": "the feature is not valid", "reasons": invalid.Problems}}
	case errors.As(err, &forbidden):
		return answer{status: http.StatusForbidden, body: gin.H{"error": forbidden.Reason}}
	}
	switch dbTimeout(err) {
	case "":
	case timeoutLock:
		return answer{status: http.StatusServiceUnavailable, body: gin.H{"error": "another change of the same feature is under way; retry shortly"}}
	case timeoutUnavailable:
		return answer{status: http.StatusServiceUnavailable, body: gin.H{"error": "the database is not available; retry later"}}
	default:
		return answer{status: http.StatusServiceUnavailable, body: gin.H{"error": "the database did not answer in time; retry later"}}
	}
	return answer{status: http.StatusInternalServerError, body: gin.H{"error": "internal error"}}
}

// StatusOf maps an error to its HTTP status and message (see answerOf).
func StatusOf(err error) (int, string) {
	a := answerOf(err)
	msg, _ := a.body["error"].(string)
	return a.status, msg
}

// dbTimeout names the kind of database slowness behind err, or "" when err is something else.
// PostgreSQL cancels a statement past statement_timeout with SQLSTATE 57014; a deadline that
// passed while waiting for a pooled connection or for the answer is a context error.
func dbTimeout(err error) string {
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == "57014":
		return timeoutStatement
	case errors.As(err, &pe) && pe.Code == "55P03": // lock_timeout: the row is busy with another write
		return timeoutLock
	case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
		return timeoutWait
	case errors.As(err, &pe) && databaseUnavailable(pe.Code):
		return timeoutUnavailable
	case errors.As(err, new(*pgconn.ConnectError)):
		return timeoutUnavailable
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return timeoutUnavailable
	}
	return ""
}

// databaseUnavailable: SQLSTATE class 53 (insufficient resources: disk full, out of memory, too
// many connections), whose statement wrote nothing, and 57P03 (not yet accepting connections).
// A connection lost mid-request (class 08, 57P01/57P02) is not here: it may have lost a commit's
// answer, so it stays a 500 ("read the item before retrying").
func databaseUnavailable(code string) bool {
	return strings.HasPrefix(code, "53") || code == "57P03"
}

// WriteErrors is the one place that writes error bodies: {"error": "..."} (and the write side's
// details) with the right status.
func WriteErrors(log *slog.Logger, m *Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 {
			return
		}
		err := c.Errors.Last().Err
		a := answerOf(err)
		if c.Request.Context().Err() != nil && a.status >= http.StatusInternalServerError {
			// The client left; the query was cancelled with it. Nothing to answer.
			log.Info("request cancelled", "request_id", RequestID(c), "path", c.Request.URL.Path)
			c.Abort()
			return
		}
		if kind := dbTimeout(err); kind != "" {
			if m != nil {
				m.timeouts.WithLabelValues(kind).Inc()
			}
			c.Header("Retry-After", strconv.Itoa(retryAfterTimeout))
		}
		var forbidden *edit.ForbiddenError
		switch {
		case a.status == http.StatusServiceUnavailable:
			// Shed on purpose (a bound reached, a database too busy): overload, not a bug.
			log.Warn("request shed", "request_id", RequestID(c), "path", c.Request.URL.Path, "err", err)
		case a.status >= 500:
			log.Error("request failed", "request_id", RequestID(c), "path", c.Request.URL.Path, "err", err)
		case errors.As(err, &forbidden):
			log.Warn("write refused", "request_id", RequestID(c), "reason", forbidden.Reason)
		}
		if a.etag != "" {
			c.Header("ETag", a.etag)
		}
		if !c.Writer.Written() {
			c.AbortWithStatusJSON(a.status, a.body)
		}
	}
}

// IsClientError reports whether err is answered with a 4xx: the client's mistake, not the server's.
func IsClientError(err error) bool {
	status, _ := StatusOf(err)
	return status >= 400 && status < 500
}
