package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/clustermap/clustermap/geo"
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
)

// retryAfterTimeout is the Retry-After (seconds) of a 503 for a database that did not answer in
// time: a statement timeout means the database is saturated, which takes longer to clear than a
// momentary queue.
const retryAfterTimeout = 5

// StatusOf maps an error to its HTTP status: client mistakes are 4xx; a database too slow or too
// busy to answer in time is 503 (overload: retry later, not a bug); anything else 500.
func StatusOf(err error) (int, string) {
	var he *Error
	var ie *geo.InputError
	switch {
	case errors.As(err, &he):
		return he.Status, he.Msg
	case errors.As(err, &ie):
		return http.StatusBadRequest, ie.Msg
	case errors.Is(err, geo.ErrNotFound):
		return http.StatusNotFound, "not found"
	}
	if dbTimeout(err) != "" {
		return http.StatusServiceUnavailable, "the database did not answer in time; retry later"
	}
	return http.StatusInternalServerError, "internal error"
}

// dbTimeout names the kind of database slowness behind err, or "" when err is something else.
// PostgreSQL cancels a statement past statement_timeout with SQLSTATE 57014; a deadline that
// passed while waiting for a pooled connection or for the answer is a context error.
func dbTimeout(err error) string {
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == "57014":
		return timeoutStatement
	case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
		return timeoutWait
	}
	return ""
}

// WriteErrors is the one place that writes error bodies: {"error": "..."} with the right status.
func WriteErrors(log *slog.Logger, m *Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 {
			return
		}
		err := c.Errors.Last().Err
		status, msg := StatusOf(err)
		if c.Request.Context().Err() != nil && status >= http.StatusInternalServerError {
			// The client left; the query was cancelled with it. Nothing to answer.
			log.Info("request cancelled", "request_id", RequestID(c), "path", c.Request.URL.Path)
			c.Abort()
			return
		}
		if kind := dbTimeout(err); kind != "" && m != nil {
			m.timeouts.WithLabelValues(kind).Inc()
			c.Header("Retry-After", strconv.Itoa(retryAfterTimeout))
		}
		if status >= 500 {
			log.Error("request failed", "request_id", RequestID(c), "path", c.Request.URL.Path, "err", err)
		}
		if !c.Writer.Written() {
			c.AbortWithStatusJSON(status, gin.H{"error": msg})
		}
	}
}

// IsClientError reports whether err is answered with a 4xx: the client's mistake, not the server's.
func IsClientError(err error) bool {
	status, _ := StatusOf(err)
	return status >= 400 && status < 500
}
